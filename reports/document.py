"""From the database to the report's HTML: one HTML body per chapter, plus what the front matter and the
running headers need. The PDF (reports/pdf.py) and the HTML preview both start here, so they agree.

Every text that reaches the report passes through ``khmer.segment`` so Khmer lines can wrap.
"""

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.db.models import Count, Max, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from assessments.models import Assessment, Attachment, Citation, DataPoint, Finding, Source
from assessments.timezones import in_zone_of
from indicators.models import Category, Indicator, Question, Theme
from reports import chapters as builders
from reports.chapters import markdown, text  # noqa: F401 (markdown: public, reports.document.markdown)
from reports.media import ReportMedia
from reports.models import Recommendation, Report, ReportSection

APP_DIR = Path(__file__).resolve().parent
FONT_DIR = APP_DIR / "fonts"
CSS_FILE = APP_DIR / "pdf.css"
TEMPLATE_DIR = APP_DIR / "templates" / "reports" / "pdf"
# Bump when the rendering code changes in a way the templates and CSS do not show.
RENDER_VERSION = "3"  # 2: Khmer lines carry /ActualText; 3: the fetcher serves only our resources


@dataclass
class ReportDocument:
    assessment: object
    report: object
    chapters: list
    front_context: dict
    is_draft: bool
    short_title: str
    css: str
    media: ReportMedia = None
    content_hash: str = ""  # content_key(assessment), taken before the content was read

    @property
    def refused(self):
        """What the report's text asked to load and was refused: ``[{"where", "url"}]``."""
        return self.media.refused if self.media else []

    def resources_for(self, html):
        return self.media.used_by(html) if self.media else {}

    def chapter_document(self, chapter):
        """A complete HTML document for one chapter (rendered on its own)."""
        return render_to_string(
            "reports/pdf/document.html",
            {"css": self.css, "body": mark_safe(chapter.html), "body_class": "chapter-doc", "lang": "en"},
        )

    def toc_entries(self):
        return [entry for chapter in self.chapters for entry in chapter.toc]


def _rows(queryset, timestamps=True):
    """Count, newest id, a sum of ids and the last change: an edit moves ``updated``, an addition the
    count and the newest id, a removal the count and the sum."""
    figures = {"n": Count("pk"), "last": Max("pk"), "ids": Sum("pk")}
    if timestamps:
        figures["changed"] = Max("updated")
    return list(queryset.aggregate(**figures).values())


def content_key(assessment):
    """A digest of everything the report is made of, from the database's counters and timestamps and the
    files that shape it (CSS, fonts, templates) — without building any HTML: the unchanged-content check
    of an export press, a few small queries instead of the report's full build.

    Every write of the rows the report reads sets their ``updated`` (``Timestamped``; findings also raise
    their version through ``save_finding``), and additions and removals move the counts and ids. The
    recommendations' categories and findings (many-to-many rows, which have no timestamp) count by their
    ids; the framework's catalogue by its rows. Also in it: the language, the current month (the cover's date when the report has none), the
    draft state (the assessment's row) and ``RENDER_VERSION``.
    """
    findings = Finding.objects.filter(assessment=assessment)
    recommendations = Recommendation.objects.filter(assessment=assessment)
    with in_zone_of(assessment):
        month = timezone.localdate().replace(day=1).isoformat()
    parts = [
        RENDER_VERSION,
        get_language(),
        month,
        _static_fingerprint(),
        Assessment.objects.filter(pk=assessment.pk).values_list("updated", "phase", "framework_id").first(),
        _catalogue(assessment.framework_id),
        _rows(findings),
        _rows(findings.filter(archived=False)),  # a scope change archives and restores by update()
        findings.aggregate(versions=Sum("version"))["versions"],
        _rows(Citation.objects.filter(finding__assessment=assessment)),
        _rows(DataPoint.objects.filter(finding__assessment=assessment)),
        _rows(Attachment.objects.filter(finding__assessment=assessment)),
        _rows(Source.objects.filter(assessment=assessment)),
        _rows(Report.objects.filter(assessment=assessment)),
        _rows(ReportSection.objects.filter(assessment=assessment)),
        _rows(recommendations),
        # Many-to-many rows have no timestamps; their ids are new with every link made.
        _rows(Recommendation.categories.through.objects.filter(recommendation__assessment=assessment), False),
        _rows(Recommendation.findings.through.objects.filter(recommendation__assessment=assessment), False),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _catalogue(framework_id):
    """The framework's rows themselves (a few hundred short rows): the catalogue's import updates them in
    bulk, which moves no timestamp."""
    digest = hashlib.sha256()
    for model in (Category, Theme, Question, Indicator):
        rows = model.objects.filter(framework_id=framework_id).order_by("pk").values_list()
        digest.update(repr(list(rows)).encode())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def _static_fingerprint():
    """The CSS, the fonts and the PDF templates: files that change only with a deployment."""
    digest = hashlib.sha256(CSS_FILE.read_bytes())
    digest.update(font_fingerprint().encode())
    for path in sorted(TEMPLATE_DIR.glob("*.html")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def font_fingerprint():
    return ",".join(f"{p.name}:{p.stat().st_size}" for p in sorted(FONT_DIR.glob("*.ttf")))


def report_css():
    # The fonts by name under roamx-asset:, the one scheme besides our images the PDF worker serves.
    return CSS_FILE.read_text().replace("FONT_DIR", "roamx-asset:fonts")


def build(assessment):
    """The report of ``assessment`` as HTML chapters (a fixed number of queries): one builder per chapter
    (reports/chapters.py), in the published report's order."""
    key = content_key(assessment)  # before reading: a change made meanwhile makes the next key differ
    content = builders.load(assessment)
    chapters = [
        builders.intro(content),
        builders.key_findings(content),
        builders.recommendations(content),
        builders.conclusion(content),
        *builders.annex(content),
    ]
    country = assessment.country_name
    return ReportDocument(
        assessment=assessment,
        report=content.report,
        chapters=chapters,
        front_context=builders.front_context(content),
        is_draft=not assessment.is_validated,
        short_title=text(_("Internet Universality ROAM-X assessment: %(country)s") % {"country": country}),
        css=report_css(),
        media=content.media,
        content_hash=key,
    )


def front_html(doc, numbers=None):
    """Cover and table of contents. ``numbers`` maps anchors to page numbers; without it the TOC asks
    WeasyPrint for them (target-counter), which works when the report is one document."""
    entries = [
        {"anchor": anchor, "title": title, "level": level, "page": (numbers or {}).get(anchor)}
        for anchor, title, level in doc.toc_entries()
    ]
    context = dict(doc.front_context)
    context.update({"toc": entries, "literal_numbers": numbers is not None, "is_draft": doc.is_draft})
    return render_to_string("reports/pdf/front.html", context)


def single_document(doc):
    """The whole report as one HTML document: the HTML preview and the one-pass render."""
    body = front_html(doc) + "".join(f'<div class="chapter">{chapter.html}</div>' for chapter in doc.chapters)
    return render_to_string(
        "reports/pdf/document.html",
        {
            "css": doc.css,
            "body": mark_safe(body),
            "body_class": "single-doc" + (" draft" if doc.is_draft else ""),
            "short_title": doc.short_title,
            "is_draft": doc.is_draft,
            "lang": "en",
        },
    )
