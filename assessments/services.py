"""The writes: each changes state in one transaction and is recorded in the history."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.choices import TRANSITIONS, FindingStatus, Scope
from assessments.models import Assessment, Finding
from assessments.queries import in_scope_indicators
from assessments.rules import Perm, check


class EditConflict(Exception):
    """Someone else saved the finding since this edit began. ``changes`` says what they changed."""

    def __init__(self, finding, changes):
        self.finding = finding
        self.changes = changes
        user = finding.updated_by
        who = (user.get_full_name() or user.username) if user else _("Someone")
        super().__init__(
            _("%(who)s saved this finding while you were editing it (version %(v)d).")
            % {"who": who, "v": finding.version}
        )


@transaction.atomic
def create_assessment(*, created_by=None, **fields):
    assessment = Assessment(created_by=created_by, **fields)
    assessment.full_clean()
    assessment.save()
    sync_findings(assessment)
    return assessment


@transaction.atomic
def sync_findings(assessment):
    """One finding per indicator in scope: create missing ones, archive those out of scope (keeping
    their evidence) and bring archived ones back when the scope widens again."""
    wanted = set(in_scope_indicators(assessment).values_list("pk", flat=True))
    existing = dict(Finding.objects.filter(assessment=assessment).values_list("indicator_id", "archived"))
    bulk_create_with_history(
        [Finding(assessment=assessment, indicator_id=pk) for pk in sorted(wanted - existing.keys())],
        Finding,
        default_user=assessment.created_by,
        default_change_reason="created with the assessment's scope",
    )
    to_archive = [pk for pk, archived in existing.items() if pk not in wanted and not archived]
    to_restore = [pk for pk, archived in existing.items() if pk in wanted and archived]
    Finding.objects.filter(assessment=assessment, indicator_id__in=to_archive).update(archived=True)
    Finding.objects.filter(assessment=assessment, indicator_id__in=to_restore).update(archived=False)
    return {
        "created": len(wanted - existing.keys()),
        "archived": len(to_archive),
        "restored": len(to_restore),
    }


@transaction.atomic
def change_scope(assessment, scope, indicators=None, *, by=None):
    """Set the scope (and, for the custom scopes, the selected indicators) and sync the findings: new
    ones are created, those leaving the scope archived with their evidence, never deleted.

    ``indicators`` (pks or rows of the assessment's edition) replaces the selection when given. ``by``:
    the person, whose MANAGE permission is checked again (the admin, the scope page and the API call it).
    """
    if by is not None:
        check(by, assessment, Perm.MANAGE)
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose a valid scope.")})
    if indicators is not None:
        pks = {getattr(i, "pk", i) for i in indicators}
        found = set(assessment.framework.indicators.filter(pk__in=pks).values_list("pk", flat=True))
        if found != pks:
            raise ValidationError(
                {"indicators": _("Choose indicators of the assessment's framework edition only.")}
            )
        assessment.selected_indicators.set(sorted(pks))
    if scope == Scope.SELECTED and not assessment.selected_indicators.exists():
        raise ValidationError({"indicators": _("Select at least one indicator for this scope.")})
    assessment.scope = scope
    assessment.save(update_fields=["scope", "updated"])
    return sync_findings(assessment)


def allowed_transitions(status):
    return TRANSITIONS.get(FindingStatus(status), set())


def check_transition(old, new):
    if old != new and new not in allowed_transitions(old):
        raise ValidationError(
            {
                "status": _("A finding cannot go from “%(old)s” to “%(new)s”.")
                % {"old": FindingStatus(old).label, "new": FindingStatus(new).label}
            }
        )


# Rules other apps add to every status change, without assessments importing them (data flows one way).
# Each is called as ``validator(finding, new_status)`` and raises ValidationError to refuse the change.
# review registers "no endorsement while MAB comments are unresolved" (review.services).
TRANSITION_VALIDATORS = []


def register_transition_validator(validator):
    if validator not in TRANSITION_VALIDATORS:
        TRANSITION_VALIDATORS.append(validator)


def run_transition_validators(finding, new_status):
    if finding.status != new_status:
        for validator in TRANSITION_VALIDATORS:
            validator(finding, new_status)


IGNORED_IN_DIFF = {"version", "updated", "updated_by", "created"}


def changed_fields(finding, since_version):
    """What changed on the finding after ``since_version``: [(field label, old, new)], from its history."""
    history = finding.history.order_by("-history_date", "-history_id")
    base = history.filter(version__lte=since_version).first()
    latest = history.first()
    if base is None or latest is None or base.pk == latest.pk:
        return []
    delta = latest.diff_against(base, excluded_fields=IGNORED_IN_DIFF)
    labels = {f.name: str(f.verbose_name) for f in Finding._meta.fields}
    return [(labels.get(c.field, c.field), c.old, c.new) for c in delta.changes]


@transaction.atomic
def save_finding(finding, *, by, expected_version, fields):
    """Save ``fields`` on the finding if nobody saved it since ``expected_version``; else EditConflict.

    The check and the increment are one UPDATE, so two simultaneous saves cannot both pass. A save that
    changes nothing (every field already has its value) writes nothing: the version stays, no history row
    — for the API, the admin, the import and the review page alike; a stale version is still a conflict.
    Every door checks access before it calls this; the service checks ``by``'s permission again, as every
    service that acts for a person does (docs/architecture.md, "Where access is checked").
    """
    check(by, finding.assessment, Perm.EDIT_EVIDENCE)
    if "status" in fields:
        check_transition(finding.status, fields["status"])
        run_transition_validators(finding, fields["status"])
    model_fields = [Finding._meta.get_field(name) for name in fields]
    before = [field.value_from_object(finding) for field in model_fields]
    for name, value in fields.items():
        setattr(finding, name, value)
    finding.full_clean(exclude=["assessment", "indicator", "updated_by", "assignee"])
    changed = before != [field.value_from_object(finding) for field in model_fields]
    current = Finding.objects.filter(pk=finding.pk, version=expected_version)
    if not (current.update(version=F("version") + 1) if changed else current.exists()):
        latest = Finding.objects.select_related("updated_by").get(pk=finding.pk)
        raise EditConflict(latest, changed_fields(latest, expected_version))
    if not changed:
        return finding
    finding.version = expected_version + 1
    finding.updated_by = by
    finding._history_user = by
    finding.save()
    return finding


def transition(finding, new_status, *, by):
    return save_finding(finding, by=by, expected_version=finding.version, fields={"status": new_status})
