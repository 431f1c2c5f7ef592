"""What an assessment's backup holds: the models (COVERED, and EXCLUDED with the reason), and how each
relation is written — to an archived row (remapped ids), or by natural key (users, content types, the
framework and its catalogue). ``coverage_problems`` is what the tests hold empty, so a new model or
relation gets a decision."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

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
    # Consultations hold personal data of people without an account, erased after a retention period
    # (docs/operations.md): a backup would keep it past that, so consultations are not in backups yet.
    "consultation.consultation": "consultations hold participants' personal data, which has a retention period",
    "consultation.consultationitem": "part of a consultation (not in backups)",
    "consultation.participant": "participants' personal data has a retention period",
    "consultation.answer": "part of a consultation (not in backups)",
    # A follow-up names a recommendation of the previous round, which a round's archive does not hold (a
    # restored round stands on its own): the restored round has no follow-up.
    "reports.recommendationfollowup": "follows up the previous round's recommendations, which are not in the archive",
    "reports.historicalrecommendationfollowup": "history of the follow-up (not in backups)",
    "reports.historicalrecommendationfollowup_sources": "history of the follow-up (not in backups)",
    "publication.publication": "the publication state: a restored assessment starts unpublished, its lead publishes it again",
}
# Ids that are not foreign keys but point at archived rows.
GENERIC_REFS = {"review.comment": ("content_type", "object_id")}
PLAIN_REFS = {"review.lastseen": {"history_id": "assessments.historicalfinding"}}
# Links from a round to the previous round (another assessment, not in its archive): written as null, so
# a restored round stands on its own (docs/backups.md).
CROSS_ROUND_FIELDS = {"previous", "carried_from"}
USER_FIELDS = ["username", "first_name", "last_name", "email", "is_staff", "is_active"]


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
