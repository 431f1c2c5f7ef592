"""From the database to the report's HTML: one HTML body per chapter, plus what the front matter and the
running headers need. The PDF (reports/pdf.py) and the HTML preview both start here, so they agree.

Every text that reaches the report passes through ``khmer.segment`` so Khmer lines can wrap.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.languages import languages
from reports import chapters as builders
from reports.chapters import markdown, text  # noqa: F401 (markdown: public, reports.document.markdown)
from reports.extra import extra_chapters
from reports.media import ReportMedia

APP_DIR = Path(__file__).resolve().parent
FONT_DIR = APP_DIR / "fonts"
CSS_FILE = APP_DIR / "pdf.css"
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
    language: str = "en"

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
            {
                "css": self.css,
                "body": mark_safe(chapter.html),
                "body_class": "chapter-doc",
                "lang": self.language,
            },
        )

    def toc_entries(self):
        return [entry for chapter in self.chapters for entry in chapter.toc]

    @property
    def content_hash(self):
        """Over everything that goes into the PDF: chapter HTML, front matter, CSS, fonts, draft mark."""
        digest = hashlib.sha256(RENDER_VERSION.encode())
        digest.update(f"lang={self.language}".encode())
        digest.update(self.css.encode())
        digest.update(font_fingerprint().encode())
        digest.update(repr(sorted((k, str(v)) for k, v in self.front_context.items())).encode())
        digest.update(f"{self.is_draft}|{self.short_title}".encode())
        digest.update(render_to_string("reports/pdf/overlay.html", {"pages": [], "css": ""}).encode())
        for chapter in self.chapters:
            digest.update(f"\0{chapter.key}\0{chapter.title}\0".encode())
            digest.update(chapter.html.encode())
        return digest.hexdigest()


def font_fingerprint():
    return ",".join(f"{p.name}:{p.stat().st_size}" for p in sorted(FONT_DIR.glob("*.ttf")))


def report_css():
    # The fonts by name under roamx-asset:, the one scheme besides our images the PDF worker serves.
    return CSS_FILE.read_text().replace("FONT_DIR", "roamx-asset:fonts")


def report_language(assessment, language=None):
    """``language`` if the assessment has it, else its primary language; ValueError for one it lacks."""
    if not language:
        return assessment.language
    if language not in languages(assessment):
        raise ValueError(language)
    return language


def build(assessment, language=None, *, with_progress=False):
    """The report of ``assessment`` in ``language`` (one of its languages; default: the primary) as HTML
    chapters (a fixed number of queries): one builder per chapter (reports/chapters.py), in the published
    report's order. Headings, labels and dates are rendered with that language active; each text is the
    one written in it, else the other language's (assessments.languages.shown). ``with_progress``: the
    chapter "Progress since the previous assessment" follows the key findings (a round with a previous
    one only); its HTML is part of the content hash and the chapter cache key, so the option keeps
    exports apart. A round with a previous one always has the chapter "Follow-up of the previous
    recommendations" after its own recommendations (reports/followup.py)."""
    language = report_language(assessment, language)
    with translation.override(language):
        content = builders.load(assessment, language)
        extra = [builders.progress(content)] if with_progress and assessment.previous_id else []
        chapters = [
            builders.intro(content),
            builders.key_findings(content),
            *extra,
            builders.recommendations(content),
            *([builders.follow_up(content)] if assessment.previous_id else []),
            builders.conclusion(content),
            *extra_chapters(assessment),  # registered by apps above reports (reports/extra.py)
            *builders.annex(content),
        ]
        country = assessment.country_name
        return ReportDocument(
            assessment=assessment,
            report=content.report,
            chapters=chapters,
            front_context=builders.front_context(content),
            is_draft=not assessment.is_validated,
            short_title=text(
                _("Internet Universality ROAM-X assessment: %(country)s") % {"country": country}
            ),
            css=report_css(),
            media=content.media,
            language=language,
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
    with translation.override(doc.language):
        return render_to_string("reports/pdf/front.html", context)


def single_document(doc):
    """The whole report as one HTML document: the HTML preview and the one-pass render."""
    body = front_html(doc) + "".join(f'<div class="chapter">{chapter.html}</div>' for chapter in doc.chapters)
    with translation.override(doc.language):
        return _single(doc, body)


def _single(doc, body):
    return render_to_string(
        "reports/pdf/document.html",
        {
            "css": doc.css,
            "body": mark_safe(body),
            "body_class": "single-doc" + (" draft" if doc.is_draft else ""),
            "short_title": doc.short_title,
            "is_draft": doc.is_draft,
            "lang": doc.language,
        },
    )
