"""The lookups every page view makes, written once in plain SQL (accounts/fast.py, assessments.rules,
assessments.queries.nav_assessments): they must give exactly what the ORM gave, refuse exactly whom it
refused, and cost one query each."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY, get_user_model
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.fast import Backend, SessionStore
from assessments.models import Assessment
from assessments.queries import nav_assessments
from assessments.rules import Perm, get_assessment_for, role_of
from tests.factories import AssessmentFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


# -- the assessment, its framework, its previous round and the reader's role -----------------------------


def test_the_assessment_is_the_orms_with_framework_and_previous_attached(assessment, members):
    later = AssessmentFactory(code="khm-2027", framework=assessment.framework, previous=assessment)
    MembershipFactory(assessment=later, user=members["mab"], role="mab")
    with CaptureQueriesContext(connection) as queries:
        got = get_assessment_for(members["mab"], "khm-2027")
        framework, previous = got.framework, got.previous
        role = role_of(members["mab"], got)
    assert len(queries) == 1
    orm = Assessment.objects.select_related("framework", "previous").get(code="khm-2027")
    assert fields(got) == fields(orm)
    assert fields(framework) == fields(orm.framework)
    assert fields(previous) == fields(orm.previous)
    assert role == "mab"
    # Values come back converted as the ORM converts them: an aware datetime, the scale as a list.
    assert timezone.is_aware(got.updated) and isinstance(got.scale, list)
    assert str(got.framework) == str(orm.framework)


def test_a_first_round_has_no_previous_and_asks_no_query_for_it(assessment, members):
    got = get_assessment_for(members["researcher"], "khm-2023")
    with CaptureQueriesContext(connection) as queries:
        assert got.previous is None
        assert got.framework.code == "iui-2019"
    assert len(queries) == 0


def test_who_is_refused_is_unchanged(assessment, members, superuser):
    for name in ("lead", "researcher", "mab", "staff"):
        assert get_assessment_for(members[name], "khm-2023") == assessment
    with pytest.raises(Http404):
        get_assessment_for(members["outsider"], "khm-2023")
    with pytest.raises(Http404):
        get_assessment_for(members["lead"], "no-such-code")
    with pytest.raises(PermissionDenied):
        get_assessment_for(members["mab"], "khm-2023", Perm.EDIT_EVIDENCE)
    # A superuser is no member, yet sees everything (role None).
    assert get_assessment_for(superuser, "khm-2023", Perm.MANAGE) == assessment
    assert role_of(superuser, assessment) is None


def test_an_anonymous_reader_gets_404_not_an_error(assessment, client):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Http404):
        get_assessment_for(AnonymousUser(), "khm-2023")


def test_a_role_is_the_readers_own(assessment, members):
    """The membership subquery is per user: another member's role never leaks into the answer."""
    for name, role in (("lead", "lead"), ("researcher", "researcher"), ("mab", "mab"), ("staff", "staff")):
        got = get_assessment_for(members[name], "khm-2023")
        assert role_of(members[name], got) == role


# -- the main menu's assessments ------------------------------------------------------------------------


def test_the_menu_lists_the_newest_four_of_the_readers_assessments(framework, members, superuser):
    me = UserFactory(username="many")
    made = [AssessmentFactory(code=f"m-{n}", framework=framework, title=f"Round {n}") for n in range(6)]
    for a in made[:5]:
        MembershipFactory(assessment=a, user=me, role="mab")
    with CaptureQueriesContext(connection) as queries:
        menu = nav_assessments(me)
    assert len(queries) == 1
    expected = list(Assessment.objects.filter(memberships__user=me).distinct()[:4])
    assert menu == [{"code": a.code, "title": a.title} for a in expected]
    assert "m-5" not in {row["code"] for row in menu}  # not a member
    assert len(nav_assessments(superuser)) == 4  # a superuser sees every assessment
    assert nav_assessments(members["outsider"]) == []
    from django.contrib.auth.models import AnonymousUser

    assert nav_assessments(AnonymousUser()) == []


# -- the session and the signed-in person -------------------------------------------------------------


def test_sessions_and_users_come_from_accounts_fast():
    assert settings.SESSION_ENGINE == "accounts.fast"
    assert "accounts.fast.Backend" in settings.AUTHENTICATION_BACKENDS
    assert "django.contrib.auth.backends.ModelBackend" not in settings.AUTHENTICATION_BACKENDS


