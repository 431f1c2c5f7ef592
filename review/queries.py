"""Reusable reads for the review pages. Each issues a fixed number of queries, however many findings,
comments or votes there are (tests hold that)."""

from functools import lru_cache
from urllib.parse import quote

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db import connection
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse

from assessments.choices import FindingStatus, Role, StakeholderGroup
from assessments.models import Attachment, Citation, DataPoint, Finding, Membership, Source
from assessments.queries import (
    DASHBOARD_FINGERPRINT_VALUES,
    dashboard_fingerprint_parts,
    fingerprint_key,
    fingerprint_values,
)
from indicators.models import CatalogueTranslation, Category, Indicator, Question, Theme
from review import inputs, targets
from review.choices import CommentStatus, Verdict
from review.models import Comment, LastSeen, Vote
from toolkit.rows import encoded as _encoded


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
    # One reverse() for the page, not one per finding: codes are plain path segments (R.1.1, C.2). The
    # links are relative to the overview (/a/<code>/review/ → R.1.1/): 20 bytes less on each of its rows.
    url = reverse("review:finding", kwargs={"code": assessment.code, "indicator": "INDICATOR"})
    base = reverse("review:overview", kwargs={"code": assessment.code})
    before, _sep, after = url.removeprefix(base).rpartition("INDICATOR")
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
    input sources' parts (review.inputs: the consultation's answers, participants and items), the
    edition's categories and their translations (the filters name them), and the MAB members as the page
    has just read them (names, stakeholder groups)."""
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
    # The filters' categories (names, and their translations): the catalogue of the assessment's edition.
    for model in (Category, CatalogueTranslation):
        parts.append(
            (
                f"SELECT COUNT(*), MAX(updated) FROM {q(model._meta.db_table)} WHERE framework_id = %s",
                [assessment.framework_id],
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


# The columns finding_page_state reads of the finding and of the reader's last-seen record, in order.
FINDING_PAGE_COLUMNS = (
    "id", "version", "updated", "status", "archived", "score", "special_score", "confidence", "assignee_id",
    "narrative", "narrative_second", "indicator_code", "indicator_updated", "category_updated",
    "question_updated", "theme_updated", "seen_id", "seen_at", "seen_narrative", "seen_score",
    "seen_special_score",
)  # fmt: skip


@lru_cache(maxsize=4)
def _finding_page_sql(vendor, content_type):
    """The SQL of finding_page_state, built once per process. Its parameters: the assessment's id, the
    indicator's code, the reader's id, the reader's id again with "open" and the time since which a
    comment is editable, the assessment's id twice.

    One row: the finding's columns, then one text per kind of row it shows. Scalar subqueries, not a
    join of aggregates: PostgreSQL plans each on its own, where a join of seven made it search join
    orders for longer than all the rest took; and text, not dates, because the driver's conversion of
    each date cost more than the rest of the query."""
    q = connection.ops.quote_name
    finding, indicator, seen = (q(m._meta.db_table) for m in (Finding, Indicator, LastSeen))
    category, question, theme = (q(m._meta.db_table) for m in (Category, Question, Theme))
    citation, data_point, source = (q(m._meta.db_table) for m in (Citation, DataPoint, Source))
    attachment, comment, vote = (q(m._meta.db_table) for m in (Attachment, Comment, Vote))
    membership, person = q(Membership._meta.db_table), q(get_user_model()._meta.db_table)
    name = [q("username"), q("first_name"), q("last_name")]

    def rows(select, source_sql):
        """The rows' texts joined into one, in id order."""
        if vendor == "postgresql":
            return f"(SELECT string_agg(r.v, ';' ORDER BY r.id) FROM (SELECT {select} {source_sql}) r)"
        return f"(SELECT group_concat(r.v, ';') FROM (SELECT {select} {source_sql} ORDER BY 1) r)"

    # The reader's own comment, open and unanswered, written since the given time: they may edit it.
    editable = "x.author_id = %s AND x.status = %s AND x.answered_body = '' AND x.created >= %s"
    comments = rows(
        "x.id AS id, "
        + _encoded("x.id", "x.updated", *(f"a.{n}" for n in name), *(f"r.{n}" for n in name))
        + f" || CASE WHEN {editable} THEN ',e' ELSE ',' END AS v",
        f"FROM {comment} x JOIN {person} a ON a.id = x.author_id LEFT JOIN {person} r ON r.id = x.resolved_by_id "
        f"WHERE x.content_type_id = {int(content_type)} AND x.object_id = f.id",
    )  # fmt: skip
    votes = rows(
        "x.id AS id, "
        + _encoded("x.id", "x.updated", *(f"a.{n}" for n in name), "m.id", "m.stakeholder_group")
        + " AS v",
        f"FROM {vote} x JOIN {person} a ON a.id = x.member_id "
        f"LEFT JOIN {membership} m ON m.user_id = x.member_id AND m.assessment_id = %s WHERE x.finding_id = f.id",
    )
    evidence = [
        f"(SELECT {_encoded('COUNT(*)', 'MAX(x.id)', 'MAX(x.updated)', 'MAX(src.updated)')} "
        f"FROM {citation} x JOIN {source} src ON src.id = x.source_id WHERE x.finding_id = f.id)",
        f"(SELECT {_encoded('COUNT(*)', 'MAX(x.id)', 'MAX(x.updated)', 'COUNT(x.source_id)', 'MAX(src.updated)')} "
        f"FROM {data_point} x LEFT JOIN {source} src ON src.id = x.source_id WHERE x.finding_id = f.id)",
        f"(SELECT {_encoded('COUNT(*)', 'MAX(x.id)', 'MAX(x.updated)')} FROM {attachment} x "
        f"JOIN {finding} y ON y.id = x.finding_id WHERE y.assessment_id = %s)",
    ]
    text = "CAST({} AS TEXT)".format
    # The catalogue rows and the assignee by scalar subqueries too: each further table joined here made
    # PostgreSQL's planning dearer than the query.
    catalogue = [
        f"(SELECT {text('updated')} FROM {category} WHERE id = i.category_id)",
        f"(SELECT {text('updated')} FROM {question} WHERE id = i.question_id)",
        f"(SELECT {text('updated')} FROM {theme} WHERE id = (SELECT theme_id FROM {question} WHERE id = i.question_id))",
    ]  # fmt: skip
    assignee = f"(SELECT {_encoded(*(f'u.{n}' for n in name))} FROM {person} u WHERE u.id = f.assignee_id)"
    return (
        "SELECT f.id, f.version, "
        + text("f.updated")
        + ", f.status, f.archived, f.score, f.special_score, f.confidence, f.assignee_id, f.narrative, "
        f"f.narrative_second, i.code, {text('i.updated')}, "
        + ", ".join(catalogue)
        + f", s.id, {text('s.seen_at')}, s.narrative, s.score, s.special_score, {assignee}, {comments}, {votes}, "
        + ", ".join(evidence)
        + f" FROM {finding} f JOIN {indicator} i ON i.id = f.indicator_id "
        f"LEFT JOIN {seen} s ON s.finding_id = f.id AND s.user_id = %s "
        # As finding_for_page: the first by id (there is one per indicator).
        "WHERE f.assessment_id = %s AND i.code = %s ORDER BY f.id LIMIT 1"
    )


