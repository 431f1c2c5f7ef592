"""Findings: the researcher's form, saved through ``services.save_finding``."""

from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import redirect
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from assessments.admin.actions import FindingActionsMixin
from assessments.admin.bilingual import BilingualAdminMixin
from assessments.admin.filters import FINDING_FILTERS, ArchivedFilter, AssessmentFilter
from assessments.admin.inlines import AttachmentInline, CitationInline, DataPointInline
from assessments.admin.rendering import PythonRenderedBoundField, python_renderer
from assessments.admin.scoped import AssessmentScopedMixin
from assessments.admin.spreadsheets import SpreadsheetViewsMixin
from assessments.forms import (
    FINDING_FIELDS,
    FindingAdminForm,
)
from assessments.models import Attachment, Finding
from assessments.queries import finding_with_relations, next_finding_for
from assessments.services import EditConflict, save_finding
from assessments.uploads import StorageFailed, store_upload


@admin.register(Finding)
class FindingAdmin(
    BilingualAdminMixin, SpreadsheetViewsMixin, FindingActionsMixin, AssessmentScopedMixin, SimpleHistoryAdmin
):
    bilingual_fields = ("narrative",)
    form = FindingAdminForm
    change_form_template = "admin/assessments/finding/change_form.html"
    change_list_template = "admin/assessments/finding/change_list.html"
    list_display = ["code", "indicator_text", "status_badge", "score_display", "assignee", "updated"]
    list_display_links = ["code", "indicator_text"]
    list_filter = [*FINDING_FILTERS, ArchivedFilter, AssessmentFilter]
    search_fields = ["indicator__code", "indicator__text", "narrative", "narrative_second"]
    list_select_related = ["indicator", "assessment", "assignee"]
    ordering = ["assessment", "indicator__order"]
    list_per_page = 50
    inlines = [CitationInline, DataPointInline, AttachmentInline]
    history_list_display = ["status", "score"]
    # The change form's finding, in plain SQL: what get_queryset scopes and joins.
    object_for = staticmethod(finding_with_relations)

    def get_search_results(self, request, queryset, search_term):
        # An exact code ("R.4.1") should not also match R.4.10; search codes exactly when they look like one.
        term = search_term.strip()
        if term and term[0].isalpha() and "." in term and " " not in term:
            return queryset.filter(
                Q(indicator__code__iexact=term)
                | Q(narrative__icontains=term)
                | Q(narrative_second__icontains=term)
            ), False
        return super().get_search_results(request, queryset, search_term)

    # -- columns

    @admin.display(description=gettext_lazy("code"), ordering="indicator__order")
    def code(self, obj):
        return obj.indicator.code

    @admin.display(description=gettext_lazy("indicator"))
    def indicator_text(self, obj):
        text = obj.indicator.text
        return text if len(text) <= 90 else text[:88] + "…"

    @admin.display(description=gettext_lazy("status"), ordering="status")
    def status_badge(self, obj):
        return format_html('<span class="status status-{}">{}</span>', obj.status, obj.get_status_display())

    @admin.display(description=gettext_lazy("score"), ordering="score")
    def score_display(self, obj):
        return obj.score_display or "—"

    # -- permissions

    def has_add_permission(self, request):
        return False  # findings come from the assessment's scope

    def has_delete_permission(self, request, obj=None):
        return False  # narrowing the scope archives a finding; its evidence is never deleted

    def get_queryset(self, request):
        # The changelist skips list_select_related once a queryset has select_related: name all of it here.
        return (
            super()
            .get_queryset(request)
            .select_related("indicator__question__theme", "indicator__category", "assessment", "assignee")
        )

    # -- the form

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)  # a class made for this request (modelform_factory)
        form.user = request.user
        # Its widgets render without their templates (assessments.admin.rendering): the same HTML.
        form.bound_field_class = PythonRenderedBoundField
        form.default_renderer = python_renderer()  # and its labels and error lists
        return form

    def get_fieldsets(self, request, obj=None):
        main = ["status", ("score", "special_score"), "confidence", "narrative", ("assignee", "due_date")]
        if obj is not None and self.has_change_permission(request, obj):
            main += ["loaded_version", "overwrite_version"]
        return [(None, {"fields": self.bilingual_layout(main, obj)})]

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        request._roamx_finding = obj  # inlines limit their source choices to this assessment
        return obj

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict:
            # Someone saved between our form check and our write; the whole request was rolled back.
            # Running it again lets the form's own check report the conflict with the input kept.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        context["conflict"] = getattr(form, "conflict", None)
        context["finding"] = obj
        if obj is not None:
            context["indicator"] = obj.indicator
            context["next_finding"] = self._next_finding(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # Write through the service from a fresh copy: it checks the transition against the stored
        # status and refuses the save if someone else saved since the form was loaded.
        fields = {name: form.cleaned_data[name] for name in FINDING_FIELDS if name in form.changed_data}
        finding = Finding.objects.select_related("assessment").get(pk=obj.pk)
        saved = save_finding(finding, by=request.user, expected_version=form.expected_version, fields=fields)
        obj.version, obj.updated, obj.updated_by = saved.version, saved.updated, saved.updated_by

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, Attachment):
                if not instance.uploaded_by_id:
                    instance.uploaded_by = request.user
                try:
                    store_upload(instance.file)
                except StorageFailed as exc:
                    # The finding and the other rows of this form are saved; this attachment is not.
                    self.message_user(request, exc.message, messages.ERROR)
                    continue
            instance.save()
        for deleted in formset.deleted_objects:
            deleted.delete()
        formset.save_m2m()

    # -- "save and open my next finding"

    def _next_finding(self, request, obj):
        return next_finding_for(request.user, obj)

    def response_change(self, request, obj):
        if "_savenext" in request.POST:
            following = self._next_finding(request, obj)
            self.message_user(request, _("Saved %(code)s.") % {"code": obj.indicator.code}, messages.SUCCESS)
            if following is None:
                self.message_user(request, _("No other finding is waiting for you."), messages.INFO)
                return redirect("admin:assessments_finding_changelist")
            return redirect("admin:assessments_finding_change", following.pk)
        return super().response_change(request, obj)
