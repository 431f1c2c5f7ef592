"""Reusable querysets, above all: what may this user see."""

from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Sum

from assessments.choices import FindingStatus, Role, Scope
from assessments.models import Assessment, Attachment, Citation, DataPoint, Finding, Membership, Source
from assessments.rules import EVIDENCE_ROLES, Perm, roles_with
from indicators.choices import CategoryCode
from indicators.models import Category, Indicator, Question, Theme
from toolkit import rows


def assessments_for(user):
    """Assessments the user is a member of (superusers see all)."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    if user.is_superuser:
        return Assessment.objects.all()
    return Assessment.objects.filter(memberships__user=user).distinct()


def nav_assessments(user, limit=4):
    """Code and title of the newest ``limit`` of ``assessments_for(user)``, as dicts: the main menu of every
    page lists them. Plain SQL, as it runs on every page view (the ORM built it for ~0.6 ms of CPU)."""
    if not user.is_authenticated:
        return []
    table, pk = _table(Assessment), _column(Assessment, "id")
    code, title, created = (_column(Assessment, name) for name in ("code", "title", "created"))
    where, params = "", []
    if not user.is_superuser:
        where = (
            f"WHERE EXISTS (SELECT 1 FROM {_table(Membership)} m WHERE m.{_column(Membership, 'assessment')}"
            f" = a.{pk} AND m.{_column(Membership, 'user')} = %s)"
        )
        params.append(user.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.{code}, a.{title} FROM {table} a {where} ORDER BY a.{created} DESC, a.{pk} LIMIT %s",
            [*params, limit],
        )
        return [{"code": row[0], "title": row[1]} for row in cursor.fetchall()]


def editable_assessments_for(user, perm=Perm.EDIT_EVIDENCE):
    """Assessments in which the user may ``perm`` (by default: edit the evidence; reports asks for
    ``Perm.EDIT_REPORT``). The one "where may this person write" query: roles come from ``rules``."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    if user.is_superuser:
        return Assessment.objects.all()
    return Assessment.objects.filter(
        memberships__user=user, memberships__role__in=roles_with(perm)
    ).distinct()


def evidence_members(assessments):
    """The people findings can be assigned to: members who may edit evidence in ``assessments`` (one
    assessment, or a queryset of them). The form, the API and the admin's bulk actions all use this."""
    lookup = "memberships__assessment__in" if hasattr(assessments, "model") else "memberships__assessment"
    return (
        get_user_model()
        .objects.filter(**{lookup: assessments, "memberships__role__in": EVIDENCE_ROLES})
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


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
    """The framework indicators an assessment's scope covers: all, core + contextual, core + contextual
    plus the lead's selection, or the selection only."""

    indicators = assessment.framework.indicators.all()
    core = Q(is_core=True) | Q(category__code=CategoryCode.CONTEXTUAL)
    selected = Q(pk__in=assessment.selected_indicators.values("pk")) if assessment.pk else Q(pk__in=[])
    if assessment.scope == Scope.CORE:
        indicators = indicators.filter(core)
    elif assessment.scope == Scope.CORE_PLUS:
        indicators = indicators.filter(core | selected)
    elif assessment.scope == Scope.SELECTED:
        indicators = indicators.filter(selected)
    return indicators


def my_assessments(user):
    """The user's assessments with their progress and the user's role, in one query."""

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


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, field):
    return connection.ops.quote_name(model._meta.get_field(field).column)


def dashboard_fingerprint_parts(assessment):
    """The SQL of the dashboard's key: (aggregate query, parameters) pairs."""
    finding, fk = _table(Finding), _column(Finding, "assessment")
    archived, version, updated = (_column(Finding, f) for f in ("archived", "version", "updated"))
    findings = (
        f"SELECT COUNT(CASE WHEN NOT {archived} THEN 1 END), SUM({version}), MAX({updated}) "
        f"FROM {finding} WHERE {fk} = %s"
    )
    evidence = [
        f"SELECT COUNT(*), MAX(e.id) FROM {_table(model)} e JOIN {finding} f ON e.{_column(model, 'finding')} "
        f"= f.id WHERE f.{fk} = %s"
        for model in (Citation, DataPoint)
    ]
    return [(sql, [assessment.pk]) for sql in (findings, *evidence)]


# The number of values dashboard_fingerprint_parts gives: findings 3, citations 2, data points 2.
DASHBOARD_FINGERPRINT_VALUES = 7


