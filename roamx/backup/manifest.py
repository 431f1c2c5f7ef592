"""The archive's format: a zip holding ``manifest.json`` (format, versions, counts, the sha256 of every
other member), ``data.json`` (the rows) and ``files/<storage name>`` (attachments and report logos);
reading one back verifies every member against the manifest before anything is restored."""

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

from django.db import connections
from django.db.migrations.recorder import MigrationRecorder

from roamx.backup.coverage import COVERED

FORMAT = "roamx-assessment"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = {1}
MANIFEST = "manifest.json"
DATA = "data.json"
FILES_PREFIX = "files/"
SUFFIX = ".roamx.zip"


class BackupError(Exception):
    """A refusal with a message for the person at the command line."""


def roamx_version():
    try:
        return package_version("roamx")
    except PackageNotFoundError:
        return "unknown"


def applied_migrations(using):
    recorder = MigrationRecorder(connections[using])
    app_labels = {label.split(".")[0] for label in COVERED}
    applied = sorted((app, name) for app, name in recorder.applied_migrations() if app in app_labels)
    result = {}
    for app, name in applied:
        result.setdefault(app, []).append(name)
    return result


def sha256_of(stream):
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# ---- reading an archive ---------------------------------------------------------------------------------


@dataclass
class Archive:
    path: Path
    manifest: dict
    data: dict
    zip: zipfile.ZipFile = field(repr=False)

    def close(self):
        self.zip.close()


def open_archive(path):
    """Open and verify an archive: a roamx archive of a known version whose every member has its hash."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file.") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{path} is damaged or not a roamx archive (not a readable zip: {exc}).") from None
    try:
        return _verify(path, archive)
    except BaseException:
        archive.close()
        raise


def read_member(archive, path, name):
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        # zlib.error is an Exception subclass raised for corrupt deflate data; catch it too.
        raise BackupError(f"{path} is damaged: {name} cannot be read ({exc}).") from None
    except Exception as exc:
        raise BackupError(f"{path} is damaged: {name} cannot be read ({exc}).") from None


def load_json(path, name, body):
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is damaged: {name} is not valid JSON.") from None
    except RecursionError:  # roamx writes at most five levels
        raise BackupError(f"{path} is damaged: {name} is nested too deeply to be a roamx archive.") from None


def _verify(path, archive):
    names = set(archive.namelist())
    if MANIFEST not in names:
        raise BackupError(f"{path} is not a roamx archive: it has no {MANIFEST}.")
    manifest = load_json(path, MANIFEST, read_member(archive, path, MANIFEST))
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path} is not a roamx archive (its manifest is not a {FORMAT} manifest).")
    version = manifest.get("format_version")
    if version not in SUPPORTED_VERSIONS:
        raise BackupError(
            f"{path} has archive format version {version!r}, which this roamx ({roamx_version()}) cannot "
            f"read (it reads version {', '.join(map(str, sorted(SUPPORTED_VERSIONS)))})."
        )
    listed = manifest.get("files")
    if not isinstance(listed, dict) or DATA not in listed:
        raise BackupError(f"{path} is damaged: its manifest lists no {DATA}.")
    missing = sorted(set(listed) - names)
    if missing:
        raise BackupError(f"{path} is damaged: members missing: {', '.join(missing)}.")
    unlisted = sorted(names - set(listed) - {MANIFEST})
    if unlisted:
        raise BackupError(f"{path} holds members its manifest does not list: {', '.join(unlisted)}.")
    for name in sorted(listed):
        try:
            with archive.open(name) as stream:
                digest, size = sha256_of(stream)
        except Exception as exc:
            raise BackupError(f"{path} is damaged: {name} cannot be read ({exc}).") from None
        expected = listed[name]
        if not isinstance(expected, dict) or digest != expected.get("sha256") or size != expected.get("size"):
            raise BackupError(f"{path} is damaged: {name} does not match the sha256 in its manifest.")
    body = read_member(archive, path, DATA)
    # The bytes parsed are the bytes whose hash was checked.
    if hashlib.sha256(body).hexdigest() != listed[DATA]["sha256"]:
        raise BackupError(f"{path} is damaged: {DATA} does not match the sha256 in its manifest.")
    data = load_json(path, DATA, body)
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise BackupError(f"{path} is damaged: {DATA} has no models.")
    counts = {label: len(rows) for label, rows in data["models"].items()}
    if counts != manifest.get("counts"):
        raise BackupError(f"{path} is damaged: the rows in {DATA} do not match the manifest's counts.")
    return Archive(path=path, manifest=manifest, data=data, zip=archive)
