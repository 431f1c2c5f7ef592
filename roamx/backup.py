"""One assessment as one archive, and back: ``manage.py export_assessment`` / ``import_assessment``.

It spans the apps (assessments, review, reports), like the demo, so it lives in the project app.

The archive is a zip holding ``manifest.json`` (format, versions, counts, the sha256 of every other
member), ``data.json`` (the rows) and ``files/<storage name>`` (attachments and report logos).

Rows go through Django's ``python`` serializer both ways, so every field is converted by Django itself,
and restored rows are saved with ``raw=True`` like ``loaddata`` does: ``created``/``updated`` keep their
values, ``save()`` overrides and history signals do not run, and history rows are copied, not made.
What the serializers cannot do is give restored rows new primary keys — ``loaddata`` keeps them, and a
database that has its own assessments already uses them — so this module remaps ids itself:

- Every id of an archived model that the archive mentions (live rows, the ids of deleted objects that
  only history still knows, generic ``object_id``s, ``LastSeen.history_id``) gets a new id reserved
  from that table's own sequence, in the original order, so ordering by pk (comments,
  recommendations) is unchanged and an id of a deleted object never collides with a later row.
- Rows outside the assessment are written by natural key: users by username, the framework by its
  edition code, indicators and categories by (edition, code), content types by (app label, model).
"""

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.serializers.base import DeserializationError
from django.db import connections, models, transaction
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "roamx-assessment"
FORMAT_VERSION = 1
SUPPORTED_VERSIONS = {1}
MANIFEST = "manifest.json"
DATA = "data.json"
FILES_PREFIX = "files/"
SUFFIX = ".roamx.zip"

# What an assessment's backup holds, in restore order. Each name maps to the rows of one assessment.
COVERED = [
    "assessments.assessment",
    "assessments.membership",
    "assessments.source",
    "assessments.finding",
    "assessments.citation",
    "assessments.datapoint",
    "assessments.attachment",
    "assessments.historicalsource",
    "assessments.historicalfinding",
    "assessments.historicalcitation",
    "assessments.historicaldatapoint",
    "reports.report",
    "reports.reportsection",
    "reports.recommendation",
    "review.comment",
    "review.vote",
    "review.lastseen",
    "review.notification",
    "review.notificationpreference",
]
# Rows that belong to an assessment but are left out on purpose (docs/backups.md says so).
EXCLUDED = {
    "reports.reportexport": "rendered PDFs: pressing Export renders them again from the restored content",
    "reports.chaptercache": "a cache of rendered chapters, rebuilt by the next export",
}
# Ids that are not foreign keys but point at archived rows.
GENERIC_REFS = {"review.comment": ("content_type", "object_id")}
PLAIN_REFS = {"review.lastseen": {"history_id": "assessments.historicalfinding"}}
USER_FIELDS = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]


class BackupError(Exception):
    """A refusal with a message for the person at the command line."""


def label_of(model):
    return model._meta.label_lower


def installed(labels):
    present = []
    for label in labels:
        try:
            apps.get_model(label)
        except LookupError:
            continue
        present.append(label)
    return present


def tracked_model(model):
    """The model a django-simple-history model records, or None."""
    return getattr(model, "instance_type", None)


def roamx_version():
    try:
        return package_version("roamx")
    except PackageNotFoundError:
        return "unknown"


# ---- which rows ----------------------------------------------------------------------------------------


def notification_belongs(url, code):
    return urlsplit(url).path.startswith(f"/a/{code}/")


