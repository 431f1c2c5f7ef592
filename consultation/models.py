"""A consultation of people without an account on the findings and recommendations of one assessment.

What participants are asked about is snapshotted when the consultation is created (``ConsultationItem``:
the text as it stood), so later edits of the report do not change what they saw; the team sees what
changed since (``services.current_text``). Tokens: personal links are stored as SHA-256 digests only;
the open link's token is stored (the projector and the printed page show it) and compared in constant time.
"""

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.choices import StakeholderGroup
from assessments.models import Assessment
from consultation.choices import Gender, ItemKind, JoinedBy, Position
from review.choices import Disposition
from toolkit.models import Timestamped

NAME_MAX = 200
COMMENT_MAX = 2000


def digest(token):
    return hashlib.sha256(token.encode()).hexdigest()


class Consultation(Timestamped):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="consultations", verbose_name=_("assessment")
    )
    title = models.CharField(_("title"), max_length=200)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("The workshop's venue; leave empty for online.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    open_token = models.CharField(max_length=64, blank=True, editable=False)
    open_link_revoked = models.BooleanField(_("open link revoked"), default=False)
    current_item = models.ForeignKey(
        "ConsultationItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    validation_text = models.TextField(_("Validation section"), blank=True, max_length=20000)
    in_report = models.BooleanField(
        _("include the summary and the Validation section in the report"), default=False
    )

    class Meta:
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")), name="consultation_closes_after_opens"
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_online(self):
        return not self.place

    def is_open(self, now=None):
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class ConsultationItem(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=ItemKind.choices)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=300)
    category = models.CharField(max_length=1, blank=True)
    text = models.TextField()  # as it stood when the consultation was created

    class Meta:
        verbose_name = _("consultation item")
        verbose_name_plural = _("consultation items")
        ordering = ["consultation", "number"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "number"], name="consultation_item_number")
        ]

    def __str__(self):
        return f"{self.number}. {self.label}"


class Participant(Timestamped):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="participants")
    joined_by = models.CharField(max_length=20, choices=JoinedBy.choices)
    token_digest = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    email = models.EmailField(_("email"), blank=True)
    name = models.CharField(_("name"), max_length=NAME_MAX, blank=True)
    organisation = models.CharField(_("organisation"), max_length=NAME_MAX, blank=True)
    stakeholder_group = models.CharField(
        _("stakeholder group"), max_length=20, choices=StakeholderGroup.choices, blank=True
    )
    gender = models.CharField(_("gender"), max_length=10, choices=Gender.choices, blank=True)
    list_organisation = models.BooleanField(_("my organisation may be listed in the report"), default=False)
    details_given = models.BooleanField(default=False)
    revoked = models.BooleanField(_("link revoked"), default=False)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["consultation", "pk"]

    def __str__(self):
        return self.name or self.organisation or _("Participant %(n)s") % {"n": self.pk}


class Answer(Timestamped):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ConsultationItem, on_delete=models.CASCADE, related_name="answers")
    position = models.CharField(_("your view"), max_length=10, choices=Position.choices)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX, blank=True)
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices, blank=True)
    reason = models.TextField(_("reason"), max_length=COMMENT_MAX, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    hidden = models.BooleanField(_("hidden as spam"), default=False)

    class Meta:
        verbose_name = _("input")
        verbose_name_plural = _("inputs")
        ordering = ["item", "pk"]
        constraints = [models.UniqueConstraint(fields=["participant", "item"], name="one_answer_per_item")]

    def __str__(self):
        return _("Input %(n)s") % {"n": self.pk}
