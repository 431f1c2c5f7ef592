"""The open data as JSON: the data package with its rows inline, read-only.

Anyone (no sign-in) while the assessment is published with its data public; its members (any role) at
any time, to see what would be published; everybody else 404 — an unpublished assessment does not exist
for them.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.rules import Perm, get_assessment_for
from publication import opendata
from publication.queries import publication_for, published
from toolkit.rest import PlainViewMixin


class OpenDataView(PlainViewMixin, APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="The open data (Frictionless Data Package)")
    def get(self, request, code):
        """The assessment's results as a Frictionless Data Package descriptor whose resources (findings,
        sources, citations, data_points, recommendations) carry their rows inline in ``data``."""
        publication = published().filter(assessment__code=code, show_data=True).first()
        if publication is None:
            assessment = get_assessment_for(request.user, code, Perm.VIEW)
            publication = publication_for(assessment)
        return Response(opendata.package_json(publication))
