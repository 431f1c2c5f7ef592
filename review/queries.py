"""Reusable reads for the review pages. Each issues a fixed number of queries, however many findings,
comments or votes there are (tests hold that)."""

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from assessments.choices import FindingStatus, Role, StakeholderGroup
from assessments.models import Citation, DataPoint, Finding, Membership
from review.choices import CommentStatus, Verdict
from review.models import Comment, LastSeen, Vote


def _count(queryset, group_by):
    """A correlated COUNT(*) subquery, 0 when there is nothing."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _finding_comments(**filters):
    return Comment.objects.filter(
        content_type=ContentType.objects.get_for_model(Finding), object_id=OuterRef("pk"), **filters
    )


def review_findings(assessment):
    """The assessment's findings in framework order, with their review counters."""
    return (
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator__category", "indicator__question__theme", "assignee")
        .annotate(
            endorse_count=_count(
                Vote.objects.filter(finding=OuterRef("pk"), verdict=Verdict.ENDORSE), "finding"
            ),
            revision_count=_count(
                Vote.objects.filter(finding=OuterRef("pk"), verdict=Verdict.NEEDS_REVISION), "finding"
            ),
            open_comment_count=_count(_finding_comments(status=CommentStatus.OPEN), "object_id"),
            open_mab_count=_count(
                _finding_comments(status=CommentStatus.OPEN, author_role=Role.MAB), "object_id"
            ),
        )
        .order_by("indicator__order")
    )


def seen_by(user, assessment):
    return {
        seen.finding_id: seen for seen in LastSeen.objects.filter(user=user, finding__assessment=assessment)
    }


def seen_by_one(user, finding):
    return LastSeen.objects.filter(user=user, finding=finding).first()


def mark_changes(finding, seen):
    """Set ``finding.seen``, ``narrative_changed``, ``score_changed`` and ``changed`` for this reader."""
    finding.seen = seen
    finding.narrative_changed = bool(seen and seen.narrative_changed(finding))
    finding.score_changed = bool(seen and seen.score_changed(finding))
    finding.changed = finding.narrative_changed or finding.score_changed
    return finding


def overview(assessment, user, *, status="", changed_only=False):
    """Categories → themes (or contextual groups) → findings, for the overview page."""
    seen = seen_by(user, assessment)
    categories, by_code = [], {}
    shown = 0
    for finding in review_findings(assessment):
        mark_changes(finding, seen.get(finding.pk))
        if (status and finding.status != status) or (changed_only and not finding.changed):
            continue
        shown += 1
        indicator = finding.indicator
        category = by_code.get(indicator.category.code)
        if category is None:
            category = by_code[indicator.category.code] = {"category": indicator.category, "groups": []}
            categories.append(category)
        if indicator.question_id:
            title = f"{indicator.question.theme.code} · {indicator.question.theme.title}"
        else:
            title = indicator.get_context_group_display()
        if not category["groups"] or category["groups"][-1]["title"] != title:
            category["groups"].append({"title": title, "findings": []})
        category["groups"][-1]["findings"].append(finding)
    return categories, shown


def finding_for_page(assessment, indicator_code):
    return (
        Finding.objects.filter(assessment=assessment, indicator__code=indicator_code)
        .select_related(
            "assessment", "indicator__category", "indicator__question__theme", "assignee", "updated_by"
        )
        .prefetch_related(
            Prefetch("citations", Citation.objects.select_related("source")),
            Prefetch("data_points", DataPoint.objects.select_related("source")),
            "attachments",
        )
        .first()
    )


def thread(target):
    """The target's comments as a tree: top-level comments, each with ``children`` (recursively)."""
    comments = list(
        Comment.objects.filter(content_type=ContentType.objects.get_for_model(target), object_id=target.pk)
        .select_related("author", "resolved_by")
        .prefetch_related("mentions")
    )
    by_id = {c.pk: c for c in comments}
    roots = []
    for comment in comments:
        comment.children = []
        comment.target = target  # saves a query per comment when a template or mail asks for it
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        (parent.children if parent else roots).append(comment)
    return roots, comments


def _group_of_member():
    return Subquery(
        Membership.objects.filter(assessment=OuterRef("finding__assessment"), user=OuterRef("member")).values(
            "stakeholder_group"
        )[:1]
    )


def votes_on(finding):
    labels = dict(StakeholderGroup.choices)
    votes = list(
        Vote.objects.filter(finding=finding)
        .select_related("member")
        .annotate(stakeholder_group=_group_of_member())
        .order_by("verdict", "member__username")
    )
    for vote in votes:
        vote.group_label = labels.get(vote.stakeholder_group, "")
    return votes


def mab_comments(assessment, *, status="", disposition="", category="", commenter=""):
    """Every MAB member's comment in the assessment, for the comment-response matrix."""
    comments = Comment.objects.filter(assessment=assessment, author_role=Role.MAB)
    if status:
        comments = comments.filter(status=status)
    if disposition:
        comments = comments.filter(disposition=disposition)
    if category:
        comments = comments.filter(category=category)
    if commenter:
        comments = comments.filter(author__username=commenter)
    group = Membership.objects.filter(assessment=OuterRef("assessment"), user=OuterRef("author"))
    return (
        comments.annotate(stakeholder_group=Subquery(group.values("stakeholder_group")[:1]))
        .select_related("author", "resolved_by", "content_type")
        .prefetch_related(
            GenericPrefetch("target", [Finding.objects.select_related("indicator", "assessment")]),
        )
        .order_by("category", "created", "pk")
    )


def mab_members(assessment):
    return (
        Membership.objects.filter(assessment=assessment, role=Role.MAB)
        .select_related("user")
        .order_by("user__username")
    )


def endorsement_summary(assessment):
    """Per category: findings, findings the team marked endorsed, and for each stakeholder group of
    the MAB members the findings at least one of its members endorsed."""
    categories = list(assessment.framework.categories.order_by("order"))
    totals = {
        row["indicator__category__code"]: row
        for row in Finding.objects.filter(assessment=assessment, archived=False)
        .values("indicator__category__code")
        .annotate(
            total=Count("pk"),
            endorsed=Count("pk", filter=Q(status=FindingStatus.ENDORSED)),
            revision=Count("pk", filter=Q(status=FindingStatus.NEEDS_REVISION)),
        )
    }
    group_counts = {}
    for row in (
        Vote.objects.filter(finding__assessment=assessment, finding__archived=False, verdict=Verdict.ENDORSE)
        .annotate(group=_group_of_member())
        .values("finding__indicator__category__code", "group")
        .annotate(n=Count("finding", distinct=True))
    ):
        group_counts[(row["finding__indicator__category__code"], row["group"] or "")] = row["n"]
    members_per_group = {
        row["stakeholder_group"]: row["n"]
        for row in Membership.objects.filter(assessment=assessment, role=Role.MAB)
        .values("stakeholder_group")
        .annotate(n=Count("pk"))
    }
    labels = dict(StakeholderGroup.choices)
    groups = [
        {"code": code, "label": labels.get(code, "—"), "members": n}
        for code, n in sorted(members_per_group.items(), key=lambda item: str(labels.get(item[0], "~")))
    ]
    rows = []
    for category in categories:
        total = totals.get(category.code)
        if not total:
            continue
        rows.append(
            {
                "category": category,
                "total": total["total"],
                "endorsed": total["endorsed"],
                "revision": total["revision"],
                "by_group": [group_counts.get((category.code, g["code"]), 0) for g in groups],
            }
        )
    return rows, groups
