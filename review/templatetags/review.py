from django import template
from django.template.defaulttags import CsrfTokenNode
from django.utils.safestring import mark_safe

from assessments.queries import nav_assessments
from review.rendering import render_markdown
from toolkit.csrf import PLACEHOLDER_INPUT

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
    """Nav links to the review of each assessment the user belongs to (one plain-SQL query)."""
    return {"assessments": nav_assessments(context["user"])}


@register.simple_tag(takes_context=True)
def with_csrf_token(context, html):
    """``{% with_csrf_token html %}``: ``html`` (a cached part rendered with ``CSRF_PLACEHOLDER`` as its
    token) with every form's token input replaced by this request's, as ``{% csrf_token %}`` writes it
    here. Only the whole input is replaced: text in the part is escaped, so it cannot contain one."""
    return mark_safe(html.replace(PLACEHOLDER_INPUT, CsrfTokenNode().render(context)))
