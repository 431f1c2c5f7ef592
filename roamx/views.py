import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from indicators.queries import frameworks_with_counts
from toolkit.errors import DATABASE_ERRORS

log = logging.getLogger(__name__)


@login_required
def home(request):
    return render(request, "home.html", {"frameworks": frameworks_with_counts()})


@never_cache
def healthz(request):
    """For load balancers and monitors: 200 "ok" when the database answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DATABASE_ERRORS as exc:
        log.warning("Health check: database unreachable (%s)", exc)
        return HttpResponse("database unreachable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
