"""The OpenAPI schema's additions: the error responses every operation can give, path parameters, and
request bodies that say they take no other keys (``additionalProperties: false``, as the code enforces),
and a generator that builds the schema once per language in each process."""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from drf_spectacular import generators
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import serializers

from toolkit.rest import StrictFieldsMixin


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


VALIDATION_ERRORS = OpenApiResponse(
    response=OpenApiTypes.OBJECT,
    description=_(
        "Bad input: an object mapping each field (or non_field_errors) to a list of messages, "
        "or {detail} when the body is not JSON."
    ),
)
PATH_PARAMETERS = {
    "edition": _("Framework edition code, e.g. iui-2019."),
    "code": _("Assessment code, e.g. khm-2023."),
    "indicator": _("Indicator code, e.g. R.1.1."),
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the error responses every operation can give, so clients (and
    schemathesis) know a 403 or a 404 is an answer, not a bug."""

    def get_tags(self):
        # One group per resource in the docs page (findings, sources, ...), not one per URL prefix.
        basename = getattr(self.view, "basename", None)
        return [f"{basename.replace('-', ' ')}s"] if basename else ["api"]

    def get_override_parameters(self):
        params = [
            OpenApiParameter(name, OpenApiTypes.STR, OpenApiParameter.PATH, description=description)
            for name, description in PATH_PARAMETERS.items()
            if f"{{{name}}}" in self.path
        ]
        return params + list(super().get_override_parameters())

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request" and isinstance(force_instance(serializer), StrictFieldsMixin):
            schema["additionalProperties"] = False  # unknown and read-only keys are a 400 (toolkit/rest.py)
        return schema

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "401": (ErrorSerializer, _("Not signed in: send `Authorization: Token <key>`.")),
            "403": (ErrorSerializer, _("Signed in, but your role does not allow this.")),
            "404": (ErrorSerializer, _("No such object, or it is not visible to you.")),
        }
        if self.method in ("POST", "PUT", "PATCH"):
            errors["413"] = (ErrorSerializer, _("The body is larger than the server accepts."))
            errors["415"] = (ErrorSerializer, _("Send the body as application/json."))
        for code, (serializer, description) in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    OpenApiResponse(response=serializer, description=description), code, direction=direction
                )
        if "400" not in responses and (self.method != "GET" or self._is_list_view()):
            responses["400"] = self._get_response_for_code(VALIDATION_ERRORS, "400", direction=direction)
        return responses


class SchemaGenerator(generators.SchemaGenerator):
    """The schema served at /api/schema/, built once per language and URLconf in each process.

    Building it walks every view and serializer (about half a second of CPU); it changes only with the code,
    and anyone may fetch it (docs/api.md), so it must not cost that on every request. ``manage.py
    spectacular`` (no request) builds it afresh."""

    built = {}

    def get_schema(self, request=None, public=False):
        if request is None:
            return super().get_schema(request, public)
        try:
            language = translation.get_supported_language_variant(translation.get_language() or "")
        except LookupError:
            language = settings.LANGUAGE_CODE
        key = (public, self.api_version, settings.ROOT_URLCONF, repr(self.urlconf), language)
        if key not in self.built:
            self.built[key] = super().get_schema(request, public)
        return self.built[key]
