"""Comments and validation votes through the API: every role, the review rules, field errors, filters."""

import datetime

import pytest
from django.utils import timezone

from assessments.choices import FindingStatus, Role
from assessments.models import Finding
from reports.demo import seed_report
from reports.models import Recommendation
from review import services
from review.choices import CommentStatus
from review.models import Comment, Vote
from tests.api.conftest import MEMBERS, ROLES, WRITERS, expected_status, token_client
from tests.factories import MembershipFactory

BASE = "/api/assessments/khm-2023"
ON_R111 = {"type": "finding", "indicator": "R.1.1"}


@pytest.fixture
def finding(assessment):
    return Finding.objects.select_related("indicator", "assessment").get(
        assessment=assessment, indicator__code="R.1.1"
    )


@pytest.fixture
def mab_comment(finding, members):
    return services.add_comment(finding, by=members["mab"], body="Where is the 2022 law cited?")


@pytest.mark.parametrize("role", ROLES)
def test_comment_list_per_role(api_as, mab_comment, role):
    response = api_as(role).get(f"{BASE}/comments/")
    assert response.status_code == expected_status(role, 200)
    if response.status_code == 200:
        [comment] = response.json()["results"]
        assert comment["target"] == ON_R111
        assert comment["author_role"] == "mab" and comment["status"] == "open"
        detail = api_as(role).get(f"{BASE}/comments/{mab_comment.pk}/")
        assert detail.json()["body"] == "Where is the 2022 law cited?"


@pytest.mark.parametrize("role", ROLES)
def test_every_member_comments_on_a_finding(api_as, finding, members, role):
    body = {"target": ON_R111, "body": "The regulator's 2021 report covers this. @researcher"}
    response = api_as(role).post(f"{BASE}/comments/", body, format="json")
    assert response.status_code == expected_status(role, 201), response.content
    comments = services.comments_on(finding)
    assert comments.count() == (1 if role in MEMBERS else 0)
    if role in MEMBERS:
        data = response.json()
        assert data["author"] == members[role].username and data["target"] == ON_R111
        assert data["author_role"] == {"lead": Role.LEAD}.get(role, role)
        assert data["mentions"] == ["researcher"] or members["researcher"].username in data["mentions"]


