"""The recommendation register's writes and reads (the page at /a/<code>/report/recommendations/).

Every write checks ``by``'s permission again (``Perm.EDIT_REPORT``) and runs in one transaction; every
read is a fixed number of queries, whatever the number of recommendations or findings.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Prefetch
from django.utils.translation import gettext as _

from assessments.models import Finding
from assessments.rules import Perm, check
from reports.models import Recommendation

# "Weak": the lowest two levels of the assessment's scale.
WEAK_LEVELS = 2


def filtered(assessment, filters):
    recs = (
        Recommendation.objects.filter(assessment=assessment)
        .prefetch_related(
            "categories",
            Prefetch("findings", queryset=Finding.objects.select_related("indicator", "assessment")),
        )
        .order_by("stakeholder_group", "order", "pk")
    )
    if filters.get("stakeholder_group"):
        recs = recs.filter(stakeholder_group=filters["stakeholder_group"])
    if filters.get("category"):
        recs = recs.filter(categories__code=filters["category"]).distinct()
    if filters.get("priority"):
        recs = recs.filter(priority=filters["priority"])
    return recs


def unaddressed_weak_findings(assessment):
    """Findings scored on the lowest two levels that no recommendation cites."""
    return (
        Finding.objects.filter(
            assessment=assessment, archived=False, score__isnull=False, score__lte=WEAK_LEVELS
        )
        .exclude(recommendations__isnull=False)
        .select_related("indicator", "assessment")
        .order_by("indicator__order")
    )


def uncited_recommendations(assessment):
    return (
        Recommendation.objects.filter(assessment=assessment, findings__isnull=True)
        .order_by("stakeholder_group", "order", "pk")
        .distinct()
    )


def findings_by_codes(assessment, codes):
    """The assessment's findings (in scope) for indicator ``codes``; unknown codes raise ValidationError."""
    found = {
        f.indicator.code: f
        for f in Finding.objects.filter(
            assessment=assessment, archived=False, indicator__code__in=codes
        ).select_related("indicator")
    }
    unknown = [code for code in codes if code not in found]
    if unknown:
        raise ValidationError(
            _("No finding of this assessment has the code(s): %(codes)s.") % {"codes": ", ".join(unknown)}
        )
    return [found[code] for code in codes]


@transaction.atomic
def save_recommendation(assessment, recommendation, *, by, fields, categories, findings):
    """Create or change a recommendation of ``assessment`` (a new one goes to the end of its group)."""
    check(by, assessment, Perm.EDIT_REPORT)
    if any(f.assessment_id != assessment.pk for f in findings):
        raise ValidationError(_("Link only findings of this assessment."))
    if any(c.framework_id != assessment.framework_id for c in categories):
        raise ValidationError(_("Use the categories of this assessment's framework edition."))
    group_changed = recommendation.pk and recommendation.stakeholder_group != fields["stakeholder_group"]
    for name, value in fields.items():
        setattr(recommendation, name, value)
    recommendation.assessment = assessment
    if not recommendation.pk or group_changed:
        last = Recommendation.objects.filter(
            assessment=assessment, stakeholder_group=recommendation.stakeholder_group
        ).aggregate(last=Max("order"))["last"]
        recommendation.order = 0 if last is None else last + 1
    recommendation.full_clean(exclude=["categories", "findings"])
    recommendation.save()
    recommendation.categories.set(categories)
    recommendation.findings.set(findings)
    return recommendation


@transaction.atomic
def move_recommendation(recommendation, *, by, direction):
    """Swap the recommendation with its neighbour in its stakeholder group (``direction``: up or down).
    The group's order is renumbered 0…n-1 on the way, so equal or sparse orders cannot stall a move."""
    assessment = recommendation.assessment
    check(by, assessment, Perm.EDIT_REPORT)
    group = list(
        Recommendation.objects.select_for_update()
        .filter(assessment=assessment, stakeholder_group=recommendation.stakeholder_group)
        .order_by("order", "pk")
    )
    index = next(i for i, r in enumerate(group) if r.pk == recommendation.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(group):
        group[index], group[other] = group[other], group[index]
    changed = []
    for n, rec in enumerate(group):
        if rec.order != n:
            rec.order = n
            changed.append(rec)
    Recommendation.objects.bulk_update(changed, ["order"])
    return 0 <= other < len(group)
