"""The follow-up API (/api/assessments/<code>/recommendation-follow-ups/): every role, PATCH with the
version read (409 on a stale one, nothing written), 400 with field errors, filters, query counts that do
not grow with the number of recommendations, and a previous round that does not change."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.choices import StakeholderGroup
from assessments.models import Source
from reports import followup
from reports.models import MAX_FOLLOW_UP_NOTE, Recommendation, RecommendationFollowUp
from tests.api.conftest import ROLES, WRITERS, expected_status
from tests.factories import RecommendationFactory
from tests.reports.conftest import later_round, make_follow_round

pytestmark = pytest.mark.django_db

BASE = "/api/assessments/khm-2027/recommendation-follow-ups/"


@pytest.fixture
def follow_round(assessment, members):
    return make_follow_round(assessment, members)


def items(round_):
    return list(
        RecommendationFollowUp.objects.filter(assessment=round_)
        .select_related("assessment", "recommendation")
        .order_by("recommendation__stakeholder_group", "recommendation__order")
    )


def patch(client, url, body):
    return client.generic("PATCH", url, json.dumps(body), content_type="application/json")


def state(round_):
    return [
        (f.pk, f.status, f.note, f.note_second, f.version, sorted(f.sources.values_list("pk", flat=True)))
        for f in RecommendationFollowUp.objects.filter(assessment=round_).order_by("pk")
    ]


@pytest.mark.parametrize("role", ROLES)
def test_roles_read(api_as, follow_round, role):
    item = items(follow_round)[0]
    listing = api_as(role).get(BASE)
    assert listing.status_code == expected_status(role, 200), listing.content
    one = api_as(role).get(f"{BASE}{item.pk}/")
    assert one.status_code == expected_status(role, 200)
    if one.status_code == 200:
        assert listing.json()["count"] == 3
        body = one.json()
        assert body["recommendation"]["text"] == "Adopt a **data** law."
        assert body["recommendation"]["assessment"] == "khm-2023"
        assert body["status"] == "not_assessed" and body["version"] == 0


@pytest.mark.parametrize("role", ROLES)
def test_roles_write(api_as, follow_round, role):
    item = items(follow_round)[0]
    answer = patch(
        api_as(role), f"{BASE}{item.pk}/", {"version": 0, "status": "implemented", "note": "Done."}
    )
    assert answer.status_code == expected_status(role, 200, WRITERS), answer.content
    item.refresh_from_db()
    if role in WRITERS:
        assert (item.status, item.note, item.version) == ("implemented", "Done.", 1)
        assert answer.json()["version"] == 1 and answer.json()["updated_by"] == role
        assert item.history.count() == 2
    else:
        assert (item.status, item.version) == ("not_assessed", 0)


def test_only_get_and_patch(api_as, follow_round):
    item = items(follow_round)[0]
    client = api_as("lead")
    assert client.post(BASE, {}, format="json").status_code == 405
    assert client.delete(f"{BASE}{item.pk}/").status_code == 405
    assert client.put(f"{BASE}{item.pk}/", {"version": 0}, format="json").status_code == 405


def test_stale_version_is_409_with_the_current_follow_up(api_as, follow_round):
    item = items(follow_round)[0]
    url = f"{BASE}{item.pk}/"
    assert patch(api_as("lead"), url, {"version": 0, "note": "Theirs."}).status_code == 200
    before = state(follow_round)
    answer = patch(api_as("researcher"), url, {"version": 0, "note": "Mine."})
    assert answer.status_code == 409
    body = answer.json()
    assert body["current"]["note"] == "Theirs." and body["current"]["version"] == 1
    assert "saved this follow-up" in body["detail"]
    assert state(follow_round) == before


def test_sources_and_partial_updates(api_as, follow_round, assessment):
    item = items(follow_round)[0]
    url = f"{BASE}{item.pk}/"
    source = Source.objects.get(assessment=follow_round)
    answer = patch(api_as("researcher"), url, {"version": 0, "sources": [source.pk]})
    assert answer.status_code == 200 and answer.json()["sources"] == [source.pk]
    # Only the status: the sources and note stay.
    answer = patch(api_as("researcher"), url, {"version": 1, "status": "partly"})
    assert answer.json()["sources"] == [source.pk] and answer.json()["status"] == "partly"
    old = Source.objects.get(assessment=assessment)
    before = state(follow_round)
    answer = patch(api_as("researcher"), url, {"version": 2, "sources": [old.pk]})
    assert answer.status_code == 400 and "sources" in answer.json()
    assert state(follow_round) == before


BAD = [
    ({"status": "done"}, "status"),
    ({"version": 0, "status": "done"}, "status"),
    ({"version": 0, "note": "x" * (MAX_FOLLOW_UP_NOTE + 1)}, "note"),
    ({"version": 0, "note_second": "ខ្មែរ"}, "note_second"),
    ({"version": 0, "sources": [999999]}, "sources"),
    ({"version": 0, "sources": "1"}, "sources"),
    ({"version": -1}, "version"),
    ({"version": "one"}, "version"),
    ({"version": 0, "note": None}, "note"),
    ({"version": 0, "recommendation": 1}, "recommendation"),
    ({"version": 0, "colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("body", "field"), BAD, ids=[json.dumps(b)[:40] for b, _f in BAD])
def test_bad_input_is_400_naming_the_field(api_as, follow_round, body, field):
    item = items(follow_round)[0]
    before = state(follow_round)
    answer = patch(api_as("lead"), f"{BASE}{item.pk}/", body)
    assert answer.status_code == 400, answer.content
    assert field in answer.json()
    assert state(follow_round) == before


def test_hostile_text_is_stored_and_answered_as_text(api_as, follow_round):
    item = items(follow_round)[0]
    hostile = "<script>alert(1)</script>\n[x](javascript:alert(1)) =cmd|' /C calc'!A0"
    answer = patch(api_as("lead"), f"{BASE}{item.pk}/", {"version": 0, "note": hostile})
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    assert answer.json()["note"] == hostile


def test_filters(api_as, follow_round):
    item = items(follow_round)[0]
    patch(api_as("lead"), f"{BASE}{item.pk}/", {"version": 0, "status": "implemented"})
    client = api_as("mab")
    texts = [
        r["recommendation"]["text"] for r in client.get(BASE, {"status": "implemented"}).json()["results"]
    ]
    assert texts == ["Adopt a **data** law."]
    judiciary = client.get(BASE, {"stakeholder_group": StakeholderGroup.JUDICIARY}).json()["results"]
    assert [r["recommendation"]["text"] for r in judiciary] == ["Train the judges."]
    answer = client.get(BASE, {"status": "<done>"})
    assert answer.status_code == 400 and "status" in answer.json()


def test_another_rounds_item_is_404(api_as, follow_round, assessment, members):
    other = later_round(assessment, members["lead"], code="khm-2031")
    item = items(other)[0]
    assert api_as("lead").get(f"{BASE}{item.pk}/").status_code == 404
    assert patch(api_as("lead"), f"{BASE}{item.pk}/", {"version": 0, "status": "partly"}).status_code == 404


def test_a_first_round_lists_nothing(api_as, follow_round):
    assert api_as("lead").get("/api/assessments/khm-2023/recommendation-follow-ups/").json()["count"] == 0


def test_list_queries_do_not_grow(api_as, assessment, members):
    RecommendationFactory(assessment=assessment)
    new = later_round(assessment, members["lead"])
    client = api_as("mab")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(BASE, {"page_size": 100}).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    RecommendationFactory.create_batch(15, assessment=assessment)
    followup.sync_follow_ups(new)
    source = Source.objects.create(assessment=new, title="Census", type="report")
    for item in items(new):
        followup.save_follow_up(
            item, by=members["lead"], expected_version=0, status="partly", note="n", sources=[source]
        )
    assert count() == one


def test_the_previous_round_does_not_change(api_as, follow_round, assessment):
    before = [
        (r.pk, r.text, r.text_second, r.stakeholder_group, r.priority, r.order, r.updated)
        for r in Recommendation.objects.filter(assessment=assessment).order_by("pk")
    ]
    for item in items(follow_round):
        assert (
            patch(api_as("lead"), f"{BASE}{item.pk}/", {"version": 0, "status": "implemented"}).status_code
            == 200
        )
    after = [
        (r.pk, r.text, r.text_second, r.stakeholder_group, r.priority, r.order, r.updated)
        for r in Recommendation.objects.filter(assessment=assessment).order_by("pk")
    ]
    assert after == before


@pytest.mark.parametrize("role", ROLES)
def test_comments_on_a_follow_up_through_the_comments_api(api_as, follow_round, members, role):
    """A follow-up is a comment target in the API as on its page: every member comments, the answer names
    it, ``?target=follow_up`` lists it; a follow-up of another round is a 400 on ``target``."""
    item = items(follow_round)[0]
    comments = "/api/assessments/khm-2027/comments/"
    body = {"target": {"type": "follow_up", "id": item.pk}, "body": "Which decree? <b>cite it</b>"}
    posted = api_as(role).post(comments, body, format="json")
    assert posted.status_code == expected_status(role, 201), posted.content
    if posted.status_code != 201:
        return
    assert posted.json()["target"] == {"type": "follow_up", "id": item.pk}
    listed = api_as(role).get(comments, {"target": "follow_up"}).json()["results"]
    assert [c["body"] for c in listed] == ["Which decree? <b>cite it</b>"]
    assert api_as(role).get(comments, {"target": "recommendation"}).json()["results"] == []
    # The previous round's own recommendation is not this round's follow-up.
    refused = api_as(role).post(
        comments,
        {"target": {"type": "follow_up", "id": item.recommendation_id + 10_000}, "body": "x"},
        format="json",
    )
    assert refused.status_code == 400 and "target" in refused.json()
