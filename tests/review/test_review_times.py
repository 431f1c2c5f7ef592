"""Review pages, the comment-response matrix and review mails show times in the assessment's time zone."""

import datetime

import pytest
import tablib
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from assessments.choices import Role
from assessments.models import Finding
from assessments.services import create_assessment, save_finding
from review import services
from review.choices import Frequency
from review.models import Comment, LastSeen, Notification, NotificationPreference
from tests.factories import MembershipFactory

EVENT = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
ZONES = {
    "Asia/Phnom_Penh": "2 March 2026, 03:30 +07",
    "Europe/Berlin": "1 March 2026, 21:30 CET",
    "America/New_York": "1 March 2026, 15:30 EST",
}


def in_zone(assessment, zone):
    assessment.time_zone = zone
    assessment.save()


@pytest.fixture
def comment(finding, members, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = services.add_comment(finding, by=members["mab"], body="Which survey year?")
    Comment.objects.filter(pk=made.pk).update(created=EVENT)
    return made


@pytest.mark.parametrize("zone", list(ZONES))
def test_finding_page_shows_comment_and_last_seen_times_in_the_zone(client, finding, members, comment, zone):
    in_zone(finding.assessment, zone)
    client.force_login(members["mab"])
    client.get(finding.get_absolute_url())  # first visit: records what was seen
    LastSeen.objects.filter(user=members["mab"]).update(seen_at=EVENT)
    current = Finding.objects.get(pk=finding.pk)
    save_finding(current, by=members["researcher"], expected_version=current.version, fields={"score": 4})
    page = client.get(finding.get_absolute_url()).content.decode()
    assert ZONES[zone] in page
    assert f"You last opened this finding on {ZONES[zone]}" in page


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_matrix_page_and_export_in_the_zone(client, finding, members, comment, fmt):
    stored = Comment.objects.get(pk=comment.pk)  # as stored, with the event's creation time
    services.resolve_comment(stored, by=members["researcher"], disposition="accepted", reason="Added it.")
    Comment.objects.filter(pk=comment.pk).update(resolved_at=EVENT)
    client.force_login(members["lead"])
    url = reverse("review:matrix", args=[finding.assessment.code])
    assert "2 March 2026" in client.get(url).content.decode()
    response = client.get(url, {"export": fmt})
    content = response.content.decode("utf-8-sig") if fmt == "csv" else response.content
    row = tablib.Dataset().load(content, format=fmt).dict[0]
    assert (row["Date"], row["Resolved on"]) == (ZONES["Asia/Phnom_Penh"], "2 March 2026")


@pytest.mark.parametrize("zone", list(ZONES))
def test_immediate_mail_says_when_in_the_zone(finding, members, zone, django_capture_on_commit_callbacks):
    in_zone(finding.assessment, zone)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.add_comment(finding, by=members["mab"], body="@researcher which year?")
    Notification.objects.update(created=EVENT)
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    assert f"When: {ZONES[zone]}" in mail.outbox[0].body


def test_digest_groups_by_assessment_each_in_its_zone(
    finding, members, framework, django_capture_on_commit_callbacks
):
    other = create_assessment(
        code="deu-2025", title="Germany", country_code="DEU", country_name="Germany", framework=framework
    )
    MembershipFactory(assessment=other, user=members["researcher"], role=Role.RESEARCHER)
    MembershipFactory(assessment=other, user=members["mab"], role=Role.MAB)
    NotificationPreference.objects.create(user=members["researcher"], frequency=Frequency.DAILY)
    german = Finding.objects.get(assessment=other, indicator__code="R.1.1")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(finding, by=members["mab"], body="@researcher in Cambodia")
        services.add_comment(german, by=members["mab"], body="@researcher in Germany")
    # A notification stored before notifications named their assessment: last, in settings.TIME_ZONE.
    Notification.objects.create(
        recipient=members["researcher"], kind="mention", subject="Old", body="", url="/"
    )
    Notification.objects.update(created=EVENT)
    call_command("send_digests", verbosity=0)
    body = mail.outbox[0].body
    cambodia = body.index("(khm-2023) — times in Asia/Phnom_Penh")
    germany = body.index("(deu-2025) — times in Europe/Berlin")
    # By assessment code (deu-2025 first), each group's time under its heading, in its zone.
    assert germany < body.index(ZONES["Europe/Berlin"]) < cambodia < body.index(ZONES["Asia/Phnom_Penh"])
    assert body.index(ZONES["Asia/Phnom_Penh"]) < body.index("Other — times in UTC")
    assert body.index("Other — times in UTC") < body.index("1 March 2026, 20:30 UTC")
    assert Notification.objects.get(assessment=other).sent_at is not None


def test_report_review_page_shows_the_sections_change_in_the_zone(client, assessment, members):
    from reports.demo import seed_report
    from reports.models import ReportSection

    seed_report(assessment)
    ReportSection.objects.filter(assessment=assessment).update(updated=EVENT)
    client.force_login(members["mab"])
    page = client.get(reverse("review:report", args=[assessment.code])).content.decode()
    assert f"Last changed {ZONES['Asia/Phnom_Penh']}." in page
