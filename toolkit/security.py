"""django-axes hooks (the client's address behind reverse proxies, the lockout page) and the refusal of a
path no page can have."""

from django.conf import settings
from django.http import Http404
from django.shortcuts import render


def client_ip(request):
    """REMOTE_ADDR, or with TRUSTED_PROXY_COUNT proxies in front the address the outermost one saw.

    Each proxy appends the address it received the request from to X-Forwarded-For, so only the last
    TRUSTED_PROXY_COUNT entries are trustworthy; anything left of them came from the client and may be
    forged to dodge the lockout. A request with fewer entries did not come through our proxies.
    """
    remote = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < count:
        return remote
    return forwarded[-count]


def lockout(request, original_response=None, credentials=None):
    """The page a locked-out sign-in gets (admin login included): in the product's style, status 429."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "cooloff_minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)


class NulPathMiddleware:
    """A path with a NUL character (``%00``) names no page: 404 before any view. Every page reads parts
    of its path into queries (a code, an indicator), and PostgreSQL refuses NUL in a query, which would
    answer 500; this closes every such path at once instead of view by view."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("No such page.")
        return self.get_response(request)
