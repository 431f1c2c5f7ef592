"""MAB comments on a follow-up item: review registers it as a comment target (reports does not import
review); members comment from the follow-up page, the thread shows there, and MAB comments reach the
comment-response matrix with a label naming the previous round's recommendation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reports.models import RecommendationFollowUp
from review import services, targets
from review.models import Comment

pytestmark = pytest.mark.django_db

NEW = "khm-2027"


def first_item(round_):
    return (
        RecommendationFollowUp.objects.filter(assessment=round_)
        .select_related("recommendation", "assessment")
        .order_by("recommendation__stakeholder_group", "recommendation__order")
        .first()
    )


def comment_url(item):
    return reverse(
        "review:comment_action",
        kwargs={"code": item.assessment.code, "key": targets.key_for(item), "pk": item.pk},
    )


def page_url():
    return reverse("reports:follow_up", args=[NEW])


def test_registered_as_a_target():
    assert targets.is_registered(RecommendationFollowUp)


def test_mab_comments_from_the_page_and_it_reaches_the_matrix(client, follow_round, members):
    item = first_item(follow_round)
    client.force_login(members["mab"])
    page = client.get(page_url()).content.decode()
    assert f'action="{comment_url(item)}"' in page and f'id="fu-{item.pk}-comments"' in page
    answer = client.post(comment_url(item), {"action": "comment", "body": "The law is only a <b>draft</b>."})
    comment = Comment.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"{page_url()}#comment-{comment.pk}"
    assert comment.assessment_id == follow_round.pk and comment.target == item
    page = client.get(page_url()).content.decode()
    assert f'id="comment-{comment.pk}"' in page and "The law is only a &lt;b&gt;draft&lt;/b&gt;." in page

    client.force_login(members["lead"])
    matrix = client.get(reverse("review:matrix", args=[NEW])).content.decode()
    assert "The law is only a &lt;b&gt;draft&lt;/b&gt;." in matrix
    assert "Follow-up · Government: Adopt a **data** law." in matrix
    assert f'href="{page_url()}#comment-{comment.pk}"' in matrix
    report_only = client.get(reverse("review:matrix", args=[NEW]), {"item": "report"}).content.decode()
    assert "The law is only a &lt;b&gt;draft&lt;/b&gt;." in report_only
    findings_only = client.get(reverse("review:matrix", args=[NEW]), {"item": "findings"}).content.decode()
    assert "The law is only a" not in findings_only

    # The team answers with a disposition, as for any MAB comment.
    services.resolve_comment(comment, by=members["researcher"], disposition="accepted", reason="Status set.")
    assert "Status set." in client.get(reverse("review:matrix", args=[NEW])).content.decode()


def test_refused_and_empty_comments(client, follow_round, members):
    item = first_item(follow_round)
    client.force_login(members["outsider"])
    assert client.post(comment_url(item), {"action": "comment", "body": "x"}).status_code == 404
    client.force_login(members["mab"])
    assert client.post(comment_url(item), {"action": "comment", "body": "  "}).status_code == 400
    client.logout()
    assert client.post(comment_url(item), {"action": "comment", "body": "x"}).status_code == 302
    assert not Comment.objects.exists()


def test_page_queries_do_not_grow_with_comments(client, follow_round, members):
    items = list(RecommendationFollowUp.objects.filter(assessment=follow_round).select_related("assessment"))
    services.add_comment(items[0], by=members["mab"], body="One.")
    client.force_login(members["mab"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(page_url()).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for item in items:
        parent = services.add_comment(item, by=members["mab"], body="More.")
        services.add_comment(item, by=members["researcher"], body="Answer.", parent=parent)
    assert count() == one
