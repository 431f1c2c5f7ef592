import hashlib

from django import template
from django.core.cache import cache
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from assessments.queries import nav_assessments
from review.rendering import render_markdown
from toolkit.csrf import CSRF_PLACEHOLDER, with_context_token

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


# How long a copy of a reader's top bar is kept: its key changes with everything it shows, so this only
# bounds the memory old copies take.
TOPBAR_SECONDS = 600


@register.simple_tag(takes_context=True)
def topbar(context):
    """``{% topbar %}``: the top bar of base.html (templates/_topbar.html). A signed-in reader's copy is kept
    under a key of everything it shows — the person (id, name shown, staff or not), the assessments of the
    menu (read on every page, as before: one query), the interface language — with a placeholder for the
    sign-out and language forms' CSRF token, which this request's replaces. Its links are the site's
    (the same for every page: no path, no query string)."""
    bar = context.template.engine.get_template("_topbar.html")
    user = context.get("user")
    if user is None or not user.is_authenticated:
        with context.push(nav_assessments=[]):
            return bar.render(context)
    menu = nav_assessments(user)
    parts = [
        user.pk,
        user.get_full_name(),
        user.get_username(),
        user.is_staff,
        get_language(),
        [(row["code"], row["title"]) for row in menu],
    ]
    key = "topbar:" + hashlib.sha256(repr(parts).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        with context.push(nav_assessments=menu, csrf_token=CSRF_PLACEHOLDER):
            html = str(bar.render(context))
        cache.set(key, html, TOPBAR_SECONDS)
    return with_csrf_token(context, html)


@register.simple_tag(takes_context=True)
def with_csrf_token(context, html):
    """``{% with_csrf_token html %}``: ``html`` (a cached part rendered with ``CSRF_PLACEHOLDER`` as its
    token) with every form's token input carrying the one ``{% csrf_token %}`` writes in this context
    (toolkit.csrf.with_context_token)."""
    return mark_safe(with_context_token(html, context))
