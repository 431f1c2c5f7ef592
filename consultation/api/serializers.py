from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from consultation.choices import Source
from consultation.models import COMMENT_MAX, Answer, Consultation, ConsultationItem
from review.choices import Disposition
from toolkit.rest import StrictFieldsMixin


class ConsultationSerializer(serializers.ModelSerializer):
    source = serializers.SerializerMethodField(help_text=_("Where its inputs come from: workshop or online."))
    is_open = serializers.SerializerMethodField()
    current_item = serializers.IntegerField(source="current_item.number", read_only=True, allow_null=True)
    participant_count = serializers.IntegerField(
        read_only=True, help_text=_("Participants who gave their details.")
    )
    item_count = serializers.IntegerField(read_only=True)
    answer_count = serializers.IntegerField(read_only=True, help_text=_("Answers not hidden as spam."))

    class Meta:
        model = Consultation
        fields = [
            "id",
            "title",
            "place",
            "source",
            "opens_at",
            "closes_at",
            "is_open",
            "open_link_revoked",
            "current_item",
            "item_count",
            "participant_count",
            "answer_count",
            "in_report",
            "validation_text",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_source(self, obj) -> str:
        return Source.ONLINE if obj.is_online else Source.WORKSHOP

    def get_is_open(self, obj) -> bool:
        return obj.is_open()


class ItemSerializer(serializers.ModelSerializer):
    agree = serializers.IntegerField(read_only=True)
    changes = serializers.IntegerField(read_only=True)
    disagree = serializers.IntegerField(read_only=True)

    class Meta:
        model = ConsultationItem
        fields = [
            "id",
            "number",
            "kind",
            "object_id",
            "label",
            "category",
            "text",
            "agree",
            "changes",
            "disagree",
        ]
        read_only_fields = fields


class InputSerializer(serializers.ModelSerializer):
    """An input without the participant's personal data: only their stakeholder group."""

    consultation = serializers.IntegerField(source="item.consultation_id", read_only=True)
    item = serializers.IntegerField(source="item.number", read_only=True)
    source = serializers.SerializerMethodField(help_text=_("workshop or online, as in the comment matrix."))
    stakeholder_group = serializers.CharField(source="participant.stakeholder_group", read_only=True)
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Answer
        fields = [
            "id",
            "consultation",
            "item",
            "source",
            "stakeholder_group",
            "position",
            "comment",
            "hidden",
            "disposition",
            "reason",
            "resolved_by",
            "resolved_at",
            "created",
            "updated",
        ]
        read_only_fields = fields

    def get_source(self, obj) -> str:
        return Source.ONLINE if obj.item.consultation.is_online else Source.WORKSHOP


class DispositionSerializer(StrictFieldsMixin, serializers.Serializer):
    read_serializer = InputSerializer
    disposition = serializers.ChoiceField(choices=Disposition.choices)
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=COMMENT_MAX,
        help_text=_("Required unless the input is accepted."),
    )
