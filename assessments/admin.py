"""The research workspace: the admin, shaped for researchers.

Users hold no Django model permissions; every admin permission below is derived from the person's role
in the object's assessment through ``assessments.rules`` (the one access helper) and
``assessments.queries``. Outsiders get 404 for objects of assessments they are not members of; members
whose role cannot edit (MAB members, staff) see read-only pages and get 403 on any write.
"""

from functools import partial

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import DateTimeField, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from assessments import spreadsheets
from assessments.choices import FindingStatus, SpecialScore
from assessments.forms import (
    FINDING_FIELDS,
    AttachmentForm,
    FindingAdminForm,
    SpreadsheetImportForm,
    time_zone_form_field,
)
from assessments.models import Assessment, Attachment, Citation, DataPoint, Finding, Membership, Source
from assessments.queries import assessments_for, editable_assessments_for, evidence_members
from assessments.rules import Perm, can, check, settable_statuses
from assessments.services import EditConflict, change_scope, create_assessment, save_finding
from assessments.timezones import activate_for, show
from assessments.uploads import StorageFailed, store_upload
from indicators.choices import CategoryCode
from indicators.models import Theme

IMPORT_SESSION_KEY = "assessments-import"


def _can_edit_somewhere(request, perm=Perm.EDIT_EVIDENCE):
    """Whether the user may ``perm`` in at least one assessment (cached on the request, per permission)."""
    cache = request.__dict__.setdefault("_roamx_can_somewhere", {})
    if perm not in cache:
        cache[perm] = editable_assessments_for(request.user, perm).exists()
    return cache[perm]


def _is_member_somewhere(request):
    """Staff who belong to some assessment (or superusers): the admin's rooms exist only for them."""
    user = request.user
    if not (user.is_active and user.is_staff):
        return False
    if not hasattr(request, "_roamx_member_somewhere"):
        request._roamx_member_somewhere = user.is_superuser or Membership.objects.filter(user=user).exists()
    return request._roamx_member_somewhere


class HistoryValues(HistoricalRecordContextHelper):
    """Show an empty relation as "—" (the default prints a placeholder for a "deleted" object)."""

    def prepare_delta_change_value(self, change, value):
        if value is None or getattr(value, "pk", True) is None:
            return "—"
        return super().prepare_delta_change_value(change, value)


class AssessmentTimesMixin:
    """List columns of date-times shown in each row's own assessment's time zone (a list can mix
    assessments). The row's assessment is joined, so the list's query count does not grow."""

    # The lookup path from this model to its Assessment.
    assessment_lookup = "assessment"

    def assessment_of(self, obj):
        for part in self.assessment_lookup.split("__"):
            obj = getattr(obj, part)
            if obj is None:
                return None
        return obj

    def get_list_display(self, request):
        return [self._in_zone(name) for name in super().get_list_display(request)]

    def get_list_select_related(self, request):
        joined = super().get_list_select_related(request)
        if self.assessment_lookup == "pk" or joined is True:
            return joined
        return [*(joined or []), self.assessment_lookup]

    def _in_zone(self, name):
        try:
            field = self.model._meta.get_field(name) if isinstance(name, str) else None
        except FieldDoesNotExist:
            field = None
        if not isinstance(field, DateTimeField):
            return name

        @admin.display(description=field.verbose_name, ordering=name)
        def column(obj):
            return show(getattr(obj, name), self.assessment_of(obj), "SHORT_DATETIME_FORMAT")

        column.__name__ = name
        return column


