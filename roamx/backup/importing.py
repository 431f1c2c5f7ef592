"""Import: an archive restored as a new assessment, all or nothing (``manage.py import_assessment``)."""

import re
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.serializers.base import DeserializationError
from django.db import connections, models, transaction

from roamx.backup.coverage import (
    COVERED,
    GENERIC_REFS,
    PLAIN_REFS,
    installed,
    label_of,
    reference_kind,
    relation_fields,
    tracked_model,
)
from roamx.backup.files import restore_file
from roamx.backup.manifest import DATA, BackupError, applied_migrations, open_archive

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
                    fields[f.name], written_size = restore_file(archive, f, name, written)
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
