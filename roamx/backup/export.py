"""Export: one assessment's rows and files into an archive (``manage.py export_assessment``)."""

import hashlib
import json
import zipfile
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.db import connections, models, transaction

from roamx.backup.coverage import (
    COVERED,
    CROSS_ROUND_FIELDS,
    GENERIC_REFS,
    USER_FIELDS,
    installed,
    label_of,
    reference_kind,
    relation_fields,
)
from roamx.backup.files import copy_into, missing_from_storage
from roamx.backup.manifest import (
    DATA,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    SUFFIX,
    BackupError,
    applied_migrations,
    roamx_version,
)

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
        missing = missing_from_storage(files)
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
                total = copy_into(archive, files, manifest["files"])
                archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
            # Only a complete archive gets the final name.
            partial.replace(output)
        finally:
            partial.unlink(missing_ok=True)
    return Exported(path=output, counts=counts, files=len(files), bytes=total)


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
                if f.name in CROSS_ROUND_FIELDS:
                    fields[f.name] = None
                elif m2m:
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
