"""Reusable querysets, above all: what may this user see."""

from django.db.models import Q

from assessments.models import Assessment, Finding, Source
from assessments.rules import EVIDENCE_ROLES


def assessments_for(user):
    """Assessments the user is a member of (superusers see all)."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    if user.is_superuser:
        return Assessment.objects.all()
    return Assessment.objects.filter(memberships__user=user).distinct()


def editable_assessments_for(user):
    """Assessments whose evidence the user may edit."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    if user.is_superuser:
        return Assessment.objects.all()
    return Assessment.objects.filter(memberships__user=user, memberships__role__in=EVIDENCE_ROLES).distinct()


def findings_for(user, include_archived=False):
    queryset = Finding.objects.filter(assessment__in=assessments_for(user))
    if not include_archived:
        queryset = queryset.filter(archived=False)
    return queryset.select_related(
        "indicator__category", "indicator__question__theme", "assessment", "assignee"
    )


def sources_for(user):
    return Source.objects.filter(assessment__in=assessments_for(user))


def in_scope_indicators(assessment):
    """The framework indicators an assessment's scope covers: all, or core + contextual."""
    from assessments.choices import Scope
    from indicators.choices import CategoryCode

    indicators = assessment.framework.indicators.all()
    if assessment.scope == Scope.CORE:
        indicators = indicators.filter(Q(is_core=True) | Q(category__code=CategoryCode.CONTEXTUAL))
    return indicators


def my_assessments(user):
    """The user's assessments with their progress and the user's role, in one query."""
    from django.db.models import Count, OuterRef, Subquery

    from assessments.choices import FindingStatus
    from assessments.models import Membership

    live = Q(findings__archived=False)
    return (
        assessments_for(user)
        .annotate(
            finding_count=Count("findings", filter=live),
            done_count=Count(
                "findings",
                filter=live & Q(findings__status__in=[FindingStatus.READY, FindingStatus.ENDORSED]),
            ),
            my_role=Subquery(
                Membership.objects.filter(assessment=OuterRef("pk"), user=user.pk).values("role")[:1]
            ),
        )
        .order_by("-period_end", "code")
    )


def _segments(counts, total):
    """One bar segment per status, each with where it starts: the bar is drawn as SVG, not styled inline."""
    from assessments.choices import FindingStatus

    segments, offset = [], 0.0
    for s in FindingStatus:
        count = counts.get(s.value, 0)
        percent = round(100 * count / total, 1)
        segments.append(
            {
                "status": s.value,
                "label": s.label,
                "count": count,
                "percent": percent,
                "offset": round(offset, 1),
            }
        )
        offset += percent
    return segments


def dashboard_summary(assessment, user, recent=10, mine=15):
    """Progress and scores per category, my findings and recent changes: a fixed number of queries,
    whatever the number of findings (aggregates run in the database)."""
    from django.db.models import Avg, Count, Exists, OuterRef

    from assessments.choices import FindingStatus
    from assessments.models import Citation, DataPoint

    findings = Finding.objects.filter(assessment=assessment, archived=False)
    categories = list(assessment.framework.categories.order_by("order"))
    by_status = {}
    for row in findings.values("indicator__category__code", "status").annotate(n=Count("pk")):
        by_status.setdefault(row["indicator__category__code"], {})[row["status"]] = row["n"]
    has_evidence = Q(narrative__gt="") | Q(has_citation=True) | Q(has_data=True)
    scores = {
        row["indicator__category__code"]: row
        for row in findings.annotate(
            has_citation=Exists(Citation.objects.filter(finding=OuterRef("pk"))),
            has_data=Exists(DataPoint.objects.filter(finding=OuterRef("pk"))),
        )
        .values("indicator__category__code")
        .annotate(
            total=Count("pk"),
            scored=Count("pk", filter=Q(score__isnull=False)),
            special=Count("pk", filter=~Q(special_score="")),
            average=Avg("score"),
            evidenced=Count("pk", filter=has_evidence),
        )
    }
    rows = []
    totals = {s.value: 0 for s in FindingStatus}
    for category in categories:
        counts = by_status.get(category.code, {})
        total = sum(counts.values())
        if not total:
            continue
        for status, n in counts.items():
            totals[status] += n
        score = scores.get(category.code, {})
        done = counts.get(FindingStatus.READY, 0) + counts.get(FindingStatus.ENDORSED, 0)
        rows.append(
            {
                "category": category,
                "total": total,
                "segments": _segments(counts, total),
                "present": [
                    {"label": s.label, "count": counts[s.value]} for s in FindingStatus if counts.get(s.value)
                ],
                "done": done,
                "done_percent": round(100 * done / total),
                "scored": score.get("scored", 0),
                "special": score.get("special", 0),
                "scored_percent": round(100 * (score.get("scored", 0) + score.get("special", 0)) / total),
                "average": score.get("average"),
                "evidenced": score.get("evidenced", 0),
                "evidenced_percent": round(100 * score.get("evidenced", 0) / total),
            }
        )
    all_total = sum(totals.values())
    done_all = totals[FindingStatus.READY] + totals[FindingStatus.ENDORSED]
    assigned = findings.filter(assignee=user).exclude(status=FindingStatus.ENDORSED)
    return {
        "categories": rows,
        "status_totals": [
            {"status": s.value, "label": s.label, "count": totals[s.value]} for s in FindingStatus
        ],
        "total": all_total,
        "done_percent": round(100 * done_all / all_total) if all_total else 0,
        "assigned": list(assigned.select_related("indicator").order_by("indicator__order")[:mine]),
        "assigned_count": assigned.count(),
        "recent": list(
            findings.filter(version__gt=1)
            .select_related("indicator", "updated_by")
            .order_by("-updated")[:recent]
        ),
    }


def with_role_labels(assessments):
    """Evaluate ``my_assessments`` and give each its role's label (``my_role_label``)."""
    from assessments.choices import Role

    rows = list(assessments)
    for row in rows:
        row.my_role_label = Role(row.my_role).label if row.my_role else ""
    return rows
