from django.db import models
from django.utils.translation import gettext_lazy as _


class SectionKind(models.TextChoices):
    """The report's narrative sections, in the order of the published Cambodian report."""

    BACKGROUND = "background", _("UNESCO's Internet Universality concept and indicators")
    INITIATIVE = "initiative", _("The national initiative")
    EXECUTIVE_SUMMARY = "executive_summary", _("Executive summary")
    FINDINGS_R = "findings_R", _("Key findings: Rights")
    FINDINGS_O = "findings_O", _("Key findings: Openness")
    FINDINGS_A = "findings_A", _("Key findings: Access")
    FINDINGS_M = "findings_M", _("Key findings: Multistakeholder participation")
    FINDINGS_X = "findings_X", _("Key findings: Cross-cutting issues")
    FINDINGS_C = "findings_C", _("Key findings: Contextual summary")
    CONCLUSION = "conclusion", _("Conclusion")


SECTION_ORDER = list(SectionKind)
CATEGORY_SECTIONS = {kind.value[-1]: kind for kind in SECTION_ORDER if kind.value.startswith("findings_")}


class Priority(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


# Exports that a worker has yet to finish.
ACTIVE = [ExportStatus.QUEUED, ExportStatus.RUNNING]


class ExportFormat(models.TextChoices):
    PDF = "pdf", _("PDF")
    DOCX = "docx", _("Word")


CONTENT_TYPES = {
    ExportFormat.PDF: "application/pdf",
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


class FollowUpStatus(models.TextChoices):
    """How far a recommendation of the previous round was implemented, as the new round judges it."""

    NOT_ASSESSED = "not_assessed", _("Not yet assessed")
    IMPLEMENTED = "implemented", _("Implemented")
    PARTLY = "partly", _("Partly implemented")
    NOT_IMPLEMENTED = "not_implemented", _("Not implemented")
    NOT_RELEVANT = "not_relevant", _("No longer relevant")
