"""What the public results page shows, read with a fixed number of queries and rendered by the report's own
code (reports.chapters): the executive summary, the category chart, the key findings per category and the
recommendations by stakeholder group — only the parts the lead chose. Nothing else reaches the page:
no comments, votes, finding evidence, attachments, drafts of the workspace, or MAB names unless chosen.

Figures the public text places (``![caption](attachment:<id>)``) are shown, numbered as in the report, as
data: URIs of their checked bytes (reports.media, as the preview does): the lead made that text public,
so its figures are part of it. No other attachment is read, and none gets a URL of its own.
"""

import re

from django.db.models import Exists, OuterRef
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from assessments.chart import category_chart
from assessments.choices import StakeholderGroup
from assessments.models import Citation, DataPoint, Finding
from reports.chapters import CATEGORY_HEADINGS, CATEGORY_ORDER, category_rows, markdown
from reports.choices import CATEGORY_SECTIONS, SectionKind
from reports.media import ReportMedia
from reports.queries import recommendations_for, report_for, sections_for


def _html(section, where, media):
    return _inline(markdown(section.body, media, where), media) if section and section.body.strip() else ""


def _inline(html, media):
    """Sanitised HTML in which only our own figure keys become data: URIs: still safe."""
    return mark_safe(media.inline(html))  # noqa: S308


def description(html, limit=200):
    """Plain text for the description and Open Graph tags: the summary's opening."""
    plain = " ".join(strip_tags(html).replace("\u200b", "").split())
    if len(plain) <= limit:
        return plain
    cut = re.sub(r"\s+\S*$", "", plain[:limit])
    return cut + "…"


def page_content(publication):
    assessment = publication.assessment
    sections = sections_for(assessment)
    content = {"report": report_for(assessment)}
    recommendations = list(recommendations_for(assessment)) if publication.show_recommendations else []
    public_sections = [SectionKind.EXECUTIVE_SUMMARY] if publication.show_summary else []
    if publication.show_key_findings:
        public_sections += [CATEGORY_SECTIONS[code] for code in CATEGORY_ORDER]
    texts = [sections[kind].body for kind in public_sections if kind in sections]
    # One query for the figures the public text names, and only those (attachments of this assessment).
    media = ReportMedia(assessment, texts + [r.text for r in recommendations])
    if publication.show_summary:
        summary = _html(
            sections.get(SectionKind.EXECUTIVE_SUMMARY), SectionKind.EXECUTIVE_SUMMARY.label, media
        )
        content["summary"] = summary
        content["description"] = description(summary)
    else:
        content["description"] = _(
            "Results of the Internet Universality ROAM-X assessment of %(country)s: key findings and "
            "recommendations."
        ) % {"country": assessment.country_name}
    if publication.show_charts:
        rows = category_rows(list(_findings_with_evidence(assessment)))
        content["rows"] = rows
        content["chart"] = mark_safe(category_chart(rows, len(assessment.scale)))
    if publication.show_key_findings:
        content["key_findings"] = [
            (code, CATEGORY_HEADINGS[code], html)
            for code in CATEGORY_ORDER
            if (html := _html(sections.get(CATEGORY_SECTIONS[code]), CATEGORY_HEADINGS[code], media))
        ]
    if publication.show_recommendations:
        groups = []
        for group in StakeholderGroup:
            items = sorted(
                (r for r in recommendations if r.stakeholder_group == group), key=lambda r: (r.order, r.pk)
            )
            for r in items:
                r.public_text = _inline(markdown(r.text, media, group.label), media)
                r.public_categories = [c.code for c in r.categories.all()]
            if items:
                groups.append((group.value, group.label, items))
        content["recommendation_groups"] = groups
    return content


def _findings_with_evidence(assessment):
    """Findings in scope with ``has_evidence`` (narrative, citation or data point) — what the chart
    counts, the same rule as the PDF's (reports.chapters.load) — in one query."""
    findings = (
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator__category")
        .annotate(
            any_citation=Exists(Citation.objects.filter(finding=OuterRef("pk"))),
            any_point=Exists(DataPoint.objects.filter(finding=OuterRef("pk"))),
        )
        .order_by("indicator__order")
    )
    for finding in findings:
        finding.has_evidence = bool(finding.narrative.strip() or finding.any_citation or finding.any_point)
        yield finding
