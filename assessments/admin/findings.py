"""Findings: the researcher's form, saved through ``services.save_finding``."""

import hashlib

from django.contrib import admin, messages
from django.core.cache import cache
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.html import format_html
from django.utils.timezone import get_current_timezone_name
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
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
from assessments.models import Assessment, Attachment, Finding
from assessments.queries import finding_form_state, finding_with_relations, next_finding_for
from assessments.rules import Perm, perms_for
from assessments.services import EditConflict, save_finding
from assessments.uploads import StorageFailed, store_upload
from toolkit import rows
from toolkit.csrf import CSRF_PLACEHOLDER, with_request_token

# How long a copy of the form page is kept. Its key changes with everything the page shows, so this only
# bounds the memory old copies take.
FORM_PAGE_SECONDS = 600


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

    # -- the form page, kept per version of everything it shows

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """A plain GET of the form is served from a copy kept under the version of everything the page
        shows (queries.finding_form_state) and of who reads it how (``_form_key``), rendered with
        ``CSRF_PLACEHOLDER`` as its token and sent with the request's own. Anything else (a save, a
        query string, a page that shows messages, a refused or missing finding) renders as before."""
        if (
            request.method != "GET"
            or request.META.get("QUERY_STRING")
            or form_url
            or extra_context
            or len(messages.get_messages(request))  # shown once: never kept, and the page must show them
        ):
            return super().change_view(request, object_id, form_url, extra_context)
        pk = rows.primary_key(Finding, object_id)
        state = None if pk is None else finding_form_state(request.user, pk)
        if state is None:  # no such finding, or not a member: the admin's own answer (404)
            return super().change_view(request, object_id, form_url, extra_context)
        assessment_id, role, values = state
        # The role was read with the state: perms_for needs no further query.
        request.user.__dict__.setdefault("_roamx_roles", {})[assessment_id] = role
        perms = perms_for(request.user, Assessment(pk=assessment_id))
        if Perm.VIEW not in perms:
            return super().change_view(request, object_id, form_url, extra_context)
        key = self._form_key(request, pk, role, perms, values)
        body = cache.get(key)
        if body is not None:
            return HttpResponse(with_request_token(body, request))
        response = super().change_view(request, object_id, "", {"csrf_token": CSRF_PLACEHOLDER})
        if not isinstance(response, TemplateResponse):
            return response
        response.render()
        body = response.content.decode(response.charset)
        if response.status_code == 200 and not len(messages.get_messages(request)):
            cache.set(key, body, FORM_PAGE_SECONDS)
        response.content = with_request_token(body, request)
        return response

    def _form_key(self, request, pk, role, perms, values):
        """The key of a form page: what it shows (``values``), the reader, their role and permissions
        (which fields are read-only, which fieldsets and buttons show), the path, the interface language
        and the zone active when the key is made. That zone is settings.TIME_ZONE, which no part of the page
        shows: the page switches to the assessment's zone (scoped.py, activate_for), which is among
        ``values``; it stays in the key so that a page shown in the request's own zone could never be
        served across zones. (A deploy's new code never reads these: a shared cache's keys carry the
        deploy's stamp, settings.KEY_PREFIX.)"""
        parts = [
            pk,
            request.user.pk,
            role,
            sorted(str(perm) for perm in perms),
            request.path,
            get_language(),
            get_current_timezone_name(),
            repr(values),
        ]
        return "admin-finding-form:" + hashlib.sha256(repr(parts).encode()).hexdigest()

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
