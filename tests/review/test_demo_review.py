"""The demo's review activity (review/demo.py) through the project's seed_demo command."""

import io

from django.core.management import call_command
from django.urls import reverse

from assessments.models import Assessment, Finding
from review.demo import A51_ADDITION, check_endorsement_rule
from review.models import Comment, LastSeen, Notification, Vote


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts():
    return {
        "comments": list(Comment.objects.order_by("pk").values_list("pk", "status", "disposition", "body")),
        "votes": list(Vote.objects.values_list("finding__indicator__code", "verdict")),
        "last_seen": list(
            LastSeen.objects.values_list("user__username", "finding__indicator__code", "narrative")
        ),
        "history": Finding.history.count(),
        "notifications": Notification.objects.count(),
    }


def test_seed_review_is_idempotent_and_keeps_the_rules(framework, mailoutbox):
    output = seed()
    assert "Demo review activity ready for khm-2023" in output
    first = counts()
    mab = Comment.objects.filter(author_role="mab")
    assert mab.count() == 6
    assert set(mab.exclude(disposition="").values_list("disposition", flat=True)) == {
        "accepted",
        "partly_accepted",
        "not_accepted",
    }
    assert not mab.filter(status="resolved", reason="").exists()
    # On findings, on a report section and on a recommendation.
    assert set(mab.values_list("content_type__model", flat=True)) == {
        "finding",
        "reportsection",
        "recommendation",
    }
    assert Comment.objects.filter(author__username="researcher", parent__isnull=False).count() == 2
    assert dict(Vote.objects.values_list("finding__indicator__code", "verdict")) == {
        "A.7.1": "endorse",
        "X.34.1": "endorse",
        "R.4.1": "needs_revision",
    }
    assert Vote.objects.get(verdict="needs_revision").comment.body.startswith("A score of 2")
    check_endorsement_rule(Assessment.objects.get(code="khm-2023"))  # raises if broken
    assert not mailoutbox and not Notification.objects.exists()  # seeding mails nobody

    seed()
    assert counts() == first


def test_the_demo_reviewer_sees_the_change_the_comments_and_the_report_threads(client, framework):
    seed()
    assessment = Assessment.objects.get(code="khm-2023")
    client.login(username="reviewer", password="roamx-demo")
    overview = client.get(
        reverse("review:overview", args=[assessment.code]), {"changed": "1"}
    ).content.decode()
    assert "1 finding shown" in overview and "A.5.1" in overview
    page = client.get(reverse("review:finding", args=[assessment.code, "A.5.1"])).content.decode()
    assert 'data-testid="changed-flag"' in page
    assert f"<ins>{A51_ADDITION.strip().split()[0]}" in page.replace("<ins> ", "<ins>")
    # Opening it records the visit: the flag is gone next time.
    again = client.get(reverse("review:finding", args=[assessment.code, "A.5.1"])).content.decode()
    assert 'data-testid="changed-flag"' not in again

    report = client.get(reverse("review:report", args=[assessment.code])).content.decode()
    assert "Please add the rural gap" in report and "within one year of the data protection law" in report
    matrix = client.get(reverse("review:matrix", args=[assessment.code])).content.decode()
    assert "6 comments" in matrix and "Partly accepted" in matrix and "Not accepted" in matrix
    assert "Report: Key findings: Access" in matrix

    # The researcher resolves the open report comment; seeding again does not undo or repeat it.
    open_on_section = Comment.objects.get(body__startswith="The access summary leads")
    client.login(username="researcher", password="roamx-demo")
    url = reverse(
        "review:report_comment", args=[assessment.code, "reports.reportsection", open_on_section.object_id]
    )
    response = client.post(
        url,
        {
            "action": "resolve",
            "comment": open_on_section.pk,
            "disposition": "accepted",
            "reason": "Moved up.",
        },
    )
    assert response.status_code == 302
    seed()
    open_on_section.refresh_from_db()
    assert (open_on_section.status, open_on_section.reason) == ("resolved", "Moved up.")
    assert Comment.objects.filter(author_role="mab").count() == 6
