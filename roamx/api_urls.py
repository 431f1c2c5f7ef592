"""The API under /api/: each app's ``api/urls.py``, the OpenAPI schema and its docs page.

An app adds its endpoints by appending its ``api.urls`` to APP_APIS (``review.api.urls`` for
comments, ``reports.api.urls`` for recommendations, report sections and exports, ``consultation.api.urls``
for consultations, their items and inputs).
"""

from django.urls import include, path, re_path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.decorators import api_view
from rest_framework.response import Response
from rest_framework.reverse import reverse

from toolkit.rest import api_not_found

APP_APIS = [
    "indicators.api.urls",
    "assessments.api.urls",
    "review.api.urls",
    "reports.api.urls",
    "consultation.api.urls",
    "publication.api.urls",
]

app_name = "api"


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
def api_root(request, format=None):
    """Where to start: the top-level collections, the schema and its docs."""
    return Response(
        {
            "frameworks": reverse("api:framework-list", request=request),
            "assessments": reverse("api:assessment-list", request=request),
            "schema": reverse("api:schema", request=request),
            "docs": reverse("api:docs", request=request),
        }
    )


urlpatterns = [
    path("", api_root, name="root"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's start-up script as its own URL: the CSP allows no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    *(path("", include(module)) for module in APP_APIS),
    # Anything else under /api/ is a JSON 404, never Django's HTML page nor a redirect to add a slash;
    # [\s\S]: also paths with a newline, which "." does not match.
    re_path(r"^[\s\S]*$", api_not_found),
]
