"""A resolved comment is frozen: once the team has answered it (with or without a disposition, on a finding
or on the report's content), nobody edits its text — through any door, also after a reopen.

Doors tried, each with every role (the author, another MAB member, researcher, lead, staff, outsider,
anonymous): the finding page, the report review page (a section and a recommendation), the generic comment
endpoint, the API (``tests/api/test_review_api.py``) and the admin.
"""

import csv
import io
import re
import threading

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.urls import reverse

from assessments.choices import Role
from reports.demo import seed_report
from reports.models import Recommendation, ReportSection
from review import services, targets
from review.models import Comment
from tests.factories import MembershipFactory

FROZEN = "The team has resolved this comment, so its text stays as they answered it."
ROLES = ["author", "other_mab", "researcher", "lead", "staff", "outsider", "anonymous"]
# What a forged edit of a resolved MAB comment gets, per role: the author a message in place (400),
# other members 403, outsiders 404, anonymous visitors the sign-in page.
PAGE_STATUS = {"author": 400, "outsider": 404, "anonymous": 302}


@pytest.fixture
def people(members, assessment):
    other = MembershipFactory(assessment=assessment, role=Role.MAB, user__username="mab2").user
    return {**members, "author": members["mab"], "other_mab": other}


def _finding_url(target):
    return target.get_absolute_url()


def _report_url(target):
    return reverse(
        "review:report_comment",
        kwargs={"code": target.assessment.code, "key": targets.key_for(target), "pk": target.pk},
    )


def _generic_url(target):
    return reverse("review:comment_action", args=[target.assessment.code, targets.key_for(target), target.pk])


def _finding(assessment):
    return assessment.findings.select_related("indicator", "assessment").get(indicator__code="R.1.1")


def _section(assessment):
    seed_report(assessment)
    return ReportSection.objects.select_related("assessment").get(assessment=assessment, kind="findings_A")


def _recommendation(assessment):
    seed_report(assessment)
    return Recommendation.objects.select_related("assessment").filter(assessment=assessment).first()


# (door, the target it serves, the URL a forged POST goes to, the page that shows the thread)
DOORS = {
    "finding page": (_finding, _finding_url, lambda t: t.get_absolute_url()),
    "report page, section": (_section, _report_url, lambda t: targets.spec_for(t).url(t)),
    "report page, recommendation": (_recommendation, _report_url, lambda t: targets.spec_for(t).url(t)),
    "generic endpoint": (_finding, _generic_url, lambda t: t.get_absolute_url()),
}


def resolved_mab_comment(target, people, body="The 2021 amendment is missing."):
    comment = services.add_comment(target, by=people["author"], body=body)
    services.resolve_comment(comment, by=people["researcher"], disposition="accepted", reason="Added.")
    return comment


def sign_in(client, people, role):
    if role != "anonymous":
        client.force_login(people[role])


def article(html, comment):
    """The comment's own article, without its replies."""
    return html.split(f'id="comment-{comment.pk}"', 1)[1].split('class="replies"')[0].split("</article>")[0]


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("role", ROLES)
def test_forged_edit_of_a_resolved_comment_is_refused_at_every_door(client, people, assessment, door, role):
    make_target, url_of, _page = DOORS[door]
    target = make_target(assessment)
    comment = resolved_mab_comment(target, people)
    sign_in(client, people, role)
    response = client.post(url_of(target), {"action": "edit", "comment": comment.pk, "body": "Rewritten."})
    assert response.status_code == PAGE_STATUS.get(role, 403)
    if role == "author":
        html = response.content.decode()
        assert FROZEN in html
        if door != "generic endpoint":  # that one has no page of its own: its refusal page says so
            assert FROZEN in article(html, comment)
    comment.refresh_from_db()
    assert comment.body == "The 2021 amendment is missing." and comment.edited is None
    assert comment.answered_body == comment.body


@pytest.mark.parametrize("door", ["finding page", "report page, section", "report page, recommendation"])
def test_the_author_sees_edit_until_the_comment_is_resolved(client, people, assessment, door):
    make_target, _url, page_of = DOORS[door]
    target = make_target(assessment)
    comment = services.add_comment(target, by=people["author"], body="Cite the regulator.")
    client.force_login(people["author"])
    before = article(client.get(page_of(target)).content.decode(), comment)
    assert f'id="edit-{comment.pk}"' in before and ">Edit</summary>" in before
    services.resolve_comment(comment, by=people["lead"], disposition="not_accepted", reason="Cited.")
    after = article(client.get(page_of(target)).content.decode(), comment)
    assert "Cite the regulator." in after and "Resolved" in after
    assert f'id="edit-{comment.pk}"' not in after and ">Edit</summary>" not in after


