"""Error pages. The one that matters in operation: the database is unreachable (restart, failover, full
disk on the database server). Users get a 503 in the product's style that says so, instead of a
traceback or a bare "Server Error"; the API answers the same in JSON. docs/operations.md."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
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


def database_unavailable(request):
    message = database_unavailable_message()
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=503, headers={"Retry-After": RETRY_AFTER})
    # Rendered without the request: its context processors would read the user, from the database.
    html = render_to_string("503.html", {"message": message})
    return HttpResponse(html, status=503, headers={"Retry-After": RETRY_AFTER})


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """handler500: called while the uncaught exception is being handled, so sys.exc_info() names it."""
    if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
        return database_unavailable(request)
    return defaults.server_error(request, template_name)
