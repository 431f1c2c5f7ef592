import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from assessments import links
from assessments.choices import (
    DEFAULT_SCALE,
    MAX_SCALE_LEVELS,
    Confidence,
    Disaggregation,
    FindingStatus,
    Phase,
    Role,
    Scope,
    SourceType,
    SpecialScore,
    StakeholderGroup,
)
from assessments.fields import WebURLField, is_web_url
from assessments.languages import check_second_language, has_second_text
from assessments.timezones import default_time_zone, validate_time_zone
from assessments.uploads import safe_file_name, safe_suffix
from indicators.models import Framework, Indicator
from toolkit.models import Timestamped


class CarriedOver(Timestamped):
    """A row a new round can carry over from the previous one (assessments.rounds): ``carried_from`` is
    the row of the previous round it came from ("self" resolves to each concrete model)."""

    carried_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("carried over from"),
        help_text=_("The row of the previous round this one was carried over from."),
    )

    class Meta:
        abstract = True


def default_scale():
    return list(DEFAULT_SCALE)


class Assessment(Timestamped):
    """One national assessment of a country against a framework edition."""

    code = models.SlugField(
        _("short code"), max_length=40, unique=True, help_text=_("Used in URLs, e.g. khm-2023.")
    )
    title = models.CharField(_("title"), max_length=300)
    country_code = models.CharField(
        _("country code"),
        max_length=3,
        validators=[RegexValidator(r"^[A-Z]{2,3}$", _("Use the ISO 3166 code in capitals, e.g. KH or KHM."))],
        help_text=_("ISO 3166-1 code, e.g. KHM."),
    )
    country_name = models.CharField(_("country"), max_length=100)
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Times on every page, mail, export and the PDF are shown in it. Empty: the country's."),
    )
    framework = models.ForeignKey(
        Framework, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("framework edition")
    )
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.CORE)
    selected_indicators = models.ManyToManyField(
        Indicator,
        blank=True,
        related_name="+",
        verbose_name=_("selected indicators"),
        help_text=_("The indicators the lead picked, for the scopes “plus selected” and “selected only”."),
    )
    previous = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="next_rounds",
        verbose_name=_("previous round"),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices, default=Phase.SETUP)
    language = models.CharField(
        _("primary language"),
        max_length=10,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        blank=True,
        help_text=_("The language the team writes in first (empty: the site's default language)."),
    )
    second_language = models.CharField(
        _("second language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Optional: narratives, report sections and recommendations can be written in it too."),
    )
    scale = models.JSONField(
        _("score scale"),
        default=default_scale,
        help_text=_("Names of the score levels, lowest first (2 to 10 levels)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__isnull=True)
                | models.Q(period_start__isnull=True)
                | models.Q(period_end__gte=models.F("period_start")),
                name="%(app_label)s_%(class)s_period_order",
            )
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if not self.language:
            self.language = settings.LANGUAGE_CODE
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "language"}
        if not self.time_zone:
            self.time_zone = default_time_zone(self.country_code)
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "time_zone"}
        super().save(*args, **kwargs)

    def clean(self):
        scale = self.scale
        if not isinstance(scale, list) or not 2 <= len(scale) <= MAX_SCALE_LEVELS:
            raise ValidationError({"scale": _("The scale needs 2 to 10 named levels.")})
        if not all(isinstance(level, str) and level.strip() for level in scale):
            raise ValidationError({"scale": _("Every level needs a name.")})
        self.language = self.language or settings.LANGUAGE_CODE
        if self.second_language and self.second_language == self.language:
            raise ValidationError(
                {"second_language": _("The second language must differ from the primary language.")}
            )
        self._check_language_change()

    def _check_language_change(self):
        # Second-language text is stored as "the second language": relabelling it would mislabel it.
        if self.pk is None:
            return
        stored = Assessment.objects.filter(pk=self.pk).values("language", "second_language").first()
        if stored is None or (stored["language"], stored["second_language"]) == (
            self.language,
            self.second_language,
        ):
            return
        if has_second_text(self):
            raise ValidationError(
                {
                    "second_language": _(
                        "Text is already written in the second language; the languages cannot change now."
                    )
                }
            )

    def get_absolute_url(self):
        return reverse("assessments:dashboard", kwargs={"code": self.code})

    @property
    def is_validated(self):
        return self.phase in (Phase.VALIDATION, Phase.PUBLISHED)

    def score_label(self, score):
        if score is None or not 1 <= score <= len(self.scale):
            return ""
        return self.scale[score - 1]


