"""Read and write serializers for assessments and their evidence.

Writing a finding uses its own serializer (``FindingUpdateSerializer``): the client sends only what it
changes plus the version it read, and the save goes through ``services.save_finding``.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assessments.api.rows import SerializerRows
from assessments.choices import MAX_SCALE_LEVELS, Confidence, FindingStatus, Phase, Role, Scope, SpecialScore
from assessments.fields import WebURLField
from assessments.languages import SECOND
from assessments.models import Assessment, Citation, DataPoint, Finding, Source
from assessments.queries import evidence_members
from indicators.models import Framework
from toolkit.rest import StrictFieldsMixin

TIME_ZONE_HELP = _(
    "IANA time zone name (e.g. Asia/Phnom_Penh) in which pages, mails, exports and the PDF show times; "
    "empty or left out: the zone of the country's capital."
)


def second_language_field(**kwargs):
    """A ``<field>_second`` text: the same text in the assessment's second language (assessments.languages)."""
    return serializers.CharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        help_text=_("Markdown, in the assessment's second language; only when it has one."),
        **kwargs,
    )


def validate_second_language(assessment, attrs):
    """Second-language text is refused, field by field, on an assessment without a second language."""
    if assessment.second_language:
        return
    errors = {
        name: [_("This assessment has no second language; set one on the assessment first.")]
        for name, value in attrs.items()
        if name.endswith(SECOND) and isinstance(value, str) and value.strip()
    }
    if errors:
        raise serializers.ValidationError(errors)


class AssessmentSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="framework.code", read_only=True)
    my_role = serializers.ChoiceField(
        choices=Role.choices, read_only=True, allow_null=True, help_text=_("Your role; null for superusers.")
    )
    finding_count = serializers.IntegerField(read_only=True, help_text=_("Findings in the current scope."))
    url = serializers.HyperlinkedIdentityField(view_name="api:assessment-detail", lookup_field="code")
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES, read_only=True, help_text=_("The primary language: plain text fields.")
    )
    second_language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        allow_blank=True,
        read_only=True,
        help_text=_('The second language ("": none): the `_second` text fields.'),
    )

    class Meta:
        model = Assessment
        fields = [
            "code",
            "url",
            "title",
            "country_code",
            "country_name",
            "time_zone",
            "language",
            "second_language",
            "framework",
            "scope",
            "phase",
            "period_start",
            "period_end",
            "scale",
            "my_role",
            "finding_count",
            "created",
            "updated",
        ]
        read_only_fields = fields


class AssessmentCreateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    read_serializer = AssessmentSerializer
    framework = serializers.SlugRelatedField(slug_field="code", queryset=Framework.objects.all())
    scope = serializers.ChoiceField(choices=Scope.choices, default=Scope.CORE)
    phase = serializers.ChoiceField(choices=Phase.choices, default=Phase.SETUP)
    scale = serializers.ListField(
        child=serializers.CharField(max_length=100),
        min_length=2,
        max_length=MAX_SCALE_LEVELS,
        required=False,
        help_text=_("Names of the score levels, lowest first (2 to 10). Default: five levels."),
    )

    class Meta:
        model = Assessment
        fields = [
            "code",
            "title",
            "country_code",
            "country_name",
            "time_zone",
            "language",
            "second_language",
            "framework",
            "scope",
            "phase",
            "period_start",
            "period_end",
            "scale",
        ]
        extra_kwargs = {"time_zone": {"help_text": TIME_ZONE_HELP}}

    def validate(self, attrs):
        start, end = attrs.get("period_start"), attrs.get("period_end")
        if start and end and end < start:
            raise serializers.ValidationError({"period_end": _("The period cannot end before it starts.")})
        second = attrs.get("second_language")
        if second and second == attrs.get("language", settings.LANGUAGE_CODE):
            raise serializers.ValidationError(
                {"second_language": _("The second language must differ from the primary language.")}
            )
        return attrs


class AssessmentUpdateSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """What those who may manage an assessment change through the API: its time zone. Any other field
    is named in a 400 (read-only or unknown), not silently dropped."""

    read_serializer = AssessmentSerializer

    class Meta:
        model = Assessment
        fields = ["time_zone"]
        extra_kwargs = {"time_zone": {"help_text": TIME_ZONE_HELP}}


