from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    RECOMMENDATION = "recommendation", _("Recommendation")
    SECTION = "section", _("Key-findings section")
    FINDING = "finding", _("Finding")


class Position(models.TextChoices):
    AGREE = "agree", _("Agree")
    AGREE_WITH_CHANGES = "changes", _("Agree with changes")
    DISAGREE = "disagree", _("Disagree")


class Gender(models.TextChoices):
    WOMAN = "woman", _("Woman")
    MAN = "man", _("Man")
    OTHER = "other", _("Another gender")


class JoinedBy(models.TextChoices):
    INVITATION = "invitation", _("Personal invitation")
    OPEN_LINK = "open", _("Open link")


class Source(models.TextChoices):
    """Where an input came from, as the comment-response matrix names it."""

    WORKSHOP = "workshop", _("Workshop")
    ONLINE = "online", _("Online")
