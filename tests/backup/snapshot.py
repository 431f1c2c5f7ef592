"""A canonical picture of one assessment, to compare a restored copy with its original.

Every row of every backed-up model, every field, with primary keys left out: a reference to another of
the assessment's rows is written as that row's position among the assessment's ids of its model (the
restore gives new ids in the original order, so positions survive), users by username, catalogue rows
by code, files by their bytes' sha256. It selects rows on its own, not through roamx.backup, so a row the
backup forgets shows up as a difference.

Run in another database with: python tests/backup/snapshot.py CODE (prints JSON).
"""

import hashlib
import json
import sys
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path


def _selection(code):
    from django.apps import apps

    def m(label):
        return apps.get_model(label)

    assessment = m("assessments.assessment").objects.get(code=code)
    finding_ids = set(
        m("assessments.finding").objects.filter(assessment=assessment).values_list("pk", flat=True)
    )
    finding_ids |= set(
        m("assessments.historicalfinding")
        .objects.filter(assessment_id=assessment.pk)
        .values_list("id", flat=True)
    )
    by_assessment = {"assessment": assessment}
    by_finding = {"finding__assessment": assessment}
    return assessment, {
        "assessments.assessment": {"pk": assessment.pk},
        "assessments.membership": by_assessment,
        "assessments.source": by_assessment,
        "assessments.finding": by_assessment,
        "assessments.citation": by_finding,
        "assessments.datapoint": by_finding,
        "assessments.attachment": by_finding,
        "assessments.historicalsource": {"assessment_id": assessment.pk},
        "assessments.historicalfinding": {"assessment_id": assessment.pk},
        "assessments.historicalcitation": {"finding_id__in": finding_ids},
        "assessments.historicaldatapoint": {"finding_id__in": finding_ids},
        "reports.report": by_assessment,
        "reports.reportsection": by_assessment,
        "reports.recommendation": by_assessment,
        "review.comment": by_assessment,
        "review.vote": by_finding,
        "review.lastseen": by_finding,
        "review.notification": {"url__contains": f"/a/{code}/"},
        "review.notificationpreference": None,  # the people the other rows mention
    }


SELECTED = [
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


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(code):
    from django.apps import apps
    from django.contrib.auth import get_user_model
    from django.contrib.contenttypes.models import ContentType
    from django.db import models

    User = get_user_model()
    _assessment, filters = _selection(code)
    rows = {}
    for label in SELECTED:
        if filters[label] is not None:
            rows[label] = list(apps.get_model(label).objects.filter(**filters[label]).order_by("pk"))
    # Positions: live ids plus the ids of deleted objects that history still holds.
    ids = {label: {obj.pk for obj in objs} for label, objs in rows.items()}
    for label, objs in rows.items():
        tracked = getattr(apps.get_model(label), "instance_type", None)
        if tracked is not None:
            ids[tracked._meta.label_lower] |= {obj.id for obj in objs}
    position = {label: {pk: i for i, pk in enumerate(sorted(values))} for label, values in ids.items()}
    usernames = set()

    def ref(label, value):
        if value is None:
            return None
        return position[label].get(value, "dangling")

    def user(pk):
        if pk is None:
            return None
        name = User.objects.get(pk=pk).username
        usernames.add(name)
        return name

    def related(f, value):
        target = f.related_model
        target_label = target._meta.label_lower
        if value is None:
            return None
        if target is User:
            return user(value)
        if target is ContentType:
            ct = ContentType.objects.get_for_id(value)
            return f"{ct.app_label}.{ct.model}"
        if target_label in position:
            return ref(target_label, value)
        return target._default_manager.get(pk=value).code  # framework, indicator, category

    def canonical(label, obj):
        model = type(obj)
        tracked = getattr(model, "instance_type", None)
        out = {}
        for f in model._meta.concrete_fields:
            value = getattr(obj, f.attname)
            if f.primary_key:
                continue
            if f.is_relation:
                out[f.name] = related(f, value)
            elif isinstance(f, models.FileField):
                out[f.name] = _file(getattr(obj, f.name))
            elif tracked is not None and f.name == "id":
                out[f.name] = ref(tracked._meta.label_lower, value)
            elif label == "review.comment" and f.name == "object_id":
                ct = ContentType.objects.get_for_id(obj.content_type_id)
                out[f.name] = ref(f"{ct.app_label}.{ct.model}", value)
            elif label == "review.lastseen" and f.name == "history_id":
                out[f.name] = ref("assessments.historicalfinding", value)
            else:
                out[f.name] = _plain(value)
        for f in model._meta.many_to_many:
            if f.remote_field.through._meta.auto_created:
                out[f.name] = sorted(
                    (related(f, pk) for pk in getattr(obj, f.name).values_list("pk", flat=True)), key=str
                )
        return out

    result = {label: [canonical(label, obj) for obj in objs] for label, objs in rows.items()}
    Preference = apps.get_model("review.notificationpreference")
    result["review.notificationpreference"] = sorted(
        (
            canonical("review.notificationpreference", p)
            for p in Preference.objects.filter(user__username__in=usernames)
        ),
        key=lambda p: p["user"],
    )
    result["users"] = {
        u["username"]: u
        for u in User.objects.filter(username__in=usernames).values(
            "username", "first_name", "last_name", "email", "is_staff", "is_active", "is_superuser"
        )
    }
    result["usable_passwords"] = {
        u.username: u.has_usable_password() for u in User.objects.filter(username__in=usernames)
    }
    return json.loads(json.dumps(result))


def _file(fieldfile):
    if not fieldfile.name:
        return None
    if not fieldfile.storage.exists(fieldfile.name):
        return {"name": fieldfile.name, "missing": True}
    with fieldfile.storage.open(fieldfile.name, "rb") as stream:
        data = stream.read()
    return {"name": fieldfile.name, "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    import django

    django.setup()
    print(json.dumps(snapshot(sys.argv[1])))
