from django import template

from assessments.queries import nav_assessments
from review.rendering import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text, figures=None):
    """``{{ text|markdown:figures }}``: ``figures`` (review.rendering.AttachmentFigures) resolves the
    page's figures; without it every image is a placeholder."""
    return render_markdown(text, figures)


@register.filter
def editable_by(comment, user):
    """Whether ``user`` may edit ``comment`` now: the same rule the service applies."""
    return comment.can_edit(user)


@register.inclusion_tag("review/_nav.html", takes_context=True)
def review_nav(context):
    """Nav links to the review of each assessment the user belongs to (one query)."""
    return {"assessments": nav_assessments(context["user"])}
