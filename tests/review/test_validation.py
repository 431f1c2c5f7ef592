import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.choices import FindingStatus, Role
from assessments.models import Finding
from assessments.services import save_finding, transition
from review import services
from review.models import Comment, Vote
from tests.factories import MembershipFactory


def vote(client, finding, **data):
    return client.post(finding.get_absolute_url(), {"action": "vote", **data})


def test_mab_endorses_and_the_page_names_them(client, members, finding):
    client.force_login(members["mab"])
    assert vote(client, finding, verdict="endorse").status_code == 302
    assert Vote.objects.get().verdict == "endorse"
    body = client.get(finding.get_absolute_url()).content.decode()
    endorsers = body.split('data-testid="endorsers"')[1].split("</ul>")[0]
    assert members["mab"].get_full_name() in endorsers and "Civil society" in endorsers


def test_needs_revision_requires_a_comment(client, members, finding):
    client.force_login(members["mab"])
    response = vote(client, finding, verdict="needs_revision", body="  ")
    assert response.status_code == 400
    assert "Say what needs revising" in response.content.decode()
    assert not Vote.objects.exists() and not Comment.objects.exists()


def test_needs_revision_comments_names_the_member_and_mails_the_team(
    client, members, finding, django_capture_on_commit_callbacks
):
    client.force_login(members["mab"])
    with django_capture_on_commit_callbacks(execute=True):
        response = vote(client, finding, verdict="needs_revision", body="Cite the 2021 amendment.")
    assert response.status_code == 302
    vote_ = Vote.objects.get()
    assert vote_.verdict == "needs_revision" and vote_.comment.body == "Cite the 2021 amendment."
    # No assignee: the lead researcher hears of it.
    assert [m.to for m in mail.outbox] == [["lead@example.org"]]
    assert "asks for revision of R.1.1" in mail.outbox[0].subject
    body = client.get(finding.get_absolute_url()).content.decode()
    revisers = body.split('data-testid="revisers"')[1].split("</ul>")[0]
    assert members["mab"].get_full_name() in revisers and f"#comment-{vote_.comment_id}" in revisers


def test_needs_revision_mails_the_assignee_when_there_is_one(
    members, finding, django_capture_on_commit_callbacks
):
    finding.assignee = members["researcher"]
    finding.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(finding, by=members["mab"], verdict="needs_revision", body="Why 3?")
    assert [m.to for m in mail.outbox] == [["researcher@example.org"]]


def test_changing_a_vote_keeps_one_vote_per_member(members, finding):
    services.cast_vote(finding, by=members["mab"], verdict="needs_revision", body="Fix it")
    services.cast_vote(finding, by=members["mab"], verdict="endorse")
    assert list(Vote.objects.values_list("verdict", flat=True)) == ["endorse"]


@pytest.mark.parametrize("role", ["lead", "researcher", "staff"])
def test_only_mab_members_vote(client, members, finding, role):
    client.force_login(members[role])
    assert vote(client, finding, verdict="endorse").status_code == 403
    assert not Vote.objects.exists()


def test_team_cannot_mark_endorsed_while_mab_comments_are_open(client, members, finding):
    comment = services.add_comment(finding, by=members["mab"], body="Not convinced.")
    client.force_login(members["researcher"])
    response = client.post(finding.get_absolute_url(), {"action": "endorse"})
    assert response.status_code == 400
    assert "still has 1 unresolved comment(s) from MAB members" in response.content.decode()
    finding.refresh_from_db()
    assert finding.status == FindingStatus.READY
    # The same rule holds in the assessments service that the admin and the API use.
    with pytest.raises(ValidationError, match="unresolved comment"):
        transition(finding, FindingStatus.ENDORSED, by=members["lead"])
    services.resolve_comment(
        comment, by=members["lead"], disposition="not_accepted", reason="The law is clear."
    )
    response = client.post(finding.get_absolute_url(), {"action": "endorse"})
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.status == FindingStatus.ENDORSED


def test_team_comments_do_not_block_endorsement(members, finding):
    services.add_comment(finding, by=members["lead"], body="Internal note")
    transition(finding, FindingStatus.ENDORSED, by=members["lead"])
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.ENDORSED