def rows_for(assessment):
    """{label: queryset} of every covered model's rows that belong to the assessment."""
    a = assessment
    finding_ids = set(a.findings.values_list("pk", flat=True))
    qs = {}

    def model(label):
        return apps.get_model(label)

    labels = set(installed(COVERED))
    qs["assessments.assessment"] = model("assessments.assessment").objects.filter(pk=a.pk)
    qs["assessments.membership"] = model("assessments.membership").objects.filter(assessment=a)
    qs["assessments.source"] = model("assessments.source").objects.filter(assessment=a)
    qs["assessments.finding"] = model("assessments.finding").objects.filter(assessment=a)
    for name in ("citation", "datapoint", "attachment"):
        qs[f"assessments.{name}"] = model(f"assessments.{name}").objects.filter(finding__assessment=a)
    for name in ("source", "finding"):
        qs[f"assessments.historical{name}"] = model(f"assessments.historical{name}").objects.filter(
            assessment_id=a.pk
        )
    # Findings whose rows were deleted are still the assessment's if their history says so.
    finding_ids |= set(qs["assessments.historicalfinding"].values_list("id", flat=True))
    for name in ("citation", "datapoint"):
        qs[f"assessments.historical{name}"] = model(f"assessments.historical{name}").objects.filter(
            finding_id__in=finding_ids
        )
    if "reports.report" in labels:
        for name in ("report", "reportsection", "recommendation"):
            qs[f"reports.{name}"] = model(f"reports.{name}").objects.filter(assessment=a)
    if "review.comment" in labels:
        qs["review.comment"] = model("review.comment").objects.filter(assessment=a)
        qs["review.vote"] = model("review.vote").objects.filter(finding__assessment=a)
        qs["review.lastseen"] = model("review.lastseen").objects.filter(finding__assessment=a)
        candidates = model("review.notification").objects.filter(url__contains=f"/a/{a.code}/")
        qs["review.notification"] = candidates.filter(
            pk__in=[
                pk for pk, url in candidates.values_list("pk", "url") if notification_belongs(url, a.code)
            ]
        )
        # Preferences are per person, not per assessment: those of the people in the archive
        # (filled in by export_rows once the people are known).
        qs["review.notificationpreference"] = None
    return {label: qs[label] for label in COVERED if label in qs}


def related_to_assessment(candidates=None):
    """Every model whose rows hang off an assessment: a relation to it, or to such a model."""
    candidates = list(apps.get_models() if candidates is None else candidates)
    found = {apps.get_model("assessments", "Assessment")}
    changed = True
    while changed:
        changed = False
        for model in candidates:
            if model in found:
                continue
            if any(
                f.is_relation and f.concrete and f.related_model in found for f in model._meta.get_fields()
            ):
                found.add(model)
                changed = True
    return {label_of(m) for m in found}


# ---- references ----------------------------------------------------------------------------------------


def reference_kind(related, archived):
    """How a relation to ``related`` is written in the archive, or None if there is no rule for it."""
    label = label_of(related)
    if related is get_user_model():
        return "user"
    if related is ContentType:
        return "contenttype"
    if label == "indicators.framework":
        return "framework"
    if label in ("indicators.indicator", "indicators.category"):
        return "catalogue"
    if label in archived:
        return "archived"
    return None


def relation_fields(model):
    """(field, is_m2m) for the model's concrete relations the serializer writes."""
    result = []
    for f in model._meta.local_fields:
        if f.is_relation:
            result.append((f, False))
    for f in model._meta.local_many_to_many:
        if f.remote_field.through._meta.auto_created:
            result.append((f, True))
    return result


def coverage_problems(candidates=None):
    """What a backup would miss: the tests hold this empty, so a new model or relation gets a decision."""
    problems = []
    archived = set(installed(COVERED))
    for label in sorted(related_to_assessment(candidates) - archived - set(EXCLUDED)):
        problems.append(f"{label} belongs to an assessment but is neither in COVERED nor in EXCLUDED")
    for label in archived:
        model = apps.get_model(label)
        for f, _m2m in relation_fields(model):
            if reference_kind(f.related_model, archived) is None:
                problems.append(f"{label}.{f.name} refers to {label_of(f.related_model)}, which has no rule")
    return problems


# ---- JSON ----------------------------------------------------------------------------------------------


def encode(value):
    # Not DjangoJSONEncoder: it cuts datetimes to milliseconds, and a backup keeps what the database has.
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        raise TypeError("binary fields are not archived")
    raise TypeError(f"cannot archive {type(value).__name__}")


