"""Recommendation follow-up: how far each recommendation of the previous round was implemented, judged in
the new round (/a/<code>/report/follow-up/, the API's ``recommendation-follow-ups``, a report chapter).

``sync_follow_ups`` makes one row per recommendation of the previous round (bulk, one transaction,
idempotent); ``assessments.rounds.start_round`` runs it through the round hook reports registers in its
``ready()``, and the write doors run it again (a recommendation added to the previous round later gets
its row on the next save). ``save_follow_up`` is the one write: ``by``'s permission is checked again
(``Perm.EDIT_REPORT``), and the check of the version the author loaded and the write are one conditional
UPDATE, as for findings and report sections; a stale save raises ``FollowUpConflict`` with the other
person's row as stored now. The previous round is only read.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Prefetch, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from assessments.choices import StakeholderGroup
from assessments.models import Assessment, Source
from assessments.rules import Perm, check
from reports.choices import FollowUpStatus
from reports.models import Recommendation, RecommendationFollowUp


class FollowUpConflict(Exception):
    """Someone else saved the follow-up since this edit began; ``follow_up`` is theirs, as stored now."""

    def __init__(self, follow_up):
        self.follow_up = follow_up
        user = follow_up.updated_by
        who = (user.get_full_name() or user.username) if user else _("Someone")
        super().__init__(
            _("%(who)s saved this follow-up while you were editing it (version %(v)d).")
            % {"who": who, "v": follow_up.version}
        )


def normalise(text):
    """Browsers send textarea lines ending in CRLF; stored text uses LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def missing_count(assessment):
    """How many recommendations of the previous round have no follow-up row yet (one query)."""
    if not assessment.previous_id:
        return 0
    return (
        Recommendation.objects.filter(assessment_id=assessment.previous_id)
        .exclude(follow_ups__assessment=assessment)
        .count()
    )


@transaction.atomic
def sync_follow_ups(assessment, *, by=None):
    """A "not yet assessed" row for each recommendation of ``assessment.previous`` that has none: a fixed
    number of queries whatever their number. Returns how many rows were made. Writes nothing on the
    previous round."""
    if not assessment.previous_id:
        return 0
    # Two syncs at once (two leads pressing "Add them", or a press during a round's start) are made one
    # after the other: the second sees the first's rows instead of failing on the unique constraint.
    list(Assessment.objects.select_for_update().filter(pk=assessment.pk).values_list("pk", flat=True))
    have = set(
        RecommendationFollowUp.objects.filter(assessment=assessment).values_list(
            "recommendation_id", flat=True
        )
    )
    rows = [
        RecommendationFollowUp(assessment=assessment, recommendation_id=pk)
        for pk in Recommendation.objects.filter(assessment_id=assessment.previous_id)
        .exclude(pk__in=have)
        .order_by("stakeholder_group", "order", "pk")
        .values_list("pk", flat=True)
    ]
    if rows:
        bulk_create_with_history(
            rows,
            RecommendationFollowUp,
            default_user=by,
            default_change_reason=_("follow-up of %(code)s") % {"code": assessment.previous.code},
        )
    return len(rows)


def round_started(new_round, *, by):
    """The round hook (``assessments.rounds.register_round_hook``)."""
    sync_follow_ups(new_round, by=by)


def group_order(field="recommendation__stakeholder_group"):
    """The stakeholder groups in their choices' order (government first), as the report prints them."""
    return Case(
        *(When(**{field: value}, then=Value(n)) for n, value in enumerate(StakeholderGroup.values)),
        default=Value(len(StakeholderGroup.values)),
        output_field=IntegerField(),
    )


def follow_ups_for(assessment, filters=None):
    """The assessment's follow-ups with their recommendation, sources and last editor, in the previous
    report's order (stakeholder groups in the choices' order, then the recommendations' order);
    ``filters``: ``stakeholder_group``, ``status``. Three queries however many rows."""
    filters = filters or {}
    rows = (
        RecommendationFollowUp.objects.filter(assessment=assessment)
        .select_related("recommendation__assessment", "updated_by")
        .prefetch_related(Prefetch("sources", queryset=Source.objects.order_by("title", "pk")))
        .order_by(group_order(), "recommendation__order", "recommendation__pk")
    )
    if filters.get("stakeholder_group"):
        rows = rows.filter(recommendation__stakeholder_group=filters["stakeholder_group"])
    if filters.get("status"):
        rows = rows.filter(status=filters["status"])
    return rows


def summary(assessment):
    """Per stakeholder group (rows, in the choices' order; groups without recommendations left out): the
    number of follow-ups in each status and the total; plus a total row. One query."""
    counts = {}
    for row in (
        RecommendationFollowUp.objects.filter(assessment=assessment)
        .values("recommendation__stakeholder_group", "status")
        .annotate(n=Count("pk"))
    ):
        counts[(row["recommendation__stakeholder_group"], row["status"])] = row["n"]
    statuses = list(FollowUpStatus)
    rows = []
    for group in StakeholderGroup:
        cells = [counts.get((group.value, status.value), 0) for status in statuses]
        if sum(cells):
            rows.append({"code": group.value, "label": group.label, "cells": cells, "total": sum(cells)})
    totals = [sum(row["cells"][i] for row in rows) for i in range(len(statuses))]
    return {
        "statuses": statuses,
        "rows": rows,
        "totals": totals,
        "total": sum(totals),
    }


@transaction.atomic
def save_follow_up(follow_up, *, by, expected_version, status, note, note_second="", sources=()):
    """Save a follow-up if nobody saved it since ``expected_version``; else FollowUpConflict.

    ``sources`` must be sources of the follow-up's own (new) round. A save that changes nothing writes
    nothing (a stale version is still a conflict). One history row per save, sources included.
    """
    assessment = follow_up.assessment
    check(by, assessment, Perm.EDIT_REPORT)
    sources = list(sources)
    if any(s.assessment_id != assessment.pk for s in sources):
        raise ValidationError({"sources": _("Cite only sources of this assessment.")})
    fields = {"status": status, "note": normalise(note), "note_second": normalise(note_second)}
    before = {name: getattr(follow_up, name) for name in fields}
    before_sources = set(follow_up.sources.values_list("pk", flat=True)) if follow_up.pk else set()
    for name, value in fields.items():
        setattr(follow_up, name, value)
    follow_up.full_clean(exclude=["assessment", "recommendation", "updated_by"])
    changed = before != fields or before_sources != {s.pk for s in sources}
    current = RecommendationFollowUp.objects.filter(pk=follow_up.pk, version=expected_version)
    if not (current.update(version=F("version") + 1) if changed else current.exists()):
        latest = (
            RecommendationFollowUp.objects.select_related("updated_by", "recommendation")
            .prefetch_related("sources")
            .get(pk=follow_up.pk)
        )
        raise FollowUpConflict(latest)
    if not changed:
        return follow_up
    # The sources first, without a history row of their own: the save below records one row holding
    # the fields and the sources together.
    follow_up.skip_history_when_saving = True
    try:
        follow_up.sources.set(sources)
    finally:
        del follow_up.skip_history_when_saving
    follow_up.version = expected_version + 1
    follow_up.updated_by = by
    follow_up.updated = timezone.now()
    follow_up._history_user = by
    follow_up.save()
    return follow_up
