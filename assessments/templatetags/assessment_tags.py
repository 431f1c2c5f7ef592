from django import template

from assessments.queries import my_assessments, with_role_labels

register = template.Library()


@register.inclusion_tag("assessments/_home_section.html", takes_context=True)
def my_assessments_section(context):
    """The home page's "My assessments" card: one query, whatever the number of assessments."""
    return {"assessments": with_role_labels(my_assessments(context["request"].user))}
