"""Progress since the previous round: per indicator and per category, the score then → now, the status
and the coverage (evidence present), and whether the score improved, declined, stayed or is new.

When the previous round is on another edition of the framework, findings are matched through the
crosswalk (indicators/crosswalks.py): a new indicator split from an old one compares with its score, one
merged from several with the mean of theirs; each row says where it comes from ("split from R.1.1",
"merged from R.1.2, R.1.3", "new"), and the dropped indicators are listed with their last score. Then
the two rounds' findings are read in one query each, with the crosswalk's two.

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
from indicators.choices import Relation
from indicators.crosswalks import mapping


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


def _origin(finding, then, relation, note):
    """Set the previous round's values on ``finding`` from ``then`` (old findings, possibly several)."""
    scored = [f.score for f in then if f.score is not None]
    mean = sum(scored) / len(scored) if scored else None
    if mean is not None:
        mean = int(mean) if mean == int(mean) else round(mean, 1)
    finding.then_id = then[0].pk if then else None
    finding.then_score = mean
    finding.then_scores = scored
    finding.then_special = then[0].special_score if len(then) == 1 else ""
    finding.then_status = then[0].status if len(then) == 1 else None
    finding.then_evidence = any(f.evidence for f in then) if then else False
    finding.relation = relation
    finding.origin_note = note
    if len(then) > 1:
        finding.then_status_label = ", ".join(dict.fromkeys(str(_status_label(f.status)) for f in then))


def _previous_findings(previous_id):
    evidenced = Finding.objects.filter(pk=OuterRef("pk")).filter(has_evidence())
    return {
        f.indicator.code: f
        for f in Finding.objects.filter(assessment_id=previous_id, archived=False)
        .select_related("indicator")
        .annotate(evidence=Exists(evidenced))
        .order_by("indicator__order")
    }


def progress_across(assessment, links):
    """The round's findings matched with the previous round's through the crosswalk ``links``, and the
    previous round's findings of dropped indicators — four queries, whatever the number of findings."""
    before = _previous_findings(assessment.previous_id)
    findings = list(
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator__category")
        .annotate(now_evidence=Exists(Finding.objects.filter(pk=OuterRef("pk")).filter(has_evidence())))
        .order_by("indicator__order")
    )
    for finding in findings:
        code = finding.indicator.code
        origins = [link for link in links.origins.get(code, []) if link.relation != Relation.NEW]
        then = [before[link.old_code] for link in origins if link.old_code in before]
        if not origins:
            _origin(finding, [], Relation.NEW, _("new in %(edition)s") % {"edition": links.to_code})
            finding.origins = []
            continue
        relation = origins[0].relation
        codes = ", ".join(link.old_code for link in origins)
        if relation == Relation.SPLIT:
            note = _("split from %(code)s") % {"code": codes}
        elif relation == Relation.MERGED:
            note = _("merged from %(codes)s") % {"codes": codes}
        else:
            note = "" if codes == code else _("was %(code)s") % {"code": codes}
        _origin(finding, then, relation, note)
        finding.origins = [link.old_code for link in origins]
    dropped = []
    for code, old in before.items():
        for link in links.targets.get(code, []):
            if link.relation == Relation.DROPPED:
                old.drop_note = link.note
                dropped.append(old)
    return findings, dropped


def progress(assessment, change=""):
    """{"rows": findings with ``change`` (filtered by ``change`` when given), "categories": per category,
    "dropped": the previous round's findings whose indicator the new edition dropped, "crosswalk": the
    ``Mapping`` when the editions differ}. An assessment without a previous round has no progress: all
    are empty (no query)."""
    if not assessment.previous_id:
        return {"rows": [], "categories": [], "dropped": [], "crosswalk": None}
    categories = {c.pk: CategoryProgress(c) for c in assessment.framework.categories.order_by("order")}
    links, dropped = None, []
    if assessment.previous.framework_id != assessment.framework_id:
        links = mapping(assessment.previous.framework_id, assessment.framework_id)
    if links is None:
        findings = progress_findings(assessment)
    else:
        findings, dropped = progress_across(assessment, links)
    rows = []
    for finding in findings:
        if links is None:
            finding.relation = Relation.SAME if finding.then_id else ""
            finding.origin_note = ""
            finding.then_scores = [] if finding.then_score is None else [finding.then_score]
            finding.origins = [finding.indicator.code] if finding.then_id else []
        finding.change = classify(finding.then_score, finding.score)
        if not hasattr(finding, "then_status_label"):
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
    categories = [c for c in categories.values() if c.total]
    return {"rows": rows, "categories": categories, "dropped": dropped, "crosswalk": links}


def _status_label(status):
    return FindingStatus(status).label if status else ""
