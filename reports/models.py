import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments.choices import StakeholderGroup
from assessments.languages import check_second_language, shown
from assessments.models import Assessment, Finding, Source
from assessments.timezones import show
from assessments.uploads import safe_suffix
from indicators.models import Category
from reports.choices import (
    SECTION_ORDER,
    ExportFormat,
    ExportStatus,
    FollowUpStatus,
    Priority,
    SectionKind,
)
from toolkit.models import Timestamped


def logo_path(instance, filename):
    return f"reports/logos/{secrets.token_hex(16)}{safe_suffix(filename) or '.img'}"


def export_path(instance, filename):
    """Unguessable: exported drafts are served only to members, never by a guessable URL."""
    suffix = ".docx" if getattr(instance, "format", "") == ExportFormat.DOCX else ".pdf"
    return f"reports/exports/{secrets.token_hex(20)}{suffix}"


class Report(Timestamped):
    """The report's cover and front matter for one assessment."""

    assessment = models.OneToOneField(
        Assessment, on_delete=models.CASCADE, related_name="report", verbose_name=_("assessment")
    )
    title = models.CharField(
        _("title"),
        max_length=300,
        blank=True,
        help_text=_("Defaults to “Key findings and recommendations of assessing Internet development in …”."),
    )
    subtitle = models.CharField(
        _("subtitle"), max_length=300, default="Using UNESCO's Internet Universality ROAM-X Indicators"
    )
    title_second = models.CharField(_("title (second language)"), max_length=300, blank=True)
    subtitle_second = models.CharField(_("subtitle (second language)"), max_length=300, blank=True)
    local_title = models.CharField(
        _("title in the national language"), max_length=300, blank=True, help_text=_("e.g. in Khmer.")
    )
    series = models.CharField(
        _("series"),
        max_length=300,
        blank=True,
        default="UNESCO Series of Internet Universality Indicators National Assessments",
    )
    scope_note = models.TextField(
        _("scope note"),
        blank=True,
        help_text=_("Shown on the title page, e.g. which indicators were assessed."),
    )
    report_date = models.DateField(_("report date"), null=True, blank=True)
    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    partner_logo = models.ImageField(_("partner logo"), upload_to=logo_path, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["assessment"]

    def __str__(self):
        return self.display_title

    def clean(self):
        if self.assessment_id:
            check_second_language(self, ["title", "subtitle"], self.assessment)

    @property
    def display_title(self):
        """The title in the primary language (the plain field), else the default."""
        return self.title or self.default_title()

    def default_title(self):
        return _("Key findings and recommendations of assessing Internet development in %(country)s") % {
            "country": self.assessment.country_name
        }

    def title_in(self, language):
        """The title in ``language`` (one of the assessment's), else the other's, else the default."""
        return shown(self, "title", self.assessment, language).text or self.default_title()


class ReportSection(Timestamped):
    """One narrative section of the report (Markdown)."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="report_sections", verbose_name=_("assessment")
    )
    kind = models.CharField(_("section"), max_length=30, choices=SectionKind.choices)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    body_second = models.TextField(_("text (second language)"), blank=True, help_text=_("Markdown."))
    order = models.PositiveSmallIntegerField(default=0, editable=False, verbose_name=_("order"))
    # Raised by every save through reports.workspace.save_section: a stale save is refused, as for findings.
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("report section")
        verbose_name_plural = _("report sections")
        ordering = ["assessment", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "kind"], name="%(app_label)s_%(class)s_one_per_kind"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.assessment.code})"

    def clean(self):
        if self.assessment_id:
            check_second_language(self, ["body"], self.assessment)

    def save(self, *args, **kwargs):
        self.order = SECTION_ORDER.index(SectionKind(self.kind))
        super().save(*args, **kwargs)


class Recommendation(Timestamped):
    """One recommendation, addressed to one stakeholder group."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="recommendations", verbose_name=_("assessment")
    )
    stakeholder_group = models.CharField(
        _("stakeholder group"), max_length=20, choices=StakeholderGroup.choices
    )
    text = models.TextField(_("recommendation"), help_text=_("Markdown (one paragraph)."))
    text_second = models.TextField(
        _("recommendation (second language)"), blank=True, help_text=_("Markdown (one paragraph).")
    )
    categories = models.ManyToManyField(
        Category, blank=True, related_name="recommendations", verbose_name=_("categories")
    )
    findings = models.ManyToManyField(
        Finding, blank=True, related_name="recommendations", verbose_name=_("based on findings")
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.MEDIUM
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["assessment", "stakeholder_group", "order", "pk"]

    def __str__(self):
        return f"{self.get_stakeholder_group_display()}: {self.text[:60]}"

    def clean(self):
        if self.assessment_id:
            check_second_language(self, ["text"], self.assessment)


# A follow-up note is a paragraph or two of evidence, not a chapter: longer text is refused in place.
MAX_FOLLOW_UP_NOTE = 5_000


class RecommendationFollowUp(Timestamped):
    """How far one recommendation of the previous round was implemented, as the new round judges it.

    One row per (new round, previous round's recommendation), made by ``reports.followup.sync_follow_ups``
    when a round starts from a previous one. The recommendation is only read (PROTECT: it cannot be deleted
    while a later round follows it up). Saved through ``reports.followup.save_follow_up`` only: ``version``
    is raised by every save, so a stale save is refused as for findings; history through
    django-simple-history (the sources with it)."""

    assessment = models.ForeignKey(
        Assessment,
        on_delete=models.CASCADE,
        related_name="recommendation_follow_ups",
        verbose_name=_("assessment"),
    )
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("recommendation of the previous round"),
    )
    status = models.CharField(
        _("implementation status"),
        max_length=20,
        choices=FollowUpStatus.choices,
        default=FollowUpStatus.NOT_ASSESSED,
    )
    note = models.TextField(
        _("evidence note"),
        blank=True,
        validators=[MaxLengthValidator(MAX_FOLLOW_UP_NOTE)],
        help_text=_("What was done, by whom, and how you know. Plain text."),
    )
    note_second = models.TextField(
        _("evidence note (second language)"),
        blank=True,
        validators=[MaxLengthValidator(MAX_FOLLOW_UP_NOTE)],
    )
    sources = models.ManyToManyField(
        Source, blank=True, related_name="recommendation_follow_ups", verbose_name=_("sources")
    )
    version = models.PositiveIntegerField(default=0, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[sources])

    class Meta:
        verbose_name = _("recommendation follow-up")
        verbose_name_plural = _("recommendation follow-ups")
        ordering = ["assessment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "recommendation"], name="%(app_label)s_%(class)s_one_per_recommendation"
            )
        ]

    def __str__(self):
        return f"{self.assessment.code}: {self.get_status_display()}"

    def clean(self):
        if self.assessment_id:
            check_second_language(self, ["note"], self.assessment)
            if self.recommendation_id and self.recommendation.assessment_id != self.assessment.previous_id:
                raise ValidationError(
                    {"recommendation": _("Follow up only the recommendations of the previous round.")}
                )


