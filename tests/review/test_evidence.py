"""MAB members (and staff) read and comment; they never change evidence, not even with crafted POSTs."""

import pytest

from assessments.models import Finding
from review import services


def snapshot(finding):
    finding = Finding.objects.get(pk=finding.pk)
    return (
        finding.narrative,
        finding.score,
        finding.special_score,
        finding.status,
        finding.version,
        finding.history.count(),
        list(finding.citations.values_list("source_id", flat=True)),
        list(finding.data_points.values_list("value", flat=True)),
    )


CRAFTED = [
    {"action": "revise", "narrative": "Rewritten by MAB", "score": "5", "special_score": "", "version": "3"},
    {"action": "revise", "narrative": "", "score": "", "special_score": "not_applicable", "version": "999"},
    {"action": "endorse"},
    {"action": "revise"},
]


@pytest.mark.parametrize("role", ["mab", "staff"])
@pytest.mark.parametrize("data", CRAFTED)
def test_crafted_evidence_posts_are_refused(client, members, finding, role, data):
    before = snapshot(finding)
    client.force_login(members[role])
    response = client.post(finding.get_absolute_url(), data)
    assert response.status_code == 403
    assert snapshot(finding) == before


def test_mab_cannot_change_evidence_through_admin(client, members, finding):
    before = snapshot(finding)
    client.force_login(members["mab"])
    response = client.post(
        f"/admin/assessments/finding/{finding.pk}/change/", {"narrative": "Through the admin", "score": "5"}
    )
    # A MAB member is not staff: the admin sends them to its sign-in page ("not authorized"), nothing saved.
    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next=/admin/assessments/finding/{finding.pk}/change/"
    assert snapshot(finding) == before


def test_mab_sees_no_revise_form(client, members, finding):
    client.force_login(members["mab"])
    body = client.get(finding.get_absolute_url()).content.decode()
    assert 'name="narrative"' not in body and 'name="action" value="revise"' not in body


def test_researcher_revision_keeps_edit_conflicts(client, members, finding):
    client.force_login(members["researcher"])
    stale = finding.version
    services.revise_finding(
        finding,
        by=members["lead"],
        expected_version=stale,
        narrative="Lead's text",
        score=4,
        special_score="",
    )
    response = client.post(
        finding.get_absolute_url(),
        {
            "action": "revise",
            "narrative": "Researcher's text",
            "score": "2",
            "special_score": "",
            "version": stale,
        },
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "saved this finding while you were editing it" in body
    assert "Researcher&#x27;s text" in body  # what they typed is kept in the form
    assert Finding.objects.get(pk=finding.pk).narrative == "Lead's text"


def test_invalid_score_is_a_form_error(client, members, finding):
    client.force_login(members["researcher"])
    response = client.post(
        finding.get_absolute_url(),
        {
            "action": "revise",
            "narrative": "x",
            "score": "3",
            "special_score": "not_applicable",
            "version": finding.version,
        },
    )
    assert response.status_code == 400
    assert "Give a score or a reason for no score, not both." in response.content.decode()
