"""Indicator filters shared by the framework pages and the API (``?category=R&theme=R.A&core=true``)."""

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from indicators.choices import CategoryCode, IndicatorKind
from indicators.models import Indicator
from indicators.queries import filter_indicators


class StrictBooleanField(forms.NullBooleanField):
    """true/false (also 1/0, yes/no); anything else is an error rather than silently no filter."""

    widget = forms.TextInput  # the default select widget turns unknown values into "no filter"
    VALUES = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}

    def to_python(self, value):
        if value in (None, "") or isinstance(value, bool):
            return None if value == "" else value
        try:
            return self.VALUES[str(value).strip().lower()]
        except KeyError:
            raise forms.ValidationError(_("Use true or false.")) from None

    def validate(self, value):
        pass


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class IndicatorFilter(django_filters.FilterSet):
    category = django_filters.ChoiceFilter(
        field_name="category__code", choices=CategoryCode.choices, label=_("Category")
    )
    theme = django_filters.CharFilter(field_name="question__theme__code", label=_("Theme code, e.g. R.A"))
    core = StrictBooleanFilter(field_name="is_core", label=_("Core indicators only (true/false)"))
    kind = django_filters.ChoiceFilter(choices=IndicatorKind.choices, label=_("Kind"))
    q = django_filters.CharFilter(method="search", max_length=100, label=_("Code prefix or words"))

    class Meta:
        model = Indicator
        fields = []

    def search(self, queryset, name, value):
        # The same search as the framework page, so both find the same indicators.
        return filter_indicators(queryset, q=value.strip())