def sha256_of(stream):
    digest = hashlib.sha256()
    size = 0
    for chunk in iter(lambda: stream.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# ---- export --------------------------------------------------------------------------------------------


@dataclass
class Exported:
    path: Path
    counts: dict
    files: int
    bytes: int


def default_output(code, now=None):
    now = now or datetime.now(UTC)
    return Path(f"{code}-{now:%Y%m%dT%H%M%SZ}{SUFFIX}")


def export_assessment(code, output=None, *, using="default"):
    """Write the assessment's archive; returns what was written. Raises BackupError when refused."""
    Assessment = apps.get_model("assessments", "Assessment")
    now = datetime.now(UTC)
    output = Path(output) if output else default_output(code, now)
    if output.is_dir():
        output = output / default_output(code, now)
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            # One snapshot for every query, even while the team keeps working.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        try:
            assessment = Assessment.objects.using(using).select_related("framework").get(code=code)
        except Assessment.DoesNotExist:
            raise BackupError(f"There is no assessment with the code {code!r}.") from None
        data, files = export_rows(assessment)
        counts = {label: len(rows) for label, rows in data["models"].items()}
        payload = json.dumps(data, default=encode, ensure_ascii=False, indent=1).encode()
        missing = [name for name, f in files.items() if not f.storage.exists(f.name)]
        if missing:
            raise BackupError(
                "These files are in the database but missing from storage, so the archive would lose them: "
                + ", ".join(sorted(missing))
            )
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "roamx_version": roamx_version(),
            "exported_at": now.isoformat(),
            "assessment": assessment.code,
            "framework": assessment.framework.code,
            "migrations": applied_migrations(using),
            "counts": counts,
            "users": len(data["users"]),
            "files": {},
        }
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        total = 0
        try:
            # Names, emails, comments and unpublished evidence: readable by the owner only.
            partial.touch(mode=0o600)
            partial.chmod(0o600)
            with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(DATA, payload)
                manifest["files"][DATA] = {
                    "sha256": hashlib.sha256(payload).hexdigest(),
                    "size": len(payload),
                }
                for name in sorted(files):
                    member = FILES_PREFIX + name
                    with files[name].storage.open(name, "rb") as src, archive.open(member, "w") as dst:
                        digest = hashlib.sha256()
                        size = 0
                        for chunk in iter(lambda s=src: s.read(1 << 20), b""):
                            digest.update(chunk)
                            dst.write(chunk)
                            size += len(chunk)
                    manifest["files"][member] = {"sha256": digest.hexdigest(), "size": size}
                    total += size
                archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
            # Only a complete archive gets the final name.
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    return Exported(path=output, counts=counts, files=len(files), bytes=total)


def applied_migrations(using):
    recorder = MigrationRecorder(connections[using])
    app_labels = {label.split(".")[0] for label in COVERED}
    applied = sorted((app, name) for app, name in recorder.applied_migrations() if app in app_labels)
    result = {}
    for app, name in applied:
        result.setdefault(app, []).append(name)
    return result


