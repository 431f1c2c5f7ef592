"""The report workspace (/a/<code>/report/write/): saving a section with the findings' version rule, the
section's preview through the PDF's own renderer, and what the editor shows beside it.

A section saves through ``save_section`` only: the check of the version the author loaded and the write
are one conditional UPDATE, as ``assessments.services.save_finding`` does for findings, so a save made
from a stale page is refused (``SectionConflict``, carrying the other person's text) and nothing is lost.
"""

from django.db import transaction
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.models import Attachment, Citation, Finding
from assessments.rules import Perm, check
from reports import chapters
from reports.choices import CATEGORY_SECTIONS, SECTION_ORDER, SectionKind
from reports.media import ReportMedia
from reports.models import ReportSection
from reports.queries import recommendations_for

# Longer than any section of the published reports by far; a paste of a whole book is refused in place.
MAX_SECTION_CHARS = 60_000
IMAGE_TYPES = ("image/png", "image/jpeg")


class SectionConflict(Exception):
    """Someone else saved the section since this edit began; ``section`` is theirs, as stored now."""

    def __init__(self, section):
        self.section = section
        user = section.updated_by
        who = (user.get_full_name() or user.username) if user else _("Someone")
        super().__init__(
            _("%(who)s saved this section while you were editing it (version %(v)d).")
            % {"who": who, "v": section.version}
        )


def normalise(text):
    """Browsers send textarea lines ending in CRLF; stored text uses LF."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def category_of(kind):
    """The category code a key-findings section is about (``findings_A`` → ``A``), or None."""
    return next((code for code, k in CATEGORY_SECTIONS.items() if k == kind), None)


def section_for(assessment, kind):
    """The stored section, or an unsaved empty one (version 0) when nobody has written it yet."""
    section = (
        ReportSection.objects.filter(assessment=assessment, kind=kind).select_related("updated_by").first()
    )
    return section or ReportSection(assessment=assessment, kind=kind, version=0)


@transaction.atomic
def save_section(assessment, kind, *, by, expected_version, body):
    """Save ``body`` if nobody saved the section since ``expected_version``; else SectionConflict.

    A save that changes nothing writes nothing (a stale version is still a conflict). The doors check
    access first; ``by``'s permission is checked again here.
    """
    check(by, assessment, Perm.EDIT_REPORT)
    kind = SectionKind(kind)
    body = normalise(body)
    section, _created = ReportSection.objects.get_or_create(
        assessment=assessment, kind=kind, defaults={"body": "", "version": 0}
    )
    changed = section.body != body
    current = ReportSection.objects.filter(pk=section.pk, version=expected_version)
    if changed:
        done = current.update(body=body, version=F("version") + 1, updated_by=by, updated=timezone.now())
    else:
        done = current.exists()
    if not done:
        raise SectionConflict(ReportSection.objects.select_related("updated_by").get(pk=section.pk))
    section.refresh_from_db()
    return section


def _preceding_texts(assessment, kind, body):
    """The report's texts that come before section ``kind`` in the document, in its order."""
    stored = {s.kind: s.body for s in ReportSection.objects.filter(assessment=assessment)}
    before = []
    for other in SECTION_ORDER:
        if other == kind:
            break
        before.append(stored.get(other, ""))
    if kind == SectionKind.CONCLUSION:  # the recommendations chapter comes between the findings and it
        before += [r.text for r in recommendations_for(assessment).order_by("stakeholder_group", "order")]
    return before


def preview_html(assessment, kind, body):
    """``body`` as the report shows section ``kind``: the PDF's renderer (reports.chapters.markdown, the
    sanitiser and the report's figures), figures numbered on from those of the text before it, images as
    data: URIs of their checked bytes. Returns (html, refused)."""
    body = normalise(body)
    before = _preceding_texts(assessment, kind, body)
    media = ReportMedia(assessment, [*before, body])
    for text in before:  # numbers only: the figures before this section count first
        chapters.markdown(text, media)
    media.refused = []
    html = chapters.markdown(body, media, SectionKind(kind).label)
    return mark_safe(media.inline(html)), media.refused


def evidence_for(assessment, kind, filters):
    """The findings a section draws on: its category's for key findings, every one otherwise; filtered
    by ``status``, ``score`` and ``core``. One query for the findings, one for their sources."""
    findings = (
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator__category", "assessment")
        .prefetch_related(
            Prefetch(
                "citations", queryset=Citation.objects.select_related("source").order_by("created", "pk")
            )
        )
        .order_by("indicator__order")
    )
    code = category_of(kind)
    if code:
        findings = findings.filter(indicator__category__code=code)
    if filters.get("status"):
        findings = findings.filter(status=filters["status"])
    score = filters.get("score")
    if score == "none":
        findings = findings.filter(score__isnull=True)
    elif score:
        findings = findings.filter(score=score)
    if filters.get("core") == "core":
        findings = findings.filter(indicator__is_core=True)
    elif filters.get("core") == "other":
        findings = findings.filter(indicator__is_core=False)
    return findings


def image_attachments(assessment):
    """The assessment's PNG and JPEG attachments: what a section can show as a figure."""
    return (
        Attachment.objects.filter(finding__assessment=assessment, content_type__in=IMAGE_TYPES)
        .select_related("finding__indicator")
        .order_by("finding__indicator__order", "created")
    )