def fingerprint_values(parts):
    """Run ``parts`` ((aggregate query, parameters) pairs, each giving one row) as one query; returns the
    row. Plain SQL: this runs on every view of a cached page, and building the same with the ORM cost
    more CPU than the rest of the view.

    The one-row parts are joined two at a time, each pair behind ``OFFSET 0`` on PostgreSQL (which keeps
    the planner from merging them back): written as one flat join of N parts, PostgreSQL searched the
    join orders of all N — 4.5 ms of planning for the public page's 14 parts, against 1 ms this way,
    with the same row.
    """
    fence = " OFFSET 0" if connection.vendor == "postgresql" else ""

    def chain(first, *rest):
        if not rest:
            return f"SELECT * FROM ({first[0]}) AS p"
        return f"SELECT * FROM ({first[0]}) AS p, ({chain(*rest)}{fence}) AS r"

    with connection.cursor() as cursor:
        cursor.execute(chain(*parts), [param for _sql, params in parts for param in params])
        return cursor.fetchone()


def fingerprint_key(assessment, values):
    """The values joined with the assessment's own ``updated`` (its scale, title, …) into a cache key."""
    return ":".join(str(part) for part in [assessment.pk, assessment.updated.isoformat(), *values])


def dashboard_fingerprint(assessment):
    """A key that changes whenever anything the dashboard caches could change, in one small query:
    its figures (``dashboard_figures``) and its lists of findings (assigned, recently changed).

    Every write to a finding goes through ``services.save_finding``, which raises its version, and
    archiving changes the live count; evidence counts as present once a citation or data point exists, so
    their number and newest id cover additions and removals. The assessment's own ``updated`` covers its
    scale. The page caches its parts under this key, so they are computed again only after a change.
    """
    return fingerprint_key(assessment, fingerprint_values(dashboard_fingerprint_parts(assessment)))


def dashboard_figures(assessment):
    """Progress and scores per category: a fixed number of queries, whatever the number of findings.

    One grouped query gives the counts per category and status, with the score and evidence figures of
    each group; the category rows are summed from it.
    """

    findings = Finding.objects.filter(assessment=assessment, archived=False)
    categories = list(assessment.framework.categories.order_by("order"))
    has_evidence = Q(narrative__gt="") | Q(has_citation=True) | Q(has_data=True)
    groups = (
        findings.annotate(
            has_citation=Exists(Citation.objects.filter(finding=OuterRef("pk"))),
            has_data=Exists(DataPoint.objects.filter(finding=OuterRef("pk"))),
        )
        .values("indicator__category__code", "status")
        .annotate(
            n=Count("pk"),
            scored=Count("pk", filter=Q(score__isnull=False)),
            score_sum=Sum("score"),
            special=Count("pk", filter=~Q(special_score="")),
            evidenced=Count("pk", filter=has_evidence),
        )
        .order_by()
    )
    by_status, scores = {}, {}
    for row in groups:
        code = row["indicator__category__code"]
        by_status.setdefault(code, {})[row["status"]] = row["n"]
        score = scores.setdefault(code, {"scored": 0, "score_sum": 0, "special": 0, "evidenced": 0})
        for key in score:
            score[key] += row[key] or 0
    rows = []
    totals = {s.value: 0 for s in FindingStatus}
    for category in categories:
        counts = by_status.get(category.code, {})
        total = sum(counts.values())
        if not total:
            continue
        for status, n in counts.items():
            totals[status] += n
        score = scores[category.code]
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
                "scored": score["scored"],
                "special": score["special"],
                "scored_percent": round(100 * (score["scored"] + score["special"]) / total),
                "average": score["score_sum"] / score["scored"] if score["scored"] else None,
                "evidenced": score["evidenced"],
                "evidenced_percent": round(100 * score["evidenced"] / total),
            }
        )
    all_total = sum(totals.values())
    done_all = totals[FindingStatus.READY] + totals[FindingStatus.ENDORSED]
    return {
        "categories": rows,
        "status_totals": [
            {"status": s.value, "label": s.label, "count": totals[s.value]} for s in FindingStatus
        ],
        "total": all_total,
        "done_percent": round(100 * done_all / all_total) if all_total else 0,
    }


DASHBOARD_FINDING_COLUMNS = (
    "pk",
    "status",
    "score",
    "due_date",
    "updated",
    "indicator__code",
    "indicator__text",
)


# The findings still waiting for their assignee: every status but endorsed.
WAITING_STATUSES = [s.value for s in FindingStatus if s != FindingStatus.ENDORSED]


