"""Consultations in the API (read, and the disposition of an input) and in the admin (lead only), for
every role and with bad input; participants' personal data in neither."""

import json

import pytest
from django.core.cache import cache

from consultation import queries
from consultation.models import Answer
from tests.api.conftest import ROLES, expected_status, token_client
from tests.factories import AnswerFactory, AssessmentFactory, ParticipantFactory

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def answer(consultation):
    participant = ParticipantFactory(
        consultation=consultation,
        name="Sok Dara",
        email="sok@example.org",
        organisation="CamboNet",
        stakeholder_group="civil_society",
    )
    return AnswerFactory(
        participant=participant, item=consultation.items.get(number=3), position="changes", comment=HOSTILE
    )


def api(consultation, tail=""):
    return f"/api/assessments/{consultation.assessment.code}/consultations/{tail}"


def client_for(members, role):
    return token_client(None if role == "anonymous" else members[role])


PERSONAL = ("Sok Dara", "sok@example.org", "CamboNet")


@pytest.mark.parametrize("role", ROLES)
def test_reads_by_role_without_personal_data(members, consultation, answer, role):
    client = client_for(members, role)
    c = consultation.pk
    for tail in ("", f"{c}/", f"{c}/items/", f"{c}/inputs/", f"{c}/inputs/{answer.pk}/"):
        response = client.get(api(consultation, tail))
        assert response.status_code == expected_status(role, 200), (tail, response.status_code)
        if response.status_code == 200:
            assert not any(p in response.content.decode() for p in PERSONAL), tail
    if role in ("lead", "researcher", "mab", "staff"):
        listed = client.get(api(consultation)).json()
        row = listed["results"][0] if "results" in listed else listed[0]
        assert (row["title"], row["source"], row["participant_count"], row["answer_count"]) == (
            "National validation workshop",
            "workshop",
            1,
            1,
        )
        items = client.get(api(consultation, f"{c}/items/")).json()
        assert [i["number"] for i in items] == [1, 2, 3, 4, 5] and items[2]["changes"] == 1
        one = client.get(api(consultation, f"{c}/inputs/{answer.pk}/")).json()
        assert one["comment"] == HOSTILE and one["stakeholder_group"] == "civil_society"
        assert (one["item"], one["source"], one["disposition"], one["hidden"]) == (3, "workshop", "", False)


@pytest.mark.parametrize("role", ROLES)
def test_disposition_by_role(members, consultation, answer, role):
    client = client_for(members, role)
    response = client.post(
        api(consultation, f"{consultation.pk}/inputs/{answer.pk}/disposition/"),
        {"disposition": "partly_accepted", "reason": "Dated in the next edition."},
        format="json",
    )
    assert response.status_code == expected_status(role, 200, writers=["lead", "researcher"])
    answer.refresh_from_db()
    if response.status_code == 200:
        assert response.json()["disposition"] == "partly_accepted"
        assert response.json()["resolved_by"] == members[role].username
        assert (answer.disposition, answer.reason) == ("partly_accepted", "Dated in the next edition.")
    else:
        assert (answer.disposition, answer.resolved_by) == ("", None)


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, "disposition"),
        ({"disposition": ""}, "disposition"),
        ({"disposition": "maybe"}, "disposition"),
        ({"disposition": "not_accepted"}, "reason"),
        ({"disposition": "not_accepted", "reason": "   "}, "reason"),
        ({"disposition": "accepted", "reason": "x" * 2001}, "reason"),
        ({"disposition": "accepted", "hidden": True}, "hidden"),
        ({"disposition": "accepted", "resolved_by": "lead"}, "resolved_by"),
        ({"disposition": ["accepted"]}, "disposition"),
    ],
)
def test_disposition_bad_input_is_400_with_the_field(members, consultation, answer, body, field):
    client = client_for(members, "researcher")
    response = client.post(
        api(consultation, f"{consultation.pk}/inputs/{answer.pk}/disposition/"), body, format="json"
    )
    assert response.status_code == 400 and field in response.json(), response.content
    answer.refresh_from_db()
    assert (answer.disposition, answer.reason, answer.hidden) == ("", "", False)


