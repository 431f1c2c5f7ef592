"""Who may do what in an assessment: the one access helper that pages, admin, API and PDF all use.

An outsider (not a member) gets 404 — the assessment does not exist for them; a member whose role does
not allow an action gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.db import connections, models, router
from django.db.models import OuterRef, Subquery
from django.http import Http404

from assessments.choices import TRANSITIONS, FindingStatus, Role
from assessments.models import Assessment, Membership
from assessments.timezones import activate_for
from indicators.models import Framework
from toolkit import rows


class Perm(models.TextChoices):
    VIEW = "view", "view the assessment"
    EDIT_EVIDENCE = "edit_evidence", "edit findings and evidence"
    MANAGE = "manage", "change the assessment and its members"
    COMMENT = "comment", "comment"
    RESOLVE_COMMENTS = "resolve_comments", "resolve comments"
    VALIDATE = "validate", "endorse findings or ask for revision"
    EDIT_REPORT = "edit_report", "write report content"
    EXPORT = "export", "export the report"
    DOWNLOAD = "download", "download exported reports"
    MANAGE_CONSULTATION = "manage_consultation", "run consultations and handle participants' data"
    PUBLISH = "publish", "publish or unpublish the results"


ROLE_PERMS = {
    Role.LEAD: {
        Perm.VIEW,
        Perm.EDIT_EVIDENCE,
        Perm.MANAGE,
        Perm.COMMENT,
        Perm.RESOLVE_COMMENTS,
        Perm.EDIT_REPORT,
        Perm.EXPORT,
        Perm.DOWNLOAD,
        Perm.MANAGE_CONSULTATION,
        # Publishing is the national team's decision, taken by its lead: staff export but do not publish.
        Perm.PUBLISH,
    },
    Role.RESEARCHER: {
        Perm.VIEW,
        Perm.EDIT_EVIDENCE,
        Perm.COMMENT,
        Perm.RESOLVE_COMMENTS,
        Perm.EDIT_REPORT,
        Perm.DOWNLOAD,
    },
    Role.MAB: {Perm.VIEW, Perm.COMMENT, Perm.VALIDATE, Perm.DOWNLOAD},
    Role.STAFF: {Perm.VIEW, Perm.COMMENT, Perm.EXPORT, Perm.DOWNLOAD},
}


def roles_with(perm):
    """The roles whose members may ``perm`` (querysets filter on these; no role list is written by hand)."""
    return [role for role, perms in ROLE_PERMS.items() if perm in perms]


EVIDENCE_ROLES = roles_with(Perm.EDIT_EVIDENCE)


def role_of(user, assessment):
    """The user's role in the assessment, or None. Cached per request on the user object."""
    if not user.is_authenticated:
        return None
    cache = user.__dict__.setdefault("_roamx_roles", {})
    if assessment.pk not in cache:
        cache[assessment.pk] = (
            Membership.objects.filter(assessment_id=assessment.pk, user_id=user.pk)
            .values_list("role", flat=True)
            .first()
        )
    return cache[assessment.pk]


def perms_for(user, assessment):
    if user.is_authenticated and user.is_superuser:
        return set(Perm)
    role = role_of(user, assessment)
    return set(ROLE_PERMS.get(role, ()))


def can(user, assessment, perm):
    return perm in perms_for(user, assessment)


def check(user, assessment, perm=Perm.VIEW):
    """Raise Http404 for outsiders and PermissionDenied for members without ``perm``."""
    perms = perms_for(user, assessment)
    if Perm.VIEW not in perms:
        raise Http404("No such assessment.")
    if perm not in perms:
        raise PermissionDenied(f"Your role does not allow you to {Perm(perm).label}.")
    return perms


def get_assessment_for(user, code, perm=Perm.VIEW, queryset=None):
    """The assessment with this code, if the user may ``perm`` it (404 for outsiders, 403 otherwise).

    It comes with its framework and its previous round (as ``select_related`` would give them) and the
    user's role, in one query written once (``_fetch``): every assessment page runs this lookup, and
    the ORM spent more CPU building it than most cached pages spend on the rest. A caller that needs
    more (e.g. ``previous__framework``) passes its own ``queryset``.

    A request scoped to an assessment shows times in its time zone: this makes it the current zone for
    the rest of the request (``timezones.TimeZoneMiddleware`` resets it).
    """
    if queryset is None:
        # A code with NUL is no code (PostgreSQL refuses it in a query).
        found = _fetch(code, user.pk if user.is_authenticated else None) if "\x00" not in code else None
        assessment, role = found or (None, None)
    else:
        assessments = queryset.filter(code=code)
        if user.is_authenticated:
            # The user's role comes with the assessment: one query, not two (role_of's per-request cache).
            assessments = assessments.annotate(
                _user_role=Subquery(
                    Membership.objects.filter(assessment=OuterRef("pk"), user=user.pk).values("role")[:1]
                )
            )
        assessment = assessments.first()
        role = assessment.__dict__.pop("_user_role", None) if assessment is not None else None
    if assessment is None:
        raise Http404("No such assessment.")
    if user.is_authenticated:
        user.__dict__.setdefault("_roamx_roles", {})[assessment.pk] = role
    check(user, assessment, perm)
    activate_for(assessment)
    return assessment


def _fetch(code, user_pk):
    """(assessment with its framework and previous round attached, the user's role or None), or None
    when no assessment has this code."""
    connection = connections[router.db_for_read(Assessment)]
    quote = connection.ops.quote_name
    membership = Membership._meta

    def column(model, name):
        return quote(model._meta.get_field(name).column)

    sql = (
        f"SELECT {rows.columns(Assessment, 'a', connection)}, {rows.columns(Framework, 'f', connection)}, "
        f"{rows.columns(Assessment, 'p', connection)}, "
        f"(SELECT m.{column(Membership, 'role')} FROM {quote(membership.db_table)} m "
        f"WHERE m.{column(Membership, 'assessment')} = a.{column(Assessment, 'id')} "
        f"AND m.{column(Membership, 'user')} = %s LIMIT 1) "
        f"FROM {quote(Assessment._meta.db_table)} a "
        f"JOIN {quote(Framework._meta.db_table)} f ON f.{column(Framework, 'id')} = a.{column(Assessment, 'framework')} "
        f"LEFT JOIN {quote(Assessment._meta.db_table)} p ON p.{column(Assessment, 'id')} = a.{column(Assessment, 'previous')} "
        f"WHERE a.{column(Assessment, 'code')} = %s"
    )
    found = rows.fetch_one(connection, sql, [user_pk, code], [Assessment, Framework, Assessment])
    if found is None:
        return None
    assessment, framework, previous, role = found
    rows.attach(assessment, "framework", framework)
    rows.attach(assessment, "previous", previous)
    return assessment, role


def settable_statuses(user, assessment, current):
    """The statuses this user may move a finding to from ``current``.

    The finding's status is the research team's record: MAB members give their judgement as votes in the
    review pages, and the team marks a finding endorsed or needing revision in the light of them (the
    review app refuses "endorsed" while MAB comments are unresolved).
    """
    if Perm.EDIT_EVIDENCE not in perms_for(user, assessment):
        return set()
    return set(TRANSITIONS.get(FindingStatus(current), set()))


def can_create_assessment(user):
    """Who may start a new assessment: superusers, holders of Django's ``assessments.add_assessment``
    permission (given in the admin, also through a group), and anyone who is staff in some assessment."""
    if not user.is_authenticated:
        return False
    if user.is_superuser or user.has_perm("assessments.add_assessment"):
        return True
    return user.memberships.filter(role=Role.STAFF).exists()