@pytest.mark.parametrize("author", ["researcher", "lead", "staff"])
def test_a_team_comment_resolved_without_disposition_is_frozen_too(client, people, assessment, author):
    finding = _finding(assessment)
    comment = services.add_comment(finding, by=people[author], body="Check the data point.")
    services.resolve_comment(comment, by=people["researcher"])
    assert comment.disposition == "" and comment.is_frozen
    with pytest.raises(ValidationError, match="The team has resolved this comment"):
        services.edit_comment(comment, by=people[author], body="Changed.")
    client.force_login(people[author])
    assert f'id="edit-{comment.pk}"' not in client.get(finding.get_absolute_url()).content.decode()
    comment.refresh_from_db()
    assert comment.body == "Check the data point."


def test_an_edit_form_opened_before_resolution_and_posted_after_is_refused_in_place(
    client, people, assessment
):
    finding = _finding(assessment)
    comment = services.add_comment(finding, by=people["author"], body="Where is the 2022 law?")
    client.force_login(people["author"])
    assert f'id="edit-{comment.pk}"' in client.get(finding.get_absolute_url()).content.decode()
    services.resolve_comment(comment, by=people["lead"], disposition="accepted", reason="Cited now.")
    response = client.post(
        finding.get_absolute_url(),
        {"action": "edit", "comment": comment.pk, "body": "Where is the 2023 law?"},
    )
    assert response.status_code == 400
    own = article(response.content.decode(), comment)
    # The message where the author was, and what they typed kept, to post as a reply instead.
    assert FROZEN in own and 'role="alert"' in own
    assert "Where is the 2023 law?</textarea>" in own and "Post as a reply" in own
    comment.refresh_from_db()
    assert comment.body == "Where is the 2022 law?"
    reply = client.post(
        finding.get_absolute_url(),
        {"action": "comment", "parent": comment.pk, "body": "Where is the 2023 law?"},
    )
    assert reply.status_code == 302
    assert comment.replies.get().body == "Where is the 2023 law?"


def test_the_write_itself_refuses_a_comment_resolved_after_the_caller_read_it(people, assessment):
    comment = services.add_comment(_finding(assessment), by=people["author"], body="Original.")
    stale = Comment.objects.get(pk=comment.pk)  # loaded before the resolution, as a request would
    services.resolve_comment(comment, by=people["lead"], disposition="accepted", reason="Ok.")
    assert stale.is_open
    with pytest.raises(ValidationError, match="The team has resolved this comment"):
        services.edit_comment(stale, by=people["author"], body="Sneaked in.")
    assert Comment.objects.get(pk=comment.pk).body == "Original."


def test_the_write_itself_refuses_to_answer_a_text_edited_after_the_resolver_read_it(people, assessment):
    comment = services.add_comment(_finding(assessment), by=people["author"], body="Original.")
    read_by_the_team = Comment.objects.get(pk=comment.pk)
    services.edit_comment(comment, by=people["author"], body="Edited.")
    with pytest.raises(ValidationError, match="Its author edited this comment after you opened it"):
        services.resolve_comment(read_by_the_team, by=people["lead"], disposition="accepted", reason="Ok.")
    stored = Comment.objects.get(pk=comment.pk)
    assert stored.is_open and stored.answered_body == "" and stored.body == "Edited."


def test_reopen_lets_the_team_answer_again_but_the_text_stays_frozen(client, people, assessment):
    finding = _finding(assessment)
    comment = resolved_mab_comment(finding, people, body="The score is too high.")
    services.reopen_comment(comment, by=people["lead"])
    comment.refresh_from_db()
    assert comment.is_open and comment.is_frozen and comment.answered_body == "The score is too high."
    assert comment.editable_until() is None
    client.force_login(people["author"])
    assert f'id="edit-{comment.pk}"' not in client.get(finding.get_absolute_url()).content.decode()
    response = client.post(
        finding.get_absolute_url(), {"action": "edit", "comment": comment.pk, "body": "Lower it."}
    )
    assert response.status_code == 400 and FROZEN in response.content.decode()
    services.resolve_comment(comment, by=people["researcher"], disposition="partly_accepted", reason="3.")
    comment.refresh_from_db()
    assert (comment.body, comment.answered_body) == ("The score is too high.", "The score is too high.")


