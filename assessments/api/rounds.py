"""Rounds and progress in the API: start a new round from an assessment (lead), and read the progress
since the previous round (every member). The same services as the pages: ``assessments.rounds`` and
``assessments.progress``."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status, viewsets
from rest_framework.response import Response

from assessments.api.scoped import AssessmentScopedMixin
from assessments.choices import CarryOver
from assessments.models import Assessment, Finding
from assessments.progress import Change, progress
from assessments.rounds import start_round
from assessments.rules import Perm
from toolkit.rest import StrictFieldsMixin


class RoundCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    code = serializers.SlugField(max_length=40, help_text=_("Short code of the new round, e.g. khm-2027."))
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
    carry = serializers.ListField(
        child=serializers.ChoiceField(choices=CarryOver.choices),
        required=False,
        default=list,
        help_text=_("What to carry over from this assessment; empty carries nothing."),
    )


class NotCarriedSerializer(serializers.Serializer):
    item = serializers.CharField()
    reason = serializers.CharField()


class RoundSerializer(serializers.Serializer):
    code = serializers.CharField(source="assessment.code")
    previous = serializers.CharField(source="assessment.previous.code")
    created = serializers.BooleanField(help_text=_("False when the round existed and was completed."))
    counts = serializers.DictField(child=serializers.IntegerField())
    not_carried = NotCarriedSerializer(many=True)


class RoundViewSet(AssessmentScopedMixin, viewsets.GenericViewSet):
    """A new round from this assessment (POST, lead researchers): idempotent, all-or-nothing."""

    read_perm = Perm.MANAGE
    write_perm = Perm.MANAGE
    serializer_class = RoundCreateSerializer
    queryset = Assessment.objects.none()  # for the schema's path parameter

    @extend_schema(request=RoundCreateSerializer, responses={201: RoundSerializer, 200: RoundSerializer})
    def create(self, request, *args, **kwargs):
        serializer = RoundCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            result = start_round(self.assessment, by=request.user, **serializer.validated_data)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        result.not_carried = [{"item": item, "reason": reason} for item, reason in result.not_carried]
        code = status.HTTP_201_CREATED if result.created else status.HTTP_200_OK
        return Response(RoundSerializer(result).data, status=code)


class CategoryProgressSerializer(serializers.Serializer):
    category = serializers.CharField(source="category.code")
    total = serializers.IntegerField()
    then_mean = serializers.FloatField(allow_null=True)
    now_mean = serializers.FloatField(allow_null=True)
    then_coverage = serializers.IntegerField(help_text=_("Percent of indicators with evidence."))
    now_coverage = serializers.IntegerField()
    changes = serializers.DictField(child=serializers.IntegerField())


class IndicatorProgressSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    then_score = serializers.IntegerField(allow_null=True)
    now_score = serializers.IntegerField(source="score", allow_null=True)
    change = serializers.ChoiceField(choices=Change.choices)
    then_status = serializers.CharField(allow_null=True)
    now_status = serializers.CharField(source="status")
    then_evidence = serializers.BooleanField(allow_null=True)
    now_evidence = serializers.BooleanField()


class ProgressSerializer(serializers.Serializer):
    previous = serializers.CharField(allow_null=True)
    categories = CategoryProgressSerializer(many=True)
    indicators = IndicatorProgressSerializer(many=True)


class ProgressView(AssessmentScopedMixin, generics.GenericAPIView):
    """Progress since the previous round (every member; empty for a first round)."""

    serializer_class = ProgressSerializer
    pagination_class = None
    queryset = Finding.objects.none()  # for the schema's path parameter; the answer is built below

    @extend_schema(
        parameters=[OpenApiParameter("change", str, enum=Change.values, required=False)],
        responses={200: ProgressSerializer, 400: OpenApiResponse(description=_("An unknown ``change``."))},
    )
    def get(self, request, *args, **kwargs):
        change = request.query_params.get("change", "")
        if change and change not in Change.values:
            raise serializers.ValidationError(
                {"change": [_("Choose one of: %s.") % ", ".join(Change.values)]}
            )
        data = progress(self.assessment, change)
        for row in data["rows"]:
            if not row.then_id:
                row.then_evidence = None
        previous = self.assessment.previous.code if self.assessment.previous_id else None
        body = {"previous": previous, "categories": data["categories"], "indicators": data["rows"]}
        return Response(ProgressSerializer(body).data)
