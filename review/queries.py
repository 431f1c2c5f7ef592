"""Reusable reads for the review pages. Each issues a fixed number of queries, however many findings,
comments or votes there are (tests hold that)."""

from urllib.parse import quote

from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from assessments.choices import FindingStatus, Role, StakeholderGroup
from assessments.models import Citation, DataPoint, Finding, Membership
from assessments.queries import (
    DASHBOARD_FINGERPRINT_VALUES,
    dashboard_fingerprint_parts,
    fingerprint_key,
    fingerprint_values,
)
from indicators.models import Category, Indicator, Question
from review import inputs, targets
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
        # Categories and themes are a handful of rows: overview() attaches them from one query each
        # instead of building a copy of each for every finding.
        .select_related("indicator")
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


def overview(assessment, user, *, findings=None, changed_only=False):
    """Categories → themes (or contextual groups) → findings, for the overview page.

    ``findings`` is ``review_findings(assessment)``, narrowed by the shared FindingFilter."""
    seen = seen_by(user, assessment)
    categories, by_code = [], {}
    shown = 0
    category_of = {c.pk: c for c in Category.objects.filter(framework_id=assessment.framework_id)}
    question_of = {
        q.pk: q for q in Question.objects.filter(framework_id=assessment.framework_id).select_related("theme")
    }
    # One reverse() for the page, not one per finding: codes are plain path segments (R.1.1, C.2).
    url = reverse("review:finding", kwargs={"code": assessment.code, "indicator": "INDICATOR"})
    before, _sep, after = url.rpartition("INDICATOR")
    for finding in review_findings(assessment) if findings is None else findings:
        finding.assessment = assessment  # score_display reads its scale: no query per finding
        mark_changes(finding, seen.get(finding.pk))
        if changed_only and not finding.changed:
            continue
        shown += 1
        indicator = finding.indicator
        indicator.category = category_of[indicator.category_id]
        if indicator.question_id:
            indicator.question = question_of[indicator.question_id]
        finding.review_url = before + quote(indicator.code) + after
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


def overview_fingerprints(assessment, user):
    """``(dashboard_fingerprint(assessment), the list's key)``. What the overview's list shows for ``user``, as a key that changes with every edit that could change
    it, in one query: the dashboard's parts (findings and their evidence), votes (number, newest id, last
    change), comments on findings (the same: open counts change on resolve and reopen, which set
    ``updated``), the user's last-seen records (the "changed" flags), and the framework's indicators."""
    q = connection.ops.quote_name
    finding = q(Finding._meta.db_table)
    vote, comment, seen = (q(model._meta.db_table) for model in (Vote, Comment, LastSeen))
    indicator = q(Indicator._meta.db_table)
    parts = [
        *dashboard_fingerprint_parts(assessment),
        (
            f"SELECT COUNT(*), MAX(v.id), MAX(v.updated) FROM {vote} v JOIN {finding} f ON v.finding_id = f.id "
            "WHERE f.assessment_id = %s",
            [assessment.pk],
        ),
        (
            f"SELECT COUNT(*), MAX(id), MAX(updated) FROM {comment} WHERE assessment_id = %s "
            "AND content_type_id = %s",
            [assessment.pk, ContentType.objects.get_for_model(Finding).pk],
        ),
        (
            f"SELECT COUNT(*), MAX(s.seen_at) FROM {seen} s JOIN {finding} f ON s.finding_id = f.id "
            "WHERE f.assessment_id = %s AND s.user_id = %s",
            [assessment.pk, user.pk],
        ),
        (
            f"SELECT COUNT(*), MAX(updated) FROM {indicator} WHERE framework_id = %s",
            [assessment.framework_id],
        ),
    ]
    values = fingerprint_values(parts)
    dashboard = fingerprint_key(assessment, values[:DASHBOARD_FINGERPRINT_VALUES])
    return dashboard, fingerprint_key(assessment, values)