def test_reply_takes_its_parents_target(api_as, mab_comment, members):
    response = api_as("researcher").post(
        f"{BASE}/comments/", {"parent": mab_comment.pk, "body": "Added, see source 3."}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == mab_comment.pk and response.json()["target"] == ON_R111


def test_reply_on_another_target_is_refused(api_as, mab_comment):
    response = api_as("researcher").post(
        f"{BASE}/comments/",
        {"parent": mab_comment.pk, "target": {"type": "finding", "indicator": "O.1.1"}, "body": "Hm."},
        format="json",
    )
    assert response.status_code == 400
    assert "same item" in str(response.json())
    assert Comment.objects.count() == 1


def test_comments_on_report_sections_and_recommendations(api_as, report_targets, members):
    recommendation = Recommendation.objects.filter(assessment=report_targets).first()
    client = api_as("mab")
    on_section = {"type": "section", "kind": "executive_summary"}
    on_recommendation = {"type": "recommendation", "id": recommendation.pk}
    for target in [on_section, on_recommendation]:
        response = client.post(f"{BASE}/comments/", {"target": target, "body": "Too vague."}, format="json")
        assert response.status_code == 201, response.content
        assert response.json()["target"] == target
    assert Comment.objects.filter(author_role=Role.MAB).count() == 2
    listed = client.get(f"{BASE}/comments/", {"target": "recommendation"}).json()["results"]
    assert [c["target"] for c in listed] == [on_recommendation]


def test_reply_with_mention_on_a_recommendation_mails_a_link_to_it(
    api_as, report_targets, members, mailoutbox, django_capture_on_commit_callbacks
):
    recommendation = Recommendation.objects.filter(assessment=report_targets).first()
    target = {"type": "recommendation", "id": recommendation.pk}
    first = api_as("mab").post(
        f"{BASE}/comments/", {"target": target, "body": "Who funds this?"}, format="json"
    )
    assert first.status_code == 201
    with django_capture_on_commit_callbacks(execute=True):
        reply = api_as("researcher").post(
            f"{BASE}/comments/",
            {"parent": first.json()["id"], "body": "@lead can you answer this one?"},
            format="json",
        )
    assert reply.status_code == 201, reply.content
    assert reply.json()["target"] == target
    recipients = {address for mail in mailoutbox for address in mail.to}
    assert members["lead"].email in recipients and members["mab"].email in recipients
    assert any("/review/report/" in mail.body for mail in mailoutbox)


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"target": ON_R111, "body": "  "}, "body", "blank"),
        ({"target": {"type": "finding", "indicator": "Z.9.9"}, "body": "x"}, "target", "no finding"),
        ({"target": {"type": "poem", "id": 1}, "body": "x"}, "target", "must be one of"),
        ({"target": {"type": "finding", "indicator": 5}, "body": "x"}, "target", "Name the finding"),
        ({"target": "R.1.1", "body": "x"}, "target", "Give an object"),
        ({"body": "x"}, "target", "Say what"),
        ({"parent": 999999, "body": "x"}, "parent", "no such comment"),
        ({"target": ON_R111, "body": "x" * 10_001}, "body", "10000"),
    ],
)
def test_bad_comment_gets_field_errors(api_as, assessment, body, field, message):
    response = api_as("mab").post(f"{BASE}/comments/", body, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not Comment.objects.exists()


def test_recommendation_of_another_assessment_is_not_found(api_as, report_targets, members):
    from assessments.services import create_assessment

    other = create_assessment(
        code="other",
        title="Other",
        country_code="LA",
        country_name="Laos",
        framework=report_targets.framework,
    )
    seed_report(other)
    foreign = Recommendation.objects.filter(assessment=other).first()
    response = api_as("mab").post(
        f"{BASE}/comments/",
        {"target": {"type": "recommendation", "id": foreign.pk}, "body": "x"},
        format="json",
    )
    assert response.status_code == 400 and "no recommendation" in str(response.json()["target"])


@pytest.mark.parametrize("role", ROLES)
def test_only_the_author_edits_a_comment(api_as, mab_comment, role):
    response = api_as(role).patch(f"{BASE}/comments/{mab_comment.pk}/", {"body": "Edited."}, format="json")
    expected = {"mab": 200, "anonymous": 401, "outsider": 404}.get(role, 403)
    assert response.status_code == expected, response.content
    mab_comment.refresh_from_db()
    assert (mab_comment.body == "Edited.") == (role == "mab")
    assert (mab_comment.edited is not None) == (role == "mab")


def test_edit_after_the_window_is_refused(api_as, mab_comment, settings):
    Comment.objects.filter(pk=mab_comment.pk).update(
        created=timezone.now() - datetime.timedelta(minutes=settings.REVIEW_COMMENT_EDIT_MINUTES + 1)
    )
    response = api_as("mab").patch(f"{BASE}/comments/{mab_comment.pk}/", {"body": "Late."}, format="json")
    assert response.status_code == 400
    assert "time to edit" in str(response.json()["non_field_errors"])
    mab_comment.refresh_from_db()
    assert mab_comment.body == "Where is the 2022 law cited?"


FROZEN = "The team has resolved this comment, so its text stays as they answered it."


@pytest.mark.parametrize("reopened", [False, True], ids=["resolved", "reopened"])
@pytest.mark.parametrize("role", [*ROLES, "other_mab"])
def test_a_resolved_comment_is_frozen(api_as, assessment, mab_comment, members, role, reopened):
    """Its author gets a 400 saying why (also after a reopen), other members 403, outsiders 404."""
    services.resolve_comment(mab_comment, by=members["lead"], disposition="accepted", reason="Cited.")
    if reopened:
        services.reopen_comment(mab_comment, by=members["lead"])
    if role == "other_mab":
        client = token_client(MembershipFactory(assessment=assessment, role=Role.MAB).user)
    else:
        client = api_as(role)
    response = client.patch(f"{BASE}/comments/{mab_comment.pk}/", {"body": "Rewritten."}, format="json")
    expected = {"mab": 400, "anonymous": 401, "outsider": 404}.get(role, 403)
    assert response.status_code == expected, response.content
    if role == "mab":
        assert FROZEN in str(response.json()["non_field_errors"])
        detail = client.get(f"{BASE}/comments/{mab_comment.pk}/").json()
        assert detail["editable_until"] is None and detail["body"] == "Where is the 2022 law cited?"
    mab_comment.refresh_from_db()
    assert mab_comment.body == "Where is the 2022 law cited?" and mab_comment.edited is None


def test_resolving_names_the_text_it_answers(api_as, mab_comment, members):
    client = api_as("researcher")
    read = client.get(f"{BASE}/comments/{mab_comment.pk}/").json()
    assert read["editable_until"] is not None
    services.edit_comment(mab_comment, by=members["mab"], body="Where is the 2022 data law cited?")
    answer = {"disposition": "accepted", "reason": "Cited.", "text_digest": read["text_digest"]}
    refused = client.post(f"{BASE}/comments/{mab_comment.pk}/resolve/", answer, format="json")
    assert refused.status_code == 400
    assert "edited this comment after you opened it" in str(refused.json()["non_field_errors"])
    mab_comment.refresh_from_db()
    assert mab_comment.is_open and mab_comment.answered_body == ""
    fresh = client.get(f"{BASE}/comments/{mab_comment.pk}/").json()["text_digest"]
    done = client.post(
        f"{BASE}/comments/{mab_comment.pk}/resolve/", {**answer, "text_digest": fresh}, format="json"
    )
    assert done.status_code == 200, done.content
    assert done.json()["editable_until"] is None
    assert done.json()["answered_body"] == "Where is the 2022 data law cited?"
    mab_comment.refresh_from_db()
    assert mab_comment.answered_body == "Where is the 2022 data law cited?"


@pytest.mark.parametrize("role", ROLES)
def test_researchers_resolve_a_mab_comment_with_a_disposition(api_as, mab_comment, members, role):
    response = api_as(role).post(
        f"{BASE}/comments/{mab_comment.pk}/resolve/",
        {"disposition": "partly_accepted", "reason": "Cited; the draft law is not in force."},
        format="json",
    )
    assert response.status_code == expected_status(role, 200, WRITERS), response.content
    mab_comment.refresh_from_db()
    if role in WRITERS:
        assert response.json()["status"] == "resolved"
        assert response.json()["resolved_by"] == members[role].username
        assert (mab_comment.status, mab_comment.disposition) == (CommentStatus.RESOLVED, "partly_accepted")
    else:
        assert mab_comment.status == CommentStatus.OPEN


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"disposition", "reason"}),
        ({"disposition": "accepted"}, {"reason"}),
        ({"reason": "Done."}, {"disposition"}),
        ({"disposition": "maybe", "reason": "Done."}, {"disposition"}),
    ],
)
def test_resolving_a_mab_comment_needs_disposition_and_reason(api_as, mab_comment, body, fields):
    response = api_as("researcher").post(f"{BASE}/comments/{mab_comment.pk}/resolve/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == fields
    mab_comment.refresh_from_db()
    assert mab_comment.status == CommentStatus.OPEN


def test_team_comment_resolves_without_disposition_and_twice_is_refused(api_as, finding, members):
    comment = services.add_comment(finding, by=members["lead"], body="Check the figure.")
    url = f"{BASE}/comments/{comment.pk}/resolve/"
    assert api_as("researcher").post(url, {}, format="json").status_code == 200
    again = api_as("researcher").post(url, {}, format="json")
    assert again.status_code == 400 and "already resolved" in str(again.json())


@pytest.mark.parametrize("role", ROLES)
def test_reopen_per_role(api_as, mab_comment, members, role):
    services.resolve_comment(mab_comment, by=members["lead"], disposition="accepted", reason="Fixed.")
    response = api_as(role).post(f"{BASE}/comments/{mab_comment.pk}/reopen/", format="json")
    assert response.status_code == expected_status(role, 200, WRITERS), response.content
    mab_comment.refresh_from_db()
    assert mab_comment.is_open == (role in WRITERS)


def test_comment_of_another_assessment_is_not_found(api_as, members, framework):
    from assessments.services import create_assessment
    from tests.factories import MembershipFactory

    other = create_assessment(
        code="other", title="Other", country_code="LA", country_name="Laos", framework=framework
    )
    MembershipFactory(assessment=other, user=members["mab"], role=Role.MAB)
    foreign = services.add_comment(
        Finding.objects.filter(assessment=other).first(), by=members["mab"], body="Elsewhere."
    )
    client = api_as("lead")
    assert client.get(f"{BASE}/comments/{foreign.pk}/").status_code == 404
    assert client.post(f"{BASE}/comments/{foreign.pk}/resolve/", {}, format="json").status_code == 404


def test_comment_filters(api_as, finding, members, mab_comment):
    other = Finding.objects.get(assessment=finding.assessment, indicator__code="O.1.1")
    team = services.add_comment(other, by=members["researcher"], body="Draft ready.")
    services.resolve_comment(team, by=members["lead"])
    client = api_as("lead")

    def ids(**params):
        response = client.get(f"{BASE}/comments/", params)
        assert response.status_code == 200, response.content
        return [c["id"] for c in response.json()["results"]]

    assert ids(indicator="R.1.1") == [mab_comment.pk]
    assert ids(indicator="O.1.1") == [team.pk]
    assert ids(status="open") == [mab_comment.pk]
    assert ids(status="resolved") == [team.pk]
    assert ids(author_role="mab") == [mab_comment.pk]
    assert ids(target="finding") == [mab_comment.pk, team.pk]
    assert ids(target="section") == []
    Comment.objects.filter(pk=mab_comment.pk).update(updated=timezone.now() - datetime.timedelta(days=3))
    assert ids(changed_since=(timezone.now() - datetime.timedelta(days=1)).isoformat()) == [team.pk]
    for bad in [{"status": "pending"}, {"changed_since": "yesterday"}, {"target": "poem"}]:
        response = client.get(f"{BASE}/comments/", bad)
        assert response.status_code == 400 and set(response.json()) == set(bad)


@pytest.mark.parametrize("role", ROLES)
def test_only_mab_members_vote(api_as, finding, members, role):
    response = api_as(role).post(
        f"{BASE}/votes/", {"indicator": "R.1.1", "verdict": "endorse"}, format="json"
    )
    assert response.status_code == expected_status(role, 201, ["mab"]), response.content
    assert Vote.objects.filter(finding=finding).count() == (1 if role == "mab" else 0)
    if role == "mab":
        assert response.json()["member"] == members["mab"].username
        assert response.json()["verdict"] == "endorse" and response.json()["indicator"] == "R.1.1"


def test_revision_vote_needs_a_comment_then_blocks_endorsement(api_as, finding, members):
    client = api_as("mab")
    refused = client.post(
        f"{BASE}/votes/", {"indicator": "R.1.1", "verdict": "needs_revision"}, format="json"
    )
    assert refused.status_code == 400 and "comment is required" in str(refused.json()["body"])
    assert not Vote.objects.exists()
    first = client.post(f"{BASE}/votes/", {"indicator": "R.1.1", "verdict": "endorse"}, format="json")
    assert first.status_code == 201
    response = client.post(
        f"{BASE}/votes/",
        {"indicator": "R.1.1", "verdict": "needs_revision", "body": "The score ignores the 2022 law."},
        format="json",
    )
    assert response.status_code == 200, response.content  # replaces the member's vote
    vote = Vote.objects.get()
    assert vote.verdict == "needs_revision" and vote.comment.body == "The score ignores the 2022 law."
    assert response.json()["comment"] == vote.comment.pk
    # The open MAB comment now keeps the team from marking the finding endorsed — through the API too.
    finding.refresh_from_db()
    for status in [FindingStatus.DRAFT, FindingStatus.READY]:
        patch = api_as("researcher").patch(
            f"{BASE}/findings/R.1.1/", {"status": status, "version": finding.version}, format="json"
        )
        assert patch.status_code == 200, patch.content
        finding.refresh_from_db()
    blocked = api_as("researcher").patch(
        f"{BASE}/findings/R.1.1/", {"status": "endorsed", "version": finding.version}, format="json"
    )
    assert blocked.status_code == 400 and "unresolved" in str(blocked.json()["status"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"indicator": "R.1.1", "verdict": "love"}, "verdict"),
        ({"indicator": "Z.9.9", "verdict": "endorse"}, "indicator"),
        ({"verdict": "endorse"}, "indicator"),
        ({"indicator": "R.1.1"}, "verdict"),  # no choice made: nothing is endorsed by default
        ({"indicator": "R.1.1", "verdict": ""}, "verdict"),
    ],
)
def test_bad_vote_gets_field_errors(api_as, assessment, body, field):
    response = api_as("mab").post(f"{BASE}/votes/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Vote.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_votes_are_read_by_members(api_as, finding, members, role):
    services.cast_vote(finding, by=members["mab"], verdict="endorse")
    response = api_as(role).get(f"{BASE}/votes/", {"indicator": "R.1.1"})
    assert response.status_code == expected_status(role, 200)
    if role in MEMBERS:
        [vote] = response.json()["results"]
        assert vote["member"] == members["mab"].username and vote["verdict"] == "endorse"
