"""Findings through the API: concurrency, transitions, the scale, filters."""

import pytest

from assessments.models import Finding
from assessments.services import save_finding, transition

URL = "/api/assessments/khm-2023/findings/R.1.1/"


@pytest.fixture
def researcher(api_as):
    return api_as("researcher")


def finding(assessment, code="R.1.1"):
    return Finding.objects.get(assessment=assessment, indicator__code=code)


def test_get_gives_version_and_etag(researcher, assessment):
    response = researcher.get(URL)
    assert response.status_code == 200
    assert response.json()["version"] == 1 and response["ETag"] == '"1"'
    assert response.json()["category"] == "R" and response.json()["is_core"] is True


def test_patch_saves_through_the_service_and_records_who(researcher, assessment, members):
    response = researcher.patch(
        URL, {"version": 1, "status": "draft", "score": 4, "narrative": "Law of 2015."}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["version"] == 2 and body["score_label"] == "Strong" and body["updated_by"] == "researcher"
    assert response["ETag"] == '"2"'
    saved = finding(assessment)
    assert (saved.status, saved.score, saved.version) == ("draft", 4, 2)
    assert saved.history.first().history_user == members["researcher"]


def test_stale_version_gets_409_with_current_finding_and_changes(researcher, assessment, members):
    theirs = finding(assessment)
    save_finding(
        theirs, by=members["lead"], expected_version=1, fields={"narrative": "Lead's text", "score": 3}
    )
    response = researcher.patch(URL, {"version": 1, "narrative": "Mine"}, format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["current"]["version"] == 2 and body["current"]["narrative"] == "Lead's text"
    changes = {c["field"]: c["new"] for c in body["changes"]}
    assert changes == {"narrative evidence": "Lead's text", "score": 3}
    assert "while you were editing" in body["detail"]
    assert finding(assessment).narrative == "Lead's text"


def test_stale_if_match_gets_412_and_fresh_one_saves(researcher, assessment, members):
    transition(finding(assessment), "draft", by=members["lead"])
    stale = researcher.patch(URL, {"narrative": "Mine"}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    assert stale.json()["current"]["status"] == "draft"
    assert stale.json()["changes"] == [{"field": "status", "old": "not_started", "new": "draft"}]
    fresh = researcher.patch(URL, {"narrative": "Mine"}, format="json", HTTP_IF_MATCH=stale["ETag"])
    assert fresh.status_code == 200 and fresh.json()["narrative"] == "Mine"


def test_unreadable_if_match_is_412(researcher, assessment):
    response = researcher.patch(URL, {"narrative": "Mine"}, format="json", HTTP_IF_MATCH="yesterday")
    assert response.status_code == 412
    assert finding(assessment).narrative == ""


def test_version_is_required(researcher, assessment):
    response = researcher.patch(URL, {"narrative": "Mine"}, format="json")
    assert response.status_code == 400 and "version" in response.json()
    assert finding(assessment).version == 1


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"status": "ready"}, "status", "cannot go from"),
        ({"status": "finished"}, "status", "not a valid choice"),
        ({"score": 6}, "score", "between 1 and 5"),
        ({"score": 0}, "score", "greater than or equal to 1"),
        ({"score": 2, "special_score": "not_applicable"}, "special_score", "not both"),
        ({"assignee": "mab"}, "assignee", "not a researcher"),
        ({"assignee": "nobody"}, "assignee", "not a researcher"),
        ({"due_date": "31/12/2024"}, "due_date", "wrong format"),
        ({"version": "one"}, "version", "valid integer"),
    ],
)
def test_bad_input_is_400_with_field_errors_and_nothing_saved(researcher, assessment, body, field, message):
    response = researcher.patch(URL, {"version": 1, **body}, format="json")
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()[field])
    saved = finding(assessment)
    assert saved.version == 1 and saved.status == "not_started" and saved.score is None