def export_rows(assessment):
    """({"users": [...], "models": {label: [rows]}}, {storage name: FieldFile})."""
    framework = assessment.framework
    archived = set(installed(COVERED))
    catalogue = {
        "indicators.indicator": dict(
            apps.get_model("indicators.indicator")
            .objects.filter(framework=framework)
            .values_list("pk", "code")
        ),
        "indicators.category": dict(
            apps.get_model("indicators.category")
            .objects.filter(framework=framework)
            .values_list("pk", "code")
        ),
    }
    User = get_user_model()
    user_names = {}
    content_types = {}
    files = {}

    def user_name(pk):
        if pk not in user_names:
            user_names[pk] = User.objects.filter(pk=pk).values_list("username", flat=True).first()
        return user_names[pk]

    def content_type(pk):
        if pk not in content_types:
            ct = ContentType.objects.get_for_id(pk)
            content_types[pk] = [ct.app_label, ct.model]
        return content_types[pk]

    def write_ref(kind, related, value):
        if value is None:
            return None
        if kind == "user":
            return user_name(value)
        if kind == "contenttype":
            return content_type(value)
        if kind == "framework":
            return framework.code if value == framework.pk else None
        if kind == "catalogue":
            code = catalogue[label_of(related)].get(value)
            return None if code is None else [framework.code, code]
        return value

    querysets = rows_for(assessment)
    out = {}
    for label, queryset in querysets.items():
        if queryset is None:
            continue
        model = apps.get_model(label)
        rules = [(f, m2m, reference_kind(f.related_model, archived)) for f, m2m in relation_fields(model)]
        file_fields = [f for f in model._meta.local_fields if isinstance(f, models.FileField)]
        prefetch = [f.name for f, m2m, _kind in rules if m2m]
        rows = []
        objects = list(queryset.order_by("pk").prefetch_related(*prefetch))
        for obj, row in zip(objects, serializers.serialize("python", objects), strict=True):
            fields = row["fields"]
            for f, m2m, kind in rules:
                if m2m:
                    fields[f.name] = [write_ref(kind, f.related_model, v) for v in fields[f.name]]
                else:
                    fields[f.name] = write_ref(kind, f.related_model, fields[f.name])
            for f in file_fields:
                fieldfile = getattr(obj, f.attname)
                if fieldfile.name:
                    files[fieldfile.name] = fieldfile
            rows.append({"pk": row["pk"], "fields": fields})
        out[label] = rows

    for label, (ct_field, _id_field) in GENERIC_REFS.items():
        for row in out.get(label, []):
            target = ".".join(row["fields"][ct_field])
            if target not in archived:
                raise BackupError(f"A {label} row is on a {target}, which the backup does not hold.")

    # The people the archive mentions, and their mail preferences.
    usernames = sorted({name for name in user_names.values() if name})
    users = list(User.objects.filter(username__in=usernames).order_by("username").values(*USER_FIELDS))
    if "review.notificationpreference" in querysets:
        Preference = apps.get_model("review.notificationpreference")
        prefs = list(
            Preference.objects.filter(user__username__in=usernames).select_related("user").order_by("pk")
        )
        out["review.notificationpreference"] = [
            {"pk": row["pk"], "fields": {**row["fields"], "user": pref.user.username}}
            for pref, row in zip(prefs, serializers.serialize("python", prefs), strict=True)
        ]
    return {"users": users, "models": {label: out[label] for label in COVERED if label in out}}, files


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


def _read(archive, path, name):
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        # zlib.error is an Exception subclass raised for corrupt deflate data; catch it too.
        raise BackupError(f"{path} is damaged: {name} cannot be read ({exc}).") from None
    except Exception as exc:
        raise BackupError(f"{path} is damaged: {name} cannot be read ({exc}).") from None


