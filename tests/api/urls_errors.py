"""The real URLs plus plain Django views that fail the ways Django answers for itself, mounted under /api/
and elsewhere (tests/api/test_json_answers.py): what any view under /api/ that is not the API's would give."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpResponse
from django.urls import include, path
from django.views.decorators.http import require_http_methods

from roamx.urls import handler500  # noqa: F401 (handler500 is used)
from roamx.urls import urlpatterns as roamx_urlpatterns


def suspicious(request):
    raise SuspiciousOperation("a crafted request")


def denied(request):
    raise PermissionDenied


def missing(request):
    raise Http404("nothing here")


def broken(request):
    raise ValueError("a bug")


@require_http_methods(["GET"])
def get_only(request):
    return HttpResponse("ok")


def form(request):
    """Not exempt from CSRF: a POST without the token is refused by Django's CSRF middleware."""
    return HttpResponse("posted")


probes = [
    path("suspicious/", suspicious),
    path("denied/", denied),
    path("missing/", missing),
    path("broken/", broken),
    path("get-only/", get_only),
    path("form/", form),
]

urlpatterns = [path("api/probe/", include(probes)), path("probe/", include(probes)), *roamx_urlpatterns]