class Membership(Timestamped):
    """A person's one role in one assessment."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("assessment")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    stakeholder_group = models.CharField(
        _("stakeholder group"),
        max_length=20,
        choices=StakeholderGroup.choices,
        blank=True,
        help_text=_("For MAB members: the group they represent."),
    )
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["assessment", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "user"], name="%(app_label)s_%(class)s_one_role")
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} ({self.assessment.code})"


class Source(CarriedOver):
    """A citable source; one source can support several findings of the same assessment."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="sources", verbose_name=_("assessment")
    )
    type = models.CharField(_("type"), max_length=20, choices=SourceType.choices)
    title = models.CharField(_("title"), max_length=500)
    author = models.CharField(_("author or publisher"), max_length=300, blank=True)
    published = models.DateField(_("date"), null=True, blank=True)
    url = WebURLField(
        _("URL"), max_length=1000, blank=True, help_text=_("A web address starting with https:// or http://.")
    )
    accessed = models.DateField(_("date accessed"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["assessment", "title"]

    def __str__(self):
        return f"{self.title}" + (f" ({self.author})" if self.author else "")

    @property
    def link(self):
        """The URL when pages may link it; "" for a row saved before the http(s) rule held."""
        return self.url if is_web_url(self.url) else ""


class Finding(CarriedOver):
    """The research team's evidence and judgement for one indicator in an assessment's scope."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="findings", verbose_name=_("assessment")
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="findings", verbose_name=_("indicator")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=FindingStatus.choices, default=FindingStatus.NOT_STARTED
    )
    score = models.PositiveSmallIntegerField(
        _("score"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SCALE_LEVELS)],
    )
    special_score = models.CharField(
        _("no score because"), max_length=20, choices=SpecialScore.choices, blank=True
    )
    narrative = models.TextField(_("narrative evidence"), blank=True, help_text=_("Markdown."))
    narrative_second = models.TextField(
        _("narrative evidence (second language)"), blank=True, help_text=_("Markdown.")
    )
    confidence = models.CharField(_("confidence"), max_length=10, choices=Confidence.choices, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_findings",
        verbose_name=_("assignee"),
    )
    due_date = models.DateField(_("due date"), null=True, blank=True)
    archived = models.BooleanField(
        _("archived"), default=False, help_text=_("Outside the current scope; its evidence is kept.")
    )
    sources = models.ManyToManyField(
        Source, through="Citation", related_name="findings", blank=True, verbose_name=_("sources")
    )
    # Optimistic concurrency: every save increments it; a save based on an older version is refused.
    version = models.PositiveIntegerField(default=1, verbose_name=_("version"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["assessment", "indicator__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="%(app_label)s_%(class)s_one_per_indicator"
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | models.Q(score__gte=1, score__lte=MAX_SCALE_LEVELS, special_score=""),
                name="%(app_label)s_%(class)s_score_in_range",
            ),
        ]

    def __str__(self):
        return f"{self.indicator.code} — {self.assessment.code}"

    def clean(self):
        if self.score is not None and self.assessment_id and self.score > len(self.assessment.scale):
            raise ValidationError(
                {"score": _("The score must be between 1 and %(n)d.") % {"n": len(self.assessment.scale)}}
            )
        if self.score is not None and self.special_score:
            raise ValidationError({"special_score": _("Give a score or a reason for no score, not both.")})
        if self.assessment_id:
            check_second_language(self, ["narrative"], self.assessment)

    def get_absolute_url(self):
        # The finding's page for every member, registered by the app that shows it (review).
        return links.finding_url(self.assessment.code, self.indicator.code, self.pk)

    @property
    def score_display(self):
        if self.special_score:
            return self.get_special_score_display()
        if self.score is None:
            return ""
        return f"{self.score} — {self.assessment.score_label(self.score)}"


class Citation(Timestamped):
    """A source cited as evidence for a finding."""

    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="citations", verbose_name=_("finding")
    )
    source = models.ForeignKey(
        Source, on_delete=models.CASCADE, related_name="citations", verbose_name=_("source")
    )
    locator = models.CharField(_("page or section"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("citation")
        verbose_name_plural = _("citations")
        ordering = ["finding", "created"]
        constraints = [
            models.UniqueConstraint(fields=["finding", "source"], name="%(app_label)s_%(class)s_once")
        ]

    def __str__(self):
        return f"{self.finding} ← {self.source}"

    def clean(self):
        if self.finding_id and self.source_id and self.finding.assessment_id != self.source.assessment_id:
            raise ValidationError(_("A finding can only cite sources of its own assessment."))


class DataPoint(CarriedOver):
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="data_points", verbose_name=_("finding")
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    unit = models.CharField(_("unit"), max_length=50, blank=True, help_text=_("e.g. %, USD, per 100 people"))
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    disaggregation = models.CharField(
        _("disaggregation"), max_length=20, choices=Disaggregation.choices, default=Disaggregation.TOTAL
    )
    group = models.CharField(
        _("group"), max_length=100, blank=True, help_text=_("e.g. female, rural, 15–24 years")
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="data_points",
        verbose_name=_("source"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("data point")
        verbose_name_plural = _("data points")
        ordering = ["finding", "year", "disaggregation", "group"]

    def __str__(self):
        label = f" ({self.group})" if self.group else ""
        return f"{self.value.normalize():f} {self.unit} in {self.year}{label}".replace("  ", " ")


def attachment_path(instance, filename):
    """An unguessable name: the original name is kept in the database only."""
    return f"attachments/{uuid.uuid4().hex}{safe_suffix(filename)}"


class Attachment(Timestamped):
    finding = models.ForeignKey(
        Finding, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("finding")
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100, verbose_name=_("content type"))
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size"))
    description = models.CharField(_("description"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["finding", "created"]

    def __str__(self):
        return self.original_name

    def save(self, *args, **kwargs):
        # Whatever door the row comes through (the admin, a script, a restore), the name kept is clean.
        self.original_name = safe_file_name(self.original_name)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # Members-only download (assessments.views.attachments); MEDIA_ROOT is never served.
        return reverse("assessments:attachment", kwargs={"code": self.finding.assessment.code, "pk": self.pk})