def _verify(path, archive):
    names = set(archive.namelist())
    if MANIFEST not in names:
        raise BackupError(f"{path} is not a roamx archive: it has no {MANIFEST}.")
    try:
        manifest = json.loads(_read(archive, path, MANIFEST))
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is damaged: {MANIFEST} is not valid JSON.") from None
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
    body = _read(archive, path, DATA)
    # The bytes parsed are the bytes whose hash was checked.
    if hashlib.sha256(body).hexdigest() != listed[DATA]["sha256"]:
        raise BackupError(f"{path} is damaged: {DATA} does not match the sha256 in its manifest.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise BackupError(f"{path} is damaged: {DATA} is not valid JSON.") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict):
        raise BackupError(f"{path} is damaged: {DATA} has no models.")
    counts = {label: len(rows) for label, rows in data["models"].items()}
    if counts != manifest.get("counts"):
        raise BackupError(f"{path} is damaged: the rows in {DATA} do not match the manifest's counts.")
    return Archive(path=path, manifest=manifest, data=data, zip=archive)


# ---- import --------------------------------------------------------------------------------------------


@dataclass
class Imported:
    code: str
    counts: dict
    users_matched: list
    users_created: list
    files: int
    bytes: int
    preferences_kept: int = 0


CODE_RE = re.compile(r"^[-a-zA-Z0-9_]+$")


def check_target(archive, code, using="default"):
    """Every refusal that needs the target database; writes nothing."""
    Assessment = apps.get_model("assessments", "Assessment")
    Framework = apps.get_model("indicators", "Framework")
    manifest, data = archive.manifest, archive.data
    code_field = Assessment._meta.get_field("code")
    if not CODE_RE.match(code) or len(code) > code_field.max_length:
        raise BackupError(
            f"{code!r} is not a valid assessment code (letters, digits, - and _, at most "
            f"{code_field.max_length} characters)."
        )
    if Assessment.objects.using(using).filter(code=code).exists():
        hint = (
            ""
            if code != manifest.get("assessment")
            else " Restore it under another code with --code NEW_CODE."
        )
        raise BackupError(f"An assessment with the code {code!r} already exists here.{hint}")

    applied = applied_migrations(using)
    unknown = [
        f"{app}.{name}"
        for app, names in manifest.get("migrations", {}).items()
        for name in names
        if name not in applied.get(app, [])
    ]
    if unknown:
        raise BackupError(
            "The archive was made by a roamx whose database has migrations this one lacks: "
            f"{', '.join(unknown)}. Upgrade roamx (and migrate) first."
        )
    labels = set(installed(COVERED))
    for label, rows in data["models"].items():
        if label not in labels:
            raise BackupError(f"The archive holds {label} rows, which this roamx does not restore.")
        model = apps.get_model(label)
        names = {f.name for f in model._meta.get_fields()}
        extra = sorted({name for row in rows for name in row.get("fields", {})} - names)
        if extra:
            raise BackupError(
                f"The archive's {label} rows have fields this roamx does not know: {', '.join(extra)}."
            )

    framework_code = manifest.get("framework")
    framework = Framework.objects.using(using).filter(code=framework_code).first()
    if framework is None:
        raise BackupError(
            f"The framework edition {framework_code!r} is not loaded here: run "
            f"`manage.py load_framework` for it first."
        )
    needed = {"indicators.indicator": set(), "indicators.category": set()}
    archived = set(installed(COVERED))
    for label, rows in data["models"].items():
        model = apps.get_model(label)
        for f, m2m in relation_fields(model):
            if reference_kind(f.related_model, archived) != "catalogue":
                continue
            for row in rows:
                values = row["fields"].get(f.name)
                for value in (values or []) if m2m else [values]:
                    if value is not None:
                        if value[0] != framework_code:
                            raise BackupError(
                                f"The archive refers to another framework edition ({value[0]})."
                            )
                        needed[label_of(f.related_model)].add(value[1])
    for label, codes in needed.items():
        present = set(
            apps.get_model(label)
            .objects.using(using)
            .filter(framework=framework)
            .values_list("code", flat=True)
        )
        lacking = sorted(codes - present)
        if lacking:
            what = "indicators" if label.endswith("indicator") else "categories"
            raise BackupError(
                f"The framework edition {framework_code!r} loaded here lacks {what} the archive uses: "
                f"{', '.join(lacking[:20])}{' …' if len(lacking) > 20 else ''}."
            )
    return framework


def reserve_ids(model, count, using):
    """``count`` new primary keys from the table's own sequence, ascending; later inserts never reuse them."""
    if not count:
        return []
    connection = connections[using]
    table = model._meta.db_table
    column = model._meta.pk.column
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [quote(table), column, count],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if connection.vendor == "sqlite":
            # Django's SQLite tables are AUTOINCREMENT: sqlite_sequence holds the highest id ever given.
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")
            top = cursor.fetchone()[0] or 0
            start = max(row[0] if row else 0, top)
            if row:
                cursor.execute("UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start + count, table])
            else:
                cursor.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [table, start + count]
                )
            return list(range(start + 1, start + count + 1))
    raise BackupError(f"Restoring needs PostgreSQL or SQLite, not {connection.vendor}.")


class Remapper:
    """Old id → new id for every archived model, reserved up front."""

    def __init__(self, data, archived):
        self.data = data
        self.archived = archived
        self.ids = {label: set() for label in archived}
        self.map = {}

    def collect(self):
        for label, rows in self.data["models"].items():
            model = apps.get_model(label)
            rules = [
                (f, m2m)
                for f, m2m in relation_fields(model)
                if reference_kind(f.related_model, self.archived) == "archived"
            ]
            tracked = tracked_model(model)
            for row in rows:
                self.ids[label].add(row["pk"])
                fields = row["fields"]
                for f, m2m in rules:
                    values = fields.get(f.name)
                    for value in (values or []) if m2m else [values]:
                        if value is not None:
                            self.ids[label_of(f.related_model)].add(value)
                if tracked is not None and fields.get("id") is not None:
                    self.ids[label_of(tracked)].add(fields["id"])
                if label in GENERIC_REFS:
                    ct_field, id_field = GENERIC_REFS[label]
                    self.ids[self.generic_label(fields[ct_field])].add(fields[id_field])
                for name, target in PLAIN_REFS.get(label, {}).items():
                    if fields.get(name) is not None:
                        self.ids[target].add(fields[name])

    def generic_label(self, natural_key):
        label = ".".join(natural_key)
        if label not in self.ids:
            raise BackupError(f"The archive has a comment on {label}, which the archive does not hold.")
        return label

    def reserve(self, using):
        for label, ids in self.ids.items():
            # Mail preferences are matched per person, not remapped (see _restore).
            if label == "review.notificationpreference":
                continue
            new = reserve_ids(apps.get_model(label), len(ids), using)
            self.map[label] = dict(zip(sorted(ids), new, strict=True))

    def __call__(self, label, old):
        return None if old is None else self.map[label][old]


def import_assessment(path, *, code=None, using="default", check_only=False):
    """Restore an archive as a new assessment, all or nothing. Raises BackupError when refused."""
    archive = open_archive(path)
    try:
        return _import(archive, code, using, check_only)
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        # The hashes matched, so the archive is as written — but not by this roamx's export.
        raise BackupError(
            f"{archive.path}: the data is not in the shape export_assessment writes ({type(exc).__name__}: {exc})."
        ) from None
    finally:
        archive.close()


def _import(archive, code, using, check_only):
    code = code or archive.manifest.get("assessment")
    framework = check_target(archive, code, using)
    if check_only:
        usernames = {u["username"] for u in archive.data.get("users", [])}
        here = set(
            get_user_model()
            .objects.using(using)
            .filter(username__in=usernames)
            .values_list("username", flat=True)
        )
        return Imported(
            code=code,
            counts=dict(archive.manifest["counts"]),
            users_matched=sorted(here),
            users_created=sorted(usernames - here),
            files=len(archive.manifest["files"]) - 1,
            bytes=sum(v["size"] for k, v in archive.manifest["files"].items() if k != DATA),
        )
    storage_written = []
    try:
        with transaction.atomic(using=using):
            result = _restore(archive, code, framework, using, storage_written)
    except BaseException:
        for storage, name in storage_written:
            storage.delete(name)
        raise
    return result


def _restore(archive, code, framework, using, written):
    data = archive.data
    old_code = archive.manifest.get("assessment")
    archived = set(installed(COVERED))
    User = get_user_model()

    users = {u["username"]: u for u in data.get("users", [])}
    existing = {u.username: u.pk for u in User.objects.using(using).filter(username__in=users)}
    created = []
    for username in sorted(set(users) - set(existing)):
        record = users[username]
        # A new person gets no password (and never superuser rights): an administrator sets one.
        user = User(
            username=username,
            first_name=record.get("first_name", ""),
            last_name=record.get("last_name", ""),
            email=record.get("email", ""),
            is_staff=bool(record.get("is_staff")),
            is_active=bool(record.get("is_active", True)),
        )
        user.set_unusable_password()
        user.save(using=using)
        existing[username] = user.pk
        created.append(username)

    catalogue = {
        "indicators.indicator": dict(
            apps.get_model("indicators.indicator")
            .objects.using(using)
            .filter(framework=framework)
            .values_list("code", "pk")
        ),
        "indicators.category": dict(
            apps.get_model("indicators.category")
            .objects.using(using)
            .filter(framework=framework)
            .values_list("code", "pk")
        ),
    }

    def user_pk(username):
        if username is None:
            return None
        if username not in existing:
            raise BackupError(f"The archive refers to the user {username!r} but does not describe them.")
        return existing[username]

    def content_type_pk(natural_key):
        try:
            return ContentType.objects.db_manager(using).get_by_natural_key(*natural_key).pk
        except ObjectDoesNotExist:
            raise BackupError(f"The content type {'.'.join(natural_key)} does not exist here.") from None

    remap = Remapper(data, archived)
    remap.collect()
    remap.reserve(using)

    def read_ref(kind, related, value):
        if value is None:
            return None
        if kind == "user":
            return user_pk(value)
        if kind == "contenttype":
            return content_type_pk(value)
        if kind == "framework":
            return framework.pk
        if kind == "catalogue":
            return catalogue[label_of(related)][value[1]]
        return remap(label_of(related), value)

    counts = {}
    files = 0
    size = 0
    preferences_kept = 0
    for label in COVERED:
        rows = data["models"].get(label)
        if rows is None:
            continue
        model = apps.get_model(label)
        rules = [(f, m2m, reference_kind(f.related_model, archived)) for f, m2m in relation_fields(model)]
        file_fields = [f for f in model._meta.local_fields if isinstance(f, models.FileField)]
        tracked = tracked_model(model)
        converted = []
        for row in rows:
            fields = dict(row["fields"])
            for f, m2m, kind in rules:
                if f.name not in fields:
                    continue
                if m2m:
                    fields[f.name] = [read_ref(kind, f.related_model, v) for v in fields[f.name]]
                else:
                    fields[f.name] = read_ref(kind, f.related_model, fields[f.name])
            if tracked is not None:
                fields["id"] = remap(label_of(tracked), fields.get("id"))
            if label in GENERIC_REFS:
                ct_field, id_field = GENERIC_REFS[label]
                fields[id_field] = remap(remap.generic_label(row["fields"][ct_field]), fields[id_field])
            for name, target in PLAIN_REFS.get(label, {}).items():
                fields[name] = remap(target, fields.get(name))
            if label == "assessments.assessment":
                fields["code"] = code
            if label == "review.notification" and code != old_code:
                fields["url"] = fields["url"].replace(f"/a/{old_code}/", f"/a/{code}/", 1)
            if label == "review.notificationpreference":
                # One preference per person: a person who has one here keeps it.
                model_manager = model._default_manager.db_manager(using)
                if model_manager.filter(user_id=fields["user"]).exists():
                    preferences_kept += 1
                    continue
                pk = None
            else:
                pk = remap(label, row["pk"])
            for f in file_fields:
                name = fields.get(f.name)
                if name:
                    fields[f.name], written_size = _write_file(archive, f, name, written)
                    files += 1
                    size += written_size
            converted.append({"model": label, "pk": pk, "fields": fields})
        try:
            for obj in serializers.deserialize("python", converted, using=using):
                obj.save(using=using, force_insert=True)
        except (DeserializationError, FieldDoesNotExist, ValueError, TypeError) as exc:
            raise BackupError(f"The archive's {label} rows cannot be restored: {exc}") from None
        counts[label] = len(converted)
    return Imported(
        code=code,
        counts=counts,
        users_matched=sorted(set(users) - set(created)),
        users_created=created,
        files=files,
        bytes=size,
        preferences_kept=preferences_kept,
    )


def _write_file(archive, field_, name, written):
    member = FILES_PREFIX + name
    if member not in archive.manifest["files"]:
        raise BackupError(f"The archive refers to the file {name} but does not hold it.")
    storage = field_.storage
    body = _read(archive.zip, archive.path, member)
    # Checked again as it is written, not only when the archive was opened.
    if hashlib.sha256(body).hexdigest() != archive.manifest["files"][member]["sha256"]:
        raise BackupError(f"{archive.path} is damaged: {member} does not match the sha256 in its manifest.")
    content = ContentFile(body)
    try:
        # The same name when it is free; never over another file (a copy restored beside its original).
        saved = storage.save(name, content)
    except SuspiciousFileOperation:
        raise BackupError(f"The archive holds a file with an unsafe name: {name}.") from None
    written.append((storage, saved))
    return saved, content.size