@pytest.mark.parametrize("role", ["author", "other_mab", "researcher", "lead", "staff"])
def test_members_reply_to_a_resolved_comment_without_changing_it(client, people, assessment, role):
    finding = _finding(assessment)
    comment = resolved_mab_comment(finding, people)
    client.force_login(people[role])
    response = client.post(
        finding.get_absolute_url(), {"action": "comment", "parent": comment.pk, "body": "One more thing."}
    )
    assert response.status_code == 302
    reply = comment.replies.get()
    comment.refresh_from_db()
    assert comment.status == "resolved" and comment.body == "The 2021 amendment is missing."
    # The reply is a comment of its own: its author may edit it while it is unanswered.
    services.edit_comment(reply, by=people[role], body="One more thing, sorry.")
    assert Comment.objects.get(pk=reply.pk).body == "One more thing, sorry."


# The admin: comments are read-only there for everyone; deleting one that was answered (or whose
# replies were) is refused, and there is no bulk delete that would skip that check.


def test_admin_never_edits_a_comment_and_refuses_deleting_an_answered_one(
    client, people, assessment, superuser
):
    finding = _finding(assessment)
    resolved = resolved_mab_comment(finding, people)
    reopened = resolved_mab_comment(finding, people, body="Second point.")
    services.reopen_comment(reopened, by=people["lead"])
    parent = services.add_comment(finding, by=people["lead"], body="Team note.")
    answered_reply = services.add_comment(finding, by=people["author"], body="Reply.", parent=parent)
    services.resolve_comment(answered_reply, by=people["researcher"], disposition="accepted", reason="Ok.")
    fresh = services.add_comment(finding, by=people["other_mab"], body="Typo, please delete.")
    client.force_login(superuser)

    def admin_url(comment, view):
        return reverse(f"admin:review_comment_{view}", args=[comment.pk])

    change = client.post(admin_url(resolved, "change"), {"body": "Rewritten in the admin."})
    assert change.status_code == 403
    for comment in [resolved, reopened, parent, answered_reply]:
        assert client.post(admin_url(comment, "delete"), {"post": "yes"}).status_code == 403
        assert Comment.objects.filter(pk=comment.pk).exists()
    listing = client.get(reverse("admin:review_comment_changelist")).content.decode()
    assert "delete_selected" not in listing
    assert client.post(admin_url(fresh, "delete"), {"post": "yes"}).status_code == 302
    assert not Comment.objects.filter(pk=fresh.pk).exists()
    assert Comment.objects.get(pk=resolved.pk).body == "The 2021 amendment is missing."


@pytest.mark.parametrize("role", ROLES)
def test_admin_comment_pages_are_closed_to_assessment_roles(client, people, assessment, role):
    """Only superusers see comments in the admin (read-only); anyone else, even with admin access, is
    refused, and anonymous visitors are sent to the admin's sign-in."""
    comment = resolved_mab_comment(_finding(assessment), people)
    if role != "anonymous":
        people[role].is_staff = True
        people[role].save()
        client.force_login(people[role])
    for view, data in [("change", {"body": "x"}), ("delete", {"post": "yes"})]:
        response = client.post(reverse(f"admin:review_comment_{view}", args=[comment.pk]), data)
        if role == "anonymous":
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        else:
            assert response.status_code == 403
    assert Comment.objects.get(pk=comment.pk).body == "The 2021 amendment is missing."


# The comment-response matrix shows the text the team answered: the resolution stores it, a resolution
# of a text edited since the resolver read it is refused, and no later change of the row alters the record.


def _digest_on_page(client, finding, comment):
    own = article(client.get(finding.get_absolute_url()).content.decode(), comment)
    return re.search(r'name="text_digest" value="([0-9a-f]+)"', own).group(1)


def _matrix(client, assessment, **params):
    return client.get(reverse("review:matrix", args=[assessment.code]), params)


