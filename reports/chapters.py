"""One builder per chapter of the report: each takes the loaded ``Content`` and returns its chapter(s).

``load`` reads everything once (a fixed number of queries, reports/queries.py); the builders only
render. Every text passes through ``khmer.segment`` (so Khmer lines can wrap) and Markdown through
``markdown`` (reports/sanitise.py: nothing in it may load anything).
"""

from dataclasses import dataclass, field

from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from assessments.chart import category_chart
from assessments.choices import StakeholderGroup
from assessments.languages import shown
from assessments.progress import Change
from assessments.progress import progress as assessment_progress
from assessments.scopes import describe_scope
from assessments.timezones import in_zone_of, show
from indicators.choices import CategoryCode
from reports import followup, khmer
from reports.choices import CATEGORY_SECTIONS, SectionKind
from reports.media import ReportMedia
from reports.queries import findings_for_report, recommendations_for, report_for, sections_for

CATEGORY_ORDER = ["R", "O", "A", "M", "X", "C"]
# Short headings as in the published report ("R – Rights").
CATEGORY_HEADINGS = {
    "R": _lazy("R – Rights"),
    "O": _lazy("O – Openness"),
    "A": _lazy("A – Access"),
    "M": _lazy("M – Multistakeholder"),
    "X": _lazy("X – Cross-cutting issues"),
    "C": _lazy("Contextual indicators"),
}


def markdown(value, media=None, where=""):
    """Markdown → safe HTML (researchers' text is never trusted as HTML, nor allowed to load anything:
    see reports.sanitise). ``media`` resolves figures for one assessment; without it none resolve."""
    media = media or ReportMedia(None, [])
    return mark_safe(media.markdown(khmer.segment(value or ""), where))


def text(value):
    return khmer.segment(str(value or ""))


@dataclass
class Chapter:
    key: str
    title: str
    html: str  # the body markup
    toc: list = field(default_factory=list)  # [(anchor id, title, level)]


@dataclass
class Content:
    """What the report is made of, read once for all the builders."""

    assessment: object
    report: object
    sections: dict  # kind → ReportSection
    findings: list  # in scope, indicator order, with has_evidence, report_sources, …
    recommendations: list
    media: ReportMedia
    language: str = "en"

    def in_language(self, obj, field):
        """``field`` of ``obj`` in the report's language, else in the assessment's other language."""
        return shown(obj, field, self.assessment, self.language).text

    def section(self, kind):
        s = self.sections.get(kind)
        return markdown(self.in_language(s, "body"), self.media, SectionKind(kind).label) if s else ""

    def by_category(self):
        grouped = {}
        for finding in self.findings:
            grouped.setdefault(finding.indicator.category.code, []).append(finding)
        return grouped


def load(assessment, language=None):
    language = language or assessment.language
    sections = sections_for(assessment)
    findings = list(findings_for_report(assessment))
    recommendations = list(recommendations_for(assessment))
    for obj, name in [
        *((s, "body") for s in sections.values()),
        *((r, "text") for r in recommendations),
        *((f, "narrative") for f in findings),
    ]:
        obj.report_source_text = shown(obj, name, assessment, language).text
    texts = [obj.report_source_text for obj in [*sections.values(), *recommendations, *findings]]
    media = ReportMedia(assessment, texts)
    for finding in findings:
        citations = list(finding.citations.all())
        points = list(finding.data_points.all())
        finding.has_evidence = bool(finding.report_source_text.strip() or citations or points)
        finding.report_sources = [text(c.source) + (f", {c.locator}" if c.locator else "") for c in citations]
        finding.report_points = [text(p) for p in points]
        finding.report_score = (
            text(finding.score_display) if (finding.score or finding.special_score) else "–"
        )
    return Content(assessment, report_for(assessment), sections, findings, recommendations, media, language)


def intro(content):
    country = content.assessment.country_name
    parts = [
        (
            "sec-background",
            SectionKind.BACKGROUND,
            _("UNESCO's Internet Universality Concept and Indicators"),
        ),
        ("sec-initiative", SectionKind.INITIATIVE, _("The initiative in %(country)s") % {"country": country}),
        ("sec-executive-summary", SectionKind.EXECUTIVE_SUMMARY, _("Executive Summary")),
    ]
    sections = [(anchor, title, content.section(kind)) for anchor, kind, title in parts]
    return Chapter(
        "intro",
        _("Key findings and recommendations"),
        render_to_string("reports/pdf/intro.html", {"sections": sections}),
        [(anchor, title, 1) for anchor, title, _body in sections],
    )


def category_rows(findings):
    """Per category in report order: in scope, with evidence, scored, mean score."""
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


def key_findings(content):
    by_category = content.by_category()
    rows = category_rows(content.findings)
    scale = content.assessment.scale
    sections = []
    for code in CATEGORY_ORDER:
        body = content.section(CATEGORY_SECTIONS[code])
        if code == CategoryCode.CONTEXTUAL and not body and code not in by_category:
            continue
        sections.append((f"sec-findings-{code}", code, str(CATEGORY_HEADINGS[code]), body))
    html = render_to_string(
        "reports/pdf/findings.html",
        {
            "chart": mark_safe(category_chart(rows, len(scale))),
            "rows": rows,
            "sections": sections,
            "scale": scale,
        },
    )
    toc = [("sec-findings", _("Key findings"), 1)] + [
        (anchor, title, 1) for anchor, _c, title, _b in sections
    ]
    return Chapter("findings", _("Key findings"), html, toc)


