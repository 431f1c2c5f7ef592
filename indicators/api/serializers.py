from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from indicators.models import Category, Framework, Indicator, Question, Theme


class FrameworkSerializer(serializers.ModelSerializer):
    indicator_count = serializers.IntegerField(read_only=True)
    core_count = serializers.IntegerField(read_only=True)
    url = serializers.HyperlinkedIdentityField(
        view_name="api:framework-detail", lookup_field="code", lookup_url_kwarg="edition"
    )

    class Meta:
        model = Framework
        fields = [
            "code",
            "url",
            "title",
            "publisher",
            "year",
            "licence",
            "licence_url",
            "source",
            "source_url",
            "credit",
            "indicator_count",
            "core_count",
        ]


class TreeIndicatorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Indicator
        fields = ["code", "text", "is_core", "kind", "context_group", "wording"]


class TreeQuestionSerializer(serializers.ModelSerializer):
    indicators = TreeIndicatorSerializer(many=True, read_only=True, source="shown_indicators")

    class Meta:
        model = Question
        fields = ["code", "text", "wording", "indicators"]


class TreeThemeSerializer(serializers.ModelSerializer):
    questions = TreeQuestionSerializer(many=True, read_only=True, source="shown_questions")

    class Meta:
        model = Theme
        fields = ["code", "title", "questions"]


class TreeCategorySerializer(serializers.ModelSerializer):
    themes = TreeThemeSerializer(many=True, read_only=True, source="shown_themes")
    indicators = TreeIndicatorSerializer(
        many=True,
        read_only=True,
        source="shown_contextual",
        help_text=_("Contextual indicators (category C), which have no theme or question."),
    )

    class Meta:
        model = Category
        fields = ["code", "name", "description", "themes", "indicators"]


class FrameworkTreeSerializer(FrameworkSerializer):
    """An edition with its whole tree: categories → themes → questions → indicators."""

    categories = TreeCategorySerializer(many=True, read_only=True, source="tree")

    class Meta(FrameworkSerializer.Meta):
        fields = [*FrameworkSerializer.Meta.fields, "categories"]


class IndicatorSerializer(serializers.ModelSerializer):
    framework = serializers.CharField(source="framework.code", read_only=True)
    category = serializers.CharField(source="category.code", read_only=True)
    theme = serializers.CharField(source="question.theme.code", read_only=True, allow_null=True, default=None)
    question = serializers.CharField(source="question.code", read_only=True, allow_null=True, default=None)
    question_text = serializers.CharField(
        source="question.text", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Indicator
        fields = [
            "code",
            "framework",
            "category",
            "theme",
            "question",
            "question_text",
            "context_group",
            "text",
            "is_core",
            "kind",
            "sources",
            "wording",
        ]
