import io

from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from review import services
from review.choices import Frequency
from review.models import Notification, NotificationPreference


def test_immediate_mail_goes_out_after_commit_only(members, finding, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.add_comment(finding, by=members["mab"], body="@researcher see this")
    assert mail.outbox == [] and len(callbacks) == 1
    callbacks[0]()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().sent_at is not None
    assert "http://" in mail.outbox[0].body and finding.get_absolute_url() in mail.outbox[0].body


def test_nobody_is_told_about_their_own_action(members, finding, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        root = services.add_comment(finding, by=members["mab"], body="@mab note to self")
        services.add_comment(finding, by=members["mab"], body="and a reply", parent=root)
    assert mail.outbox == [] and not Notification.objects.exists()


def test_daily_digest_collects_everything_in_one_mail(members, finding, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=members["researcher"], frequency=Frequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(finding, by=members["mab"], body="@researcher first")
        services.add_comment(finding, by=members["lead"], body="@researcher second")
    assert mail.outbox == []
    out = io.StringIO()
    call_command("send_digests", stdout=out)
    assert "1 digest(s) sent." in out.getvalue()
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.to == ["researcher@example.org"] and "2 update(s)" in digest.subject
    assert "first" in digest.body and "second" in digest.body
    call_command("send_digests", stdout=io.StringIO())
    assert len(mail.outbox) == 1  # nothing is sent twice


def test_assignment_mails_the_new_assignee_once(members, finding, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        finding.assignee = members["researcher"]
        finding._history_user = members["lead"]
        finding.save()
        finding.narrative = "unrelated change"
        finding.save()
    assert [m.to for m in mail.outbox] == [["researcher@example.org"]]
    assert "You are assigned R.1.1 in khm-2023" in mail.outbox[0].subject


def test_preference_page_saves_the_choice(client, members, finding):
    client.force_login(members["mab"])
    url = reverse("review:preferences", args=[finding.assessment.code])
    assert client.post(url, {"frequency": "daily"}).status_code == 302
    assert NotificationPreference.objects.get(user=members["mab"]).frequency == "daily"
    response = client.post(url, {"frequency": "hourly"})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert NotificationPreference.objects.get(user=members["mab"]).frequency == "daily"
