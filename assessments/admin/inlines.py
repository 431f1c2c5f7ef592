"""What a finding's page edits with it: cited sources, data points, attachments."""

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from assessments.admin.rendering import PythonRenderedBoundField, python_renderer
from assessments.admin.scoped import ScopedInlineMixin
from assessments.forms import (
    AttachmentForm,
)
from assessments.models import Attachment, Citation, DataPoint, Source
from assessments.queries import editable_assessments_for


class RowsFormSet(BaseInlineFormSet):
    """The template row ("Add another" copies it) is built once per page: Django's ``empty_form`` is a
    property that builds a new form on every use, and the admin uses it four times per inline (media,
    column headings, the rows, the template row), each the same form."""

    @cached_property
    def empty_form(self):
        return super().empty_form


class PythonRenderedRows:
    """The rows' widgets render without their templates (assessments.admin.rendering): same HTML."""

    formset = RowsFormSet

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.bound_field_class = PythonRenderedBoundField  # a form class made for this request
        formset.renderer = python_renderer()  # the rows' labels, error lists and the management form
        return formset


class SourceChoicesOnce:
    """Every row's source select (and the blank row's, and the template row's) lists the same sources:
    read them once per page instead of one query and one list per row."""

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        field = formset.form.base_fields.get("source")
        if field is not None:  # a fresh form class per request: nothing outlives the page
            field.choices = [(getattr(value, "value", value), label) for value, label in field.choices]
        return formset


class CitationInline(PythonRenderedRows, SourceChoicesOnce, ScopedInlineMixin, admin.TabularInline):
    model = Citation
    extra = 1
    fields = ["source", "locator"]
    verbose_name = gettext_lazy("cited source")
    verbose_name_plural = gettext_lazy("sources cited")

    def get_queryset(self, request):
        # Each row shows its citation's name (finding and source): no query per row.
        return (
            super()
            .get_queryset(request)
            .select_related("finding__indicator", "finding__assessment", "source")
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            finding = getattr(request, "_roamx_finding", None)
            if finding is not None:
                sources = Source.objects.filter(assessment_id=finding.assessment_id)
            else:
                sources = Source.objects.filter(assessment__in=editable_assessments_for(request.user))
            kwargs["queryset"] = sources.order_by("title")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class DataPointForm(forms.ModelForm):
    class Meta:
        model = DataPoint
        fields = ["value", "unit", "year", "disaggregation", "group", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.value is not None:
            self.initial["value"] = f"{self.instance.value.normalize():f}"  # 32.9, not 32.9000


class DataPointInline(PythonRenderedRows, SourceChoicesOnce, ScopedInlineMixin, admin.TabularInline):
    model = DataPoint
    form = DataPointForm
    extra = 1
    fields = ["value", "unit", "year", "disaggregation", "group", "source"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            finding = getattr(request, "_roamx_finding", None)
            if finding is not None:
                kwargs["queryset"] = Source.objects.filter(assessment_id=finding.assessment_id)
            else:
                kwargs["queryset"] = Source.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AttachmentInline(PythonRenderedRows, ScopedInlineMixin, admin.TabularInline):
    model = Attachment
    form = AttachmentForm
    extra = 1
    fields = ["file", "description", "download", "size_display", "uploaded_by"]
    readonly_fields = ["download", "size_display", "uploaded_by"]

    @admin.display(description=gettext_lazy("file name"))
    def download(self, obj):
        if not obj or not obj.pk:
            return ""
        url = reverse("assessments:attachment", kwargs={"code": obj.finding.assessment.code, "pk": obj.pk})
        return format_html('<a href="{}">{}</a>', url, obj.original_name)

    @admin.display(description=gettext_lazy("size"))
    def size_display(self, obj):
        return filesizeformat(obj.size) if obj and obj.pk else ""