def finding_page_state(assessment, indicator_code, user, editable_since):
    """What the finding's review page shows, read in one plain-SQL query (review.views.pages caches the
    page's body under it): None when the assessment has no finding for ``indicator_code``, else
    ``(row, values)``: ``row`` the finding's and the reader's last-seen record's columns
    (``FINDING_PAGE_COLUMNS``: the page compares them and records the visit, and the finding's go into
    the key), ``values`` a tuple that changes with everything else the body shows —

    - the assignee's names (users have no ``updated``);
    - every comment on the finding: its id and last change (writing, editing, resolving and reopening set
      ``updated``), whether the reader may still edit it (their own, open and unanswered, written since
      ``editable_since``: the page offers "Edit" until then), its author's and resolver's names;
    - every vote: its id and last change, the voter's names and stakeholder group in the assessment;
    - the finding's citations and data points with their sources (number, newest id, last change; a
      deleted source leaves a data point without one), and the attachments of the whole assessment (the
      finding's list, and the figures its text may place from any finding of the assessment).

    The indicator and its category, question and theme are in ``row`` by their ``updated`` (catalogue
    imports set it).
    """
    since = connection.ops.adapt_datetimefield_value(editable_since)
    editable = [user.pk, CommentStatus.OPEN.value, since]
    sql = _finding_page_sql(connection.vendor, ContentType.objects.get_for_model(Finding).pk)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*editable, assessment.pk, assessment.pk, user.pk, assessment.pk, indicator_code])
        values = cursor.fetchone()
    if values is None:
        return None
    width = len(FINDING_PAGE_COLUMNS)
    return dict(zip(FINDING_PAGE_COLUMNS, values[:width], strict=True)), tuple(values[width:])


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
