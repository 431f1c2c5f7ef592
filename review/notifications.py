"""Review emails: each event becomes a Notification row, mailed at once or collected into a daily digest.

Mail goes out only after the transaction that caused it commits, so a refused or rolled-back action
never mails anyone.
"""

from itertools import groupby

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.language import is_supported, preferred_language
from assessments.timezones import in_zone_of, zone_of
from review.choices import Frequency
from review.models import Notification, NotificationPreference


def frequency_for(user):
    pref = NotificationPreference.objects.filter(user=user).values_list("frequency", flat=True).first()
    return pref or Frequency.IMMEDIATE


def absolute(url):
    return url if url.startswith("http") else f"{settings.SITE_URL}{url}"


def language_of(recipient):
    """The language a person reads their mail in: the one they chose, else the site's default."""
    code = preferred_language(recipient)
    return code if code and is_supported(code) else settings.LANGUAGE_CODE


def notify(recipient, kind, *, subject, body, url, assessment, actor=None):
    """Tell ``recipient`` about an event in ``assessment``; nobody is told about their own actions.

    ``subject`` may be a function: it is then called in the recipient's language, so a Khmer reader's
    mail says "... asks for revision" in Khmer whoever triggered it.
    """
    if recipient is None or (actor is not None and recipient.pk == actor.pk):
        return None
    if callable(subject):
        with translation.override(language_of(recipient)):
            subject = str(subject())
    notification = Notification.objects.create(
        recipient=recipient, assessment=assessment, kind=kind, subject=subject, body=body, url=absolute(url)
    )
    if frequency_for(recipient) == Frequency.IMMEDIATE:
        transaction.on_commit(lambda: send_now(notification.pk))
    return notification


def send_now(pk):
    notification = Notification.objects.select_related("recipient", "assessment").get(pk=pk)
    if notification.sent_at:
        return
    if notification.recipient.email:
        with in_zone_of(notification.assessment), translation.override(language_of(notification.recipient)):
            message = render_to_string("review/emails/notification.txt", {"n": notification})
        send_mail(
            subject=f"[roamx] {notification.subject}",
            message=message,
            from_email=None,
            recipient_list=[notification.recipient.email],
        )
    Notification.objects.filter(pk=pk).update(sent_at=timezone.now())


def by_assessment(notifications):
    """[{assessment, zone, notifications}] in the order given (sorted by assessment)."""
    groups = []
    for assessment, items in groupby(notifications, key=lambda n: n.assessment):
        groups.append({"assessment": assessment, "zone": zone_of(assessment), "notifications": list(items)})
    return groups


def send_digests():
    """One mail per person with everything not yet mailed, grouped by assessment (each group's times in
    its assessment's time zone); returns the number of mails sent."""
    pending = list(
        Notification.objects.filter(sent_at__isnull=True)
        .select_related("recipient", "assessment")
        .order_by("recipient_id", F("assessment__code").asc(nulls_last=True), "created", "pk")
    )
    by_recipient = {}
    for notification in pending:
        by_recipient.setdefault(notification.recipient, []).append(notification)
    sent = 0
    for recipient, notifications in by_recipient.items():
        with transaction.atomic(), translation.override(language_of(recipient)):
            if recipient.email:
                send_mail(
                    subject=_("[roamx] Your review digest: %(n)d update(s)") % {"n": len(notifications)},
                    message=render_to_string(
                        "review/emails/digest.txt",
                        {"user": recipient, "groups": by_assessment(notifications)},
                    ),
                    from_email=None,
                    recipient_list=[recipient.email],
                )
                sent += 1
            Notification.objects.filter(pk__in=[n.pk for n in notifications]).update(sent_at=timezone.now())
    return sent
