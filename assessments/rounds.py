"""A new round of an assessment from a previous one (e.g. ``khm-2027`` from ``khm-2023``).

``start_round`` creates the new assessment (same country, edition, scope and scale; ``previous`` points to
the old one) and carries over what the lead chose: sources, data points, narratives as a starting draft,
the citations of carried sources, assignees, members. Every carried row names its origin
(``carried_from``); statuses and scores start again. The previous round is only read, never written.

A round can move to a newer edition of the framework (``framework=``): it needs a crosswalk
(indicators/crosswalks.py) from the previous round's edition, maps the scope through it and carries each
finding's evidence along its links — ``same`` as within an edition; ``split``: sources, data points and
citations to each new finding, the narrative as a starting draft to each with a note naming the old
code; ``merged``: the old narratives joined, each headed by its old code, the sources once. New and
dropped indicators are listed in ``not_carried`` with the reason.

It is idempotent — run again, it carries only what is not carried yet — and all-or-nothing (one
transaction). ``manage.py start_round`` and the lead's page (``views/rounds.py``) call it.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.choices import CarryOver, Role, Scope
from assessments.models import Assessment, Citation, DataPoint, Finding, Membership, Source
from assessments.queries import evidence_members
from assessments.rules import Perm, check
from assessments.services import create_assessment, save_finding, sync_findings
from indicators.choices import Relation
from indicators.crosswalks import mapping, successors

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


def finding_pairs(previous, new, links=None):
    """(old finding, new finding) for each indicator both rounds assess, matched by indicator code — or,
    when the rounds are on different editions, through the crosswalk ``links`` (``mapping``)."""
    pairs, not_carried = finding_links(previous, new, links)
    return [(old, target) for old, target, _relation in pairs], not_carried


def finding_links(previous, new, links=None):
    """([(old finding, new finding, relation)], [(code, reason) not carried]).

    Same edition (``links`` None): matched by indicator code, relation ``same``. Through a crosswalk: a
    split old finding pairs with each of its new ones, a merged new finding with each of its old ones; a
    dropped old indicator and a new indicator are listed as not carried, with the reason."""
    new_by_code = {
        f.indicator.code: f
        for f in Finding.objects.filter(assessment=new, archived=False)
        .select_related("indicator")
        .order_by("indicator__order")
    }
    old = Finding.objects.filter(assessment=previous, archived=False).select_related("indicator", "assignee")
    pairs, not_carried = [], []
    out_of_scope = _("not in the new round's scope")
    for finding in old.order_by("indicator__order"):
        code = finding.indicator.code
        if links is None:
            target = new_by_code.get(code)
            if target is None:
                not_carried.append((code, out_of_scope))
            else:
                pairs.append((finding, target, Relation.SAME))
            continue
        targets = links.targets.get(code, [])
        if not targets:
            not_carried.append((code, _("not in the crosswalk")))
        for link in targets:
            if link.relation == Relation.DROPPED:
                reason = _("dropped in %(edition)s") % {"edition": links.to_code}
                not_carried.append((code, f"{reason}: {link.note}" if link.note else reason))
            elif link.new_code not in new_by_code:
                not_carried.append((f"{code} → {link.new_code}", out_of_scope))
            else:
                pairs.append((finding, new_by_code[link.new_code], link.relation))
    if links is not None:
        for code in new_by_code:
            if any(link.relation == Relation.NEW for link in links.origins.get(code, [])):
                not_carried.append(
                    (code, _("new in %(edition)s: nothing to carry over") % {"edition": links.to_code})
                )
    return pairs, not_carried


def edition_choices(previous):
    """The editions a new round of ``previous`` can use: its own, and those a crosswalk leads to."""
    return [previous.framework, *successors(previous.framework)]


def _crosswalk(previous, framework):
    """The crosswalk's ``Mapping`` from the previous round's edition to ``framework``; None for the same
    edition; ValidationError when there is none."""
    if framework.pk == previous.framework_id:
        return None
    links = mapping(previous.framework, framework)
    if links is None:
        raise ValidationError(
            {
                "framework": _(
                    "No crosswalk from %(old)s to %(new)s is loaded: import one first (import_crosswalk)."
                )
                % {"old": previous.framework.code, "new": framework.code}
            }
        )
    return links


def _mapped_selection(previous, framework, links):
    """The previous round's selected indicators, in the new edition (through the crosswalk)."""
    selected = list(previous.selected_indicators.values_list("code", flat=True))
    if links is not None:
        selected = [
            link.new_code
            for code in selected
            for link in links.targets.get(code, [])
            if link.relation != Relation.DROPPED
        ]
    return list(framework.indicators.filter(code__in=selected))


def _new_assessment(previous, by, code, title, period_start, period_end, framework, links):
    new = create_assessment(
        created_by=by,
        code=code,
        title=title or previous.title,
        country_code=previous.country_code,
        country_name=previous.country_name,
        time_zone=previous.time_zone,
        framework=framework,
        scope=Scope.CORE if previous.scope == Scope.SELECTED else previous.scope,
        scale=list(previous.scale),
        period_start=period_start,
        period_end=period_end,
        previous=previous,
    )
    if previous.scope in (Scope.CORE_PLUS, Scope.SELECTED):
        selected = _mapped_selection(previous, framework, links)
        if previous.scope == Scope.SELECTED and not selected:
            raise ValidationError(
                {
                    "framework": _("None of the selected indicators is in %(edition)s.")
                    % {"edition": framework.code}
                }
            )
        new.selected_indicators.set(selected)
        new.scope = previous.scope
        new.save(update_fields=["scope", "updated"])
        sync_findings(new)
    Membership.objects.get_or_create(assessment=new, user=by, defaults={"role": Role.LEAD})
    return new