def test_an_edit_between_a_reply_and_the_resolution_is_what_the_matrix_shows(client, people, assessment):
    finding = _finding(assessment)
    comment = services.add_comment(finding, by=people["author"], body="Cite teh law.")
    services.add_comment(finding, by=people["researcher"], body="Which law?", parent=comment)
    services.edit_comment(comment, by=people["author"], body="Cite the 2015 telecom law.")
    client.force_login(people["researcher"])
    digest = _digest_on_page(client, finding, comment)
    response = client.post(
        finding.get_absolute_url(),
        {
            "action": "resolve",
            "comment": comment.pk,
            "disposition": "accepted",
            "reason": "Cited.",
            "text_digest": digest,
        },
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.answered_body == "Cite the 2015 telecom law."
    # Whatever later happens to the row outside the services (a data fix, a script), the record holds.
    Comment.objects.filter(pk=comment.pk).update(body="Something else entirely.")
    html = _matrix(client, assessment).content.decode()
    assert "Cite the 2015 telecom law." in html and "Something else entirely." not in html
    rows = list(
        csv.reader(io.StringIO(_matrix(client, assessment, export="csv").content.decode("utf-8-sig")))
    )
    assert rows[1][6] == "Cite the 2015 telecom law." and rows[1][8] == "Accepted"
    sheet = openpyxl.load_workbook(io.BytesIO(_matrix(client, assessment, export="xlsx").content)).active
    assert list(sheet.values)[1][6] == "Cite the 2015 telecom law."


def test_a_resolution_of_a_text_edited_since_the_page_was_read_is_refused_in_place(
    client, people, assessment
):
    finding = _finding(assessment)
    comment = services.add_comment(finding, by=people["author"], body="The score is 3.")
    client.force_login(people["researcher"])
    read = _digest_on_page(client, finding, comment)
    services.edit_comment(comment, by=people["author"], body="The score should be 2, not 3.")
    answer = {
        "action": "resolve",
        "comment": comment.pk,
        "disposition": "not_accepted",
        "reason": "3 is right.",
    }
    response = client.post(finding.get_absolute_url(), {**answer, "text_digest": read})
    assert response.status_code == 400
    own = article(response.content.decode(), comment)
    assert "Its author edited this comment after you opened it" in own
    assert "The score should be 2, not 3." in own  # the page shows the new text to answer
    comment.refresh_from_db()
    assert comment.is_open and comment.answered_body == ""
    html = _matrix(client, assessment).content.decode()
    assert "The score should be 2, not 3." in html and "<td>Not accepted</td>" not in html
    response = client.post(
        finding.get_absolute_url(), {**answer, "text_digest": _digest_on_page(client, finding, comment)}
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.answered_body == "The score should be 2, not 3." and comment.disposition == "not_accepted"
    assert "<td>Not accepted</td>" in _matrix(client, assessment).content.decode()


@pytest.mark.django_db(transaction=True)
def test_an_edit_racing_a_resolution_loses_to_it(people, assessment):
    """Two requests at once: the resolution is written (not yet committed) when the author's edit starts.
    The edit waits for it (row lock) or finds the row changed (conditional UPDATE), and is refused."""
    comment = services.add_comment(_finding(assessment), by=people["author"], body="Original text.")
    stale = Comment.objects.get(pk=comment.pk)
    written, release = threading.Event(), threading.Event()

    def resolve_in_another_request():
        try:
            with transaction.atomic():
                services.resolve_comment(comment, by=people["lead"], disposition="accepted", reason="Ok.")
                written.set()
                release.wait(5)
        finally:
            connection.close()

    thread = threading.Thread(target=resolve_in_another_request)
    thread.start()
    assert written.wait(5)
    threading.Timer(0.5, release.set).start()
    if connection.vendor == "postgresql":  # the database production runs on
        # The edit's UPDATE waits for the resolution's row, then finds it answered.
        with pytest.raises(ValidationError, match="The team has resolved this comment"):
            services.edit_comment(stale, by=people["author"], body="Sneaked in.")
    else:
        # SQLite (development, tests) runs one writing transaction at a time and fails the other at
        # once — a 503 "try again" at the doors — so the edit writes nothing either.
        with pytest.raises(OperationalError):
            services.edit_comment(stale, by=people["author"], body="Sneaked in.")
    thread.join()
    stored = Comment.objects.get(pk=comment.pk)
    assert (stored.status, stored.body, stored.answered_body) == (
        "resolved",
        "Original text.",
        "Original text.",
    )
