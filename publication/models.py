from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from assessments.models import Assessment
from publication.choices import LICENCE_URLS, Licence
from toolkit.models import Timestamped


class Publication(Timestamped):
    """Whether an assessment's results are public, and which parts: one row per assessment, written by its
    lead (``Perm.PUBLISH``) through ``publication.services``. No row, or ``is_published`` off: nothing is
    public (404)."""

    assessment = models.OneToOneField(Assessment, on_delete=models.CASCADE, related_name="publication")
    is_published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    licence = models.CharField(_("licence"), max_length=20, choices=Licence.choices, default=Licence.CC_BY_4)
    show_summary = models.BooleanField(_("executive summary"), default=True)
    show_charts = models.BooleanField(_("category charts"), default=True)
    show_key_findings = models.BooleanField(_("key findings per category"), default=True)
    show_recommendations = models.BooleanField(_("recommendations"), default=True)
    show_pdf = models.BooleanField(_("PDF report"), default=True)
    show_word = models.BooleanField(_("Word report"), default=True)
    show_data = models.BooleanField(_("data package (open data)"), default=True)
    include_unendorsed = models.BooleanField(
        _("evidence of findings not yet endorsed"),
        default=False,
        help_text=_(
            "Off: the open data gives the narrative, score, confidence and evidence only of endorsed findings."
        ),
    )
    show_mab_names = models.BooleanField(_("names of the MAB members"), default=False)

    class Meta:
        ordering = ["assessment"]

    def __str__(self):
        state = "published" if self.is_published else "not published"
        return f"{self.assessment.code}: {state}"

    @property
    def licence_url(self):
        return LICENCE_URLS[Licence(self.licence)]

    # The parts a reader may choose, in the form's order.
    CHOICES = [
        "show_summary",
        "show_charts",
        "show_key_findings",
        "show_recommendations",
        "show_pdf",
        "show_word",
        "show_data",
        "include_unendorsed",
        "show_mab_names",
    ]
