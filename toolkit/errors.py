"""Error pages. The one that matters in operation: the database is unreachable (restart, failover, full
disk on the database server). Users get a 503 in the product's style that says so, instead of a
traceback or a bare "Server Error"; the API answers the same in JSON. docs/operations.md.

Under /api/ every error is JSON, also those Django answers itself before or around the API's views
(``APIErrorsAsJSONMiddleware``)."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults

# psycopg raises OperationalError when it cannot connect or the server went away mid-query, and
# InterfaceError on a connection that is already closed; SQLite raises OperationalError when its file
# cannot be opened. Errors in our own SQL are ProgrammingError and stay 500s.
DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER = "60"


def database_unavailable_message():
    return _(
        "The database is not reachable right now; your last change may not have been saved; "
        "try again in a minute."
    )


def is_api(request):
    return request.path_info.startswith("/api/")


def database_unavailable(request):
    message = database_unavailable_message()
    if is_api(request):
        return JsonResponse({"detail": message}, status=503, headers={"Retry-After": RETRY_AFTER})
    # Rendered without the request: its context processors would read the user, from the database.
    html = render_to_string("503.html", {"message": message})
    return HttpResponse(html, status=503, headers={"Retry-After": RETRY_AFTER})


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: called while the uncaught exception is being handled, so sys.exc_info() names it."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request, template_name)


API_ERROR_DETAILS = {
    400: gettext_lazy("Bad request."),
    403: gettext_lazy("You may not do this."),
    404: gettext_lazy("Not found."),
    405: gettext_lazy("This method is not allowed here."),
    500: gettext_lazy("Server error: the error is logged; try again later."),
}
# What a client needs from the replaced answer besides its status.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "Vary")


class APIErrorsAsJSONMiddleware:
    """Under /api/ an error answer that is not JSON becomes ``{"detail": ...}`` with the same status.

    The API's views answer in JSON themselves (toolkit/rest.py), but some errors are answered by Django
    before or around them, as HTML: a refused Host header or another SuspiciousOperation (400), a CSRF
    failure (403), the 404 and 500 pages — and with DEBUG on, Django's technical pages. This middleware is
    first in MIDDLEWARE, so it sees all of them, whatever raised them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        media_type = response.get("Content-Type", "").split(";")[0].strip()
        if response.status_code < 400 or media_type == "application/json" or not is_api(request):
            return response
        detail = API_ERROR_DETAILS.get(response.status_code, response.reason_phrase)
        replaced = JsonResponse({"detail": str(detail)}, status=response.status_code)
        for header in KEPT_HEADERS:
            if header in response:
                replaced[header] = response[header]
        replaced.cookies = response.cookies
        return replaced
