"""``{% url %}`` with its answers remembered: a template builtin (settings.TEMPLATES) that replaces Django's
tag of the same name in every template, the admin's included.

``reverse()`` costs ~45 µs of CPU, and a page calls it 10–20 times for the same few links (the menu, the
tabs, the crumbs): ~0.5–0.9 ms of a 5–10 ms page. Its answer depends only on what it is given — the
name, the arguments, the current application — and on the URLconf and script prefix in force, which are
all part of the key here; the URL patterns themselves are fixed for the life of a process. Parsing is
Django's own (``defaulttags.url``); ``render`` is Django's ``URLNode.render`` with this lookup in place of
``reverse``: ``as var``, NoReverseMatch and escaping behave as there.
"""

from functools import lru_cache

from django import template
from django.template import defaulttags
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import conditional_escape

register = template.Library()


@lru_cache(maxsize=4096)
def _reverse(view_name, args, kwargs, current_app, urlconf, prefix):
    return reverse(view_name, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)


def remembered_reverse(view_name, args=(), kwargs=None, current_app=None):
    """``reverse()``, answered from memory when asked the same under the same URLconf and script prefix
    (only answers are kept: a NoReverseMatch is raised again each time)."""
    try:
        key = (tuple(args), tuple(sorted((kwargs or {}).items())))
        hash(key)
    except TypeError:  # an argument that cannot be a key: ask reverse() itself
        return reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
    return _reverse(view_name, *key, current_app, get_urlconf(), get_script_prefix())


class URLNode(defaulttags.URLNode):
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = remembered_reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Django's ``{% url %}`` (same syntax), remembering its answers."""
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)
