"""Consultations in the API, read-only but for the team's disposition of an input: the same visibility
as the pages (members of the assessment, ``assessments.rules``), writes through ``consultation.services``,
which checks the permission again. Participants' personal data are not in the API at all: an input
names only the participant's stakeholder group (the lead exports one participant's data on the page)."""

from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from assessments.api.scoped import AssessmentScopedMixin
from assessments.rules import Perm
from consultation import services
from consultation.api.serializers import (
    ConsultationSerializer,
    DispositionSerializer,
    InputSerializer,
    ItemSerializer,
)
from consultation.choices import Position
from consultation.models import Answer, Consultation, ConsultationItem
from toolkit.rest import ID


class ConsultationViewSet(
    AssessmentScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The assessment's consultations, newest first, with their participation counts."""

    serializer_class = ConsultationSerializer
    lookup_value_regex = ID

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Consultation.objects.none()
        return (
            Consultation.objects.filter(assessment=self.assessment)
            .select_related("current_item")
            .annotate(
                participant_count=Count(
                    "participants", filter=Q(participants__details_given=True), distinct=True
                ),
                item_count=Count("items", distinct=True),
                answer_count=Count("items__answers", filter=Q(items__answers__hidden=False), distinct=True),
            )
            .order_by("-opens_at", "pk")
        )


class InConsultationMixin(AssessmentScopedMixin):
    """A resource of one consultation of the assessment: 404 for a consultation of another one."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.consultation = Consultation.objects.filter(
            assessment=self.assessment, pk=kwargs["consultation"]
        ).first()
        if self.consultation is None:
            raise exceptions.NotFound()


class ItemViewSet(InConsultationMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """What the consultation asks about, as it stood when the consultation was created, with the tallies
    of the positions (hidden inputs not counted)."""

    serializer_class = ItemSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ConsultationItem.objects.none()
        counts = {
            position.value: Count(
                "answers", filter=Q(answers__hidden=False, answers__position=position.value)
            )
            for position in Position
        }
        return (
            ConsultationItem.objects.filter(consultation=self.consultation)
            .annotate(**counts)
            .order_by("number")
        )


class InputViewSet(
    InConsultationMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """The participants' answers, with their source and the team's disposition; inputs hidden as spam
    are included and marked (``hidden``), as on the inputs page. Researchers and leads give an input its
    disposition (``POST …/disposition/``)."""

    serializer_class = InputSerializer
    lookup_value_regex = ID
    write_perm = Perm.RESOLVE_COMMENTS

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Answer.objects.none()
        return (
            Answer.objects.filter(item__consultation=self.consultation)
            .select_related("item__consultation", "participant", "resolved_by")
            .order_by("item__number", "pk")
        )

    @extend_schema(request=DispositionSerializer, responses={200: InputSerializer})
    @action(detail=True, methods=["post"])
    def disposition(self, request, *args, **kwargs):
        """Accepted, partly accepted or not accepted; a reason is required unless accepted (400 with the
        field's error otherwise). Giving a disposition again replaces it."""
        answer = self.get_object()
        serializer = DispositionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.dispose(
            answer, by=request.user, disposition=data["disposition"], reason=data.get("reason", "")
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=answer.pk)).data)
