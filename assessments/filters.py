"""Finding filters shared by the assessment pages, the API and the research workspace's list filters
(``assessments.admin.filters.finding_list_filter`` turns a field into an admin list filter).

``?category=R&theme=R.A&core=true&status=draft&status=ready&assignee=alice&score=3&changed_since=2024-05-01T00:00Z``
"""

import datetime

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from assessments.choices import MAX_SCALE_LEVELS, FindingStatus, SpecialScore
from assessments.models import Finding
from indicators.choices import CategoryCode
from indicators.filters import StrictBooleanFilter


class SinceField(IsoDateTimeField):
    """An ISO 8601 moment; one the database cannot hold in UTC (year 9999 at -14:00) is a form error."""

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is not None:
            try:
                moment.astimezone(datetime.UTC)
            except OverflowError as exc:
                raise forms.ValidationError(_("This date is out of range.")) from exc
        return moment


class SinceFilter(django_filters.DateTimeFilter):
    field_class = SinceField


# Any level of any scale (the longest has MAX_SCALE_LEVELS), a reason for no score, or not scored yet.
SCORE_CHOICES = [
    *((str(i), str(i)) for i in range(1, MAX_SCALE_LEVELS + 1)),
    *SpecialScore.choices,
    ("none", _("Not scored yet")),
]


class FindingFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(
        field_name="indicator__category__code", choices=CategoryCode.choices, label=_("Category")
    )
    theme = django_filters.CharFilter(field_name="indicator__question__theme__code", label=_("Theme code"))
    core = StrictBooleanFilter(field_name="indicator__is_core", label=_("Core indicators only"))
    indicator = django_filters.CharFilter(field_name="indicator__code", label=_("Indicator code"))
    status = django_filters.MultipleChoiceFilter(choices=FindingStatus.choices, label=_("Status"))
    assignee = django_filters.CharFilter(
        method="filter_assignee", label=_("Assignee's username; “me” for yourself, “none” for nobody")
    )
    score = django_filters.ChoiceFilter(
        choices=SCORE_CHOICES,
        method="filter_score",
        label=_("Score level, a reason for no score, or “none” (not scored yet)"),
    )
    changed_since = SinceFilter(field_name="updated", lookup_expr="gte", label=_("Changed since"))

    class Meta:
        model = Finding
        fields = []

    def filter_assignee(self, queryset, name, value):
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value == "me":
            user = getattr(self.request, "user", None)
            return queryset.filter(assignee=user) if user and user.is_authenticated else queryset.none()
        return queryset.filter(assignee__username=value)

    def filter_score(self, queryset, name, value):
        if value.isdigit():
            return queryset.filter(score=int(value))
        if value == "none":
            return queryset.filter(score__isnull=True, special_score="")
        return queryset.filter(special_score=value)


class EvidenceFilter(django_filters.FilterSet):
    """Citations and data points of one finding: ``?indicator=R.1.1``."""

    indicator = django_filters.CharFilter(field_name="finding__indicator__code", label=_("Indicator code"))
