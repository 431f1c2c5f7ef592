from django import template
from django.utils.safestring import mark_safe

from assessments import chart, links
from assessments.queries import my_assessments, with_role_labels

register = template.Library()


@register.inclusion_tag("assessments/_home_section.html", takes_context=True)
def my_assessments_section(context):
    """The home page's "My assessments" card: one query, whatever the number of assessments."""
    return {"assessments": with_role_labels(my_assessments(context["request"].user))}


@register.simple_tag
def assessment_links(assessment):
    """The dashboard's buttons that the apps above register (assessments.links)."""
    return links.assessment_links(assessment.code, has_previous=bool(assessment.previous_id))


@register.simple_tag
def finding_url(assessment, finding):
    """A finding's page, from the assessment already at hand (a dashboard row loads only its columns)."""
    return links.finding_url(assessment.code, finding.indicator.code, finding.pk)


@register.inclusion_tag("assessments/_where_you_work.html", takes_context=True)
def where_you_work(context):
    """Links to the user's assessments and their pages (dashboard, and what the apps above register: the
    review, the report), for pages of the admin a member's role does not open. One query."""
    rows = with_role_labels(my_assessments(context["request"].user))
    for row in rows:
        # previous_id only when the row has it loaded: no query per row.
        row.links = links.assessment_links(row.code, has_previous=bool(row.__dict__.get("previous_id")))
    return {"assessments": rows}


@register.simple_tag
def category_chart(figures, assessment):
    """The report's category chart (coverage and scores) from ``queries.dashboard_figures``: our own SVG,
    every name in it escaped (assessments.chart)."""
    return mark_safe(chart.figures_chart(figures, len(assessment.scale)))
