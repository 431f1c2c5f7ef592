"""Evidence attachments: what we accept is decided by the file's content, not by its name."""

import errno
import logging
import re
import zipfile
from pathlib import PurePosixPath

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)

# What a storage raises when it cannot write: the disk (OSError) or the object store (botocore's errors:
# unreachable endpoint, refused credentials, missing bucket; docs/operations.md).
STORAGE_ERRORS = (OSError, BotoCoreError, ClientError)

# kind: (content type, extensions a file of that kind may carry)
KINDS = {
    "pdf": ("application/pdf", {".pdf"}),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", {".docx"}),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", {".xlsx"}),
    "csv": ("text/csv", {".csv"}),
    "png": ("image/png", {".png"}),
    "jpeg": ("image/jpeg", {".jpg", ".jpeg"}),
}
ACCEPTED_NAMES = "PDF, DOCX, XLSX, CSV, PNG, JPEG"


# Names Windows keeps for devices, with any extension ("CON.pdf" too).
RESERVED_NAMES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    *(f"COM{i}" for i in range(10)),
    *(f"LPT{i}" for i in range(10)),
}
# Bytes, not characters: a file system's limit is 255 bytes, and browsers add " (1)" to repeated names.
MAX_NAME_BYTES = 200
MAX_SUFFIX = 16


def _truncate(text, max_bytes):
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def safe_file_name(name):
    """An uploader's file name made safe for any browser, disk and log; its extension kept.

    Used when a file is stored (the name kept on the row, and the extension of the storage name) and
    again on download, for rows stored before: no control or format characters (newlines, NUL, the
    right-to-left override that disguises an extension), no folders, no leading dot, no trailing dots or
    spaces, no device name (``CON``, ``NUL``, ``COM1``… get a leading ``_``), at most MAX_NAME_BYTES bytes.
    """
    name = "".join(ch for ch in name or "" if ch.isprintable())
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip().lstrip(".").strip().rstrip(". ")
    if not name:
        return "attachment"
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem or len(suffix) > MAX_SUFFIX:
        stem, suffix = name, ""
    if stem.split(".", 1)[0].upper() in RESERVED_NAMES:
        stem = "_" + stem
    suffix = f".{suffix}" if suffix else ""
    stem = _truncate(stem, MAX_NAME_BYTES - len(suffix.encode("utf-8"))).rstrip(". ") or "attachment"
    return stem + suffix


def safe_suffix(name):
    """The extension of the cleaned name, lower case, when it is plain letters and digits ("" otherwise)."""
    suffix = PurePosixPath(safe_file_name(name)).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,10}", suffix) else ""


def max_bytes():
    return settings.ATTACHMENT_MAX_BYTES


def _office_kind(upload):
    """DOCX and XLSX are zip packages; tell them apart by their declared main part and its folder."""
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as package:
            names = set(package.namelist())
            if "[Content_Types].xml" not in names:
                return None
            types = package.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError):
        return None
    finally:
        upload.seek(0)
    if "wordprocessingml.document.main+xml" in types and "word/document.xml" in names:
        return "docx"
    if "spreadsheetml.sheet.main+xml" in types and any(n.startswith("xl/") for n in names):
        return "xlsx"
    return None


def _is_text(upload):
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    if not data or b"\x00" in data:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def sniff(upload):
    """The kind of file the content shows (a key of KINDS), or None."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    if _is_text(upload):
        return "csv"
    return None


def check_upload(upload):
    """Validate an uploaded file; return (kind, content type). Raises ValidationError with the reason."""
    if upload.size > max_bytes():
        raise ValidationError(
            _("“%(name)s” is %(size)s; attachments may be at most %(max)s.")
            % {"name": upload.name, "size": filesizeformat(upload.size), "max": filesizeformat(max_bytes())}
        )
    suffix = PurePosixPath(upload.name).suffix.lower()
    kind = sniff(upload)
    if kind is None:
        raise ValidationError(
            _("“%(name)s” is not a file we accept: its content is not %(kinds)s.")
            % {"name": upload.name, "kinds": ACCEPTED_NAMES}
        )
    content_type, suffixes = KINDS[kind]
    if kind == "csv" and suffix != ".csv":
        # Any text could pass the CSV check; only a file named .csv is taken as one.
        raise ValidationError(
            _("“%(name)s” is not a file we accept: its content is not %(kinds)s.")
            % {"name": upload.name, "kinds": ACCEPTED_NAMES}
        )
    if suffix not in suffixes:
        raise ValidationError(
            _("“%(name)s” holds a %(kind)s file but its name ends in “%(suffix)s”; rename it to match.")
            % {"name": upload.name, "kind": kind.upper(), "suffix": suffix or _("(nothing)")}
        )
    return kind, content_type


class StorageFailed(Exception):
    """An uploaded file could not be written: disk full, read-only or forbidden storage."""

    def __init__(self, name, error):
        self.name, self.error = name, error
        super().__init__(f"{name}: {error}")

    @property
    def reason(self):
        if isinstance(self.error, BotoCoreError | ClientError):
            return _("the server's object storage did not accept it")
        if self.error.errno in (errno.ENOSPC, errno.EDQUOT):
            return _("the server's disk is full")
        if self.error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            return _("the server may not write to its file storage")
        return _("the server's file storage failed (%s)") % (self.error.strerror or self.error)

    @property
    def message(self):
        return _(
            "“%(name)s” could not be stored: %(reason)s. Your other changes were saved; upload the file "
            "again later, or tell an administrator."
        ) % {"name": self.name, "reason": self.reason}


def store_upload(field_file):
    """Write a just-uploaded file to its storage now, before its row is saved.

    Saving the row would write it too (FileField.pre_save), but a failure there leaves whatever part of
    the file was written (Django's FileSystemStorage does not remove it) and fails the whole request.
    Here the name is chosen first, so on a storage error that part is removed and StorageFailed raised: the
    caller leaves the row unsaved and tells the user, and the rest of the form is kept.
    """
    if field_file._committed:  # the flag FileField.pre_save reads: nothing new to write
        return
    field, instance, upload = field_file.field, field_file.instance, field_file.file
    storage = field.storage
    # The storage name is made from the cleaned name (upload_to functions see no path parts, control
    # characters or hostile extensions).
    name = None
    try:
        # On an object store, choosing the name already asks the server (does the name exist?).
        name = storage.get_available_name(
            field.generate_filename(instance, safe_file_name(upload.name)), field.max_length
        )
        saved = storage.save(name, upload, max_length=field.max_length)
    except STORAGE_ERRORS as exc:
        log.error("Could not store upload %s as %s: %s", upload.name, name, exc)
        try:
            if name and storage.exists(name):
                storage.delete(name)
        except STORAGE_ERRORS:
            log.exception("Could not remove the partly written %s", name)
        raise StorageFailed(PurePosixPath(upload.name).name, exc) from exc
    # As FieldFile.save does.
    setattr(instance, field.attname, saved)
