"""Participants without an account: personal and open links, answers, closing, revoking, forging, abuse."""

import datetime

import pytest
from django.core import mail
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consultation import services
from consultation.models import Answer, Participant
from tests.consultation.conftest import link_path

DETAILS = {"name": "Sok Dara", "organisation": "CamboNet", "stakeholder_group": "civil_society", "gender": ""}


@pytest.fixture
def invited(consultation, members, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(consultation, by=members["lead"], emails=["sok@example.org"])
    assert mail.outbox[-1].to == ["sok@example.org"]
    return link_path(mail.outbox[-1].body)


def open_path(consultation):
    return services.open_url(consultation)


def test_personal_link_details_then_answers_and_changes(client, consultation, invited):
    assert client.get(invited).status_code == 200  # details form
    refused = client.post(invited, {**DETAILS, "name": ""})
    assert refused.status_code == 200 and "This field is required" in refused.content.decode()
    assert client.post(invited, DETAILS).status_code == 302
    page = client.get(invited).content.decode()
    assert "Not answered" in page and "Key findings: Rights" in page
    r = client.post(f"{invited}i/1/", {"position": "changes", "comment": "Name the law."})
    assert r.status_code == 302 and r.url.endswith("/i/2/")
    client.post(f"{invited}i/1/", {"position": "disagree", "comment": "Changed my mind."})
    answer = Answer.objects.get()
    assert (answer.position, answer.comment) == ("disagree", "Changed my mind.")
    item_page = client.get(f"{invited}i/1/").content.decode()
    assert "Changed my mind." in item_page and "<em>protected</em>" in item_page


def test_items_are_a_snapshot(client, consultation, invited, members):
    from reports.models import ReportSection

    ReportSection.objects.filter(kind="findings_R").update(body="Rewritten after opening.")
    client.post(invited, DETAILS)
    assert "Rights are" in client.get(f"{invited}i/1/").content.decode()
    client.force_login(members["researcher"])
    team = client.get(f"/a/{consultation.assessment.code}/consultations/{consultation.pk}/").content.decode()
    assert "changed since" in team and "<ins>Rewritten" in team


def test_closed_revoked_forged_and_early_links(client, consultation, invited, members):
    client.post(invited, DETAILS)
    forged = invited.replace(invited.split("/")[-2], "x" * 43)
    assert client.get(forged).status_code == 404
    other = f"/c/p/{consultation.pk + 1}/{invited.split('/')[-2]}/"
    assert client.get(other).status_code == 404
    assert client.get(open_path(consultation).replace(consultation.open_token, "A" * 43)).status_code == 404
    participant = Participant.objects.get()
    services.set_participant_revoked(participant, by=members["lead"])
    gone = client.get(invited)
    assert gone.status_code == 410 and "withdrawn" in gone.content.decode()
    assert client.post(f"{invited}i/1/", {"position": "agree"}).status_code == 410
    services.set_participant_revoked(participant, by=members["lead"], revoked=False)
    services.close_now(consultation, by=members["lead"])
    closed = client.post(f"{invited}i/1/", {"position": "agree"})
    assert closed.status_code == 410 and "has closed" in closed.content.decode()
    assert client.get(open_path(consultation)).status_code == 410
    assert not Answer.objects.exists()
    consultation.opens_at = timezone.now() + datetime.timedelta(days=1)
    consultation.closes_at = timezone.now() + datetime.timedelta(days=2)
    consultation.save()
    assert "Not open yet" in client.get(invited).content.decode()


def test_revoked_open_link_is_410_and_a_new_one_works(client, consultation, members):
    old = open_path(consultation)
    services.set_open_link(consultation, by=members["lead"], revoked=True)
    assert client.get(old).status_code == 410
    services.set_open_link(consultation, by=members["lead"], revoked=False)
    assert client.get(old).status_code == 404
    assert client.get(open_path(consultation)).status_code == 200


def test_open_link_one_browser_one_answer_per_item(client, consultation):
    home = open_path(consultation)
    assert client.post(home, {**DETAILS, "name": ""}).status_code == 302  # name optional here
    client.post(f"{home}i/2/", {"position": "agree"})
    client.post(f"{home}i/2/", {"position": "disagree", "comment": "On reflection, no."})
    assert Answer.objects.count() == 1 and Answer.objects.get().position == "disagree"
    # A tampered cookie is no participant: the browser is asked for its details again.
    client.cookies[f"roamx_c{consultation.pk}"] = "1:forged"
    assert client.post(f"{home}i/2/", {"position": "agree"}).status_code == 302
    assert Answer.objects.count() == 1
    # Another browser is another participant.
    from django.test import Client

    other = Client()
    other.post(home, DETAILS)
    other.post(f"{home}i/2/", {"position": "agree"})
    assert Answer.objects.count() == 2 and Participant.objects.count() == 2


def test_participant_reaches_nothing_else(client, consultation, invited):
    client.post(invited, DETAILS)
    code = consultation.assessment.code
    for path in (
        f"/a/{code}/",
        f"/a/{code}/consultations/{consultation.pk}/inputs/",
        "/a/",
        "/admin/",
        "/api/assessments/",
    ):
        r = client.get(path)
        assert r.status_code in (302, 401, 403, 404), path
        assert not (r.status_code == 302 and "/login/" not in r.url), path


def test_hostile_and_oversize_input(client, consultation, invited, members):
    hostile = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    client.post(invited, {**DETAILS, "name": hostile, "organisation": hostile, "list_organisation": "on"})
    client.post(f"{invited}i/1/", {"position": "agree", "comment": hostile})
    too_long = client.post(f"{invited}i/2/", {"position": "agree", "comment": "x" * 2001})
    assert too_long.status_code == 200 and "at most 2000 characters" in too_long.content.decode()
    long_name = client.post(invited + "?details=1", {**DETAILS, "name": "n" * 201})
    assert "at most 200 characters" in long_name.content.decode()
    bad_choice = client.post(f"{invited}i/2/", {"position": "maybe"})
    assert bad_choice.status_code == 200 and "Select a valid choice" in bad_choice.content.decode()
    assert Answer.objects.count() == 1
    client.force_login(members["lead"])
    code = consultation.assessment.code
    for path in ("inputs/", "participants/", "summary/"):
        body = client.get(f"/a/{code}/consultations/{consultation.pk}/{path}").content.decode()
        assert "<script>alert(1)" not in body and "&lt;script&gt;" in body, path
    assert "<script>alert(1)" not in client.get(f"/a/{code}/review/matrix/").content.decode()


@pytest.fixture
def redis_cache(settings):
    """The rate limit counted in the real Redis (this helper's database 5), as in production."""
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/5",
        },
    }
    settings.RATELIMIT_USE_CACHE = "ratelimit"
    caches["ratelimit"].clear()
    yield caches["ratelimit"]
    caches["ratelimit"].clear()


