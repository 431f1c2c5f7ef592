"""What every API module shares: paging, parsing with a size limit, errors, and the base view that refuses
NUL characters in URL parts (the schema's additions are in ``toolkit/api_schema.py``).

Part of the toolkit, which imports no app: the view for resources inside one assessment, which needs the
access rules, is ``assessments.api.scoped.AssessmentScopedMixin``. An app's ``api/`` module (serializers,
views, urls) builds on these; ``roamx/api_urls.py`` mounts them.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

from toolkit.errors import DATABASE_ERRORS, database_unavailable


class Pagination(PageNumberPagination):
    """The one paging style: ``?page=2&page_size=100``, at most API_MAX_PAGE_SIZE items per page."""

    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


class LimitedJSONParser(JSONParser):
    """DRF reads the body from the stream, bypassing Django's DATA_UPLOAD_MAX_MEMORY_SIZE; enforce it here.

    Text with lone surrogates cannot be stored, so it is refused as unparsable rather than failing later.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge()
        try:
            data = json.loads(raw.decode("utf-8"))
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except (ValueError, UnicodeError) as exc:
            raise exceptions.ParseError(
                _("The body is not valid UTF-8 JSON: %(error)s") % {"error": exc}
            ) from exc
        return data


def exception_handler(exc, context):
    """DRF's handler, plus the errors our own code raises, so bad input is a 4xx and never a 500."""
    # Imported here: this module is named in REST_FRAMEWORK, which rest_framework.views reads on import.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, DATABASE_ERRORS):
        return database_unavailable(context["request"])
    elif isinstance(exc, IntegrityError):
        # Validation catches duplicates first; this is the race between two simultaneous writes.
        exc = exceptions.ValidationError(
            {"non_field_errors": [_("This conflicts with data saved at the same moment; try again.")]}
        )
    return drf_exception_handler(exc, context)


@csrf_exempt  # it writes nothing; without this an unknown URL answers a PATCH with an HTML CSRF page
def api_not_found(request, *args, **kwargs):
    """Unknown URLs under /api/ answer in JSON, like every other API error."""
    return JsonResponse({"detail": str(_("Not found."))}, status=404)


class PlainViewMixin:
    """Refuse NUL characters in URL parts before they reach the database (PostgreSQL rejects them)."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if any("\x00" in str(value) for value in kwargs.values()):
            raise exceptions.NotFound()
