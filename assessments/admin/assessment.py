"""Assessments and their members."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.admin.scoped import AssessmentScopedMixin
from assessments.choices import Scope
from assessments.forms import time_zone_form_field
from assessments.models import Assessment, Membership
from assessments.queries import assessments_for
from assessments.rules import Perm, can
from assessments.scopes import describe_scope
from assessments.services import change_scope, create_assessment


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


class AssessmentAdminForm(forms.ModelForm):
    def clean_scope(self):
        scope = self.cleaned_data["scope"]
        instance = self.instance
        if scope == Scope.SELECTED and not (instance.pk and instance.selected_indicators.exists()):
            raise forms.ValidationError(
                _("Pick the indicators on the assessment's scope page first, then choose this scope.")
            )
        return scope


@admin.register(Assessment)
class AssessmentAdmin(AssessmentScopedMixin, admin.ModelAdmin):
    assessment_lookup = "pk"  # unused: assessment_of is overridden
    edit_perm = Perm.MANAGE
    form = AssessmentAdminForm
    list_display = ["code", "title", "country_name", "scope", "phase", "dashboard_link"]
    list_filter = ["phase", "scope"]
    search_fields = ["code", "title", "country_name"]
    inlines = [MembershipInline]
    readonly_fields = ["created", "updated", "created_by", "scope_summary", "previous"]
    fieldsets = [
        (None, {"fields": ["code", "title", ("country_code", "country_name"), "time_zone", "framework"]}),
        (gettext_lazy("Languages"), {"fields": [("language", "second_language")]}),
        (
            gettext_lazy("Scope and timing"),
            {"fields": ["scope", "scope_summary", ("period_start", "period_end"), "phase", "previous"]},
        ),
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

    @admin.display(description=gettext_lazy("assessed"))
    def scope_summary(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '{} · <a href="{}">{}</a>',
            describe_scope(obj),
            reverse("assessments:scope", kwargs={"code": obj.code}),
            _("Pick indicators on the scope page"),
        )

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