def test_open_link_rate_limited_per_address(client, consultation, settings, redis_cache):
    settings.CONSULTATION_OPEN_RATE = "5/m"
    home = open_path(consultation)
    codes = [client.get(home, REMOTE_ADDR="203.0.113.7").status_code for _ in range(7)]
    assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
    assert "Too many requests" in client.get(home, REMOTE_ADDR="203.0.113.7").content.decode()
    assert client.get(home, REMOTE_ADDR="203.0.113.8").status_code == 200
    assert redis_cache._cache.get_client().keys("*rl:*")  # counted in Redis, not in this process


def test_participant_pages_cost_a_few_queries_however_many_items(
    client, consultation, invited, django_assert_max_num_queries
):
    """The workshop load (docs/operations.md): a personal link's item page is the participant with the
    consultation and the participant's answer; saving adds one upsert; a second answer keeps the team's
    disposition. The items come from the consultation's snapshot, read once per process."""
    client.post(invited, DETAILS)
    client.get(f"{invited}i/1/")  # the snapshot, read once
    for number in (1, 2, 5):
        with django_assert_max_num_queries(2):
            page = client.get(f"{invited}i/{number}/")
        assert page.status_code == 200 and f"Item {number} of 5" in page.content.decode()
    with django_assert_max_num_queries(2):
        assert "Not answered" in client.get(invited).content.decode()
    with CaptureQueriesContext(connection) as ctx:
        saved = client.post(f"{invited}i/5/", {"position": "agree", "comment": "Fine."})
    assert saved.status_code == 302 and saved.url.endswith("?done=1")
    assert len([q for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"]]) <= 3
    Answer.objects.update(disposition="accepted")
    client.post(f"{invited}i/5/", {"position": "changes", "comment": "On reflection."})
    answer = Answer.objects.get()
    assert (answer.position, answer.comment, answer.disposition) == ("changes", "On reflection.", "accepted")
    page = client.get(f"{invited}i/5/").content.decode()
    assert (
        'value="changes" required id="id_position_1" checked' in page and "On reflection.</textarea>" in page
    )
    assert "Agree with changes" in client.get(invited).content.decode()
    assert client.get(f"{invited}i/6/").status_code == 404


def test_a_participant_switches_to_khmer_and_back(client, consultation, invited):
    """Every participant page offers the language switch; it returns to the same page (the personal link),
    now in Khmer, and keeps nothing but the language cookie."""
    client.post(invited, DETAILS)
    page = client.get(f"{invited}i/1/")
    body = page.content.decode()
    assert 'action="/i18n/setlang/"' in body and 'name="language" value="km"' in body
    switched = client.post(
        "/i18n/setlang/", {"language": "km"}, HTTP_REFERER=f"http://testserver{invited}i/1/"
    )
    assert switched.status_code == 302 and switched.url.endswith(f"{invited}i/1/")
    khmer = client.get(switched.url).content.decode()
    assert '<html lang="km">' in khmer and 'aria-pressed="true" class="current">ភាសាខ្មែរ' in khmer
    assert "Rights are" in khmer  # the item's text stays as the team wrote it
    assert "sessionid" not in client.cookies
    back = client.post("/i18n/setlang/", {"language": "en"}, HTTP_REFERER=f"http://testserver{invited}i/1/")
    assert '<html lang="en">' in client.get(back.url).content.decode()
