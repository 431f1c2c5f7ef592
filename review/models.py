"""The MAB review: comments, validation votes, what each member last saw, and mail preferences.

Comments attach to any *reviewable* object through a generic foreign key (see ``review.targets``), so
findings can be commented on now and the report's sections and recommendations later, without this app
importing ``reports``.
"""

import hashlib

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.choices import Role
from assessments.models import Assessment, Finding
from assessments.timezones import show
from review.choices import CommentStatus, Disposition, Frequency, NotificationKind, Verdict
from toolkit.models import Timestamped


class Comment(Timestamped):
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="review_comments", verbose_name=_("assessment")
    )
    content_type = models.ForeignKey(
        ContentType, on_delete=models.CASCADE, related_name="+", verbose_name=_("content type")
    )
    object_id = models.PositiveBigIntegerField(verbose_name=_("object id"))
    target = GenericForeignKey("content_type", "object_id")
    # Denormalised from the target (a finding's category, a report section's category) so the
    # comment-response matrix can filter by category whatever the target type.
    category = models.CharField(_("category"), max_length=1, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("parent"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    # The author's role when they wrote it: a MAB comment stays one even if the role changes later.
    author_role = models.CharField(_("author's role"), max_length=20, choices=Role.choices)
    body = models.TextField(_("comment"))
    edited = models.DateTimeField(_("edited"), null=True, blank=True)
    mentions = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("mentions")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CommentStatus.choices, default=CommentStatus.OPEN
    )
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    # The text as the team answered it, written when the comment is first resolved: the record the
    # comment-response matrix shows, and the mark that the text is frozen (also after a reopen).
    answered_body = models.TextField(_("text as answered"), blank=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="review_comment_target")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status=CommentStatus.OPEN, disposition="")
                | models.Q(status=CommentStatus.RESOLVED),
                name="%(app_label)s_%(class)s_open_has_no_disposition",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=CommentStatus.RESOLVED, author_role=Role.MAB, disposition=""),
                name="%(app_label)s_%(class)s_mab_resolved_with_disposition",
            ),
        ]

    def __str__(self):
        return f"{self.author} on {self.content_type.model} {self.object_id}: {self.body[:40]}"

    @property
    def is_mab(self):
        return self.author_role == Role.MAB

    @property
    def is_open(self):
        return self.status == CommentStatus.OPEN

    @property
    def is_frozen(self):
        """Resolved now, or answered once: its text is what the team answered and stays as it is."""
        return not self.is_open or bool(self.answered_body)

    @property
    def answered_text(self):
        """What the comment-response matrix shows: the text the team answered (or, while unanswered,
        the text as it stands)."""
        return self.answered_body or self.body

    @property
    def text_digest(self):
        """Names the text a resolver read, so a resolution cannot answer a text edited meanwhile."""
        return hashlib.sha256(self.body.encode("utf-8")).hexdigest()[:16]

    def editable_until(self):
        """Until when its author may edit it; None once the team has answered it."""
        if self.is_frozen:
            return None
        return self.created + timezone.timedelta(minutes=settings.REVIEW_COMMENT_EDIT_MINUTES)

    def can_edit(self, user, now=None):
        until = self.editable_until()
        return user.pk == self.author_id and until is not None and (now or timezone.now()) <= until


class Vote(Timestamped):
    """A MAB member's validation of one finding: endorse, or ask for revision (with a comment)."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="review_votes", verbose_name=_("finding")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("member")
    )
    verdict = models.CharField(_("verdict"), max_length=20, choices=Verdict.choices)
    comment = models.ForeignKey(
        Comment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("comment")
    )

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["finding", "created"]
        constraints = [
            models.UniqueConstraint(
                fields=["finding", "member"], name="%(app_label)s_%(class)s_one_per_member"
            )
        ]

    def __str__(self):
        return f"{self.member} {self.verdict} {self.finding}"


class LastSeen(models.Model):
    """What a member saw when they last opened a finding: the basis of "changed since you last looked"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="+", verbose_name=_("finding")
    )
    seen_at = models.DateTimeField(default=timezone.now, verbose_name=_("seen at"))
    history_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("history id"))
    # A copy rather than only the history id: the flag on the overview compares with the finding itself,
    # so it costs one query for all findings, and the diff survives history pruning.
    narrative = models.TextField(blank=True, verbose_name=_("narrative"))
    score = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("score"))
    special_score = models.CharField(max_length=20, blank=True, verbose_name=_("special score"))

    class Meta:
        verbose_name = _("last seen")
        verbose_name_plural = _("last-seen records")
        constraints = [
            models.UniqueConstraint(fields=["user", "finding"], name="%(app_label)s_%(class)s_once")
        ]

    def __str__(self):
        return f"{self.user} saw {self.finding} at {show(self.seen_at)}"

    def narrative_changed(self, finding):
        return self.narrative != finding.narrative

    def score_changed(self, finding):
        return (self.score, self.special_score) != (finding.score, finding.special_score)


class NotificationPreference(Timestamped):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="review_preference",
        verbose_name=_("user"),
    )
    frequency = models.CharField(
        _("send me review emails"), max_length=10, choices=Frequency.choices, default=Frequency.IMMEDIATE
    )

    def __str__(self):
        return f"{self.user}: {self.frequency}"

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")


class Notification(Timestamped):
    """One event for one person: mailed at once, or kept for the daily digest (``send_digests``)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("recipient")
    )
    # The assessment the event happened in: its mail shows times in the assessment's time zone.
    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assessment"),
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices, verbose_name=_("kind"))
    subject = models.CharField(max_length=300, verbose_name=_("subject"))
    body = models.TextField(verbose_name=_("body"))
    url = models.CharField(max_length=500, verbose_name=_("url"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["recipient", "created"]
        indexes = [models.Index(fields=["sent_at", "recipient"], name="review_notification_unsent")]

    def __str__(self):
        return f"{self.kind} → {self.recipient}: {self.subject}"