@extend_schema_field(OpenApiTypes.STR)
class AssigneeField(serializers.SlugRelatedField):
    """A username; only members who may edit evidence can be assigned."""

    default_error_messages = {
        "does_not_exist": _("“{value}” is not a researcher in this assessment."),
        "invalid": _("Give a username."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="username", **kwargs)

    def get_queryset(self):
        return evidence_members(self.context["assessment"])


class FindingSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    indicator_text = serializers.CharField(source="indicator.text", read_only=True)
    category = serializers.CharField(source="indicator.category.code", read_only=True)
    theme = serializers.CharField(
        source="indicator.question.theme.code", read_only=True, allow_null=True, default=None
    )
    is_core = serializers.BooleanField(source="indicator.is_core", read_only=True)
    score_label = serializers.SerializerMethodField()
    # Declared because read-only model fields lose allow_blank, and "" (no value) is a real answer here.
    special_score = serializers.ChoiceField(choices=SpecialScore.choices, allow_blank=True, read_only=True)
    confidence = serializers.ChoiceField(choices=Confidence.choices, allow_blank=True, read_only=True)
    assignee = serializers.CharField(
        source="assignee.username", read_only=True, allow_null=True, default=None
    )
    updated_by = serializers.CharField(
        source="updated_by.username", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Finding
        fields = [
            "indicator",
            "indicator_text",
            "category",
            "theme",
            "is_core",
            "status",
            "score",
            "score_label",
            "special_score",
            "confidence",
            "narrative",
            "narrative_second",
            "assignee",
            "due_date",
            "version",
            "updated",
            "updated_by",
        ]
        read_only_fields = fields

    def get_score_label(self, finding) -> str:
        return finding.assessment.score_label(finding.score)


# The findings list's rows (views.FindingViewSet.list): FindingSerializer's output from plain rows; the
# score's label comes from the request's assessment (``context``), as get_score_label reads it.
FINDING_ROWS = SerializerRows(
    FindingSerializer,
    computed={"score_label": lambda values, assessment: assessment.score_label(values["score"])},
)


class FindingUpdateSerializer(StrictFieldsMixin, serializers.Serializer):
    """A partial update: any of the editable fields, plus the version the client read."""

    read_serializer = FindingSerializer

    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text=_("The version you read. Required unless you send it as an If-Match header."),
    )
    status = serializers.ChoiceField(choices=FindingStatus.choices, required=False)
    score = serializers.IntegerField(min_value=1, max_value=MAX_SCALE_LEVELS, required=False, allow_null=True)
    special_score = serializers.ChoiceField(choices=SpecialScore.choices, required=False, allow_blank=True)
    confidence = serializers.ChoiceField(choices=Confidence.choices, required=False, allow_blank=True)
    narrative = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100_000,
        trim_whitespace=False,
        help_text=_("Markdown, in the assessment's primary language."),
    )
    narrative_second = second_language_field(max_length=100_000)
    assignee = AssigneeField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)

    def validate_score(self, score):
        levels = len(self.context["assessment"].scale)
        if score is not None and score > levels:
            raise serializers.ValidationError(
                _("The score must be between 1 and %(n)d (this assessment's scale).") % {"n": levels}
            )
        return score

    def validate(self, attrs):
        validate_second_language(self.context["assessment"], attrs)
        if attrs.get("score") is not None and attrs.get("special_score"):
            raise serializers.ValidationError(
                {"special_score": _("Give a score or a reason for no score, not both.")}
            )
        return attrs


def json_safe(value):
    """History values (dates, decimals, ids) as JSON: numbers and text stay, the rest becomes text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class ConflictSerializer(serializers.Serializer):
    """409/412: someone saved the finding after the version you sent."""

    detail = serializers.CharField()
    current = FindingSerializer()
    changes = ChangeSerializer(many=True, help_text=_("What changed since the version you sent."))


@extend_schema_field(OpenApiTypes.STR)
class FindingCodeField(serializers.SlugRelatedField):
    """A finding of this assessment, named by its indicator's code (``R.1.1``)."""

    default_error_messages = {
        "does_not_exist": _("No finding for indicator “{value}” in this assessment's scope."),
        "invalid": _("Give an indicator code, e.g. R.1.1."),
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="indicator__code", **kwargs)

    def get_queryset(self):
        return Finding.objects.filter(assessment=self.context["assessment"], archived=False)

    def to_representation(self, finding):
        return finding.indicator.code


@extend_schema_field(OpenApiTypes.INT)
class SourceField(serializers.PrimaryKeyRelatedField):
    """A source of this assessment, by id."""

    default_error_messages = {"does_not_exist": _("This assessment has no source {pk_value}.")}

    def get_queryset(self):
        return Source.objects.filter(assessment=self.context["assessment"])


@extend_schema_field(OpenApiTypes.URI)
class WebURLSerializerField(serializers.CharField):
    """A source's URL: the model field's validator (http/https only) is its one check; DRF's own URLField
    would add a second, looser one (it accepts ftp://) and a second message."""


class SourceSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        WebURLField: WebURLSerializerField,
    }

    class Meta:
        model = Source
        fields = ["id", "type", "title", "author", "published", "url", "accessed", "created", "updated"]
        read_only_fields = ["id", "created", "updated"]


class CitationSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    indicator = FindingCodeField(source="finding", help_text=_("The finding, by its indicator's code."))
    source = SourceField()

    class Meta:
        model = Citation
        fields = ["id", "indicator", "source", "locator", "created", "updated"]
        read_only_fields = ["id", "created", "updated"]
        validators = []  # validate() says which field is wrong instead of DRF's generic unique-set message

    def validate(self, attrs):
        finding = attrs.get("finding", getattr(self.instance, "finding", None))
        source = attrs.get("source", getattr(self.instance, "source", None))
        duplicate = Citation.objects.filter(finding=finding, source=source)
        if self.instance is not None:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            raise serializers.ValidationError({"source": _("This finding already cites this source.")})
        return attrs


class DataPointSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    indicator = FindingCodeField(source="finding", help_text=_("The finding, by its indicator's code."))
    source = SourceField(required=False, allow_null=True)

    class Meta:
        model = DataPoint
        fields = [
            "id",
            "indicator",
            "value",
            "unit",
            "year",
            "disaggregation",
            "group",
            "source",
            "created",
            "updated",
        ]
        read_only_fields = ["id", "created", "updated"]