def matrix_fingerprint(assessment, memberships):
    """A key that changes whenever the comment-response matrix's table could, in one query; None when an
    input source registered no fingerprint (then nothing is cached). The comments (number, newest id,
    last change: writing, editing, resolving and reopening all set ``updated``), the reviewable objects
    their labels come from (every registered model with an assessment and ``updated``), the registered
    input sources' parts (review.inputs: the consultation's answers, participants and items), and the
    MAB members as the page has just read them (names, stakeholder groups)."""
    outside = inputs.fingerprint_parts(assessment)
    if outside is None:
        return None
    q = connection.ops.quote_name
    parts = [
        (
            f"SELECT COUNT(*), MAX(id), MAX(updated) FROM {q(Comment._meta.db_table)} WHERE assessment_id = %s",
            [assessment.pk],
        )
    ]
    for spec in sorted(targets.registered(), key=lambda spec: spec.model._meta.label):
        names = {field.name for field in spec.model._meta.get_fields()}
        if {"assessment", "updated"} <= names:
            parts.append(
                (
                    f"SELECT COUNT(*), MAX(updated) FROM {q(spec.model._meta.db_table)} WHERE assessment_id = %s",
                    [assessment.pk],
                )
            )
    members = [
        (m.pk, m.updated.isoformat(), m.stakeholder_group, m.user.username, m.user.get_full_name())
        for m in memberships
    ]
    return fingerprint_key(assessment, [*fingerprint_values(parts + outside), repr(members)])


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


def mab_comments(assessment, *, status="", disposition="", category="", commenter="", item=""):
    """Every MAB member's comment in the assessment, for the comment-response matrix.

    ``item`` narrows to comments on findings (``"findings"``) or on the report's content (``"report"``).
    """
    comments = Comment.objects.filter(assessment=assessment, author_role=Role.MAB)
    if item == "findings":
        comments = comments.filter(content_type=ContentType.objects.get_for_model(Finding))
    elif item == "report":
        comments = comments.filter(
            content_type__in=ContentType.objects.get_for_models(
                *targets.report_models(), *targets.follow_up_models()
            ).values()
        )
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
            GenericPrefetch("target", [spec.bulk_queryset() for spec in targets.registered()]),
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


def threads_for(objects):
    """``thread`` for many targets at once (two queries, however many targets and comments): a dict
    ``{(model, pk): (roots, comments)}``; targets without comments are missing from it."""
    if not objects:
        return {}
    by_model = {}
    for obj in objects:
        by_model.setdefault(type(obj), {})[obj.pk] = obj
    content_types = ContentType.objects.get_for_models(*by_model)
    condition = Q()
    for model, objs in by_model.items():
        condition |= Q(content_type=content_types[model], object_id__in=list(objs))
    model_of = {ct.pk: model for model, ct in content_types.items()}
    comments = list(
        Comment.objects.filter(condition).select_related("author", "resolved_by").prefetch_related("mentions")
    )
    by_id = {c.pk: c for c in comments}
    threads = {}
    for comment in comments:
        comment.children = []
        model = model_of[comment.content_type_id]
        comment.target = by_model[model][comment.object_id]
        threads.setdefault((model, comment.object_id), ([], []))[1].append(comment)
    for comment in comments:
        parent = by_id.get(comment.parent_id)
        if parent:
            parent.children.append(comment)
        else:
            threads[(type(comment.target), comment.object_id)][0].append(comment)
    return threads


def report_content(assessment):
    """The report's sections (in the report's order) and recommendations grouped by stakeholder, each
    with its comment thread as ``roots``, ``comment_count`` and ``open_mab``. A fixed number of queries.

    The models are looked up by name (see ``review.targets``): review reads reports, not the reverse.
    """
    models = targets.report_models()
    if not models:
        return [], []
    section_model, recommendation_model = models
    sections = [
        s for s in section_model.objects.filter(assessment=assessment).order_by("order") if s.body.strip()
    ]
    recommendations = list(
        recommendation_model.objects.filter(assessment=assessment)
        .prefetch_related(
            "categories",
            Prefetch(
                "findings",
                Finding.objects.select_related("indicator", "assessment").order_by("indicator__order"),
            ),
        )
        .order_by("stakeholder_group", "order", "pk")
    )
    threads = threads_for([*sections, *recommendations])
    for obj in [*sections, *recommendations]:
        obj.assessment = assessment  # every URL on the page needs its code: no query per item
        roots, comments = threads.get((type(obj), obj.pk), ([], []))
        obj.roots, obj.comment_count = roots, len(comments)
        obj.open_mab = sum(1 for c in comments if c.is_mab and c.is_open)
    groups = []
    for value, label in StakeholderGroup.choices:
        items = [r for r in recommendations if r.stakeholder_group == value]
        if items:
            groups.append({"code": value, "label": label, "recommendations": items})
    return sections, groups
