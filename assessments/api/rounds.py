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
from indicators.models import Framework
from toolkit.rest import StrictFieldsMixin


class RoundCreateSerializer(StrictFieldsMixin, serializers.Serializer):
    code = serializers.SlugField(max_length=40, help_text=_("Short code of the new round, e.g. khm-2027."))
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    period_start = serializers.DateField(required=False, allow_null=True, default=None)
    period_end = serializers.DateField(required=False, allow_null=True, default=None)
    edition = serializers.SlugField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text=_(
            "Framework edition of the new round; empty: the previous round's. A newer edition needs a "
            "crosswalk from the previous round's edition."
        ),
    )
    carry = serializers.ListField(
        child=serializers.ChoiceField(choices=CarryOver.choices),
        required=False,
        default=list,
        help_text=_("What to carry over from this assessment; empty carries nothing."),
    )

    def validate_edition(self, value):
        if not value:
            return None
        framework = Framework.objects.filter(code=value).first()
        if framework is None:
            raise serializers.ValidationError(_("No framework edition “%s”.") % value)
        return framework


class NotCarriedSerializer(serializers.Serializer):
    item = serializers.CharField()
    reason = serializers.CharField()


class RoundSerializer(serializers.Serializer):
    code = serializers.CharField(source="assessment.code")
    previous = serializers.CharField(source="assessment.previous.code")
    edition = serializers.CharField(source="assessment.framework.code")
    previous_edition = serializers.CharField(source="assessment.previous.framework.code")
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
            data = dict(serializer.validated_data)
            data["framework"] = data.pop("edition")
            result = start_round(self.assessment, by=request.user, **data)
        except DjangoValidationError as exc:
            errors = exc.message_dict
            if "framework" in errors:
                errors["edition"] = errors.pop("framework")
            raise serializers.ValidationError(errors) from exc
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
    then_score = serializers.FloatField(
        allow_null=True,
        help_text=_(
            "The previous round's score; for an indicator merged from several, the mean of their scores."
        ),
    )
    then_scores = serializers.ListField(
        child=serializers.IntegerField(), help_text=_("The previous round's scores it compares with.")
    )
    relation = serializers.CharField(
        allow_blank=True,
        help_text=_(
            "How the indicator comes from the previous round's: same, split, merged, new (across editions, "
            "through the crosswalk); empty when the previous round did not assess it."
        ),
    )
    origins = serializers.ListField(
        child=serializers.CharField(), help_text=_("The previous round's indicator codes it is matched with.")
    )
    now_score = serializers.IntegerField(source="score", allow_null=True)
    change = serializers.ChoiceField(choices=Change.choices)
    then_status = serializers.CharField(allow_null=True)
    now_status = serializers.CharField(source="status")
    then_evidence = serializers.BooleanField(allow_null=True)
    now_evidence = serializers.BooleanField()


class DroppedSerializer(serializers.Serializer):
    indicator = serializers.CharField(source="indicator.code")
    then_score = serializers.IntegerField(source="score", allow_null=True)
    note = serializers.CharField(source="drop_note")


class ProgressSerializer(serializers.Serializer):
    previous = serializers.CharField(allow_null=True)
    edition = serializers.CharField()
    previous_edition = serializers.CharField(allow_null=True)
    dropped = DroppedSerializer(
        many=True, help_text=_("The previous round's indicators the new edition dropped, with their score.")
    )
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
        previous = self.assessment.previous if self.assessment.previous_id else None
        body = {
            "previous": previous.code if previous else None,
            "edition": self.assessment.framework.code,
            "previous_edition": previous.framework.code if previous else None,
            "dropped": data["dropped"],
            "categories": data["categories"],
            "indicators": data["rows"],
        }
        return Response(ProgressSerializer(body).data)
