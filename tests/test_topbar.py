"""The top bar of every page (templates/_topbar.html, review.templatetags.review.topbar): a signed-in
reader's copy is kept under a key of everything it shows, so every change shows at once, and each request's
forms carry that request's CSRF token, never the one of the request that made the copy."""

import pickle
import re

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from assessments.choices import Role
from assessments.models import Assessment, Membership
from tests.factories import AssessmentFactory, MembershipFactory
from toolkit.csrf import CSRF_PLACEHOLDER

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def bar(client, path="/a/khm-2023/"):
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode().split('<header class="topbar">')[1].split("</header>")[0]


def test_every_change_to_what_the_bar_shows_shows_at_once(client, members, assessment):
    mab = members["mab"]
    users = get_user_model().objects
    client.force_login(mab)
    first = bar(client)
    assert TOKEN.sub("", bar(client)) == TOKEN.sub("", first)  # the copy
    assert mab.get_full_name() in first and "Review khm-2023" in first
    assert "Research workspace" not in first and 'aria-pressed="true" class="current">English' in first

    users.filter(pk=mab.pk).update(first_name="Sokha", last_name="Chan")
    assert '<span class="who">Sokha Chan</span>' in bar(client)
    users.filter(pk=mab.pk).update(first_name="", last_name="", username="sokha")
    assert '<span class="who">sokha</span>' in bar(client)
    users.filter(pk=mab.pk).update(is_staff=True)
    assert "Research workspace" in bar(client)

    Assessment.objects.filter(pk=assessment.pk).update(title="A renamed round")
    assert 'title="A renamed round"' in bar(client)
    other = AssessmentFactory(code="tha-2024", framework=assessment.framework)
    MembershipFactory(assessment=other, user=mab, role=Role.MAB)
    assert "Review tha-2024" in bar(client) and "Review khm-2023" in bar(client)
    Membership.objects.filter(assessment=other, user=mab).delete()
    assert "Review tha-2024" not in bar(client)

    client.post("/i18n/setlang/", {"language": "km"})
    khmer = bar(client)
    assert "ចាកចេញ" in khmer and 'lang="km" aria-pressed="true"' in khmer and "Sign out" not in khmer
    # Another reader's bar is their own.
    other_reader = Client()
    other_reader.force_login(members["researcher"])
    theirs = bar(other_reader)
    assert members["researcher"].get_full_name() in theirs and "sokha" not in theirs


def test_a_copy_keeps_no_token_and_each_session_posts_with_its_own(members, assessment):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(members["mab"])
    second.force_login(members["mab"])  # the same person, another session (another CSRF secret)
    made = bar(first)
    with CaptureQueriesContext(connection) as cached:
        copied = bar(second)
    read = [q["sql"] for q in cached.captured_queries]  # (the log is reset by the next request)
    tokens = TOKEN.findall(copied)
    assert len(tokens) == 2 and CSRF_PLACEHOLDER not in copied and CSRF_PLACEHOLDER not in made
    assert not set(tokens) & set(TOKEN.findall(made))
    copies = [pickle.loads(v) for k, v in cache._cache.items() if ":topbar:" in k]
    assert len(copies) == 1 and set(TOKEN.findall(copies[0])) == {CSRF_PLACEHOLDER}
    # Its sign-out form's token works for its own session.
    assert second.post("/accounts/logout/", {"csrfmiddlewaretoken": tokens[0]}).status_code == 302
    assert second.get("/a/khm-2023/").status_code == 302  # signed out
    assert first.get("/a/khm-2023/").status_code == 200
    # The copy is what a fresh render gives; the menu is still read on every page (its one query).
    cache.clear()
    assert TOKEN.sub("", bar(first)) == TOKEN.sub("", copied)
    assert any("LIMIT 4" in sql and "DESC" in sql for sql in read)  # the menu's query


def test_nobody_signed_in_sees_no_menu_and_no_copy_is_kept(client, assessment):
    cache.clear()
    page = client.get("/accounts/login/").content.decode()
    top = page.split('<header class="topbar">')[1].split("</header>")[0]
    assert 'class="brand"' in top and 'class="languages"' in top
    assert 'class="account"' not in top and "<nav" not in top
    assert not [k for k in cache._cache if ":topbar:" in k]
