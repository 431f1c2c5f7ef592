"""The workspace's list filters.

The findings list filters by the fields of ``assessments.filters.FindingFilter`` — the filters the review
pages and the API use — through one adapter, ``finding_list_filter``: the admin shows the choices and
``FindingFilter`` does the filtering, so a filter means the same everywhere. Only two filters are the
workspace's own: the assessment (limited to the user's) and the scope (archived findings hidden unless
asked for), which neither the API nor the review pages need.
"""

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth import get_user_model
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.choices import SpecialScore
from assessments.filters import FindingFilter
from assessments.queries import assessments_for
from indicators.models import Theme


def finding_list_filter(name, title, lookups=None):
    """An admin list filter for the FindingFilter field ``name`` (the query parameter keeps its name).

    ``lookups(request)`` gives the (value, label) choices shown; by default the field's own choices.
    An invalid value is the admin's "incorrect parameters" (the list without filters and a message).
    """

    def default_lookups(request):
        return list(FindingFilter.base_filters[name].extra["choices"])

    class FindingFieldFilter(admin.SimpleListFilter):
        parameter_name = name

        def lookups(self, request, model_admin):
            return (lookups or default_lookups)(request)

        def queryset(self, request, queryset):
            if self.value() is None:
                return queryset
            data = QueryDict(mutable=True)
            data[name] = self.value()
            filters = FindingFilter(data, queryset=queryset, request=request)
            if not filters.is_valid():
                raise IncorrectLookupParameters(filters.errors)
            return filters.qs

    FindingFieldFilter.title = title
    FindingFieldFilter.__name__ = FindingFieldFilter.__qualname__ = f"Finding{name.title()}Filter"
    return FindingFieldFilter


def theme_choices(request):
    """The themes of the user's frameworks, narrowed to the category chosen."""
    frameworks = assessments_for(request.user).values("framework")
    themes = Theme.objects.filter(framework__in=frameworks).order_by("framework", "order")
    category = request.GET.get("category")
    if category:
        themes = themes.filter(category__code=category)
    return [(t.code, f"{t.code} {t.title}") for t in themes]


def core_choices(request):
    return [("1", _("Core")), ("0", _("Not core"))]


def assignee_choices(request):
    """Me, nobody, and everyone with a finding assigned in the user's assessments (by username)."""
    people = (
        get_user_model()
        .objects.filter(assigned_findings__assessment__in=assessments_for(request.user))
        .distinct()
        .order_by("username")
    )
    return [("me", _("Me")), ("none", _("Nobody"))] + [
        (u.username, u.get_full_name() or u.username) for u in people
    ]


def score_choices(request):
    """As many levels as the longest scale among the user's assessments (five by default)."""
    levels = max(
        (len(scale) for scale in assessments_for(request.user).values_list("scale", flat=True)), default=5
    )
    return (
        [(str(i), str(i)) for i in range(1, levels + 1)]
        + [(s.value, s.label) for s in SpecialScore]
        + [("none", _("Not scored yet"))]
    )


FINDING_FILTERS = [
    finding_list_filter("category", gettext_lazy("category")),
    finding_list_filter("theme", gettext_lazy("theme"), theme_choices),
    finding_list_filter("core", gettext_lazy("core"), core_choices),
    finding_list_filter("status", gettext_lazy("status")),
    finding_list_filter("assignee", gettext_lazy("assignee"), assignee_choices),
    finding_list_filter("score", gettext_lazy("score"), score_choices),
]


class AssessmentFilter(admin.SimpleListFilter):
    """Only the assessments the user is a member of (a plain related filter would list them all)."""

    title = gettext_lazy("assessment")
    parameter_name = "assessment"
    lookup = "assessment__code"

    def lookups(self, request, model_admin):
        return [(a.code, a.code) for a in assessments_for(request.user).order_by("code")]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.lookup: self.value()})
        return queryset


class DataPointAssessmentFilter(AssessmentFilter):
    lookup = "finding__assessment__code"


class ArchivedFilter(admin.SimpleListFilter):
    """Findings outside the current scope are hidden unless asked for; their evidence is kept."""

    title = gettext_lazy("scope")
    parameter_name = "archived"

    def lookups(self, request, model_admin):
        return [("1", _("Archived (outside the scope)"))]

    def queryset(self, request, queryset):
        return queryset.filter(archived=self.value() == "1")