def _carried_narrative(origins, edition):
    """The starting draft of a new finding from its origins [(old finding, relation)]: as it was for the
    same indicator; with a note naming the old code for a split; the old narratives joined, each headed
    by its old code, for a merge."""
    written = [(old, relation) for old, relation in origins if old.narrative]
    if not written:
        return ""
    old, relation = written[0]
    code = old.indicator.code
    if relation == Relation.SPLIT:
        note = _(
            "Split from %(code)s of %(edition)s: the evidence of %(code)s, to keep what applies to this "
            "indicator."
        ) % {"code": code, "edition": edition}
        return f"*{note}*\n\n{old.narrative}"
    if relation == Relation.MERGED:
        parts = [
            "#### "
            + _("From %(code)s of %(edition)s") % {"code": o.indicator.code, "edition": edition}
            + f"\n\n{o.narrative.strip()}"
            for o, _r in written
        ]
        return "\n\n".join(parts)
    return old.narrative


@transaction.atomic
def start_round(
    previous,
    *,
    by,
    code,
    title="",
    carry=ALL_CARRY,
    period_start=None,
    period_end=None,
    framework=None,
):
    """Create (or complete) the round ``code`` from ``previous``, carrying over ``carry``, for ``by`` (who
    must be able to manage the previous round, and the new one when it exists; they become its lead).

    ``framework``: the new round's edition (default: the previous round's, or the existing round's). A
    newer edition needs a crosswalk from the previous one's; evidence is carried through it."""
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
        if framework is not None and framework.pk != existing.framework_id:
            raise ValidationError(
                {
                    "framework": _("The round %(code)s exists on the edition %(edition)s.")
                    % {"code": code, "edition": existing.framework.code}
                }
            )
        links = _crosswalk(previous, existing.framework)
        new, created = existing, False
    else:
        if previous.pk and code == previous.code:
            raise ValidationError({"code": _("The new round needs its own code.")})
        framework = framework or previous.framework
        links = _crosswalk(previous, framework)
        new = _new_assessment(previous, by, code, title, period_start, period_end, framework, links)
        created = True
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

    pairs, not_carried = finding_links(previous, new, links)
    result.not_carried.extend(not_carried)
    origins = {}  # new finding's pk -> (new finding, [(old finding, relation)])
    for old, target, relation in pairs:
        origins.setdefault(target.pk, (target, []))[1].append((old, relation))
    assignable = set(evidence_members(new).values_list("pk", flat=True))
    finding_fields = 0
    with translation.override(new.language):
        for target, olds in origins.values():
            fields = {}
            if CarryOver.NARRATIVES in carry and not target.narrative:
                narrative = _carried_narrative(olds, previous.framework.code)
                if narrative:
                    fields["narrative"] = narrative
            if CarryOver.ASSIGNEES in carry and target.assignee_id is None:
                for old, _relation in olds:
                    if not old.assignee_id:
                        continue
                    if old.assignee_id in assignable:
                        fields["assignee"] = old.assignee
                        break
                    result.not_carried.append(
                        (old.indicator.code, _("the assignee is not a researcher of the new round"))
                    )
            if fields and target.carried_from_id is None:
                fields["carried_from"] = olds[0][0]
            if fields:
                target._change_reason = reason
                target._skip_notifications = True  # no mail per carried assignment (review.signals)
                save_finding(target, by=by, expected_version=target.version, fields=fields)
                finding_fields += 1
    counts["findings"] = finding_fields

    old_ids = sorted({old.pk for old, _target, _relation in pairs})
    targets_of = {}
    for old, target, _relation in pairs:
        targets_of.setdefault(old.pk, []).append(target)
    if CarryOver.CITATIONS in carry:
        existing_pairs = set(
            Citation.objects.filter(finding__assessment=new).values_list("finding_id", "source_id")
        )
        rows = []
        for citation in Citation.objects.filter(finding_id__in=old_ids).order_by("pk"):
            source = source_map.get(citation.source_id)
            for finding in targets_of[citation.finding_id]:
                if source and (finding.pk, source) not in existing_pairs:
                    rows.append(Citation(finding=finding, source_id=source, locator=citation.locator))
                    existing_pairs.add((finding.pk, source))
        bulk_create_with_history(rows, Citation, default_user=by, default_change_reason=reason)
        counts["citations"] = len(rows)

    if CarryOver.DATA_POINTS in carry:
        done = set(
            DataPoint.objects.filter(finding__assessment=new)
            .exclude(carried_from=None)
            .values_list("carried_from_id", "finding_id")
        )
        rows = [
            DataPoint(
                **_copy_fields(d, {"finding", "source", "carried_from", "created", "updated"}),
                finding=finding,
                source_id=source_map.get(d.source_id),
                carried_from=d,
            )
            for d in DataPoint.objects.filter(finding_id__in=old_ids).order_by("pk")
            for finding in targets_of[d.finding_id]
            if (d.pk, finding.pk) not in done
        ]
        bulk_create_with_history(rows, DataPoint, default_user=by, default_change_reason=reason)
        counts["data_points"] = len(rows)
    for key in sorted(_round_hooks):
        _round_hooks[key](new, by=by)
    return result
