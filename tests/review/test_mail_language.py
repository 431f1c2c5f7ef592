"""Review mails are written in the recipient's language (their saved preference), not in the language of
whoever caused them: a Khmer-reading MAB member hears of an English-speaking researcher's reply in Khmer."""

import re

from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import Profile
from review import services
from review.choices import Frequency, Verdict
from review.models import NotificationPreference


def _in_khmer(text):
    with translation.override("km"):
        return gettext(text)


def test_a_khmer_reader_gets_the_mention_in_khmer_from_an_english_session(
    members, finding, django_capture_on_commit_callbacks
):
    Profile.objects.create(user=members["researcher"], language="km")
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        services.add_comment(finding, by=members["mab"], body="@researcher see this")
    [message] = mail.outbox
    khmer = _in_khmer("%(who)s mentioned you on %(what)s")
    words = max(re.split(r"%\(\w+\)s", khmer), key=len).strip()
    assert khmer != "%(who)s mentioned you on %(what)s" and words
    assert words in message.subject and "mentioned you" not in message.subject
    assert _in_khmer("Open it:") in message.body and "Open it:" not in message.body


def test_an_english_reader_gets_english_when_the_actor_works_in_khmer(
    members, finding, django_capture_on_commit_callbacks
):
    Profile.objects.create(user=members["mab"], language="km")
    Profile.objects.create(user=members["researcher"], language="en")
    finding.assignee = members["researcher"]
    finding.save()
    mail.outbox.clear()
    with translation.override("km"), django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(
            finding, by=members["mab"], verdict=Verdict.NEEDS_REVISION, body="Please cite the law"
        )
    [message] = mail.outbox
    assert "asks for revision of R.1.1" in message.subject
    assert "Open it:" in message.body


def test_without_a_preference_mail_is_in_the_site_language(
    members, finding, django_capture_on_commit_callbacks
):
    with translation.override("km"), django_capture_on_commit_callbacks(execute=True):
        services.add_comment(finding, by=members["mab"], body="@researcher see this")
    [message] = mail.outbox
    assert "mentioned you on" in message.subject and "Open it:" in message.body


def test_the_digest_is_in_each_recipients_language(members, finding, django_capture_on_commit_callbacks):
    Profile.objects.create(user=members["researcher"], language="km")
    NotificationPreference.objects.create(user=members["researcher"], frequency=Frequency.DAILY)
    NotificationPreference.objects.create(user=members["lead"], frequency=Frequency.DAILY)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(finding, by=members["mab"], body="@researcher @lead both of you")
    with translation.override("en"):
        call_command("send_digests", verbosity=0)
    by_person = {m.to[0]: m for m in mail.outbox}
    khmer, english = by_person["researcher@example.org"], by_person["lead@example.org"]
    assert "Your review digest" in english.subject and "Your review digest" not in khmer.subject
    assert _in_khmer("Here is what happened in your assessments' review since the last digest:") in khmer.body
    assert "mentioned you on" in english.body and "mentioned you on" not in khmer.body
