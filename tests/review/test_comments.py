import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError

from review import services
from review.choices import CommentStatus, Disposition
from review.models import Comment


def post(client, finding, **data):
    return client.post(finding.get_absolute_url(), data)


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_every_member_comments_through_the_page(client, members, finding, role):
    client.force_login(members[role])
    response = post(client, finding, action="comment", body=f"Comment by {role}")
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"].endswith(f"#comment-{comment.pk}")
    assert comment.author == members[role] and comment.author_role == ("staff" if role == "staff" else role)
    assert comment.category == "R" and comment.target == finding
    assert f"Comment by {role}" in client.get(finding.get_absolute_url()).content.decode()


def test_empty_comment_is_refused_in_place(client, members, finding):
    client.force_login(members["mab"])
    response = post(client, finding, action="comment", body="   ")
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Comment.objects.exists()


def test_reply_threads_and_mails_the_parent_author(
    client, members, finding, django_capture_on_commit_callbacks
):
    root = services.add_comment(finding, by=members["mab"], body="Is the 2015 law still in force?")
    client.force_login(members["researcher"])
    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, finding, action="comment", body="Yes, amended in 2021.", parent=root.pk)
    assert response.status_code == 302
    reply = Comment.objects.get(parent=root)
    assert reply.author == members["researcher"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["mab@example.org"]
    assert "replied to your comment" in mail.outbox[0].subject
    assert f"#comment-{reply.pk}" in mail.outbox[0].body
    body = client.get(finding.get_absolute_url()).content.decode()
    # The reply is rendered inside its parent's article.
    root_html = body.split(f'id="comment-{root.pk}"')[1]
    assert f'id="comment-{reply.pk}"' in root_html.split('id="new-comment"')[0]


def test_reply_to_a_comment_of_another_finding_is_refused(members, finding, assessment):
    other = assessment.findings.exclude(pk=finding.pk).first()
    foreign = services.add_comment(other, by=members["mab"], body="Elsewhere")
    with pytest.raises(ValidationError):
        services.add_comment(finding, by=members["researcher"], body="Reply", parent=foreign)


def test_mentions_resolve_members_only_and_mail_them(members, finding, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.add_comment(
            finding, by=members["mab"], body="@researcher and @lead. Not @outsider, nor @nobody."
        )
    assert {u.username for u in comment.mentions.all()} == {"researcher", "lead"}
    assert sorted(m.to[0] for m in mail.outbox) == ["lead@example.org", "researcher@example.org"]
    assert all("mentioned you on R.1.1" in m.subject for m in mail.outbox)


def test_author_edits_within_the_window_only(client, members, finding, settings):
    comment = services.add_comment(finding, by=members["mab"], body="Frist")
    client.force_login(members["mab"])
    response = post(client, finding, action="edit", comment=comment.pk, body="First")
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "First" and comment.edited is not None
    Comment.objects.filter(pk=comment.pk).update(
        created=comment.created - datetime.timedelta(minutes=settings.REVIEW_COMMENT_EDIT_MINUTES + 1)
    )
    response = post(client, finding, action="edit", comment=comment.pk, body="Changed later")
    assert response.status_code == 400
    assert "The time to edit this comment has passed" in response.content.decode()
    comment.refresh_from_db()
    assert comment.body == "First"


def test_nobody_edits_someone_elses_comment(client, members, finding):
    comment = services.add_comment(finding, by=members["mab"], body="Mine")
    client.force_login(members["lead"])
    assert post(client, finding, action="edit", comment=comment.pk, body="Theirs").status_code == 403
    comment.refresh_from_db()
    assert comment.body == "Mine"


def test_resolving_a_mab_comment_needs_disposition_and_reason(client, members, finding):
    comment = services.add_comment(finding, by=members["mab"], body="The score is too high.")
    client.force_login(members["researcher"])
    response = post(client, finding, action="resolve", comment=comment.pk, disposition="", reason="")
    body = response.content.decode()
    assert response.status_code == 400
    assert "A MAB member&#x27;s comment needs a disposition." in body
    assert "Say why" in body
    comment.refresh_from_db()
    assert comment.status == CommentStatus.OPEN
    response = post(
        client,
        finding,
        action="resolve",
        comment=comment.pk,
        disposition="partly_accepted",
        reason="Lowered to 3.",
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == CommentStatus.RESOLVED
    assert comment.disposition == Disposition.PARTLY_ACCEPTED and comment.reason == "Lowered to 3."
    assert comment.resolved_by == members["researcher"]


def test_team_comments_resolve_without_disposition(members, finding):
    comment = services.add_comment(finding, by=members["lead"], body="Check the data point.")
    services.resolve_comment(comment, by=members["researcher"])
    assert comment.status == CommentStatus.RESOLVED and comment.disposition == ""


def test_database_refuses_a_resolved_mab_comment_without_disposition(members, finding):
    comment = services.add_comment(finding, by=members["mab"], body="Hm.")
    with pytest.raises(IntegrityError):
        Comment.objects.filter(pk=comment.pk).update(status=CommentStatus.RESOLVED)


@pytest.mark.parametrize("role", ["mab", "staff"])
def test_mab_and_staff_cannot_resolve_or_reopen(client, members, finding, role):
    comment = services.add_comment(finding, by=members["mab"], body="Please check.")
    client.force_login(members[role])
    response = post(
        client, finding, action="resolve", comment=comment.pk, disposition="accepted", reason="ok"
    )
    assert response.status_code == 403
    comment.refresh_from_db()
    assert comment.is_open
    services.resolve_comment(comment, by=members["lead"], disposition="accepted", reason="Done")
    assert post(client, finding, action="reopen", comment=comment.pk).status_code == 403
    comment.refresh_from_db()
    assert not comment.is_open


def test_reopen_clears_the_disposition(client, members, finding):
    comment = services.add_comment(finding, by=members["mab"], body="Please check.")
    services.resolve_comment(comment, by=members["lead"], disposition="not_accepted", reason="Data is clear")
    client.force_login(members["lead"])
    assert post(client, finding, action="reopen", comment=comment.pk).status_code == 302
    comment.refresh_from_db()
    assert comment.is_open and comment.disposition == "" and comment.resolved_by is None


def test_comment_ids_from_another_finding_are_404(client, members, finding, assessment):
    other = assessment.findings.exclude(pk=finding.pk).first()
    comment = services.add_comment(other, by=members["mab"], body="Elsewhere")
    client.force_login(members["lead"])
    response = post(client, finding, action="resolve", comment=comment.pk, disposition="accepted", reason="x")
    assert response.status_code == 404
    assert post(client, finding, action="resolve", comment="abc").status_code == 404


def test_service_refuses_comments_from_outsiders(members, finding):
    from django.http import Http404

    with pytest.raises(Http404):
        services.add_comment(finding, by=members["outsider"], body="Hello")
    with pytest.raises(PermissionDenied):
        services.resolve_comment(
            services.add_comment(finding, by=members["mab"], body="x"), by=members["mab"]
        )


def test_generic_comment_endpoint_serves_registered_targets_only(client, members, finding):
    from django.urls import reverse

    client.force_login(members["mab"])
    url = reverse("review:comment_action", args=[finding.assessment.code, "assessments.finding", finding.pk])
    response = client.post(url, {"action": "comment", "body": "Through the generic endpoint"})
    assert response.status_code == 302
    assert Comment.objects.get().target == finding
    response = client.post(url, {"action": "comment", "body": ""})
    assert response.status_code == 400 and "Your comment was not saved" in response.content.decode()
    source_url = reverse("review:comment_action", args=[finding.assessment.code, "assessments.source", 1])
    assert client.post(source_url, {"action": "comment", "body": "x"}).status_code == 404
    client.force_login(members["outsider"])
    assert client.post(url, {"action": "comment", "body": "x"}).status_code == 404
