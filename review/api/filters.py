"""Comment and vote filters for the API: ``?target=finding&indicator=R.1.1&status=open&author_role=mab
&changed_since=2024-05-01T00:00Z``."""

import django_filters
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext_lazy as _

from assessments.choices import Role
from assessments.filters import SinceFilter
from assessments.models import Finding
from review.api.targets import TYPES
from review.choices import CommentStatus, Verdict
from review.models import Comment, Vote


class CommentFilter(django_filters.FilterSet):
    target = django_filters.ChoiceFilter(
        choices=[(name, t.label) for name, t in TYPES.items()],
        field_name="content_type__model",
        method="filter_target",
        label=_("Target type"),
    )
    indicator = django_filters.CharFilter(method="filter_indicator", label=_("Comments on this finding"))
    status = django_filters.ChoiceFilter(choices=CommentStatus.choices, label=_("Status"))
    author_role = django_filters.ChoiceFilter(choices=Role.choices, label=_("Author's role when writing"))
    changed_since = SinceFilter(field_name="updated", lookup_expr="gte", label=_("Written or changed since"))

    class Meta:
        model = Comment
        fields = []

    def filter_target(self, comments, name, value):
        app_label, model = TYPES[value].model_label.lower().split(".")
        return comments.filter(content_type__app_label=app_label, content_type__model=model)

    def filter_indicator(self, comments, name, value):
        # The comments are already those of one assessment, so the finding's assessment need not be named.
        findings = Finding.objects.filter(indicator__code=value).values("pk")
        return comments.filter(
            content_type=ContentType.objects.get_for_model(Finding), object_id__in=findings
        )


class VoteFilter(django_filters.FilterSet):
    indicator = django_filters.CharFilter(field_name="finding__indicator__code", label=_("Indicator code"))
    verdict = django_filters.ChoiceFilter(choices=Verdict.choices, label=_("Verdict"))
    member = django_filters.CharFilter(field_name="member__username", label=_("MAB member's username"))

    class Meta:
        model = Vote
        fields = []