def test_disposition_wrong_body_and_places(members, consultation, answer):
    client = client_for(members, "lead")
    path = api(consultation, f"{consultation.pk}/inputs/{answer.pk}/disposition/")
    assert client.post(path, "not json{", content_type="application/json").status_code == 400
    assert client.post(path, json.dumps([1]), content_type="application/json").status_code == 400
    assert client.generic("POST", path, b"disposition=accepted", content_type="").status_code == 415
    # Another consultation's or another assessment's input is not found.
    other = AssessmentFactory(code="lao-2024", framework=consultation.assessment.framework)
    assert client.get(f"/api/assessments/{other.code}/consultations/").status_code == 404
    assert (
        client.post(
            api(consultation, f"{consultation.pk + 999}/inputs/{answer.pk}/disposition/"),
            {"disposition": "accepted"},
            format="json",
        ).status_code
        == 404
    )
    assert (
        client.post(
            api(consultation, f"{consultation.pk}/inputs/{answer.pk + 999}/disposition/"),
            {"disposition": "accepted"},
            format="json",
        ).status_code
        == 404
    )
    assert client.delete(api(consultation, f"{consultation.pk}/inputs/{answer.pk}/")).status_code == 405
    assert client.post(api(consultation), {"title": "x"}, format="json").status_code == 405
    assert Answer.objects.get().disposition == ""


def test_api_queries_do_not_grow(members, consultation, answer, django_assert_max_num_queries):
    client = client_for(members, "lead")
    paths = [
        api(consultation),
        api(consultation, f"{consultation.pk}/items/"),
        api(consultation, f"{consultation.pk}/inputs/"),
    ]
    counts = {}
    for path in paths:
        with django_assert_max_num_queries(20) as ctx:
            assert client.get(path).status_code == 200
        counts[path] = len(ctx.captured_queries)
    for n in range(6):
        p = ParticipantFactory(consultation=consultation, details_given=True)
        for item in consultation.items.all():
            AnswerFactory(participant=p, item=item, comment=f"c{n}")
    for path in paths:
        with django_assert_max_num_queries(counts[path]):
            assert client.get(path).status_code == 200


ADMIN = "/admin/consultation/"


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff", "outsider"])
def test_admin_only_for_the_lead(client, members, consultation, answer, role):
    client.force_login(members[role])
    pages = [
        f"{ADMIN}consultation/",
        f"{ADMIN}consultation/{consultation.pk}/change/",
        f"{ADMIN}answer/",
        f"{ADMIN}answer/{answer.pk}/change/",
    ]
    for page in pages:
        response = client.get(page)
        if role == "lead":
            assert response.status_code == 200, page
            assert not any(p in response.content.decode() for p in PERSONAL), page
        elif role == "mab":  # no admin access at all
            assert response.status_code == 302 and "/login/" in response.url
        elif role == "outsider" and "/change/" in page:
            assert response.status_code == 404, page
        else:
            assert response.status_code == 403, (page, response.status_code)
    index = client.get("/admin/").content.decode() if role != "mab" else ""
    assert (f'href="{ADMIN}"' in index) == (role == "lead")


def test_admin_lead_hides_spam_and_edits_the_title(
    client, members, consultation, answer, django_capture_on_commit_callbacks
):
    client.force_login(members["lead"])
    cache.set(queries._tallies_key(consultation), {"stale": True})
    page = f"{ADMIN}answer/{answer.pk}/change/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"hidden": "on", "comment": "overwritten?", "disposition": "accepted"})
    assert response.status_code == 302
    answer.refresh_from_db()
    assert (answer.hidden, answer.comment, answer.disposition) == (True, HOSTILE, "")
    assert cache.get(queries._tallies_key(consultation)) is None  # the projector counts it out at once
    assert HOSTILE not in client.get(page).content.decode()  # escaped
    # The consultation: its title, place and times; closing before opening is refused on the field.
    change = f"{ADMIN}consultation/{consultation.pk}/change/"
    form = {
        "title": "Renamed <b>workshop</b>",
        "place": "Siem Reap",
        "opens_at_0": "2026-01-10",
        "opens_at_1": "09:00",
        "closes_at_0": "2026-01-09",
        "closes_at_1": "09:00",
    }
    refused = client.post(change, form)
    assert refused.status_code == 200 and "errornote" in refused.content.decode()
    consultation.refresh_from_db()
    assert consultation.title == "National validation workshop"
    assert client.post(change, {**form, "closes_at_0": "2026-01-11"}).status_code == 302
    consultation.refresh_from_db()
    assert (consultation.title, consultation.place) == ("Renamed <b>workshop</b>", "Siem Reap")
    # Neither added nor deleted here.
    assert client.get(f"{ADMIN}consultation/add/").status_code == 403
    assert client.post(f"{ADMIN}consultation/{consultation.pk}/delete/", {"post": "yes"}).status_code == 403
