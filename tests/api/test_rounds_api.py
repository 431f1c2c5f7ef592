"""The API of rounds and progress: roles, idempotence, bad input as 400, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.choices import CarryOver
from assessments.models import Assessment, Finding
from tests.factories import FindingFactory, SourceFactory

pytestmark = pytest.mark.django_db


def rounds_url(code):
    return f"/api/assessments/{code}/rounds/"


def progress_url(code):
    return f"/api/assessments/{code}/progress/"


@pytest.fixture
def api(client):
    def call(user, method, url, data=None):
        client.force_login(user)
        if method == "post":
            return client.post(url, data or {}, content_type="application/json")
        return client.get(url)

    return call


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 201), ("researcher", 403), ("mab", 403), ("staff", 403), ("outsider", 404)],
)
def test_start_round_roles(api, assessment, members, who, status):
    response = api(
        members[who], "post", rounds_url(assessment.code), {"code": "khm-2027", "carry": ["members"]}
    )
    assert response.status_code == status
    assert Assessment.objects.filter(code="khm-2027").exists() == (status == 201)


def test_start_round_anonymous(client, assessment):
    assert client.post(rounds_url(assessment.code), {}, content_type="application/json").status_code in (
        401,
        403,
    )


def test_start_round_idempotent_and_refusals(api, assessment, members):
    SourceFactory(assessment=assessment, title="Law")
    body = {"code": "khm-2027", "carry": [CarryOver.SOURCES, CarryOver.MEMBERS]}
    first = api(members["lead"], "post", rounds_url(assessment.code), body)
    assert first.status_code == 201 and first.json()["counts"]["sources"] == 1
    again = api(members["lead"], "post", rounds_url(assessment.code), body)
    assert again.status_code == 200 and again.json()["counts"] == {"members": 0, "sources": 0, "findings": 0}
    for bad, field in [
        ({"code": "bad code"}, "code"),
        ({"code": "khm-2028", "carry": ["scores"]}, "carry"),
        ({"code": "khm-2028", "carry": ["citations"]}, "carry"),
        ({"code": "khm-2028", "previous": "x"}, "previous"),
    ]:
        response = api(members["lead"], "post", rounds_url(assessment.code), bad)
        assert response.status_code == 400 and field in response.json(), bad
    assert not Assessment.objects.filter(code="khm-2028").exists()


@pytest.fixture
def later(assessment, members, api):
    FindingFactory(assessment=assessment, code="R.1.1", score=2)
    api(members["lead"], "post", rounds_url(assessment.code), {"code": "khm-2027", "carry": ["members"]})
    new = Assessment.objects.get(code="khm-2027")
    FindingFactory(assessment=new, code="R.1.1", score=4)
    return new


@pytest.mark.parametrize(
    ("who", "status"), [("lead", 200), ("researcher", 200), ("mab", 200), ("staff", 200), ("outsider", 404)]
)
def test_progress_roles(api, later, members, who, status):
    assert api(members[who], "get", progress_url(later.code)).status_code == status


def test_progress_body_filter_and_bad_filter(api, later, members):
    data = api(members["mab"], "get", progress_url(later.code) + "?change=improved").json()
    assert data["previous"] == "khm-2023"
    assert data["indicators"] == [
        {
            "indicator": "R.1.1",
            "then_score": 2,
            "now_score": 4,
            "change": "improved",
            "then_status": "not_started",
            "now_status": "not_started",
            "then_evidence": False,
            "now_evidence": False,
            "then_scores": [2],
            "relation": "same",
            "origins": ["R.1.1"],
        }
    ]
    rights = next(c for c in data["categories"] if c["category"] == "R")
    assert rights["then_mean"] == 2 and rights["now_mean"] == 4 and rights["changes"]["improved"] == 1
    assert api(members["mab"], "get", progress_url(later.code) + "?change=x").status_code == 400
    first = api(members["mab"], "get", progress_url("khm-2023")).json()
    assert first == {
        "previous": None,
        "edition": "iui-2019",
        "previous_edition": None,
        "dropped": [],
        "categories": [],
        "indicators": [],
    }


def test_progress_queries_do_not_grow(api, later, members, client):
    client.force_login(members["mab"])
    with CaptureQueriesContext(connection) as few:
        client.get(progress_url(later.code))
    Finding.objects.filter(assessment__code__in=["khm-2023", "khm-2027"]).update(score=3, narrative="x")
    with CaptureQueriesContext(connection) as many:
        client.get(progress_url(later.code))
    assert len(few) == len(many)