def test_score_against_special_score_already_saved(researcher, assessment, members):
    save_finding(
        finding(assessment),
        by=members["lead"],
        expected_version=1,
        fields={"special_score": "not_applicable"},
    )
    response = researcher.patch(URL, {"version": 2, "score": 3}, format="json")
    assert response.status_code == 400 and "not both" in response.json()["special_score"][0]


def test_endorsing_is_refused_while_a_mab_comment_is_unresolved(researcher, assessment, members):
    from review.services import add_comment, resolve_comment

    found = finding(assessment)
    transition(found, "draft", by=members["researcher"])
    transition(found, "ready", by=members["researcher"])
    comment = add_comment(found, by=members["mab"], body="Which year is this figure from?")
    response = researcher.patch(URL, {"version": 3, "status": "endorsed"}, format="json")
    assert response.status_code == 400
    assert "unresolved" in response.json()["status"][0]
    assert finding(assessment).status == "ready"
    resolve_comment(comment, by=members["researcher"], disposition="accepted", reason="Year added.")
    response = researcher.patch(URL, {"version": 3, "status": "endorsed"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "endorsed"


def test_mab_member_cannot_change_a_findings_status(api_as, assessment):
    response = api_as("mab").patch(URL, {"version": 1, "status": "draft"}, format="json")
    assert response.status_code == 403
    assert finding(assessment).status == "not_started"


def test_assign_a_researcher(researcher, assessment):
    response = researcher.patch(URL, {"version": 1, "assignee": "lead"}, format="json")
    assert response.status_code == 200 and response.json()["assignee"] == "lead"
    cleared = researcher.patch(URL, {"version": 2, "assignee": None}, format="json")
    assert cleared.json()["assignee"] is None


def test_archived_and_unknown_findings_are_404(researcher, assessment):
    assert researcher.get("/api/assessments/khm-2023/findings/R.1.2/").status_code == 404  # not in core scope
    assert researcher.get("/api/assessments/khm-2023/findings/Z.9.9/").status_code == 404
    assert researcher.get("/api/assessments/nope/findings/").status_code == 404


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "M"}, 10),
        ({"category": "C"}, 21),
        ({"core": "true"}, 109),
        ({"core": "false"}, 21),
        ({"theme": "R.A"}, None),
        ({"status": ["draft", "ready"]}, 2),
        ({"assignee": "lead"}, 1),
        ({"indicator": "M.1.1"}, 1),
    ],
)
def test_filters(researcher, assessment, members, params, expected):
    transition(finding(assessment, "R.2.1"), "draft", by=members["researcher"])
    ready = finding(assessment, "R.3.1")
    transition(ready, "draft", by=members["researcher"])
    transition(ready, "ready", by=members["researcher"])
    save_finding(
        finding(assessment, "M.1.1"),
        by=members["lead"],
        expected_version=1,
        fields={"assignee": members["lead"]},
    )
    response = researcher.get("/api/assessments/khm-2023/findings/", {**params, "page_size": 500})
    assert response.status_code == 200
    results = response.json()["results"]
    if expected is None:
        expected = Finding.objects.filter(
            assessment=assessment, indicator__question__theme__code="R.A"
        ).count()
        assert expected > 0
    assert len(results) == response.json()["count"] == expected


def test_changed_since(researcher, assessment, members):
    from django.utils import timezone

    before = timezone.now()
    transition(finding(assessment, "X.1.1"), "draft", by=members["researcher"])
    response = researcher.get("/api/assessments/khm-2023/findings/", {"changed_since": before.isoformat()})
    assert [f["indicator"] for f in response.json()["results"]] == ["X.1.1"]


@pytest.mark.parametrize(
    "params",
    [
        {"category": "Q"},
        {"status": "finished"},
        {"core": "maybe"},
        {"changed_since": "yesterday"},
        {"changed_since": "9999-12-31T23:59:59-14:00"},
        {"theme": "R\x00"},
    ],
)
def test_bad_filters_are_400(researcher, assessment, params):
    response = researcher.get("/api/assessments/khm-2023/findings/", params)
    assert response.status_code == 400
    assert set(response.json()) == set(params)
