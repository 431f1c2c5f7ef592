from django.db import models
from django.utils.translation import gettext_lazy as _


class CommentStatus(models.TextChoices):
    OPEN = "open", _("Open")
    RESOLVED = "resolved", _("Resolved")


class Disposition(models.TextChoices):
    """How the team answered a MAB member's comment: the column the validation workshop reads."""

    ACCEPTED = "accepted", _("Accepted")
    PARTLY_ACCEPTED = "partly_accepted", _("Partly accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class Verdict(models.TextChoices):
    ENDORSE = "endorse", _("Endorse")
    NEEDS_REVISION = "needs_revision", _("Needs revision")


class Frequency(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediately, one email per event")
    DAILY = "daily", _("Once a day, in a digest")


class NotificationKind(models.TextChoices):
    MENTION = "mention", _("Mention")
    REPLY = "reply", _("Reply")
    ASSIGNMENT = "assignment", _("Assignment")
    NEEDS_REVISION = "needs_revision", _("Needs revision")