def dashboard_assigned(assessment, user, mine=15):
    """The first ``mine`` of the user's findings that are not yet endorsed, in framework order, with only
    the columns shown; ``count`` all of them, ``more`` those not listed."""

    assigned = Finding.objects.filter(
        assessment=assessment, archived=False, assignee=user, status__in=WAITING_STATUSES
    )
    rows = list(
        assigned.select_related("indicator")
        .only(*DASHBOARD_FINDING_COLUMNS)
        .order_by("indicator__order")[:mine]
    )
    count = assigned.count()  # always: the page's query count does not depend on the number of findings
    return {"rows": rows, "count": count, "more": count - len(rows)}


def dashboard_recent(assessment, recent=10):
    """The findings changed most recently (saved at least once after they were created)."""
    people = ("updated_by__username", "updated_by__first_name", "updated_by__last_name")
    return list(
        Finding.objects.filter(assessment=assessment, archived=False, version__gt=1)
        .select_related("indicator", "updated_by")
        .only(*DASHBOARD_FINDING_COLUMNS, *people)
        .order_by("-updated")[:recent]
    )


def with_role_labels(assessments):
    """Evaluate ``my_assessments`` and give each its role's label (``my_role_label``)."""

    rows = list(assessments)
    for row in rows:
        row.my_role_label = Role(row.my_role).label if row.my_role else ""
    return rows


def _member_of_finding(user):
    """SQL to add to a WHERE on the finding ``f`` (and its parameters): ``user`` is a member of its
    assessment; nothing for a superuser, who sees every finding."""
    if user.is_superuser:
        return "", []
    clause = (
        f" AND EXISTS (SELECT 1 FROM {_table(Membership)} m WHERE m.{_column(Membership, 'assessment')}"
        f" = f.{_column(Finding, 'assessment')} AND m.{_column(Membership, 'user')} = %s)"
    )
    return clause, [user.pk]


def finding_with_relations(user, pk):
    """The finding ``pk`` if ``user`` may see it (``assessments_for``), with its indicator (and the
    indicator's question, theme and category), assessment and assignee attached as ``select_related``
    attaches them; None otherwise. Plain SQL: the admin's finding form reads it on every view, and the ORM
    spent ~4 ms of CPU building that query (toolkit.rows)."""
    if not user.is_authenticated:
        return None
    parts = [  # alias, model, the alias it hangs from, the foreign key's name there
        ("f", Finding, None, None),
        ("i", Indicator, "f", "indicator"),
        ("q", Question, "i", "question"),
        ("t", Theme, "q", "theme"),
        ("c", Category, "i", "category"),
        ("a", Assessment, "f", "assessment"),
        ("u", get_user_model(), "f", "assignee"),
    ]
    models = {alias: model for alias, model, _parent, _fk in parts}
    select = ", ".join(rows.columns(model, alias, connection) for alias, model, _parent, _fk in parts)
    joins = " ".join(
        f"LEFT JOIN {_table(model)} {alias} ON {alias}.{connection.ops.quote_name(model._meta.pk.column)}"
        f" = {parent}.{_column(models[parent], fk)}"
        for alias, model, parent, fk in parts[1:]
    )
    member, member_params = _member_of_finding(user)
    where, params = f"f.{_column(Finding, 'id')} = %s{member}", [pk, *member_params]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select} FROM {_table(Finding)} f {joins} WHERE {where}", params)
        row = cursor.fetchone()
    if row is None:
        return None
    objects, start = {}, 0
    for alias, model, parent, fk in parts:
        objects[alias] = rows.instance(model, row[start : start + rows.width(model)], connection.alias)
        start += rows.width(model)
        if parent is not None and objects[parent] is not None:
            rows.attach(objects[parent], fk, objects[alias])
    return objects["f"]


def _next_finding_sql(select, assessment, finding, where="", order=""):
    """The query of next_finding_for selecting ``select`` (aliases ``n``: the finding, ``ni``: its
    indicator): the first of the rest in the framework's order, ``where`` narrowing and ``order``
    ordering first; ``assessment`` and ``finding`` are SQL (a parameter or a column of an outer query).
    Its own parameters: the user's id and the status left out, then any of ``where`` and ``order``."""
    i_order = _column(Indicator, "order")
    status, archived = _column(Finding, "status"), _column(Finding, "archived")
    return (
        f"SELECT {select} FROM {_table(Finding)} n JOIN {_table(Indicator)} ni"
        f" ON ni.{_column(Indicator, 'id')} = n.{_column(Finding, 'indicator')}"
        f" WHERE n.{_column(Finding, 'assessment')} = {assessment} AND n.{_column(Finding, 'assignee')} = %s"
        f" AND NOT n.{archived} AND n.{status} <> %s AND n.{_column(Finding, 'id')} <> {finding}{where}"
        f" ORDER BY {order}ni.{i_order}, n.{_column(Finding, 'id')} LIMIT 1"
    )


