"""Choosing the language: the switcher, the person's preference across devices, the admin, the API, dates."""

import datetime
import json

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import formats, translation

from accounts.models import Profile
from tests.api.conftest import token_client

pytestmark = pytest.mark.django_db

PASSWORD = "pw-test-1"


def signed_in(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def html_lang(response):
    return response.content.decode().split('<html lang="', 1)[1].split('"', 1)[0]


def test_anonymous_switch_sets_the_cookie_and_the_sign_in_page_follows(db):
    client = Client()
    login = client.get(reverse("login"))
    assert html_lang(login) == "en" and 'name="language" value="km"' in login.content.decode()
    answer = client.post(reverse("set_language"), {"language": "km", "next": reverse("login")})
    assert answer.status_code == 302 and answer["Location"] == reverse("login")
    assert answer.cookies[settings.LANGUAGE_COOKIE_NAME].value == "km"
    page = client.get(reverse("login")).content.decode()
    assert '<html lang="km">' in page and "ចូលទៅ roamx" in page and "Sign in to roamx" not in page
    assert not Profile.objects.exists()


def test_a_signed_in_switch_is_remembered_on_another_device(members):
    user = members["researcher"]
    laptop = signed_in(user)
    laptop.post(reverse("set_language"), {"language": "km", "next": "/"})
    assert Profile.objects.get(user=user).language == "km"

    phone = Client(HTTP_ACCEPT_LANGUAGE="en")  # another device: no cookie, an English browser
    assert html_lang(phone.get(reverse("login"))) == "en"
    signed = phone.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert signed.status_code == 302
    assert signed.cookies[settings.LANGUAGE_COOKIE_NAME].value == "km"  # kept after signing out too
    home = phone.get("/").content.decode()
    assert '<html lang="km">' in home and "ការវាយតម្លៃរបស់ខ្ញុំ" in home

    phone.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert Profile.objects.get(user=user).language == "en"
    assert (
        html_lang(laptop.get("/")) == "km"
    )  # the laptop's session keeps its language until it signs in again
    again = signed_in(user)
    assert html_lang(again.get("/")) == "en"


def test_the_preference_wins_over_the_browser_and_costs_no_query(members):
    user = members["lead"]
    english = signed_in(user)
    english.get("/")
    with CaptureQueriesContext(connection) as english_queries:
        english.get("/")
    Profile.objects.create(user=user, language="km")
    khmer = Client(HTTP_ACCEPT_LANGUAGE="en")
    khmer.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    khmer.get("/")
    with CaptureQueriesContext(connection) as khmer_queries:
        page = khmer.get("/")
    assert html_lang(page) == "km"
    assert len(khmer_queries.captured_queries) == len(english_queries.captured_queries)


def test_set_language_takes_only_a_post_and_a_known_language(members):
    client = signed_in(members["mab"])
    assert client.get(reverse("set_language"), {"language": "km"}).status_code == 405
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert not Profile.objects.filter(user=members["mab"]).exists()
    assert html_lang(client.get("/")) == "en"
    csrf = Client(enforce_csrf_checks=True)
    assert csrf.post(reverse("set_language"), {"language": "km"}).status_code == 403


def test_the_admin_follows_the_preference(members):
    user = members["lead"]
    Profile.objects.create(user=user, language="km")
    client = signed_in(user)  # the test client's login sends the signal as the sign-in page does
    page = client.get(reverse("admin:index")).content.decode()
    assert '<html lang="km"' in page
    assert "ការគ្រប់គ្រង roamx" in page or "កន្លែងធ្វើការស្រាវជ្រាវ" in page
    assert "លទ្ធផលរកឃើញ" in page  # the Findings model, by its Khmer plural name
    assert "Research workspace" not in page and ">Findings<" not in page
    changelist = client.get(reverse("admin:assessments_finding_changelist")).content.decode()
    assert "សូចនាករ" in changelist and "ស្ថានភាព" in changelist


def test_api_errors_answer_in_khmer(members, assessment):
    anonymous = Client(HTTP_ACCEPT_LANGUAGE="km")
    refused = anonymous.get("/api/assessments/")
    assert refused.status_code == 401
    assert refused.json()["detail"] == "មិនបានផ្ដល់ព័ត៌មានផ្ទៀងផ្ទាត់អត្តសញ្ញាណទេ។"
    missing = anonymous.get("/api/no-such-endpoint/")
    assert missing.status_code == 404 and missing.json()["detail"] == "រកមិនឃើញ។"

    client = token_client(members["researcher"])
    url = f"/api/assessments/{assessment.code}/findings/R.1.1/"
    bad = client.patch(
        url, json.dumps({"no_such_field": 1}), content_type="application/json", HTTP_ACCEPT_LANGUAGE="km"
    )
    assert bad.status_code == 400, bad.content
    assert "វាលមិនស្គាល់។" in json.dumps(bad.json(), ensure_ascii=False)
    english = client.patch(url, json.dumps({"no_such_field": 1}), content_type="application/json")
    assert "Unknown field." in json.dumps(english.json())


def test_khmer_dates_use_a_24_hour_clock_and_the_assessment_zone():
    moment = datetime.datetime(2026, 3, 2, 15, 30, tzinfo=datetime.UTC)
    with translation.override("km"):
        assert formats.date_format(moment.date()) == "2 ខែ មិនា ឆ្នាំ 2026"
        assert formats.time_format(moment.time()) == "15:30"
        assert formats.number_format(1234567.5, 1, use_l10n=True, force_grouping=True) == "1,234,567.5"
        from django.utils import timezone

        with timezone.override("Asia/Phnom_Penh"):
            local = timezone.localtime(moment)
            assert formats.date_format(local, "DATETIME_FORMAT") == "2 ខែ មិនា ឆ្នាំ 2026, 22:30 +07"
    with translation.override("en"):
        assert formats.date_format(moment.date()) == "2 March 2026"
