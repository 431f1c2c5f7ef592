"""Progress since the previous round: per indicator and per category, the score then → now, the status
and the coverage (evidence present), and whether the score improved, declined, stayed or is new.

One query for the findings (the previous round's finding of the same indicator code read through
subqueries) and one for the categories, whatever the number of findings. The dashboard's chart, the
progress page, the API and the report's chapter all read ``progress``.
"""

from dataclasses import dataclass, field

from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils.translation import gettext_lazy as _

from assessments.choices import FindingStatus
from assessments.models import Citation, DataPoint, Finding


class Change(models.TextChoices):
    IMPROVED = "improved", _("Improved")
    DECLINED = "declined", _("Declined")
    UNCHANGED = "unchanged", _("Unchanged")
    NEW = "new", _("New (not scored in the previous round)")
    PENDING = "pending", _("Not scored yet in this round")


def has_evidence(prefix=""):
    """A finding has evidence when it has a narrative, a citation or a data point."""
    return (
        Q(**{f"{prefix}narrative__gt": ""})
        | Q(Exists(Citation.objects.filter(finding=OuterRef(f"{prefix}pk"))))
        | Q(Exists(DataPoint.objects.filter(finding=OuterRef(f"{prefix}pk"))))
    )


def classify(then, now):
    if then is None:
        return Change.NEW
    if now is None:
        return Change.PENDING
    if now > then:
        return Change.IMPROVED
    if now < then:
        return Change.DECLINED
    return Change.UNCHANGED


@dataclass
class CategoryProgress:
    category: object
    total: int = 0
    then_scores: list = field(default_factory=list)
    now_scores: list = field(default_factory=list)
    then_covered: int = 0
    now_covered: int = 0
    changes: dict = field(default_factory=dict)

    @staticmethod
    def _mean(scores):
        return sum(scores) / len(scores) if scores else None

    @property
    def then_mean(self):
        return self._mean(self.then_scores)

    @property
    def now_mean(self):
        return self._mean(self.now_scores)

    @property
    def then_coverage(self):
        return round(100 * self.then_covered / self.total) if self.total else 0

    @property
    def now_coverage(self):
        return round(100 * self.now_covered / self.total) if self.total else 0

    def count(self, change):
        return self.changes.get(change, 0)


def progress_findings(assessment):
    """The round's findings in scope, each annotated with the previous round's finding of its indicator:
    ``then_score``, ``then_special``, ``then_status``, ``then_evidence`` (None: no such finding)."""
    before = Finding.objects.filter(
        assessment_id=assessment.previous_id, archived=False, indicator__code=OuterRef("indicator__code")
    )
    evidenced = before.filter(has_evidence())
    return (
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator__category")
        .annotate(
            then_id=Subquery(before.values("pk")[:1]),
            then_score=Subquery(before.values("score")[:1]),
            then_special=Subquery(before.values("special_score")[:1]),
            then_status=Subquery(before.values("status")[:1]),
            then_evidence=Exists(evidenced),
            now_evidence=Exists(Finding.objects.filter(pk=OuterRef("pk")).filter(has_evidence())),
        )
        .order_by("indicator__order")
    )


def progress(assessment, change=""):
    """{"rows": findings with ``change`` (filtered by ``change`` when given), "categories": per category}.
    An assessment without a previous round has no progress: both are empty (no query)."""
    if not assessment.previous_id:
        return {"rows": [], "categories": []}
    categories = {c.pk: CategoryProgress(c) for c in assessment.framework.categories.order_by("order")}
    rows = []
    for finding in progress_findings(assessment):
        finding.change = classify(finding.then_score, finding.score)
        finding.then_status_label = _status_label(finding.then_status)
        row = categories[finding.indicator.category_id]
        row.total += 1
        if finding.then_score is not None:
            row.then_scores.append(finding.then_score)
        if finding.score is not None:
            row.now_scores.append(finding.score)
        row.then_covered += bool(finding.then_evidence)
        row.now_covered += bool(finding.now_evidence)
        row.changes[finding.change] = row.changes.get(finding.change, 0) + 1
        if not change or finding.change == change:
            rows.append(finding)
    return {"rows": rows, "categories": [c for c in categories.values() if c.total]}


def _status_label(status):
    return FindingStatus(status).label if status else ""
