from django.db import models
from django.utils.translation import gettext_lazy as _


class CategoryCode(models.TextChoices):
    RIGHTS = "R", _("Rights")
    OPENNESS = "O", _("Openness")
    ACCESS = "A", _("Accessibility to all")
    MULTISTAKEHOLDER = "M", _("Multistakeholder participation")
    CROSS_CUTTING = "X", _("Cross-cutting issues")
    CONTEXTUAL = "C", _("Contextual indicators")


class ContextGroup(models.TextChoices):
    ECONOMIC = "economic", _("Economic")
    DEMOGRAPHIC = "demographic", _("Demographic")
    DEVELOPMENT = "development", _("Development")
    EQUALITY = "equality", _("Equality")
    GOVERNANCE = "governance", _("Governance")
    ICT = "ict", _("ICT development")


class IndicatorKind(models.TextChoices):
    QUANTITATIVE = "quantitative", _("Quantitative")
    QUALITATIVE = "qualitative", _("Qualitative")


class Wording(models.TextChoices):
    VERIFIED = "verified", _("Verified against the publication")
    RECONSTRUCTED = "reconstructed", _("Reconstructed")


class TranslationProvenance(models.TextChoices):
    DRAFT = "draft", _("Draft translation")
    VERIFIED = "verified", _("Verified translation")


class CatalogueKind(models.TextChoices):
    CATEGORY = "category", _("Category")
    THEME = "theme", _("Theme")
    QUESTION = "question", _("Question")
    INDICATOR = "indicator", _("Indicator")


class Relation(models.TextChoices):
    """How an indicator of one edition becomes indicators of the next (a crosswalk's rows)."""

    SAME = "same", _("Same")
    SPLIT = "split", _("Split")
    MERGED = "merged", _("Merged")
    NEW = "new", _("New")
    DROPPED = "dropped", _("Dropped")