def progress(content):
    """Progress since the previous assessment: per category, mean score and coverage then → now and the
    number of indicators improved, declined, unchanged; then the indicators whose score changed."""
    assessment = content.assessment
    data = assessment_progress(assessment)
    changed = [f for f in data["rows"] if f.change in (Change.IMPROVED, Change.DECLINED)]
    for finding in changed + data["dropped"]:
        finding.report_text = text(finding.indicator.text)
        finding.origin_note = text(getattr(finding, "origin_note", ""))
    html = render_to_string(
        "reports/pdf/progress.html",
        {
            "previous": text(assessment.previous.code),
            "previous_title": text(assessment.previous.title),
            "current": text(assessment.code),
            "categories": data["categories"],
            "changed": changed,
            "dropped": data["dropped"],
            "crosswalk": data["crosswalk"],
            "scale_max": len(assessment.scale),
            "improved": Change.IMPROVED,
            "declined": Change.DECLINED,
            "unchanged": Change.UNCHANGED,
        },
    )
    title = _("Progress since the previous assessment")
    return Chapter("progress", title, html, [("sec-progress", title, 1)])


def follow_up(content):
    """Follow-up of the previous round's recommendations (a round with a previous one): the summary
    table by stakeholder group (statuses × groups), then each recommendation as the previous report
    gave it, with its status, evidence note and sources. A fixed number of queries."""
    assessment = content.assessment
    previous = assessment.previous
    items = list(followup.follow_ups_for(assessment))
    groups = []
    media = ReportMedia(None, [])  # the previous report's text: no figure of the other round loads
    for group in StakeholderGroup:
        members = [f for f in items if f.recommendation.stakeholder_group == group]
        for f in members:
            f.report_text = markdown(shown(f.recommendation, "text", previous, content.language).text, media)
            f.report_note = text(content.in_language(f, "note"))
            f.report_sources = [text(s.title) for s in f.sources.all()]
        if members:
            groups.append((group.label, members))
    data = followup.summary(assessment)
    data["rows"] = [{**row, "label": text(row["label"])} for row in data["rows"]]
    title = _("Follow-up of the previous recommendations")
    html = render_to_string(
        "reports/pdf/follow_up.html",
        {
            "title": title,
            "previous": text(previous.code),
            "previous_title": text(previous.title),
            "summary": data,
            "groups": groups,
        },
    )
    return Chapter("follow-up", title, html, [("sec-follow-up", title, 1)])


def recommendations(content):
    groups = []
    for group in StakeholderGroup:
        items = sorted(
            (r for r in content.recommendations if r.stakeholder_group == group),
            key=lambda r: (r.order, r.pk),
        )
        for n, r in enumerate(items, 1):
            where = _("Recommendation %(n)d to %(group)s") % {"n": n, "group": group.label}
            r.report_text = markdown(r.report_source_text, content.media, where)
            r.report_categories = [c.code for c in r.categories.all()]
        if items:
            groups.append((f"rec-{group.value}", group.label, items))
    return Chapter(
        "recommendations",
        _("Key policy recommendations"),
        render_to_string("reports/pdf/recommendations.html", {"groups": groups}),
        [("sec-recommendations", _("Key Policy Recommendations"), 1)]
        + [(anchor, label, 2) for anchor, label, _items in groups],
    )


def conclusion(content):
    return Chapter(
        "conclusion",
        _("Conclusion"),
        render_to_string("reports/pdf/conclusion.html", {"body": content.section(SectionKind.CONCLUSION)}),
        [("sec-conclusion", _("Conclusion"), 1)],
    )


def annex(content):
    """One chapter per theme (contextual indicators: one), each starting a page: a changed finding then
    re-renders a few pages, not the whole annex."""
    chapters = []
    by_category = content.by_category()
    for code in CATEGORY_ORDER:
        items = by_category.get(code)
        if not items:
            continue
        category = items[0].indicator.category
        chunks = {}
        for finding in items:
            question = finding.indicator.question
            chunks.setdefault(question.theme if question else None, []).append(finding)
            where = _("Finding %(code)s") % {"code": finding.indicator.code}
            finding.report_narrative = markdown(finding.report_source_text, content.media, where)
        for n, (theme, chunk) in enumerate(chunks.items()):
            first = not chapters
            toc = [("sec-annex", _("Annex: Indicators in Scope"), 1)] if first else []
            if n == 0:
                toc.append((f"annex-{code}", f"{code} – {category.name}", 2))
            context = {
                "first": first,
                "category_start": n == 0,
                "anchor": f"annex-{code}",
                "category": category,
                "theme": theme,
                "findings": chunk,
            }
            chapters.append(
                Chapter(
                    f"annex-{code}-{theme.code if theme else 'all'}",
                    _("Annex: indicators in scope"),
                    render_to_string("reports/pdf/annex.html", context),
                    toc,
                )
            )
    return chapters


def front_context(content):
    """What the cover and contents print (reports/pdf/front.html)."""
    assessment, report, media = content.assessment, content.report, content.media
    # Today and the last change as the assessment's people see them, in its time zone. "As of" is the
    # content's own last change, not the export's time, so the content hash stays the same for the same
    # content.
    with in_zone_of(assessment):
        when = report.report_date or timezone.localdate().replace(day=1)
    parts = [*content.findings, *content.sections.values(), *content.recommendations, report]
    changes = [x.updated for x in parts if x.updated]
    return {
        "title": text(report.title_in(content.language)),
        "subtitle": text(content.in_language(report, "subtitle")),
        "local_title": text(report.local_title),
        "series": text(report.series),
        "scope_note": text(report.scope_note),
        "country": text(assessment.country_name),
        "framework": text(str(assessment.framework)),
        "scope": describe_scope(assessment),
        "date": formats.date_format(when, "YEAR_MONTH_FORMAT"),
        "as_of": show(max(changes), assessment) if changes else "",
        "logo": media.logo(report.logo, _("Logo")),
        "partner_logo": media.logo(report.partner_logo, _("Partner logo")),
        "findings_count": len(content.findings),
    }