def test_a_signed_in_page_reads_the_session_and_the_user_in_one_query_each(client, members):
    client.force_login(members["researcher"])
    client.get("/healthz/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("assessments:list")).status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert sum("django_session" in q for q in sql) == 1
    assert sum('FROM "auth_user"' in q for q in sql) == 1


def test_an_expired_or_unknown_session_is_nobody(client, members):
    client.force_login(members["researcher"])
    assert client.get(reverse("assessments:list")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get(reverse("assessments:list")).status_code == 302  # to sign in
    client.cookies[settings.SESSION_COOKIE_NAME] = "x" * 32
    assert client.get(reverse("assessments:list")).status_code == 302


@pytest.mark.parametrize("key", ["", "short", "a\x00" * 16, "' OR 1=1 --" * 3])
def test_a_malformed_session_key_is_nobody_not_an_error(key):
    store = SessionStore(session_key=key)
    assert store.load() == {}
    assert store.session_key is None


def test_signing_out_ends_the_session_everywhere(client, members):
    client.force_login(members["researcher"])
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post(reverse("logout"))
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie  # the old cookie, replayed
    assert client.get(reverse("assessments:list")).status_code == 302


def test_the_user_is_the_orms_and_an_inactive_or_deleted_one_is_nobody(client, members):
    me = members["researcher"]
    got = Backend().get_user(me.pk)
    assert fields(got) == fields(get_user_model().objects.get(pk=me.pk))
    assert Backend().get_user(str(me.pk)) == me  # as the session stores it
    assert Backend().get_user("not-a-number") is None
    assert Backend().get_user(10**6) is None
    assert Backend().get_user(10**30) is None  # more than the column holds: nobody, not an error

    client.force_login(me)
    assert client.get(reverse("assessments:list")).status_code == 200
    get_user_model().objects.filter(pk=me.pk).update(is_active=False)
    assert client.get(reverse("assessments:list")).status_code == 302
    assert Backend().get_user(me.pk) is None


def test_a_password_change_elsewhere_still_signs_out_other_sessions(client, members):
    """Django checks the session's password hash against the user it loads: the plain-SQL user must carry
    the current password hash."""
    me = members["researcher"]
    client.force_login(me)
    assert client.session[SESSION_KEY] == str(me.pk)
    me.set_password("a-new-password-77")
    me.save()
    assert client.get(reverse("assessments:list")).status_code == 302


def test_signing_in_with_a_password_works(client, members):
    me = members["researcher"]
    me.set_password("pw-for-fast-1")
    me.save()
    response = client.post(reverse("login"), {"username": me.username, "password": "pw-for-fast-1"})
    assert response.status_code == 302
    assert client.get(reverse("assessments:list")).status_code == 200
    assert client.session["_auth_user_backend"] == "accounts.fast.Backend"


# -- fingerprints: one query of many one-row parts -------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 14])
def test_fingerprint_values_are_each_parts_row_in_order(assessment, n):
    from assessments.queries import dashboard_fingerprint_parts, fingerprint_values

    base = dashboard_fingerprint_parts(assessment)
    parts = [base[i % len(base)] for i in range(n)]
    separately = []
    with connection.cursor() as cursor:
        for sql, params in parts:
            cursor.execute(sql, params)
            separately.extend(cursor.fetchone())
    with CaptureQueriesContext(connection) as queries:
        together = fingerprint_values(parts)
    assert len(queries) == 1
    assert list(together) == separately


# -- the public page's publication ------------------------------------------------------------------------


def test_the_published_publication_comes_with_its_assessment_in_one_query(assessment, members):
    from publication.models import Publication
    from publication.queries import published_or_404
    from publication.services import save_publication

    with pytest.raises(Http404):
        published_or_404("khm-2023")  # no publication row yet
    save_publication(assessment, by=members["lead"], publish=True)
    with CaptureQueriesContext(connection) as queries:
        got = published_or_404("khm-2023")
        code = got.assessment.code
    assert len(queries) == 1 and code == "khm-2023"
    orm = Publication.objects.select_related("assessment").get(assessment=assessment)
    assert fields(got) == fields(orm) and fields(got.assessment) == fields(orm.assessment)
    for code in ("khm-2024", "khm-2023\x00", ""):
        with pytest.raises(Http404):
            published_or_404(code)
    save_publication(assessment, by=members["lead"], publish=False)
    with pytest.raises(Http404):
        published_or_404("khm-2023")
