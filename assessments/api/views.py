"""Thin viewsets: visibility from assessments.queries, permissions from assessments.rules, writes through
assessments.services — the same paths the pages and the admin take."""

import re

from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.response import Response

from assessments.api.rows import CompiledList
from assessments.api.scoped import AssessmentScopedMixin
from assessments.api.serializers import (
    FINDING_ROWS,
    AssessmentCreateSerializer,
    AssessmentSerializer,
    AssessmentUpdateSerializer,
    CitationSerializer,
    ConflictSerializer,
    DataPointSerializer,
    FindingSerializer,
    FindingUpdateSerializer,
    SourceSerializer,
    json_safe,
)
from assessments.choices import Role
from assessments.filters import EvidenceFilter, FindingFilter
from assessments.models import Citation, DataPoint, Finding, Membership
from assessments.queries import assessments_for, findings_for, sources_for
from assessments.rules import Perm, can_create_assessment, check
from assessments.services import EditConflict, changed_fields, create_assessment, save_finding
from toolkit.rest import ID, PlainViewMixin, SkipUnchangedUpdateMixin, unchanged


class AssessmentViewSet(
    PlainViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Assessments you are a member of. Staff (see ``rules.can_create_assessment``) may create one."""

    serializer_class = AssessmentSerializer
    lookup_field = "code"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        user = self.request.user
        role = Membership.objects.filter(assessment=OuterRef("pk"), user=user.pk).values("role")[:1]
        return (
            assessments_for(user)
            .select_related("framework")
            .annotate(
                my_role=Subquery(role),
                finding_count=Count("findings", filter=Q(findings__archived=False), distinct=True),
            )
            .order_by("-created", "code")
        )

    def get_serializer_class(self):
        return AssessmentCreateSerializer if self.action == "create" else AssessmentSerializer

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentSerializer})
    def create(self, request, *args, **kwargs):
        if not can_create_assessment(request.user):
            raise exceptions.PermissionDenied(_("Only staff may create assessments."))
        serializer = AssessmentCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():
            assessment = create_assessment(created_by=request.user, **serializer.validated_data)
            if not request.user.is_superuser:
                # The creator must be able to see what they made; staff is the least powerful role that does.
                Membership.objects.create(assessment=assessment, user=request.user, role=Role.STAFF)
        created = self.get_queryset().get(pk=assessment.pk)
        data = AssessmentSerializer(created, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(request=AssessmentUpdateSerializer, responses={200: AssessmentSerializer})
    def partial_update(self, request, *args, **kwargs):
        """Change the assessment's time zone (lead researchers; outsiders 404, other members 403)."""
        assessment = self.get_object()
        check(request.user, assessment, Perm.MANAGE)
        serializer = AssessmentUpdateSerializer(assessment, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        if not unchanged(assessment, serializer.validated_data):
            serializer.save()
        data = AssessmentSerializer(self.get_object(), context=self.get_serializer_context()).data
        return Response(data)


def etag(finding):
    return f'"{finding.version}"'


def parse_if_match(value):
    """The version named by an If-Match header ("3", W/"3" or 3); None for '*'; -1 when unreadable."""
    value = value.strip()
    if value == "*":
        return None
    match = re.fullmatch(r'(?:W/)?"?([0-9]{1,9})"?', value)
    return int(match.group(1)) if match else -1


IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=_('The ETag of the finding you read ("3"); instead of or besides the body\'s version.'),
)


def finding_list(pk):
    """The findings list (FindingViewSet.list) of one assessment: the findings in scope, in the
    framework's order; FINDING_ROWS turns their rows into FindingSerializer's output."""
    return Finding.objects.filter(assessment=pk, archived=False).order_by("indicator__order")


FINDING_LIST = CompiledList(finding_list, lambda: FINDING_ROWS.lookups)


class FindingViewSet(
    AssessmentScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """One finding per indicator in scope. Members read; researchers and leads update.

    An update names the version it is based on; if someone saved the finding since, the answer is 409 (or
    412 for If-Match) with the current finding and what changed, and nothing is overwritten.
    """

    serializer_class = FindingSerializer
    filterset_class = FindingFilter
    lookup_field = "indicator__code"
    lookup_url_kwarg = "indicator"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return FindingSerializer.Meta.model.objects.none()
        if self.action == "list":
            return finding_list(self.assessment.pk)
        return (
            findings_for(self.request.user)
            .filter(assessment=self.assessment)
            .select_related("updated_by")
            .order_by("indicator__order")
        )

    def list(self, request, *args, **kwargs):
        # FindingSerializer's output from plain rows (FINDING_ROWS): the same JSON, byte for byte
        # (tests/api/test_finding_rows.py), without a model instance and a field object per value. Without
        # a filter in the query (the usual read) the rows come from the list's SQL, built once per process
        # (FINDING_LIST); a filter goes through the FilterSet and the ORM, as before. (No docstring: the
        # schema would take it as the operation's description.)
        if any(name in request.query_params for name in self.filterset_class.base_filters):
            rows = FINDING_LIST.queryset_rows(self.filter_queryset(self.get_queryset()))
        else:
            rows = FINDING_LIST.rows(self.assessment.pk)
        page = self.paginate_queryset(rows)
        if page is None:
            return Response(FINDING_ROWS.represent(rows, self.assessment))
        return self.get_paginated_response(FINDING_ROWS.represent(page, self.assessment))

    def retrieve(self, request, *args, **kwargs):
        finding = self.get_object()
        return Response(self.get_serializer(finding).data, headers={"ETag": etag(finding)})

    @extend_schema(
        request=FindingUpdateSerializer,
        parameters=[IF_MATCH],
        responses={
            200: FindingSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, description=_("Field errors, e.g. a forbidden status.")
            ),
            409: OpenApiResponse(ConflictSerializer, description=_("Stale version in the body.")),
            412: OpenApiResponse(ConflictSerializer, description=_("Stale If-Match header.")),
        },
    )
    def partial_update(self, request, *args, **kwargs):
        finding = self.get_object()
        header = request.headers.get("If-Match")
        header_version = parse_if_match(header) if header else None
        serializer = FindingUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        body_version = fields.pop("version", None)
        if body_version is None and header_version is None:
            raise exceptions.ValidationError(
                {"version": [_("Send the version you read (or an If-Match header).")]}
            )
        # A stale version is answered before the rest is judged, so the client sees the conflict first.
        if header_version is not None and header_version != finding.version:
            return self.conflict(finding, header_version, status.HTTP_412_PRECONDITION_FAILED)
        expected = body_version if body_version is not None else header_version
        if expected != finding.version:
            return self.conflict(finding, expected, status.HTTP_409_CONFLICT)
        try:
            save_finding(finding, by=request.user, expected_version=expected, fields=fields)
        except EditConflict as conflict:
            return self.conflict_response(conflict, status.HTTP_409_CONFLICT)
        finding = self.get_queryset().get(pk=finding.pk)
        return Response(self.get_serializer(finding).data, headers={"ETag": etag(finding)})

    def conflict(self, finding, since_version, code):
        return self.conflict_response(EditConflict(finding, changed_fields(finding, since_version)), code)

    def conflict_response(self, conflict, code):
        current = self.get_queryset().get(pk=conflict.finding.pk)
        body = {
            "detail": str(conflict),
            "current": self.get_serializer(current).data,
            "changes": [
                {"field": str(label), "old": json_safe(old), "new": json_safe(new)}
                for label, old, new in conflict.changes
            ],
        }
        return Response(body, status=code, headers={"ETag": etag(current)})


class SourceViewSet(AssessmentScopedMixin, SkipUnchangedUpdateMixin, viewsets.ModelViewSet):
    """The assessment's sources. Members read; researchers and leads write."""

    serializer_class = SourceSerializer
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SourceSerializer.Meta.model.objects.none()
        return sources_for(self.request.user).filter(assessment=self.assessment).order_by("title", "pk")

    def perform_create(self, serializer):
        serializer.save(assessment=self.assessment)


class EvidenceViewSet(AssessmentScopedMixin, SkipUnchangedUpdateMixin, viewsets.ModelViewSet):
    """Base for citations and data points: rows hanging off the findings in scope."""

    filterset_class = EvidenceFilter
    lookup_value_regex = ID
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return (
            self.model.objects.filter(finding__assessment=self.assessment, finding__archived=False)
            .select_related("finding__indicator")
            .order_by("finding__indicator__order", "pk")
        )


class CitationViewSet(EvidenceViewSet):
    """Sources cited by findings (``?indicator=R.1.1``). Members read; researchers and leads write."""

    serializer_class = CitationSerializer
    model = Citation


class DataPointViewSet(EvidenceViewSet):
    """Figures behind findings (``?indicator=R.1.1``). Members read; researchers and leads write."""

    serializer_class = DataPointSerializer
    model = DataPoint
