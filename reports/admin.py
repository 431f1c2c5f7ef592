"""Report content in the research workspace: researchers and leads write (Perm.EDIT_REPORT), other
members read, outsiders see nothing — all through assessments.rules."""

from django import forms
from django.contrib import admin, messages
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.admin import AssessmentScopedMixin
from assessments.admin.bilingual import BilingualAdminMixin
from assessments.forms import ShortenedUploadNamesMixin
from assessments.models import Finding
from assessments.rules import Perm
from assessments.uploads import StorageFailed, store_upload
from indicators.models import Category
from reports.models import Recommendation, Report, ReportSection


class AssessmentScopedAdmin(BilingualAdminMixin, AssessmentScopedMixin, admin.ModelAdmin):
    """Report content: readable by members, written by those who may ``Perm.EDIT_REPORT``."""

    edit_perm = Perm.EDIT_REPORT


class ReportForm(ShortenedUploadNamesMixin, forms.ModelForm):
    upload_fields = ("logo", "partner_logo")

    class Meta:
        model = Report
        fields = ["logo", "partner_logo"]  # the admin's ``fields`` add the others


@admin.register(Report)
class ReportAdmin(AssessmentScopedAdmin):
    form = ReportForm
    bilingual_fields = ("title", "subtitle")
    list_display = ["__str__", "assessment", "report_date", "updated"]
    list_filter = ["assessment__code"]
    fields = [
        "assessment",
        "title",
        "title_second",
        "local_title",
        "subtitle",
        "subtitle_second",
        "series",
        "scope_note",
        "report_date",
        "logo",
        "partner_logo",
    ]

    def save_model(self, request, obj, form, change):
        for name in ("logo", "partner_logo"):
            if name not in form.changed_data or not getattr(obj, name):
                continue
            try:
                store_upload(getattr(obj, name))
            except StorageFailed as exc:
                # The report keeps the logo it had and the other fields of this save.
                setattr(
                    obj, name, Report.objects.filter(pk=obj.pk).values_list(name, flat=True).first() or ""
                )
                self.message_user(request, exc.message, messages.ERROR)
        super().save_model(request, obj, form, change)


class SectionChanged(Exception):
    """Someone saved the section between the form's check and our write (the request is rolled back)."""


class ReportSectionForm(forms.ModelForm):
    """The admin's section form carries the version it was loaded with, as the workspace does: a save
    from a stale form is refused with the input kept, whichever door the other save came through."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = ReportSection
        fields = ["assessment", "kind", "body", "body_second"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loaded_version"].initial = self.instance.version if self.instance.pk else 0

    def clean(self):
        cleaned = super().clean()
        section = self.instance
        if not section.pk:
            return cleaned
        stored = ReportSection.objects.select_related("updated_by").get(pk=section.pk)
        if cleaned.get("loaded_version") != stored.version:
            who = stored.updated_by.get_full_name() or stored.updated_by.username if stored.updated_by else ""
            raise forms.ValidationError(
                _(
                    "Nothing was saved: %(who)s saved this section while you were editing it (version "
                    "%(v)d). Your text is kept below; open the section again to start from theirs."
                )
                % {"who": who or _("Someone"), "v": stored.version},
                code="edit_conflict",
            )
        return cleaned


@admin.register(ReportSection)
class ReportSectionAdmin(AssessmentScopedAdmin):
    form = ReportSectionForm
    bilingual_fields = ("body",)
    list_display = ["kind", "assessment", "updated"]
    list_filter = ["assessment__code", "kind"]
    fields = ["assessment", "kind", "body", "body_second", "loaded_version"]
    formfield_overrides = {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except SectionChanged:
            # Rolled back; run again so the form's own check reports the conflict with the input kept.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        # A save here is a new version too, written only if the version is still the one the form was
        # loaded with (one conditional UPDATE): the workspace's editors are refused after it
        # (reports.workspace.save_section), and it is refused after theirs.
        obj.updated_by = request.user
        if not change:
            super().save_model(request, obj, form, change)
            return
        written = ReportSection.objects.filter(pk=obj.pk, version=form.cleaned_data["loaded_version"]).update(
            body=obj.body,
            body_second=obj.body_second,
            version=F("version") + 1,
            updated_by=request.user,
            updated=timezone.now(),
        )
        if not written:
            raise SectionChanged
        obj.refresh_from_db(fields=["version", "updated"])

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("body", "body_second"):
            field.widget = forms.Textarea(attrs={"rows": 22, "cols": 60})
        return field


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = [
            "assessment",
            "stakeholder_group",
            "text",
            "text_second",
            "priority",
            "order",
            "categories",
            "findings",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        assessment = self.instance.assessment if self.instance.assessment_id else None
        if assessment:
            self.fields["findings"].queryset = Finding.objects.filter(
                assessment=assessment, archived=False
            ).select_related("indicator", "assessment")
            self.fields["categories"].queryset = Category.objects.filter(framework=assessment.framework)
        else:
            self.fields["findings"].queryset = Finding.objects.none()
            self.fields["findings"].help_text = _("Save the recommendation first, then link its findings.")

    def clean(self):
        data = super().clean()
        assessment = data.get("assessment")
        if assessment:
            if any(f.assessment_id != assessment.pk for f in data.get("findings") or []):
                self.add_error("findings", _("Link only findings of this assessment."))
            if any(c.framework_id != assessment.framework_id for c in data.get("categories") or []):
                self.add_error("categories", _("Use the categories of this assessment's framework edition."))
        return data


@admin.register(Recommendation)
class RecommendationAdmin(AssessmentScopedAdmin):
    form = RecommendationForm
    bilingual_fields = ("text",)
    list_display = ["text", "stakeholder_group", "priority", "order", "assessment"]
    list_editable = ["priority", "order"]
    list_filter = ["assessment__code", "stakeholder_group", "priority", "categories__code"]
    search_fields = ["text"]
    filter_horizontal = ["categories", "findings"]
    list_select_related = ["assessment"]
