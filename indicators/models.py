from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from indicators.choices import (
    CatalogueKind,
    CategoryCode,
    ContextGroup,
    IndicatorKind,
    Relation,
    TranslationProvenance,
    Wording,
)
from toolkit.models import Timestamped


class Framework(Timestamped):
    """One edition of the indicators, e.g. UNESCO's 2019 Internet Universality Indicators."""

    code = models.SlugField(_("edition"), max_length=40, unique=True)
    title = models.CharField(_("title"), max_length=300)
    publisher = models.CharField(_("publisher"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    licence = models.CharField(_("licence"), max_length=100)
    licence_url = models.URLField(_("licence URL"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    source_url = models.URLField(_("source URL"), blank=True)
    credit = models.TextField(_("credit"), blank=True)

    class Meta:
        verbose_name = _("framework")
        verbose_name_plural = _("frameworks")
        ordering = ["-year", "code"]

    def __str__(self):
        return f"{self.title} ({self.code})"

    def get_absolute_url(self):
        return reverse("indicators:framework", kwargs={"edition": self.code})


class Category(Timestamped):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="categories", verbose_name=_("framework")
    )
    code = models.CharField(_("code"), max_length=1, choices=CategoryCode.choices)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))

    class Meta:
        verbose_name = _("category")
        ordering = ["framework", "order"]
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="%(app_label)s_%(class)s_unique_code")
        ]

    def __str__(self):
        return f"{self.code} — {self.name}"


class Theme(Timestamped):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="themes", verbose_name=_("framework")
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="themes", verbose_name=_("category")
    )
    code = models.CharField(_("code"), max_length=10)
    title = models.CharField(_("title"), max_length=200)
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))

    class Meta:
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="%(app_label)s_%(class)s_unique_code")
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class Question(Timestamped):
    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="questions", verbose_name=_("framework")
    )
    theme = models.ForeignKey(
        Theme, on_delete=models.CASCADE, related_name="questions", verbose_name=_("theme")
    )
    code = models.CharField(_("code"), max_length=10)
    text = models.TextField(_("question"))
    wording = models.CharField(_("wording"), max_length=20, choices=Wording.choices)
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="%(app_label)s_%(class)s_unique_code")
        ]

    def __str__(self):
        return f"{self.code} {self.text}"


class Indicator(Timestamped):
    """One indicator. ROAM-X indicators answer a question; contextual ones belong to a group instead."""

    framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("framework")
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="indicators", verbose_name=_("category")
    )
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="indicators",
        null=True,
        blank=True,
        verbose_name=_("question"),
    )
    context_group = models.CharField(
        _("contextual group"), max_length=20, choices=ContextGroup.choices, blank=True
    )
    code = models.CharField(_("code"), max_length=12)
    text = models.TextField(_("indicator"))
    is_core = models.BooleanField(_("core"), default=False)
    kind = models.CharField(_("kind"), max_length=20, choices=IndicatorKind.choices)
    sources = models.TextField(_("sources and means of verification"))
    wording = models.CharField(_("wording"), max_length=20, choices=Wording.choices)
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["framework", "order"]
        constraints = [
            models.UniqueConstraint(fields=["framework", "code"], name="%(app_label)s_%(class)s_unique_code"),
            models.CheckConstraint(
                condition=(
                    models.Q(question__isnull=False, context_group="")
                    | models.Q(question__isnull=True, is_core=False) & ~models.Q(context_group="")
                ),
                name="%(app_label)s_%(class)s_question_xor_group",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.text}"

    def get_absolute_url(self):
        return reverse("indicators:indicator", kwargs={"edition": self.framework.code, "code": self.code})

    @property
    def is_reconstructed(self):
        return self.wording == Wording.RECONSTRUCTED


class CatalogueTranslation(Timestamped):
    """One catalogue item's text in another language: a category's name, a theme's title, a question's or
    an indicator's text. Loaded from ``fixtures/<edition>/indicators.<language>.csv`` or imported
    (indicators/translations.py); pages show it when that language is active, else the English."""

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(_("language"), max_length=10)
    kind = models.CharField(_("kind"), max_length=10, choices=CatalogueKind.choices)
    code = models.CharField(_("code"), max_length=12)
    text = models.TextField(_("text"))
    provenance = models.CharField(
        _("provenance"),
        max_length=10,
        choices=TranslationProvenance.choices,
        default=TranslationProvenance.DRAFT,
    )

    class Meta:
        ordering = ["framework", "language", "kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "language", "kind", "code"], name="%(app_label)s_%(class)s_unique"
            )
        ]

    def __str__(self):
        return f"{self.framework.code} {self.language} {self.code}"

    @property
    def is_draft(self):
        return self.provenance == TranslationProvenance.DRAFT


class Crosswalk(Timestamped):
    """How the indicators of one edition map onto the next, as data (indicators/crosswalks.py): one row per
    link, each ``same``, ``split``, ``merged``, ``new`` or ``dropped``. A new round on the newer edition
    carries its evidence through it (assessments.rounds)."""

    from_framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="crosswalks_out", verbose_name=_("from edition")
    )
    to_framework = models.ForeignKey(
        Framework, on_delete=models.CASCADE, related_name="crosswalks_in", verbose_name=_("to edition")
    )
    source = models.CharField(_("source"), max_length=500, blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("crosswalk")
        verbose_name_plural = _("crosswalks")
        ordering = ["from_framework", "to_framework"]
        constraints = [
            models.UniqueConstraint(
                fields=["from_framework", "to_framework"], name="%(app_label)s_%(class)s_one_per_pair"
            ),
            models.CheckConstraint(
                condition=~models.Q(from_framework=models.F("to_framework")),
                name="%(app_label)s_%(class)s_two_editions",
            ),
        ]

    def __str__(self):
        return f"{self.from_framework.code} → {self.to_framework.code}"


class CrosswalkLink(models.Model):
    """One row of a crosswalk: ``old_code`` of the from-edition → ``new_code`` of the to-edition."""

    crosswalk = models.ForeignKey(
        Crosswalk, on_delete=models.CASCADE, related_name="links", verbose_name=_("crosswalk")
    )
    old_code = models.CharField(_("old code"), max_length=12, null=True, blank=True)
    new_code = models.CharField(_("new code"), max_length=12, null=True, blank=True)
    relation = models.CharField(_("relation"), max_length=10, choices=Relation.choices)
    note = models.TextField(_("note"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("crosswalk link")
        verbose_name_plural = _("crosswalk links")
        ordering = ["crosswalk", "order"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(relation=Relation.NEW, old_code__isnull=True, new_code__isnull=False)
                    | models.Q(relation=Relation.DROPPED, old_code__isnull=False, new_code__isnull=True)
                    | models.Q(
                        relation__in=[Relation.SAME, Relation.SPLIT, Relation.MERGED],
                        old_code__isnull=False,
                        new_code__isnull=False,
                    )
                ),
                name="%(app_label)s_%(class)s_shape",
            ),
            models.UniqueConstraint(
                fields=["crosswalk", "old_code", "new_code"], name="%(app_label)s_%(class)s_once"
            ),
        ]

    def __str__(self):
        return f"{self.old_code or '–'} → {self.new_code or '–'} ({self.relation})"
