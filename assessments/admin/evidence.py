"""Sources and data points (data points are added on their finding's page)."""

from django.contrib import admin
from django.contrib.admin.widgets import AdminURLFieldWidget
from django.db.models import Count
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from assessments.admin.filters import AssessmentFilter, DataPointAssessmentFilter
from assessments.admin.scoped import AssessmentScopedMixin
from assessments.fields import WebURLValidator
from assessments.models import DataPoint, Source
from assessments.queries import editable_assessments_for
from assessments.rules import Perm, check


@admin.register(Source)
class SourceAdmin(AssessmentScopedMixin, SimpleHistoryAdmin):
    list_display = ["title", "type", "author", "published", "assessment", "cited"]
    list_filter = ["type", AssessmentFilter]
    search_fields = ["title", "author", "url"]
    list_select_related = ["assessment"]
    fields = ["assessment", "type", "title", "author", ("published", "accessed"), "url"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations"))

    @admin.display(description=gettext_lazy("cited by"), ordering="citation_count")
    def cited(self, obj):
        return obj.citation_count

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        editable = list(editable_assessments_for(request.user)[:2])
        if "assessment" not in initial and len(editable) == 1:
            initial["assessment"] = editable[0].pk  # the usual case: one assessment at a time
        return initial

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            # "Currently: <link>" only for an http(s) address (the default links ftp: too).
            kwargs["widget"] = AdminURLFieldWidget(validator_class=WebURLValidator)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ["assessment"] if obj is not None else []

    def save_model(self, request, obj, form, change):
        # The form already limits the choice; the rule is checked again here for crafted POSTs.
        check(request.user, obj.assessment, Perm.EDIT_EVIDENCE)
        super().save_model(request, obj, form, change)


@admin.register(DataPoint)
class DataPointAdmin(AssessmentScopedMixin, SimpleHistoryAdmin):
    assessment_lookup = "finding__assessment"
    list_display = ["__str__", "finding", "disaggregation", "source"]
    list_filter = ["disaggregation", DataPointAssessmentFilter]
    list_select_related = ["finding__indicator", "finding__assessment", "source"]
    search_fields = ["finding__indicator__code", "unit", "group"]

    def has_add_permission(self, request):
        return False  # data points are added on their finding's page

    def get_readonly_fields(self, request, obj=None):
        return ["finding"]
