"""What every API module shares: paging, parsing with a size and depth limit, strict input (unknown and
read-only fields are errors), JSON whatever the client accepts, errors, and the base view that refuses
NUL characters in URL parts (the schema's additions are in ``toolkit/api_schema.py``).

Part of the toolkit, which imports no app: the view for resources inside one assessment, which needs the
access rules, is ``assessments.api.scoped.AssessmentScopedMixin``. An app's ``api/`` module (serializers,
views, urls) builds on these; ``roamx/api_urls.py`` mounts them.
"""

from collections.abc import Mapping
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers, status
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.utils import json

from toolkit.errors import DATABASE_ERRORS, database_unavailable

# Ids in URLs: ASCII digits that fit a database integer; anything else is not found without asking the
# database (``\d`` would also take other scripts' digits, which int() reads: ``٣`` is 3).
ID = r"[0-9]{1,18}"


class Pagination(PageNumberPagination):
    """The one paging style: ``?page=2&page_size=100``, at most API_MAX_PAGE_SIZE items per page."""

    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE


# Every 415: a body in another format, or a body without a Content-Type (PlainViewMixin.initial).
SEND_JSON = _("Send the body as JSON (Content-Type: application/json).")


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "too_large"


# The deepest JSON a body may nest (objects and arrays). roamx's deepest body is 3 levels; the limit stops a
# deeply nested body before the parser recurses into it (Python's json raises RecursionError near 1,000).
MAX_JSON_DEPTH = 32
NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
# Each bracket as a signed byte: +1 opens a level, -1 closes one.
BRACKET_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def nesting_depth_exceeds(raw, limit=MAX_JSON_DEPTH):
    """Whether the JSON text ``raw`` (bytes) nests deeper than ``limit``, judged before parsing it.

    Escaped backslashes and quotes are dropped, the text between quotes (strings and keys) is left out,
    and the brackets that remain are summed; all of it in C (replace, split, translate, accumulate), and
    stopping at the first level too deep: a 5 MB body costs less than parsing it, and nothing recurses.
    On text that is not JSON the count is right up to its first error, as far as the parser reads."""
    unescaped = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    outside_strings = b"".join(unescaped.split(b'"')[::2])
    steps = outside_strings.translate(None, NOT_BRACKETS).translate(BRACKET_STEPS)
    return any(depth > limit for depth in accumulate(memoryview(steps).cast("b")))


class LimitedJSONParser(JSONParser):
    """DRF reads the body from the stream, bypassing Django's DATA_UPLOAD_MAX_MEMORY_SIZE; enforce it here,
    and refuse bodies nested deeper than MAX_JSON_DEPTH before parsing them.

    Text with lone surrogates cannot be stored, so it is refused as unparsable rather than failing later.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise RequestTooLarge()
        too_deep = exceptions.ParseError(
            _("The JSON is nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
        )
        if nesting_depth_exceeds(raw):
            raise too_deep
        try:
            data = json.loads(raw.decode("utf-8"))
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except RecursionError as exc:  # not reached after the check above; kept so it can never be a 500
            raise too_deep from exc
        except (ValueError, UnicodeError) as exc:
            raise exceptions.ParseError(
                _("The body is not valid UTF-8 JSON: %(error)s") % {"error": exc}
            ) from exc
        return data


class JSONNegotiation(DefaultContentNegotiation):
    """The API speaks JSON: an Accept header or ``?format=`` it cannot satisfy gets the view's first
    renderer (JSON; the schema's YAML) instead of a 406 or a 404."""

    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except (exceptions.NotAcceptable, Http404):
            return renderers[0], renderers[0].media_type


class StrictFieldsMixin:
    """Input serializers: a key the serializer does not take is an error on that key, not silently
    dropped — "read-only" for a field the resource has (``read_serializer``'s or this one's read-only
    fields), "unknown" otherwise — reported together with the other field errors."""

    read_serializer = None  # the serializer that answers: its fields are the resource's read-only ones

    def to_internal_value(self, data):
        extra = {}
        if isinstance(data, Mapping):
            writable = {field.field_name for field in self._writable_fields}
            readable = set(self.fields) | set(self.read_serializer().fields if self.read_serializer else ())
            for key in data:
                if key not in writable:
                    message = _("This field is read-only.") if key in readable else _("Unknown field.")
                    extra[key] = [message]
        try:
            value = super().to_internal_value(data)
        except exceptions.ValidationError as exc:
            if extra and isinstance(exc.detail, dict):
                raise exceptions.ValidationError({**exc.detail, **extra}) from exc
            raise
        if extra:
            raise exceptions.ValidationError(extra)
        return value


class NoBodySerializer(StrictFieldsMixin, serializers.Serializer):
    """For actions that take no body (reopen, start an export): nothing, or ``{}``; any key is an error."""


def unchanged(instance, values):
    """Whether saving ``values`` (a serializer's validated data) would leave ``instance`` as it is."""
    for name, value in values.items():
        try:
            field = instance._meta.get_field(name)
        except FieldDoesNotExist:  # not a model field: the serializer's save decides what it means
            return False
        current = getattr(instance, name)
        if field.many_to_many:
            if set(current.all()) != set(value):
                return False
        elif current != value:
            return False
    return True


class SkipUnchangedUpdateMixin:
    """A PATCH that changes nothing writes nothing: no save, no ``updated`` bump, no history row."""

    def perform_update(self, serializer):
        if not unchanged(serializer.instance, serializer.validated_data):
            super().perform_update(serializer)


def exception_handler(exc, context):
    """DRF's handler, plus the errors our own code raises, so bad input is a 4xx and never a 500."""
    # Imported here: this module is named in REST_FRAMEWORK, which rest_framework.views reads on import.
    from rest_framework.views import exception_handler as drf_exception_handler

    # Errors are JSON in every view, also those whose answer is YAML (the schema) or HTML (the docs page).
    request = context.get("request")
    if request is not None:
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(serializers.as_serializer_error(exc))
    elif isinstance(exc, RequestDataTooBig):
        exc = RequestTooLarge()
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        exc = exceptions.UnsupportedMediaType("", detail=SEND_JSON)
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
    """Refuse NUL characters in URL parts before they reach the database (PostgreSQL rejects them), and
    a body sent without a Content-Type (415), which DRF would read as no body at all."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # After sign-in and permissions, as DRF's own 415; ``stream`` is None for an empty body (DRF's rule,
        # from Content-Length), so a bodiless POST (resolve, reopen, export) goes on.
        if request.method in ("POST", "PUT", "PATCH") and not request.content_type and request.stream:
            raise exceptions.UnsupportedMediaType("")
        if any("\x00" in str(value) for value in kwargs.values()):
            raise exceptions.NotFound()
