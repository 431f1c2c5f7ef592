"""The rounds API onto a newer edition (through the crosswalk) and progress across editions: roles, the
body, refusals as 400 writing nothing, query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.choices import Scope
from assessments.models import Assessment, Finding, Membership
from tests.editions import make_editions
from tests.factories import AssessmentFactory, DataPointFactory, FindingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def rounds_url(code):
    return f"/api/assessments/{code}/rounds/"


def progress_url(code):
    return f"/api/assessments/{code}/progress/"


@pytest.fixture
def old_round(members):
    old_edition, _new = make_editions()
    assessment = AssessmentFactory(code="tst-2023", framework=old_edition, scope=Scope.FULL)
    for m in Membership.objects.filter(assessment__code="khm-2023"):
        MembershipFactory(assessment=assessment, user=m.user, role=m.role)
    for code, score in [("R.1.2", 2), ("R.1.3", 4), ("O.1.1", 2), ("O.1.2", 3)]:
        FindingFactory(assessment=assessment, code=code, score=score, narrative=f"About {code}.")
    return assessment


def post(client, user, code, body):
    client.force_login(user)
    return client.post(rounds_url(code), body, content_type="application/json")


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 201), ("researcher", 403), ("mab", 403), ("staff", 403), ("outsider", 404)],
)
def test_start_on_new_edition_roles(client, old_round, members, who, status):
    response = post(client, members[who], old_round.code, {"code": "tst-2027", "edition": "tst-2025"})
    assert response.status_code == status
    assert Assessment.objects.filter(code="tst-2027").exists() == (status == 201)
    if status == 201:
        body = response.json()
        assert body["edition"] == "tst-2025" and body["previous_edition"] == "tst-2019"
        assert {"item": "R.2.1", "reason": "new in tst-2025: nothing to carry over"} in body["not_carried"]
        assert {"item": "R.1.3", "reason": "dropped in tst-2025: Folded into the review of the law"} in body[
            "not_carried"
        ]


def test_anonymous(client, old_round):
    response = client.post(rounds_url(old_round.code), {"code": "x", "edition": "tst-2025"})
    assert response.status_code in (401, 403)
    assert client.get(progress_url(old_round.code)).status_code in (401, 403)


@pytest.mark.parametrize(
    ("edition", "message"),
    [
        ("nope", "No framework edition"),
        ("iui-2019", "No crosswalk from tst-2019 to iui-2019"),
        ("bad edition", ""),
    ],
)
def test_bad_edition_is_400_and_writes_nothing(client, old_round, members, edition, message):
    response = post(client, members["lead"], old_round.code, {"code": "tst-2027", "edition": edition})
    assert response.status_code == 400
    assert message in " ".join(response.json()["edition"])
    assert not Assessment.objects.filter(code="tst-2027").exists()


@pytest.mark.parametrize(
    ("who", "status"), [("lead", 200), ("researcher", 200), ("mab", 200), ("staff", 200), ("outsider", 404)]
)
def test_progress_across_editions(client, old_round, members, who, status):
    post(
        client,
        members["lead"],
        old_round.code,
        {"code": "tst-2027", "edition": "tst-2025", "carry": ["members"]},
    )
    Finding.objects.filter(assessment__code="tst-2027", indicator__code="O.1.1").update(score=4)
    client.force_login(members[who])
    response = client.get(progress_url("tst-2027"))
    assert response.status_code == status
    if status != 200:
        return
    data = response.json()
    assert (data["edition"], data["previous_edition"]) == ("tst-2025", "tst-2019")
    rows = {row["indicator"]: row for row in data["indicators"]}
    merged = rows["O.1.1"]
    assert merged["relation"] == "merged" and merged["origins"] == ["O.1.1", "O.1.2"]
    assert merged["then_scores"] == [2, 3] and merged["then_score"] == 2.5 and merged["change"] == "improved"
    assert rows["R.1.4"]["relation"] == "split" and rows["R.1.4"]["origins"] == ["R.1.2"]
    assert rows["R.1.4"]["then_score"] == 2
    assert rows["R.2.1"]["relation"] == "new" and rows["R.2.1"]["origins"] == []
    assert data["dropped"] == [
        {"indicator": "R.1.3", "then_score": 4, "note": "Folded into the review of the law"}
    ]


def test_progress_queries_do_not_grow(client, old_round, members):
    post(client, members["lead"], old_round.code, {"code": "tst-2027", "edition": "tst-2025"})
    client.force_login(members["mab"])
    with CaptureQueriesContext(connection) as few:
        client.get(progress_url("tst-2027"))
    for finding in Finding.objects.filter(assessment__code__in=["tst-2023", "tst-2027"]):
        DataPointFactory(finding=finding, year=2024)
    Finding.objects.filter(assessment__code__in=["tst-2023", "tst-2027"]).update(score=3)
    with CaptureQueriesContext(connection) as many:
        client.get(progress_url("tst-2027"))
    assert len(few) == len(many)