# The error recorded on an export whose worker died (reports.worker.fail_stale_exports).
WORKER_LOST = "WorkerLost"


def lost_message():
    return _("The report worker stopped while rendering this export; press Export again.")


# The error recorded on an export that could not be queued (Redis, RQ's queue, unreachable).
QUEUE_DOWN = "QueueUnreachable"


def queue_down_message():
    return _(
        "The report queue is not reachable right now, so this export did not start. Press Export again "
        "in a few minutes; if it keeps failing, tell an administrator."
    )


class ReportExport(Timestamped):
    """One press of Export: its progress, and the PDF (or Word file) once rendered."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="report_exports", verbose_name=_("assessment")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    format = models.CharField(
        max_length=4, choices=ExportFormat.choices, default=ExportFormat.PDF, verbose_name=_("format")
    )
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED, verbose_name=_("status")
    )
    progress = models.PositiveSmallIntegerField(default=0, verbose_name=_("progress"))
    stage = models.CharField(max_length=200, blank=True, verbose_name=_("stage"))
    content_hash = models.CharField(max_length=64, db_index=True, verbose_name=_("content hash"))
    # reports.fingerprint: the database rows (and deploy) this export was built from; "" if unknown.
    source_fingerprint = models.CharField(
        max_length=64, blank=True, default="", editable=False, verbose_name=_("source fingerprint")
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    is_draft = models.BooleanField(default=True, verbose_name=_("is draft"))
    # The optional chapter "Progress since the previous assessment" (a later round only).
    with_progress = models.BooleanField(_("with the progress chapter"), default=False)
    task_id = models.CharField(max_length=64, blank=True, verbose_name=_("task id"))
    file = models.FileField(upload_to=export_path, blank=True, verbose_name=_("file"))
    pages = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("pages"))
    size = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("size"))
    seconds = models.FloatField(null=True, blank=True, verbose_name=_("seconds"))
    chapters_rendered = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("chapters rendered")
    )
    chapters_total = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("chapters total"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    finished = models.DateTimeField(null=True, blank=True, verbose_name=_("finished"))
    # What the report's text asked the renderer to load and was left out: [{"where": …, "url": …}].
    refused = models.JSONField(_("resources not included"), default=list, blank=True)

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")
        ordering = ["-created"]

    def __str__(self):
        return f"{self.assessment.code} export {show(self.created)}"

    @property
    def is_finished(self):
        return self.status in (ExportStatus.DONE, ExportStatus.FAILED)

    def show_lost(self):
        """The export as readers see it: failed, with the message, once its worker is known lost.

        ``queries.exports_for`` annotates ``lost`` by the rule ``fail_stale_exports`` writes by (in the
        worker and on a timer): a page load or a status poll shows the failure without writing it.
        """
        if getattr(self, "lost", False) and self.status != ExportStatus.FAILED:
            self.status = ExportStatus.FAILED
            self.stage = str(lost_message())
            self.error = f"{WORKER_LOST}: {self.stage}"
        return self

    @property
    def failure_message(self):
        """What the report page says about a failed export."""
        if self.error.startswith((WORKER_LOST, QUEUE_DOWN)):
            return self.stage
        return _("The export failed; try again or tell an administrator.")


class ChapterCache(Timestamped):
    """A rendered chapter (PDF bytes), keyed by the hash of its HTML, reused while that HTML is unchanged."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="+", verbose_name=_("assessment")
    )
    key = models.CharField(max_length=40, verbose_name=_("key"))
    html_hash = models.CharField(max_length=64, verbose_name=_("html hash"))
    pdf = models.BinaryField(verbose_name=_("pdf"))
    pages = models.PositiveIntegerField(verbose_name=_("pages"))
    anchors = models.JSONField(default=dict, verbose_name=_("anchors"))

    class Meta:
        verbose_name = _("chapter cache")
        verbose_name_plural = _("chapter caches")
        ordering = ["assessment", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "key", "html_hash"], name="%(app_label)s_%(class)s_unique"
            )
        ]

    def __str__(self):
        return f"{self.assessment_id}:{self.key}:{self.html_hash[:8]}"