class AssessmentScopedMixin(AssessmentTimesMixin):
    """Admin permissions from the user's role in the object's assessment — the one scoped admin, used by
    the evidence here (``edit_perm = Perm.EDIT_EVIDENCE``) and by the report content in ``reports.admin``
    (``Perm.EDIT_REPORT``). Its API twin is ``assessments.api.scoped.AssessmentScopedMixin``."""

    edit_perm = Perm.EDIT_EVIDENCE

    def has_module_permission(self, request):
        # The admin asks this for anonymous visitors too (the login page lists the apps).
        return _is_member_somewhere(request)

    def has_view_permission(self, request, obj=None):
        if obj is None:
            return _is_member_somewhere(request)
        return can(request.user, self.assessment_of(obj), Perm.VIEW)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return _can_edit_somewhere(request, self.edit_perm)
        return can(request.user, self.assessment_of(obj), self.edit_perm)

    def has_add_permission(self, request, obj=None):
        return _can_edit_somewhere(request, self.edit_perm)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # A new row can go only into an assessment where the user may write it.
        if db_field.name == "assessment":
            kwargs["queryset"] = editable_assessments_for(request.user, self.edit_perm)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(**{f"{self.assessment_lookup}__in": assessments_for(request.user)})
        )

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # The admin would redirect with "doesn't exist"; for an assessment one is not a member of,
            # the object does not exist: 404, like every other page.
            raise Http404(_("No such object."))
        activate_for(self.assessment_of(obj))  # its pages show times in its assessment's time zone
        return obj

    def _object_for_history(self, request, object_id):
        obj = self.model._default_manager.filter(pk=object_id).first()
        if obj is None:
            raise Http404(_("No such object."))
        check(request.user, self.assessment_of(obj), Perm.VIEW)
        activate_for(self.assessment_of(obj))
        return obj

    def history_view(self, request, object_id, extra_context=None):
        self._object_for_history(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._object_for_history(request, object_id)
        if request.method == "POST":
            # Reverting would bypass the edit-conflict check: edit the object instead.
            raise PermissionDenied(_("Reverting from the history is not allowed; edit the object instead."))
        return super().history_form_view(request, object_id, version_id, extra_context)

    def revert_disabled(self, request, obj=None):
        return True

    def get_historical_record_context_helper(self, request, historical_record):
        return HistoryValues(self.model, historical_record)


class ScopedInlineMixin:
    """Inline rows follow the parent finding's assessment."""

    def _assessment(self, obj):
        return obj.assessment if obj is not None else None

    def has_view_permission(self, request, obj=None):
        return obj is None or can(request.user, self._assessment(obj), Perm.VIEW)

    def has_change_permission(self, request, obj=None):
        return obj is not None and can(request.user, self._assessment(obj), Perm.EDIT_EVIDENCE)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


# ---- assessments --------------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    fields = ["user", "role", "stakeholder_group", "organisation"]

    def has_view_permission(self, request, obj=None):
        return obj is None or can(request.user, obj, Perm.VIEW)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser if obj is None else can(request.user, obj, Perm.MANAGE)

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


@admin.register(Assessment)
class AssessmentAdmin(AssessmentScopedMixin, admin.ModelAdmin):
    assessment_lookup = "pk"  # unused: assessment_of is overridden
    edit_perm = Perm.MANAGE
    list_display = ["code", "title", "country_name", "scope", "phase", "dashboard_link"]
    list_filter = ["phase", "scope"]
    search_fields = ["code", "title", "country_name"]
    inlines = [MembershipInline]
    readonly_fields = ["created", "updated", "created_by"]
    fieldsets = [
        (None, {"fields": ["code", "title", ("country_code", "country_name"), "time_zone", "framework"]}),
        (gettext_lazy("Scope and timing"), {"fields": ["scope", ("period_start", "period_end"), "phase"]}),
        (gettext_lazy("Scoring"), {"fields": ["scale"]}),
        (gettext_lazy("Record"), {"fields": ["created_by", "created", "updated"], "classes": ["collapse"]}),
    ]

    def assessment_of(self, obj):
        return obj

    def get_queryset(self, request):
        return assessments_for(request.user)

    def has_add_permission(self, request):
        # Starting a national assessment is an administrator's decision.
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "time_zone":
            return time_zone_form_field()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["code", "framework"]  # URLs and findings depend on them
        return fields

    @admin.display(description=gettext_lazy("dashboard"))
    def dashboard_link(self, obj):
        return format_html('<a href="{}">{}</a>', obj.get_absolute_url(), _("Open"))

    def save_model(self, request, obj, form, change):
        if not change:
            # Through the service, so the assessment starts with one finding per indicator in scope.
            fields = {
                f.name: getattr(obj, f.name)
                for f in Assessment._meta.concrete_fields
                if f.name not in {"id", "created", "updated", "created_by"}
            }
            created = create_assessment(created_by=request.user, **fields)
            obj.pk, obj.created, obj.updated, obj.created_by = (
                created.pk,
                created.created,
                created.updated,
                created.created_by,
            )
            obj._state.adding = False
            messages.info(
                request, _("%(n)d findings were created for the scope.") % {"n": created.findings.count()}
            )
            return
        super().save_model(request, obj, form, change)
        if "scope" in form.changed_data:
            result = change_scope(obj, obj.scope)
            messages.info(
                request,
                _(
                    "Scope changed: %(created)d findings created, %(archived)d archived (their evidence is kept), %(restored)d restored."
                )
                % result,
            )


# ---- findings: list filters ---------------------------------------------------------------------------


class CategoryFilter(admin.SimpleListFilter):
    title = gettext_lazy("category")
    parameter_name = "category"

    def lookups(self, request, model_admin):
        return CategoryCode.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(indicator__category__code=self.value())
        return queryset


class ThemeFilter(admin.SimpleListFilter):
    title = gettext_lazy("theme")
    parameter_name = "theme"

    def lookups(self, request, model_admin):
        frameworks = assessments_for(request.user).values("framework")
        category = request.GET.get("category")
        themes = Theme.objects.filter(framework__in=frameworks).order_by("framework", "order")
        if category:
            themes = themes.filter(category__code=category)
        return [(t.code, f"{t.code} {t.title}") for t in themes]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(indicator__question__theme__code=self.value())
        return queryset


class CoreFilter(admin.SimpleListFilter):
    title = gettext_lazy("core")
    parameter_name = "core"

    def lookups(self, request, model_admin):
        return [("1", _("Core")), ("0", _("Not core"))]

    def queryset(self, request, queryset):
        if self.value() in {"0", "1"}:
            return queryset.filter(indicator__is_core=self.value() == "1")
        return queryset


class AssigneeFilter(admin.SimpleListFilter):
    title = gettext_lazy("assignee")
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        from django.contrib.auth import get_user_model

        people = (
            get_user_model()
            .objects.filter(assigned_findings__assessment__in=assessments_for(request.user))
            .distinct()
            .order_by("username")
        )
        return [("me", _("Me")), ("none", _("Nobody"))] + [
            (str(u.pk), u.get_full_name() or u.username) for u in people
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "me":
            return queryset.filter(assignee=request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assignee_id=int(value))
        return queryset


class ScoreFilter(admin.SimpleListFilter):
    title = gettext_lazy("score")
    parameter_name = "score"

    def lookups(self, request, model_admin):
        # As many levels as the longest scale among the user's assessments (five by default).
        levels = max(
            (len(scale) for scale in assessments_for(request.user).values_list("scale", flat=True)), default=5
        )
        return (
            [(str(i), str(i)) for i in range(1, levels + 1)]
            + [(s.value, s.label) for s in SpecialScore]
            + [("none", _("Not scored yet"))]
        )

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value.isdigit():
            return queryset.filter(score=int(value))
        if value == "none":
            return queryset.filter(score__isnull=True, special_score="")
        return queryset.filter(special_score=value)


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


# ---- findings: inlines --------------------------------------------------------------------------------


class CitationInline(ScopedInlineMixin, admin.TabularInline):
    model = Citation
    extra = 1
    fields = ["source", "locator"]
    verbose_name = gettext_lazy("cited source")
    verbose_name_plural = gettext_lazy("sources cited")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "source":
            finding = getattr(request, "_roamx_finding", None)
            sources = Source.objects.filter(assessment__in=editable_assessments_for(request.user))
            if finding is not None:
                sources = Source.objects.filter(assessment_id=finding.assessment_id)
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


class DataPointInline(ScopedInlineMixin, admin.TabularInline):
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


class AttachmentInline(ScopedInlineMixin, admin.TabularInline):
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
        from django.template.defaultfilters import filesizeformat

        return filesizeformat(obj.size) if obj and obj.pk else ""


# ---- findings -----------------------------------------------------------------------------------------


@admin.register(Finding)
class FindingAdmin(AssessmentScopedMixin, SimpleHistoryAdmin):
    form = FindingAdminForm
    change_form_template = "admin/assessments/finding/change_form.html"
    change_list_template = "admin/assessments/finding/change_list.html"
    list_display = ["code", "indicator_text", "status_badge", "score_display", "assignee", "updated"]
    list_display_links = ["code", "indicator_text"]
    list_filter = [
        CategoryFilter,
        ThemeFilter,
        CoreFilter,
        "status",
        AssigneeFilter,
        ScoreFilter,
        ArchivedFilter,
        AssessmentFilter,
    ]
    search_fields = ["indicator__code", "indicator__text", "narrative"]
    list_select_related = ["indicator", "assessment", "assignee"]
    ordering = ["assessment", "indicator__order"]
    list_per_page = 50
    inlines = [CitationInline, DataPointInline, AttachmentInline]
    history_list_display = ["status", "score"]

    def get_search_results(self, request, queryset, search_term):
        # An exact code ("R.4.1") should not also match R.4.10; search codes exactly when they look like one.
        term = search_term.strip()
        if term and term[0].isalpha() and "." in term and " " not in term:
            return queryset.filter(Q(indicator__code__iexact=term) | Q(narrative__icontains=term)), False
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
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"user": request.user})

    def get_fieldsets(self, request, obj=None):
        main = ["status", ("score", "special_score"), "confidence", "narrative", ("assignee", "due_date")]
        if obj is not None and self.has_change_permission(request, obj):
            main += ["loaded_version", "overwrite_version"]
        return [(None, {"fields": main})]

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
        mine = (
            Finding.objects.filter(assessment_id=obj.assessment_id, assignee=request.user, archived=False)
            .exclude(status=FindingStatus.ENDORSED)
            .exclude(pk=obj.pk)
            .select_related("indicator")
            .order_by("indicator__order")
        )
        return mine.filter(indicator__order__gt=obj.indicator.order).first() or mine.first()

    def response_change(self, request, obj):
        if "_savenext" in request.POST:
            following = self._next_finding(request, obj)
            self.message_user(request, _("Saved %(code)s.") % {"code": obj.indicator.code}, messages.SUCCESS)
            if following is None:
                self.message_user(request, _("No other finding is waiting for you."), messages.INFO)
                return redirect("admin:assessments_finding_changelist")
            return redirect("admin:assessments_finding_change", following.pk)
        return super().response_change(request, obj)

    # -- bulk actions

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        if not _can_edit_somewhere(request):
            return actions
        for status in (
            FindingStatus.DRAFT,
            FindingStatus.READY,
            FindingStatus.NEEDS_REVISION,
            FindingStatus.ENDORSED,
        ):
            name = f"status_{status.value}"
            actions[name] = (
                partial(FindingAdmin.change_status, status=status),
                name,
                _("Change status to “%s”") % status.label,
            )
        actions["assign_none"] = (partial(FindingAdmin.assign, user=None), "assign_none", _("Unassign"))
        people = evidence_members(editable_assessments_for(request.user))
        for person in people:
            name = f"assign_{person.pk}"
            actions[name] = (
                partial(FindingAdmin.assign, user=person),
                name,
                _("Assign to %s") % (person.get_full_name() or person.username),
            )
        return actions

    def _editable(self, request, queryset):
        """Split the selection: findings the user may edit, and the rest (refused)."""
        editable_ids = set(editable_assessments_for(request.user).values_list("pk", flat=True))
        findings = list(queryset.select_related("indicator", "assessment"))
        return (
            [f for f in findings if f.assessment_id in editable_ids],
            [f for f in findings if f.assessment_id not in editable_ids],
        )

    def _report(self, request, done, refused, verb):
        if done:
            self.message_user(
                request,
                _("%(verb)s: %(codes)s.")
                % {"verb": verb, "codes": ", ".join(f.indicator.code for f in done)},
                messages.SUCCESS,
            )
        for finding, reason in refused:
            self.message_user(
                request,
                _("%(code)s not changed: %(reason)s") % {"code": finding.indicator.code, "reason": reason},
                messages.WARNING,
            )

    def change_status(self, request, queryset, status):
        editable, locked = self._editable(request, queryset)
        done, refused = [], [(f, _("your role cannot edit this assessment")) for f in locked]
        for finding in editable:
            if finding.status == status:
                refused.append((finding, _("it is already “%s”") % FindingStatus(status).label))
                continue
            if status not in settable_statuses(request.user, finding.assessment, finding.status):
                refused.append(
                    (
                        finding,
                        _("a finding cannot go from “%(old)s” to “%(new)s”")
                        % {"old": finding.get_status_display(), "new": FindingStatus(status).label},
                    )
                )
                continue
            try:
                save_finding(
                    finding, by=request.user, expected_version=finding.version, fields={"status": status}
                )
            except (EditConflict, ValidationError) as exc:
                refused.append((finding, str(exc)))
                continue
            done.append(finding)
        self._report(request, done, refused, _("Status changed to “%s”") % FindingStatus(status).label)

    def assign(self, request, queryset, user):
        editable, locked = self._editable(request, queryset)
        done, refused = [], [(f, _("your role cannot edit this assessment")) for f in locked]
        for finding in editable:
            if user is not None and not evidence_members(finding.assessment).filter(pk=user.pk).exists():
                refused.append((finding, _("%s is not a researcher of this assessment") % user.username))
                continue
            try:
                save_finding(
                    finding, by=request.user, expected_version=finding.version, fields={"assignee": user}
                )
            except (EditConflict, ValidationError) as exc:
                refused.append((finding, str(exc)))
                continue
            done.append(finding)
        who = (user.get_full_name() or user.username) if user else _("nobody")
        self._report(request, done, refused, _("Assigned to %s") % who)

    # -- spreadsheets

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("export/", view(self.export_view), name="assessments_finding_export"),
            path("import/", view(self.import_view), name="assessments_finding_import"),
        ] + super().get_urls()

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "my_assessments": assessments_for(request.user).order_by("code"),
            "can_import": _can_edit_somewhere(request),
        }
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        """Findings or sources of one assessment as XLSX or CSV; any member may export."""
        code = request.GET.get("assessment", "")
        kind = request.GET.get("kind", "findings")
        fmt = request.GET.get("format", "xlsx")
        if kind not in {"findings", "sources"} or fmt not in spreadsheets.FORMATS:
            raise Http404
        from assessments.rules import get_assessment_for

        assessment = get_assessment_for(request.user, code, Perm.VIEW)
        dataset = (spreadsheets.export_findings if kind == "findings" else spreadsheets.export_sources)(
            assessment
        )
        response = HttpResponse(spreadsheets.render(dataset, fmt), content_type=spreadsheets.FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="{slugify(assessment.code)}-{kind}.{fmt}"'
        return response

    def import_view(self, request):
        """Upload → preview (every bad row reported; nothing written) → confirm (all or nothing)."""
        if not _can_edit_somewhere(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import findings or sources"),
            "finding_columns": spreadsheets.FINDING_COLUMNS,
            "source_columns": spreadsheets.SOURCE_COLUMNS,
        }
        if request.method == "POST" and "confirm" in request.POST:
            return self._confirm_import(request)
        form = SpreadsheetImportForm(request.POST or None, request.FILES or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            assessment = form.cleaned_data["assessment"]
            check(request.user, assessment, Perm.EDIT_EVIDENCE)
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            fmt = upload.name.rsplit(".", 1)[-1].lower()
            try:
                if kind == "findings":
                    rows = spreadsheets.read_rows(upload.read(), fmt, spreadsheets.FINDING_REQUIRED)
                    plan = spreadsheets.plan_findings(assessment, rows, request.user)
                else:
                    rows = spreadsheets.read_rows(upload.read(), fmt, spreadsheets.SOURCE_REQUIRED)
                    plan = spreadsheets.plan_sources(assessment, rows, request.user)
            except spreadsheets.ImportRefused as exc:
                context["errors"] = exc.errors
            else:
                request.session[IMPORT_SESSION_KEY] = {
                    **plan.to_stash(),
                    "assessment": assessment.pk,
                    "filename": upload.name,
                }
                context["plan"] = plan
                context["assessment"] = assessment
                context["filename"] = upload.name
        context["form"] = form
        return TemplateResponse(request, "admin/assessments/finding/import.html", context)

    def _confirm_import(self, request):
        stash = request.session.pop(IMPORT_SESSION_KEY, None)
        if not stash:
            messages.error(request, _("The preview expired; upload the file again."))
            return redirect("admin:assessments_finding_import")
        assessment = Assessment.objects.filter(pk=stash["assessment"]).first()
        if assessment is None:
            raise Http404
        check(request.user, assessment, Perm.EDIT_EVIDENCE)
        apply = spreadsheets.apply_findings if stash["kind"] == "findings" else spreadsheets.apply_sources
        try:
            count = apply(assessment, stash, request.user, stash["filename"])
        except spreadsheets.ImportRefused as exc:
            for row, reason in exc.errors:
                messages.error(
                    request,
                    _("Import refused, nothing was changed. Row %(row)d: %(reason)s")
                    % {"row": row, "reason": reason},
                )
            return redirect("admin:assessments_finding_import")
        messages.success(
            request,
            _("Imported %(file)s into %(code)s: %(n)d %(kind)s changed, %(same)d unchanged.")
            % {
                "file": stash["filename"],
                "code": assessment.code,
                "n": count,
                "kind": stash["kind"],
                "same": stash["unchanged"],
            },
        )
        target = (
            "admin:assessments_finding_changelist"
            if stash["kind"] == "findings"
            else "admin:assessments_source_changelist"
        )
        return redirect(f"{reverse(target)}?assessment={assessment.code}")


# ---- sources ------------------------------------------------------------------------------------------


@admin.register(Source)
class SourceAdmin(AssessmentScopedMixin, SimpleHistoryAdmin):
    list_display = ["title", "type", "author", "published", "assessment", "cited"]
    list_filter = ["type", AssessmentFilter]
    search_fields = ["title", "author", "url"]
    list_select_related = ["assessment"]
    fields = ["assessment", "type", "title", "author", ("published", "accessed"), "url"]

    def get_queryset(self, request):
        from django.db.models import Count

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
            kwargs["assume_scheme"] = "https"
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
