"""A new round of an assessment from a previous one (e.g. ``khm-2027`` from ``khm-2023``).

``start_round`` creates the new assessment (same country, edition, scope and scale; ``previous`` points to
the old one) and carries over what the lead chose: sources, data points, narratives as a starting draft,
the citations of carried sources, assignees, members. Every carried row names its origin
(``carried_from``); statuses and scores start again. The previous round is only read, never written.

It is idempotent — run again, it carries only what is not carried yet — and all-or-nothing (one
transaction). ``manage.py start_round`` and the lead's page (``views/rounds.py``) call it.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.choices import CarryOver, Role, Scope
from assessments.models import Assessment, Citation, DataPoint, Finding, Membership, Source
from assessments.queries import evidence_members
from assessments.rules import Perm, check
from assessments.services import create_assessment, save_finding, sync_findings

ALL_CARRY = frozenset(CarryOver.values)

# What apps above assessments do when a round starts (or is completed): ``hook(new_round, by=user)``, run
# inside start_round's transaction. reports registers the recommendations' follow-up rows here (its
# ``ready()``), so assessments imports nothing of reports.
_round_hooks = {}


def register_round_hook(key, hook):
    """Registering a key twice replaces the first (``ready()`` may run more than once in tests)."""
    _round_hooks[key] = hook


@dataclass
class RoundResult:
    assessment: Assessment
    created: bool
    counts: dict = field(default_factory=dict)
    # (indicator code or source title, reason) for what could not be carried.
    not_carried: list = field(default_factory=list)


def _reason(previous):
    return _("carried over from %(code)s") % {"code": previous.code}


def _copy_fields(obj, exclude):
    return {
        f.attname: getattr(obj, f.attname)
        for f in obj._meta.concrete_fields
        if f.name not in exclude and not f.primary_key
    }


def finding_pairs(previous, new):
    """(old finding, new finding) for each indicator both rounds assess, matched by indicator code."""
    new_by_code = {
        f.indicator.code: f
        for f in Finding.objects.filter(assessment=new, archived=False).select_related("indicator")
    }
    old = Finding.objects.filter(assessment=previous, archived=False).select_related("indicator", "assignee")
    pairs, missing = [], []
    for finding in old.order_by("indicator__order"):
        target = new_by_code.get(finding.indicator.code)
        if target is None:
            missing.append(finding)
        else:
            pairs.append((finding, target))
    return pairs, missing


def _new_assessment(previous, by, code, title, period_start, period_end):
    new = create_assessment(
        created_by=by,
        code=code,
        title=title or previous.title,
        country_code=previous.country_code,
        country_name=previous.country_name,
        time_zone=previous.time_zone,
        framework=previous.framework,
        scope=Scope.CORE if previous.scope == Scope.SELECTED else previous.scope,
        scale=list(previous.scale),
        period_start=period_start,
        period_end=period_end,
        previous=previous,
    )
    if previous.scope in (Scope.CORE_PLUS, Scope.SELECTED):
        new.selected_indicators.set(previous.selected_indicators.all())
        new.scope = previous.scope
        new.save(update_fields=["scope", "updated"])
        sync_findings(new)
    Membership.objects.get_or_create(assessment=new, user=by, defaults={"role": Role.LEAD})
    return new


@transaction.atomic
def start_round(previous, *, by, code, title="", carry=ALL_CARRY, period_start=None, period_end=None):
    """Create (or complete) the round ``code`` from ``previous``, carrying over ``carry``, for ``by`` (who
    must be able to manage the previous round, and the new one when it exists; they become its lead)."""
    check(by, previous, Perm.MANAGE)
    carry = set(carry)
    unknown = carry - ALL_CARRY
    if unknown:
        raise ValidationError(
            {"carry": _("Unknown items to carry over: %(x)s.") % {"x": ", ".join(sorted(unknown))}}
        )
    if CarryOver.CITATIONS in carry and CarryOver.SOURCES not in carry:
        raise ValidationError({"carry": _("Citations can only be carried with their sources.")})
    existing = Assessment.objects.select_for_update().filter(code=code).first()
    if existing is not None:
        if existing.previous_id != previous.pk:
            raise ValidationError(
                {
                    "code": _(
                        "An assessment with the code %(code)s exists and is not a round of %(previous)s."
                    )
                    % {"code": code, "previous": previous.code}
                }
            )
        check(by, existing, Perm.MANAGE)
        new, created = existing, False
    else:
        if previous.pk and code == previous.code:
            raise ValidationError({"code": _("The new round needs its own code.")})
        new, created = _new_assessment(previous, by, code, title, period_start, period_end), True
    result = RoundResult(new, created)
    counts = result.counts
    reason = _reason(previous)

    if CarryOver.MEMBERS in carry:
        have = set(new.memberships.values_list("user_id", flat=True))
        rows = [
            Membership(
                assessment=new,
                user_id=m.user_id,
                role=m.role,
                stakeholder_group=m.stakeholder_group,
                organisation=m.organisation,
            )
            for m in previous.memberships.exclude(user_id__in=have)
        ]
        Membership.objects.bulk_create(rows)
        counts["members"] = len(rows)

    source_map = {}
    if CarryOver.SOURCES in carry:
        done = set(new.sources.exclude(carried_from=None).values_list("carried_from_id", flat=True))
        rows = [
            Source(
                **_copy_fields(s, {"assessment", "carried_from", "created", "updated"}),
                assessment=new,
                carried_from=s,
            )
            for s in previous.sources.exclude(pk__in=done).order_by("pk")
        ]
        bulk_create_with_history(rows, Source, default_user=by, default_change_reason=reason)
        counts["sources"] = len(rows)
    source_map = dict(new.sources.exclude(carried_from=None).values_list("carried_from_id", "pk"))

    pairs, missing = finding_pairs(previous, new)
    for old in missing:
        result.not_carried.append((old.indicator.code, _("not in the new round's scope")))
    assignable = set(evidence_members(new).values_list("pk", flat=True))
    finding_fields = 0
    for old, target in pairs:
        fields = {}
        if CarryOver.NARRATIVES in carry and old.narrative and not target.narrative:
            fields["narrative"] = old.narrative
        if CarryOver.ASSIGNEES in carry and old.assignee_id and target.assignee_id is None:
            if old.assignee_id in assignable:
                fields["assignee"] = old.assignee
            else:
                result.not_carried.append(
                    (old.indicator.code, _("the assignee is not a researcher of the new round"))
                )
        if fields and target.carried_from_id is None:
            fields["carried_from"] = old
        if fields:
            target._change_reason = reason
            target._skip_notifications = True  # no mail per carried assignment (review.signals)
            save_finding(target, by=by, expected_version=target.version, fields=fields)
            finding_fields += 1
    counts["findings"] = finding_fields

    old_ids = [old.pk for old, _target in pairs]
    target_of = {old.pk: target for old, target in pairs}
    if CarryOver.CITATIONS in carry:
        existing_pairs = set(
            Citation.objects.filter(finding__assessment=new).values_list("finding_id", "source_id")
        )
        rows = []
        for citation in Citation.objects.filter(finding_id__in=old_ids).order_by("pk"):
            finding, source = target_of[citation.finding_id], source_map.get(citation.source_id)
            if source and (finding.pk, source) not in existing_pairs:
                rows.append(Citation(finding=finding, source_id=source, locator=citation.locator))
                existing_pairs.add((finding.pk, source))
        bulk_create_with_history(rows, Citation, default_user=by, default_change_reason=reason)
        counts["citations"] = len(rows)

    if CarryOver.DATA_POINTS in carry:
        done = set(
            DataPoint.objects.filter(finding__assessment=new)
            .exclude(carried_from=None)
            .values_list("carried_from_id", flat=True)
        )
        rows = [
            DataPoint(
                **_copy_fields(d, {"finding", "source", "carried_from", "created", "updated"}),
                finding=target_of[d.finding_id],
                source_id=source_map.get(d.source_id),
                carried_from=d,
            )
            for d in DataPoint.objects.filter(finding_id__in=old_ids).exclude(pk__in=done).order_by("pk")
        ]
        bulk_create_with_history(rows, DataPoint, default_user=by, default_change_reason=reason)
        counts["data_points"] = len(rows)
    for key in sorted(_round_hooks):
        _round_hooks[key](new, by=by)
    return result
