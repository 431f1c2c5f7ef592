"""Report content (sections, recommendations) and exports."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.reverse import reverse

from assessments.api.serializers import FindingCodeField, second_language_field, validate_second_language
from assessments.choices import StakeholderGroup
from assessments.languages import languages
from assessments.models import Source
from indicators.models import Category
from reports.choices import ExportFormat, ExportStatus, FollowUpStatus, Priority, SectionKind
from reports.models import (
    MAX_FOLLOW_UP_NOTE,
    Recommendation,
    RecommendationFollowUp,
    ReportExport,
    ReportSection,
)
from toolkit.rest import StrictFieldsMixin

MAX_TEXT = 100_000


class ReportSectionSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=SectionKind.choices, help_text=_("Which section; one of each."))
    body = serializers.CharField(
        allow_blank=True,
        required=False,
        max_length=MAX_TEXT,
        trim_whitespace=False,
        help_text=_("Markdown, in the assessment's primary language."),
    )
    body_second = second_language_field(max_length=MAX_TEXT)

    class Meta:
        model = ReportSection
        fields = ["kind", "body", "body_second", "order", "created", "updated"]
        read_only_fields = ["order", "created", "updated"]
        validators = []  # validate_kind says which field is wrong instead of DRF's generic unique-set message

    def validate(self, attrs):
        validate_second_language(self.context["assessment"], attrs)
        return attrs

    def validate_kind(self, kind):
        if self.instance is not None and kind != self.instance.kind:
            raise serializers.ValidationError(_("A section's kind cannot change; write the other section."))
        if (
            self.instance is None
            and ReportSection.objects.filter(assessment=self.context["assessment"], kind=kind).exists()
        ):
            raise serializers.ValidationError(_("This section exists already: change it with PATCH."))
        return kind


class CategoryCodeField(serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": _("The framework has no category “{value}”."),
        "invalid": _("Give a category code, e.g. R."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", **kwargs)

    def get_queryset(self):
        return Category.objects.filter(framework_id=self.context["assessment"].framework_id)


class RecommendationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    stakeholder_group = serializers.ChoiceField(choices=StakeholderGroup.choices)
    text = serializers.CharField(
        max_length=MAX_TEXT, help_text=_("Markdown (one paragraph), in the assessment's primary language.")
    )
    text_second = second_language_field(max_length=MAX_TEXT)
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.MEDIUM)
    order = serializers.IntegerField(min_value=0, max_value=2**31 - 1, default=0)
    categories = CategoryCodeField(many=True, required=False, help_text=_('Category codes, e.g. ["A", "X"].'))
    findings = FindingCodeField(
        many=True, required=False, help_text=_("The findings it comes from, by indicator code.")
    )

    class Meta:
        model = Recommendation
        fields = [
            "id",
            "stakeholder_group",
            "text",
            "text_second",
            "priority",
            "order",
            "categories",
            "findings",
            "created",
            "updated",
        ]
        read_only_fields = ["id", "created", "updated"]

    def validate(self, attrs):
        validate_second_language(self.context["assessment"], attrs)
        return attrs


class RefusedSerializer(serializers.Serializer):
    where = serializers.CharField(read_only=True, help_text=_("The section, recommendation or finding."))
    url = serializers.CharField(read_only=True, help_text=_("The address it named, cleaned."))


class ExportRequestSerializer(StrictFieldsMixin, serializers.Serializer):
    """Starting an export: nothing (a PDF in the primary language), or e.g.
    ``{"language": "km", "format": "docx", "with_progress": true}``."""

    format = serializers.ChoiceField(
        choices=ExportFormat.choices, required=False, help_text=_("`pdf` (default) or `docx` (Word).")
    )
    with_progress = serializers.BooleanField(
        required=False,
        help_text=_("Add the chapter “Progress since the previous assessment” (a later round only)."),
    )

    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text=_(
            "One of the assessment's languages (its `language` or `second_language`); default: primary."
        ),
    )

    def validate_language(self, language):
        if language not in languages(self.context["assessment"]):
            raise serializers.ValidationError(_("This assessment is not written in that language."))
        return language


class ReportExportSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ExportStatus.choices, read_only=True)
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, read_only=True, allow_blank=True, help_text=_("The PDF's language.")
    )
    requested_by = serializers.CharField(
        source="requested_by.username", read_only=True, allow_null=True, default=None
    )
    finished = serializers.BooleanField(source="is_finished", read_only=True)
    finished_at = serializers.DateTimeField(source="finished", read_only=True, allow_null=True)
    download_url = serializers.SerializerMethodField()
    refused = RefusedSerializer(
        many=True,
        read_only=True,
        help_text=_(
            "What the report's text asked to load and the renderer left out (a placeholder in the PDF)."
        ),
    )

    class Meta:
        model = ReportExport
        fields = [
            "id",
            "format",
            "status",
            "progress",
            "stage",
            "language",
            "is_draft",
            "requested_by",
            "created",
            "finished",
            "finished_at",
            "pages",
            "size",
            "seconds",
            "chapters_rendered",
            "chapters_total",
            "error",
            "refused",
            "download_url",
        ]
        read_only_fields = fields

    def to_representation(self, export):
        # A lost export reads as failed (reports.models.ReportExport.show_lost); nothing is written.
        return super().to_representation(export.show_lost())

    def get_download_url(self, export) -> str | None:
        if export.status != ExportStatus.DONE or not export.file:
            return None
        kwargs = {"code": self.context["assessment"].code, "pk": export.pk}
        return reverse("api:report-export-download", kwargs=kwargs, request=self.context["request"])


class FollowedRecommendationSerializer(serializers.ModelSerializer):
    """The previous round's recommendation, as it stands (read only)."""

    assessment = serializers.CharField(source="assessment.code", read_only=True)

    class Meta:
        model = Recommendation
        fields = ["id", "assessment", "stakeholder_group", "priority", "text", "text_second", "order"]
        read_only_fields = fields


