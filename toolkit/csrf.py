"""Cached HTML with a form: rendered with ``CSRF_PLACEHOLDER`` as its CSRF token, and the request's own
token put in when it is sent, so no kept copy carries anyone's token (the review pages' bodies, the admin's
finding form)."""

from django.middleware.csrf import get_token
from django.utils.html import format_html

CSRF_PLACEHOLDER = "csrf-token-of-the-request"

# What ``{% csrf_token %}`` writes for the placeholder.
PLACEHOLDER_INPUT = format_html(
    '<input type="hidden" name="csrfmiddlewaretoken" value="{}">', CSRF_PLACEHOLDER
)


def with_token(html, token):
    """``html`` with every placeholder input replaced by one carrying ``token``. Only the whole input is
    replaced: text in the page is escaped, so it cannot contain one."""
    return html.replace(
        PLACEHOLDER_INPUT, format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', token)
    )


def with_request_token(html, request):
    """``html`` with the request's own token (``get_token``: the CSRF cookie is then set, as a render of
    ``{% csrf_token %}`` sets it)."""
    return with_token(html, get_token(request))


def with_context_token(html, context):
    """``html`` with the token of a template's context (the one ``{% csrf_token %}`` writes there, so a page
    whose parts come from different copies carries one token throughout); without one — a context with no
    request — the inputs are left out, as ``{% csrf_token %}`` leaves them out."""
    token = context.get("csrf_token")
    if not token or str(token) == "NOTPROVIDED":
        return html.replace(PLACEHOLDER_INPUT, "")
    return with_token(html, str(token))
