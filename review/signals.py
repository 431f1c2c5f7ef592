"""Assignment mails: when a finding's assignee changes, the new assignee hears of it.

Kept here (not in assessments) so the research app knows nothing of the review's mails.
"""

from django.db.models.signals import post_save, pre_save
from django.utils.translation import gettext as _

from assessments.models import Finding
from review.choices import NotificationKind
from review.notifications import notify


def remember_assignee(sender, instance, raw=False, **kwargs):
    if raw or not instance.pk:
        instance._review_old_assignee_id = None
        return
    instance._review_old_assignee_id = (
        Finding.objects.filter(pk=instance.pk).values_list("assignee_id", flat=True).first()
    )


def mail_new_assignee(sender, instance, created, raw=False, **kwargs):
    # A bulk carry-over (assessments.rounds) sets _skip_notifications: one mail per finding carried
    # into a new round would be noise; the round's members see their findings on the dashboard.
    if raw or not instance.assignee_id or getattr(instance, "_skip_notifications", False):
        return
    if instance.assignee_id == getattr(instance, "_review_old_assignee_id", None):
        return
    actor = getattr(instance, "_history_user", None) or instance.updated_by
    notify(
        instance.assignee,
        NotificationKind.ASSIGNMENT,
        subject=lambda: (
            _("You are assigned %(code)s in %(assessment)s")
            % {"code": instance.indicator.code, "assessment": instance.assessment.code}
        ),
        body=instance.indicator.text,
        url=instance.get_absolute_url(),
        assessment=instance.assessment,
        actor=actor,
    )


def connect():
    pre_save.connect(remember_assignee, sender=Finding, dispatch_uid="review_remember_assignee")
    post_save.connect(mail_new_assignee, sender=Finding, dispatch_uid="review_mail_new_assignee")