class FollowUpSerializer(serializers.ModelSerializer):
    """One follow-up: the previous round's recommendation and how far it was implemented."""

    recommendation = FollowedRecommendationSerializer(read_only=True)
    status = serializers.ChoiceField(choices=FollowUpStatus.choices, read_only=True)
    sources = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    updated_by = serializers.CharField(
        source="updated_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = RecommendationFollowUp
        fields = [
            "id",
            "recommendation",
            "status",
            "note",
            "note_second",
            "sources",
            "version",
            "updated_by",
            "created",
            "updated",
        ]
        read_only_fields = fields


class SourceOfRoundField(serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": _("This assessment has no source {pk_value}."),
    }

    def __init__(self, **kwargs):
        # pk_field: the schema reads the id's type from it (the serializer has no model).
        super().__init__(pk_field=serializers.IntegerField(min_value=1, max_value=2**63 - 1), **kwargs)

    def get_queryset(self):
        return Source.objects.filter(assessment=self.context["assessment"])


class FollowUpUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """A partial update: any of status, note, note_second, sources (ids of this round's sources, the
    whole list), plus the version the client read."""

    read_serializer = FollowUpSerializer
    status = serializers.ChoiceField(choices=FollowUpStatus.choices, required=False)
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_FOLLOW_UP_NOTE,
        help_text=_("Plain text, in the assessment's primary language."),
    )
    note_second = serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=MAX_FOLLOW_UP_NOTE,
        help_text=_("Plain text, in the assessment's second language; only when it has one."),
    )
    sources = SourceOfRoundField(many=True, required=False)
    version = serializers.IntegerField(min_value=0, max_value=2**31 - 1, help_text=_("The version you read."))

    def validate(self, attrs):
        validate_second_language(self.context["assessment"], attrs)
        return attrs


class FollowUpConflictSerializer(serializers.Serializer):
    """409: someone saved the follow-up after the version you sent."""

    detail = serializers.CharField()
    current = FollowUpSerializer(help_text=_("The follow-up as stored now."))