def next_finding_for(user, finding):
    """The user's next finding to work on after ``finding``: of the same assessment, assigned to them, not
    archived nor endorsed, the first in the framework's order after this one, else the first; with its
    indicator attached. One plain-SQL query (the ORM's two cost ~2 ms of CPU on every view of the form)."""
    select = f"{rows.columns(Finding, 'n', connection)}, {rows.columns(Indicator, 'ni', connection)}"
    # The parameters in the order they appear: assessment, user, status, finding, order.
    with connection.cursor() as cursor:
        cursor.execute(
            _next_finding_sql(
                select,
                "%s",
                "%s",
                order=f"CASE WHEN ni.{_column(Indicator, 'order')} > %s THEN 0 ELSE 1 END, ",
            ),
            [finding.assessment_id, user.pk, FindingStatus.ENDORSED, finding.pk, finding.indicator.order],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    width = rows.width(Finding)
    following = rows.instance(Finding, row[:width], connection.alias)
    rows.attach(following, "indicator", rows.instance(Indicator, row[width:], connection.alias))
    return following


def _all_columns(model, alias):
    """SQL of one text of every column of ``model``'s row ``alias`` (toolkit.rows.encoded): it changes
    with any change of the row, also one written by a queryset's ``update()`` (no ``updated``). On
    PostgreSQL the row's own text (``(1,"a, b",)``: values quoted where they need it, NULL empty), which
    the planner takes as one expression where the columns one by one cost it 2–3 ms a query."""
    if connection.vendor == "postgresql":
        return f"CAST({alias} AS TEXT)"
    return rows.encoded(
        *(f"{alias}.{connection.ops.quote_name(f.column)}" for f in model._meta.concrete_fields)
    )


@lru_cache(maxsize=4)
def _finding_form_sql(vendor):
    """The SQL of finding_form_state, built once per process (the vendor picks the aggregate)."""
    user_model = get_user_model()
    person = _table(user_model)
    names = [f"u.{_column(user_model, n)}" for n in ("username", "first_name", "last_name")]

    def each(select, source_sql):
        """One text of the rows' texts, in id order."""
        if vendor == "postgresql":
            return f"(SELECT string_agg(r.v, ';' ORDER BY r.id) FROM (SELECT {select} {source_sql}) r)"
        return f"(SELECT group_concat(r.v, ';') FROM (SELECT {select} {source_sql} ORDER BY 1) r)"

    def of_finding(model, extra=""):
        """Every row of ``model`` (an inline) of the finding: all its columns."""
        fk = _column(model, "finding")
        return each(
            f"x.{_column(model, 'id')} AS id, {_all_columns(model, 'x')}{extra} AS v",
            f"FROM {_table(model)} x WHERE x.{fk} = f.{_column(Finding, 'id')}",
        )

    def user_names(fk):
        return f"(SELECT {rows.encoded(*names)} FROM {person} u WHERE u.{_column(user_model, 'id')} = {fk})"

    membership = _table(Membership)
    m_user, m_assessment, m_role = (_column(Membership, n) for n in ("user", "assessment", "role"))
    groups = user_model._meta.get_field("groups").remote_field.through
    user_perms = user_model._meta.get_field("user_permissions").remote_field.through
    group_perms = Group._meta.get_field("permissions").remote_field.through
    f_assessment = f"f.{_column(Finding, 'assessment')}"
    parts = [
        _all_columns(Finding, "f"),
        _all_columns(Assessment, "a"),
        _all_columns(Indicator, "i"),
        f"(SELECT {_all_columns(Question, 'x')} FROM {_table(Question)} x WHERE x.id = i.{_column(Indicator, 'question')})",
        f"(SELECT {_all_columns(Theme, 'x')} FROM {_table(Theme)} x WHERE x.id = (SELECT y.{_column(Question, 'theme')} FROM {_table(Question)} y WHERE y.id = i.{_column(Indicator, 'question')}))",
        f"(SELECT {_all_columns(Category, 'x')} FROM {_table(Category)} x WHERE x.id = i.{_column(Indicator, 'category')})",
        # "last saved by", and the assignee (who may no longer be a member)
        user_names(f"f.{_column(Finding, 'updated_by')}"),
        user_names(f"f.{_column(Finding, 'assignee')}"),
        # the assignee choices (evidence_members: the members and their names)
        each(
            f"m.id AS id, {rows.encoded('m.id', f'm.{m_role}', f'm.{m_user}', *names)} AS v",
            f"FROM {membership} m JOIN {person} u ON u.id = m.{m_user} WHERE m.{m_assessment} = {f_assessment}",
        ),
        # the source choices of the inlines: the assessment's sources
        each(
            f"x.id AS id, {_all_columns(Source, 'x')} AS v",
            f"FROM {_table(Source)} x WHERE x.{_column(Source, 'assessment')} = {f_assessment}",
        ),
        of_finding(Citation),
        of_finding(DataPoint),
        of_finding(
            Attachment, f" || ',' || COALESCE({user_names('x.' + _column(Attachment, 'uploaded_by'))}, '-')"
        ),
        # "next for you": next_finding_for's query (its id and code)
        # (the first after this one, else the first: SQLite reads no outer column in a subquery's ORDER BY)
        "COALESCE("
        + ", ".join(
            "("
            + _next_finding_sql(
                f"CAST(n.id AS TEXT) || ':' || ni.{_column(Indicator, 'code')}",
                f_assessment,
                f"f.{_column(Finding, 'id')}",
                where,
            )
            + ")"
            for where in (f" AND ni.{_column(Indicator, 'order')} > i.{_column(Indicator, 'order')}", "")
        )
        + ")",
        # the reader: their names (the header), every membership (the sidebar's apps and links follow
        # their roles everywhere), their groups and Django permissions (other apps' admins)
        f"(SELECT {rows.encoded('u.is_superuser', 'u.is_staff', 'u.is_active', 'SUBSTR(u.password, 1, 1)', *names)} FROM {person} u WHERE u.id = %s)",
        each(f"m.id AS id, {rows.encoded('m.id', f'm.{m_assessment}', f'm.{m_role}')} AS v", f"FROM {membership} m WHERE m.{m_user} = %s"),
        each("g.id AS id, CAST(g.group_id AS TEXT) AS v", f"FROM {_table(groups)} g WHERE g.user_id = %s"),
        each("p.id AS id, CAST(p.permission_id AS TEXT) AS v", f"FROM {_table(user_perms)} p WHERE p.user_id = %s"),
        each(
            "p.id AS id, CAST(p.group_id AS TEXT) || ':' || CAST(p.permission_id AS TEXT) AS v",
            f"FROM {_table(group_perms)} p WHERE p.group_id IN (SELECT g.group_id FROM {_table(groups)} g WHERE g.user_id = %s)",
        ),
    ]  # fmt: skip
    role = (
        f"(SELECT m.{m_role} FROM {membership} m WHERE m.{m_assessment} = {f_assessment} AND m.{m_user} = %s)"
    )
    return (
        f"SELECT {f_assessment}, {role}, "
        + ", ".join(parts)
        + f" FROM {_table(Finding)} f JOIN {_table(Assessment)} a ON a.id = {f_assessment}"
        f" JOIN {_table(Indicator)} i ON i.id = f.{_column(Finding, 'indicator')}"
        f" WHERE f.{_column(Finding, 'id')} = %s"
    )


def finding_form_state(user, pk):
    """What the admin's finding form shows (assessments.admin.findings caches the page under it), read in
    one plain-SQL query: None when there is no finding ``pk`` or ``user`` is not a member of its
    assessment (and no superuser); else ``(assessment_id, role, values)``: the user's role there (None for
    a superuser who is not a member) and a tuple that changes with everything the page shows —

    - every column of the finding, its assessment (languages, scale, time zone, code), its indicator and
      the indicator's question, theme and category (a queryset's ``update()`` changes no ``updated``);
    - the names of who last saved it and of its assignee;
    - the assignee choices (the assessment's members, their roles and names) and the inlines' source
      choices (every column of the assessment's sources);
    - every column of each citation, data point and attachment of the finding (and each uploader's
      names): a row added, changed or deleted changes the text;
    - the "next for you" finding (next_finding_for, here a subquery: its id and code);
    - the reader: their flags, names and whether their password is usable (the header), every membership of theirs (the sidebar lists the
      apps their roles anywhere open), their groups and Django permissions.
    """
    if not user.is_authenticated:
        return None
    sql = _finding_form_sql(connection.vendor)
    # The parameters in the order they appear.
    params = [user.pk, *[user.pk, FindingStatus.ENDORSED] * 2, *[user.pk] * 5, pk]
    member, member_params = _member_of_finding(user)
    sql += member
    params += member_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0], row[1], tuple(row[2:])
