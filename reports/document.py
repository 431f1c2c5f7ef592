"""From the database to the report's HTML: one HTML body per chapter, plus what the front matter and the
running headers need. The PDF (reports/pdf.py) and the HTML preview both start here, so they agree.

Every text that reaches the report passes through ``khmer.segment`` so Khmer lines can wrap.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import markdown as md
import nh3
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.choices import StakeholderGroup
from assessments.timezones import in_zone_of, show
from indicators.choices import CategoryCode
from reports import khmer
from reports.chart import category_chart
from reports.choices import CATEGORY_SECTIONS, SectionKind
from reports.queries import findings_for_report, recommendations_for, report_for, sections_for

APP_DIR = Path(__file__).resolve().parent
FONT_DIR = APP_DIR / "fonts"
CSS_FILE = APP_DIR / "pdf.css"
# Bump when the rendering code changes in a way the templates and CSS do not show.
RENDER_VERSION = "2"  # 2: Khmer lines carry /ActualText
CATEGORY_ORDER = ["R", "O", "A", "M", "X", "C"]
# Short headings as in the published report ("R – Rights").
CATEGORY_HEADINGS = {
    "R": "R – Rights",
    "O": "O – Openness",
    "A": "A – Access",
    "M": "M – Multistakeholder",
    "X": "X – Cross-cutting issues",
    "C": "Contextual indicators",
}


def markdown(text):
    """Markdown → safe HTML (researchers' text is never trusted as HTML)."""
    if not text:
        return ""
    html = md.markdown(khmer.segment(text), extensions=["extra", "sane_lists"], output_format="html")
    return mark_safe(nh3.clean(html))


def text(value):
    return khmer.segment(str(value or ""))


@dataclass
class Chapter:
    key: str
    title: str
    html: str  # the body markup
    toc: list = field(default_factory=list)  # [(anchor id, title, level)]


@dataclass
class ReportDocument:
    assessment: object
    report: object
    chapters: list
    front_context: dict
    is_draft: bool
    short_title: str
    css: str

    def chapter_document(self, chapter):
        """A complete HTML document for one chapter (rendered on its own)."""
        return render_to_string(
            "reports/pdf/document.html",
            {"css": self.css, "body": mark_safe(chapter.html), "body_class": "chapter-doc", "lang": "en"},
        )

    def toc_entries(self):
        return [entry for chapter in self.chapters for entry in chapter.toc]

    @property
    def content_hash(self):
        """Over everything that goes into the PDF: chapter HTML, front matter, CSS, fonts, draft mark."""
        digest = hashlib.sha256(RENDER_VERSION.encode())
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
    css = CSS_FILE.read_text()
    return css.replace("FONT_DIR", FONT_DIR.as_uri())


def _category_rows(findings, categories):
    rows = {}
    for finding in findings:
        category = finding.indicator.category
        row = rows.setdefault(
            category.code,
            {"code": category.code, "name": category.name, "in_scope": 0, "with_evidence": 0, "scores": []},
        )
        row["in_scope"] += 1
        if finding.has_evidence:
            row["with_evidence"] += 1
        if finding.score is not None:
            row["scores"].append(finding.score)
    ordered = []
    for code in CATEGORY_ORDER:
        if code in rows:
            row = rows[code]
            row["scored"] = len(row["scores"])
            row["mean_score"] = sum(row["scores"]) / len(row["scores"]) if row["scores"] else None
            ordered.append(row)
    return ordered


def build(assessment):
    """The report of ``assessment`` as HTML chapters (a fixed number of queries)."""
    report = report_for(assessment)
    sections = sections_for(assessment)
    findings = list(findings_for_report(assessment))
    recommendations = list(recommendations_for(assessment))
    scale = assessment.scale

    def section(kind):
        s = sections.get(kind)
        return markdown(s.body) if s else ""

    for finding in findings:
        citations = list(finding.citations.all())
        points = list(finding.data_points.all())
        finding.has_evidence = bool(finding.narrative.strip() or citations or points)
        finding.report_sources = [text(c.source) + (f", {c.locator}" if c.locator else "") for c in citations]
        finding.report_points = [text(p) for p in points]
        finding.report_narrative = markdown(finding.narrative)
        finding.report_score = (
            text(finding.score_display) if (finding.score or finding.special_score) else "–"
        )
    by_category = {}
    for finding in findings:
        by_category.setdefault(finding.indicator.category.code, []).append(finding)

    chapters = []
    intro = [
        (
            "sec-background",
            SectionKind.BACKGROUND,
            _("UNESCO's Internet Universality Concept and Indicators"),
        ),
        (
            "sec-initiative",
            SectionKind.INITIATIVE,
            _("The initiative in %(country)s") % {"country": assessment.country_name},
        ),
        ("sec-executive-summary", SectionKind.EXECUTIVE_SUMMARY, _("Executive Summary")),
    ]
    intro_sections = [(anchor, title, section(kind)) for anchor, kind, title in intro]
    chapters.append(
        Chapter(
            "intro",
            _("Key findings and recommendations"),
            render_to_string("reports/pdf/intro.html", {"sections": intro_sections}),
            [(anchor, title, 1) for anchor, title, _body in intro_sections],
        )
    )

    rows = _category_rows(findings, None)
    category_sections = []
    for code in CATEGORY_ORDER:
        kind = CATEGORY_SECTIONS[code]
        body = section(kind)
        if code == CategoryCode.CONTEXTUAL and not body and code not in by_category:
            continue
        category_sections.append((f"sec-findings-{code}", code, CATEGORY_HEADINGS[code], body))
    chapters.append(
        Chapter(
            "findings",
            _("Key findings"),
            render_to_string(
                "reports/pdf/findings.html",
                {
                    "chart": mark_safe(category_chart(rows, len(scale))),
                    "rows": rows,
                    "sections": category_sections,
                    "scale": scale,
                },
            ),
            [("sec-findings", _("Key findings"), 1)]
            + [(anchor, title, 1) for anchor, _code, title, _body in category_sections],
        )
    )

    groups = []
    for group in StakeholderGroup:
        items = [r for r in recommendations if r.stakeholder_group == group]
        if items:
            items.sort(key=lambda r: (r.order, r.pk))
            for r in items:
                r.report_text = markdown(r.text)
                r.report_categories = [c.code for c in r.categories.all()]
            groups.append((f"rec-{group.value}", group.label, items))
    chapters.append(
        Chapter(
            "recommendations",
            _("Key policy recommendations"),
            render_to_string("reports/pdf/recommendations.html", {"groups": groups}),
            [("sec-recommendations", _("Key Policy Recommendations"), 1)]
            + [(anchor, label, 2) for anchor, label, _items in groups],
        )
    )
    chapters.append(
        Chapter(
            "conclusion",
            _("Conclusion"),
            render_to_string("reports/pdf/conclusion.html", {"body": section(SectionKind.CONCLUSION)}),
            [("sec-conclusion", _("Conclusion"), 1)],
        )
    )
    # The annex comes in one chapter per theme (contextual indicators: one), each starting a page: a
    # changed finding then re-renders a few pages, not the whole annex.
    first = True
    for code in CATEGORY_ORDER:
        items = by_category.get(code)
        if not items:
            continue
        category = items[0].indicator.category
        chunks = {}
        for finding in items:
            question = finding.indicator.question
            chunks.setdefault(question.theme if question else None, []).append(finding)
        for n, (theme, chunk) in enumerate(chunks.items()):
            toc = [("sec-annex", _("Annex: Indicators in Scope"), 1)] if first else []
            if n == 0:
                toc.append((f"annex-{code}", f"{code} – {category.name}", 2))
            chapters.append(
                Chapter(
                    f"annex-{code}-{theme.code if theme else 'all'}",
                    _("Annex: indicators in scope"),
                    render_to_string(
                        "reports/pdf/annex.html",
                        {
                            "first": first,
                            "category_start": n == 0,
                            "anchor": f"annex-{code}",
                            "category": category,
                            "theme": theme,
                            "findings": chunk,
                        },
                    ),
                    toc,
                )
            )
            first = False

    title = report.display_title
    # Today and the last change as the assessment's people see them, in its time zone. "As of" is the
    # content's own last change, not the export's time, so the content hash stays the same for the same
    # content.
    with in_zone_of(assessment):
        when = report.report_date or timezone.localdate().replace(day=1)
    changes = [x.updated for x in [*findings, *sections.values(), *recommendations, report] if x.updated]
    front_context = {
        "title": text(title),
        "subtitle": text(report.subtitle),
        "local_title": text(report.local_title),
        "series": text(report.series),
        "scope_note": text(report.scope_note),
        "country": text(assessment.country_name),
        "framework": text(str(assessment.framework)),
        "scope": assessment.get_scope_display(),
        "date": formats.date_format(when, "YEAR_MONTH_FORMAT"),
        "as_of": show(max(changes), assessment) if changes else "",
        "logo": report.logo.path if report.logo else "",
        "partner_logo": report.partner_logo.path if report.partner_logo else "",
        "findings_count": len(findings),
    }
    return ReportDocument(
        assessment=assessment,
        report=report,
        chapters=chapters,
        front_context=front_context,
        is_draft=not assessment.is_validated,
        short_title=text(
            _("Internet Universality ROAM-X assessment: %(country)s") % {"country": assessment.country_name}
        ),
        css=report_css(),
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
