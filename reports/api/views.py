"""Report content and exports: the same queries and services as the report page and the admin.

Sections and recommendations are read by members and written by those who may edit the report
(researchers, leads). Exports are started by those who may export (staff, leads) through
``reports.services.request_export`` — which returns the finished export instead of rendering again while
the content is unchanged — and downloaded by every member.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.response import Response

from assessments.api.scoped import AssessmentScopedMixin
from assessments.choices import StakeholderGroup
from assessments.rules import Perm
from reports import followup
from reports.api.serializers import (
    ExportRequestSerializer,
    FollowUpConflictSerializer,
    FollowUpSerializer,
    FollowUpUpdateSerializer,
    RecommendationSerializer,
    ReportExportSerializer,
    ReportSectionSerializer,
)
from reports.choices import ExportFormat, FollowUpStatus, SectionKind
from reports.downloads import export_response
from reports.forms import FollowUpFilter
from reports.models import Recommendation, RecommendationFollowUp, ReportExport, ReportSection
from reports.queries import exports_for, recommendations_for
from reports.services import QueueUnavailable, request_export
from toolkit.rest import ID, SkipUnchangedUpdateMixin


class ReportSectionViewSet(AssessmentScopedMixin, SkipUnchangedUpdateMixin, viewsets.ModelViewSet):
    """The report's narrative sections, one per kind, named by kind (``executive_summary``)."""

    serializer_class = ReportSectionSerializer
    write_perm = Perm.EDIT_REPORT
    lookup_field = "kind"
    lookup_value_regex = "|".join(SectionKind.values)
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportSection.objects.none()
        return ReportSection.objects.filter(assessment=self.assessment).order_by("order")

    def perform_create(self, serializer):
        serializer.save(assessment=self.assessment)


class RecommendationViewSet(AssessmentScopedMixin, SkipUnchangedUpdateMixin, viewsets.ModelViewSet):
    """The recommendation register: each recommendation to one stakeholder group, with the categories and
    findings it comes from."""

    serializer_class = RecommendationSerializer
    write_perm = Perm.EDIT_REPORT
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Recommendation.objects.none()
        return recommendations_for(self.assessment).order_by("stakeholder_group", "order", "pk")

    def perform_create(self, serializer):
        serializer.save(assessment=self.assessment)


class QueueDown(APIException):
    """The task queue (Redis, with RQ) is unreachable: the export was recorded as failed, not queued."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "queue_unreachable"


class ReportExportViewSet(
    AssessmentScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Exports of the report as PDF: start one, follow its progress, download the PDF."""

    serializer_class = ReportExportSerializer
    write_perm = Perm.EXPORT
    lookup_value_regex = ID

    @property
    def read_perm(self):
        return Perm.DOWNLOAD if self.action == "download" else Perm.VIEW

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportExport.objects.none()
        return exports_for(self.assessment).order_by("-created", "-pk")

    @extend_schema(
        request=ExportRequestSerializer,
        responses={
            200: OpenApiResponse(
                ReportExportSerializer, description=_("Unchanged content: the existing export.")
            ),
            201: OpenApiResponse(ReportExportSerializer, description=_("A new export, queued.")),
            503: OpenApiResponse(description=_("The task queue is unreachable: the export did not start.")),
        },
    )
    def create(self, request, *args, **kwargs):
        """Start an export. While the content is unchanged, the finished (or running) export is returned
        (200) and nothing renders again; otherwise a new one is queued (201). Follow its ``status``."""
        body = ExportRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        try:
            export, reused = request_export(
                self.assessment,
                by=request.user,
                fmt=body.validated_data.get("format", ExportFormat.PDF),
                language=body.validated_data.get("language"),
                with_progress=body.validated_data.get("with_progress", False),
            )
        except QueueUnavailable as unavailable:
            raise QueueDown(str(unavailable)) from None
        export = self.get_queryset().get(pk=export.pk)
        code = status.HTTP_200_OK if reused else status.HTTP_201_CREATED
        return Response(self.get_serializer(export).data, status=code)

    @extend_schema(responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, *args, **kwargs):
        """The PDF of a finished export (404 while it is not ready)."""
        return export_response(self.get_object().show_lost())


STATUS_FILTER = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=FollowUpStatus.values, description=_("Only follow-ups in this status.")
)
GROUP_FILTER = OpenApiParameter(
    "stakeholder_group",
    OpenApiTypes.STR,
    enum=StakeholderGroup.values,
    description=_("Only the recommendations to this stakeholder group."),
)


class FollowUpViewSet(
    AssessmentScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Follow-up of the previous round's recommendations (a round started from a previous one): each
    recommendation of the previous round with its implementation status, evidence note and sources.
    Members read; researchers and leads update (PATCH with the version read: a stale one is a 409 with
    the follow-up as stored now, and nothing is written)."""

    serializer_class = FollowUpSerializer
    write_perm = Perm.EDIT_REPORT
    lookup_value_regex = ID
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return RecommendationFollowUp.objects.none()
        filters = {}
        if self.action == "list":
            form = FollowUpFilter(self.request.query_params)
            if not form.is_valid():
                raise exceptions.ValidationError(form.errors.get_json_data(escape_html=False))
            filters = form.cleaned_data
        return followup.follow_ups_for(self.assessment, filters)

    @extend_schema(parameters=[STATUS_FILTER, GROUP_FILTER])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=FollowUpUpdateSerializer,
        responses={
            200: FollowUpSerializer,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description=_("Field errors.")),
            409: OpenApiResponse(
                FollowUpConflictSerializer, description=_("Stale version: the follow-up as stored now.")
            ),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        body = FollowUpUpdateSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = body.validated_data
        try:
            followup.save_follow_up(
                item,
                by=request.user,
                expected_version=data["version"],
                status=data.get("status", item.status),
                note=data.get("note", item.note),
                note_second=data.get("note_second", item.note_second),
                sources=data["sources"] if "sources" in data else list(item.sources.all()),
            )
        except followup.FollowUpConflict as conflict:
            current = self.get_queryset().get(pk=item.pk)
            return Response(
                {"detail": str(conflict), "current": self.get_serializer(current).data},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=item.pk)).data)