def test_other_transitions_ignore_open_comments(members, finding):
    services.add_comment(finding, by=members["mab"], body="Open")
    save_finding(
        finding, by=members["researcher"], expected_version=finding.version, fields={"status": "draft"}
    )
    assert Finding.objects.get(pk=finding.pk).status == FindingStatus.DRAFT


@pytest.mark.parametrize("role", ["mab", "staff"])
def test_mab_and_staff_cannot_mark_endorsed(client, members, finding, role):
    client.force_login(members[role])
    assert client.post(finding.get_absolute_url(), {"action": "endorse"}).status_code == 403
    finding.refresh_from_db()
    assert finding.status == FindingStatus.READY


def test_endorsement_page_counts_per_category_and_stakeholder_group(client, members, finding, assessment):
    gov = MembershipFactory(assessment=assessment, role=Role.MAB, stakeholder_group="government").user
    gov2 = MembershipFactory(assessment=assessment, role=Role.MAB, stakeholder_group="government").user
    a_finding = Finding.objects.get(assessment=assessment, indicator__code="A.1.1")
    services.cast_vote(finding, by=gov, verdict="endorse")
    services.cast_vote(finding, by=gov2, verdict="endorse")  # same finding: counted once for the group
    services.cast_vote(a_finding, by=gov, verdict="endorse")
    services.cast_vote(finding, by=members["mab"], verdict="needs_revision", body="No")
    rows, groups = services_summary(assessment)
    assert [g["code"] for g in groups] == ["civil_society", "government"]
    assert [g["members"] for g in groups] == [1, 2]
    assert rows["R"]["by_group"] == [0, 1] and rows["A"]["by_group"] == [0, 1]
    assert (
        rows["R"]["total"]
        == Finding.objects.filter(assessment=assessment, indicator__category__code="R").count()
    )
    client.force_login(members["mab"])
    body = client.get(reverse("review:endorsements", args=[assessment.code])).content.decode()
    row = body.split('data-testid="row-R"')[1].split("</tr>")[0]
    assert row.count("<td>") == 5 and "<td>1</td>" in row
    assert "Government" in body and "Civil society" in body


def services_summary(assessment):
    from review.queries import endorsement_summary

    rows, groups = endorsement_summary(assessment)
    return {r["category"].code: r for r in rows}, groups


def _vote_form(html):
    return html.split('<form method="post" class="stack" id="vote">')[1].split("</form>")[0]


@pytest.mark.parametrize("earlier", [None, "endorse", "needs_revision"])
def test_validation_form_preselects_nothing(client, members, finding, earlier):
    """One stray click must not endorse a finding: no choice is made for the member, not even the vote
    they cast before (the legend names it)."""
    if earlier:
        services.cast_vote(finding, by=members["mab"], verdict=earlier, body="Why 3?")
    client.force_login(members["mab"])
    form = _vote_form(client.get(finding.get_absolute_url()).content.decode())
    assert form.count('type="radio"') == 2 and form.count(" required") == 2
    assert "checked" not in form
    if earlier:
        assert "Your validation: " in form and "Change it?" in form


def test_resolve_form_preselects_no_disposition(client, members, finding):
    services.add_comment(finding, by=members["mab"], body="Not convinced.")
    client.force_login(members["researcher"])
    html = client.get(finding.get_absolute_url()).content.decode()
    select = html.split('name="disposition"')[1].split("</select>")[0]
    assert "selected" not in select and '<option value="">' in select


@pytest.mark.parametrize(
    "data",
    [{}, {"body": "Looks right."}, {"verdict": ""}, {"verdict": "maybe", "body": "x"}],
    ids=["nothing", "comment only", "empty", "unknown"],
)
@pytest.mark.parametrize("earlier", [None, "needs_revision"])
def test_a_vote_without_a_choice_is_refused_in_place(client, members, finding, data, earlier):
    if earlier:
        services.cast_vote(finding, by=members["mab"], verdict=earlier, body="Cite the law.")
    comments = Comment.objects.count()
    client.force_login(members["mab"])
    response = vote(client, finding, **data)
    assert response.status_code == 400
    form = _vote_form(response.content.decode())
    assert "Choose “endorse” or “needs revision”" in form and 'role="alert"' in form
    assert "checked" not in form
    if data.get("body"):
        assert data["body"] in form  # what the member typed is kept
    assert list(Vote.objects.values_list("verdict", flat=True)) == ([earlier] if earlier else [])
    assert Comment.objects.count() == comments
