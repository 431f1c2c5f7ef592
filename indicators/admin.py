"""The catalogue in the admin: readable by the research team, changeable only by superusers."""

import base64

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from indicators.choices import Wording
from indicators.forms import FrameworkImportForm
from indicators.loading import (
    FrameworkFileError,
    apply_plan,
    meta_from_framework,
    parse_rows,
    plan_changes,
    read_meta,
    read_table,
)
from indicators.models import Category, Crosswalk, CrosswalkLink, Framework, Indicator, Question, Theme

SESSION_KEY = "framework-import"


class CatalogueAdmin(admin.ModelAdmin):
    """Superusers may change the catalogue; everyone else with admin access only reads it."""

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff

    def changelist_view(self, request, extra_context=None):
        reconstructed = Indicator.objects.filter(wording=Wording.RECONSTRUCTED).count()
        if reconstructed:
            messages.warning(
                request,
                _(
                    "%(n)d indicators hold reconstructed wording: not checked word for word against "
                    "UNESCO's publication. Import a verified edition to replace them."
                )
                % {"n": reconstructed},
            )
        return super().changelist_view(request, extra_context)


@admin.register(Framework)
class FrameworkAdmin(CatalogueAdmin):
    list_display = ["code", "title", "publisher", "year", "licence"]
    change_list_template = "admin/indicators/framework/change_list.html"

    def get_urls(self):
        return [
            path("import/", self.admin_site.admin_view(self.import_view), name="indicators_framework_import")
        ] + super().get_urls()

    def import_view(self, request):
        """Upload → dry run listing every code's outcome → confirm. All-or-nothing."""
        if not request.user.is_superuser:
            messages.error(request, _("Only superusers may import a framework edition."))
            return redirect("admin:indicators_framework_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import a framework edition"),
        }
        if request.method == "POST" and "confirm" in request.POST:
            stash = request.session.pop(SESSION_KEY, None)
            if not stash:
                messages.error(request, _("The preview expired; upload the file again."))
                return redirect("admin:indicators_framework_import")
            try:
                plan = self._plan(stash)
                apply_plan(plan)
            except FrameworkFileError as exc:
                messages.error(request, _("Import refused; nothing was changed: %s") % exc)
                return redirect("admin:indicators_framework_import")
            messages.success(
                request,
                _(
                    "Imported %(edition)s: %(added)d added, %(changed)d changed, %(unchanged)d unchanged, %(removed)d removed."
                )
                % {
                    "edition": stash["edition"],
                    **{a: plan.count(a) for a in ("added", "changed", "unchanged", "removed")},
                },
            )
            return redirect("admin:indicators_framework_changelist")
        form = FrameworkImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            stash = {
                "edition": form.cleaned_data["edition"],
                "format": upload.name.rsplit(".", 1)[-1].lower(),
                "data": base64.b64encode(upload.read()).decode(),
                "prune": form.cleaned_data["prune"],
            }
            try:
                plan = self._plan(stash)
            except FrameworkFileError as exc:
                context["errors"] = exc.errors
            else:
                request.session[SESSION_KEY] = stash
                context["plan"] = plan
                context["visible_changes"] = [c for c in plan.changes if c.action != "unchanged"]
                context["counts"] = {
                    a: plan.count(a) for a in ("added", "changed", "unchanged", "left", "removed", "blocked")
                }
        context["form"] = form
        return TemplateResponse(request, "admin/indicators/framework/import.html", context)

    @staticmethod
    def _plan(stash):
        rows = parse_rows(read_table(base64.b64decode(stash["data"]), format=stash["format"]))
        framework = Framework.objects.filter(code=stash["edition"]).first()
        if framework is not None:
            meta = meta_from_framework(framework)
        else:
            try:
                meta = read_meta(stash["edition"])
            except FrameworkFileError:
                meta = {
                    "code": stash["edition"],
                    "title": stash["edition"],
                    "publisher": "",
                    "year": 0,
                    "licence": "",
                }
        return plan_changes(rows, meta, prune=stash["prune"])


@admin.register(Category)
class CategoryAdmin(CatalogueAdmin):
    list_display = ["code", "name", "framework"]
    list_filter = ["framework"]


@admin.register(Theme)
class ThemeAdmin(CatalogueAdmin):
    list_display = ["code", "title", "category"]
    list_filter = ["framework", "category__code"]
    list_select_related = ["category"]


@admin.register(Question)
class QuestionAdmin(CatalogueAdmin):
    list_display = ["code", "text", "theme", "wording"]
    list_filter = ["framework", "theme__category__code", "wording"]
    search_fields = ["code", "text"]
    list_select_related = ["theme"]


@admin.register(Indicator)
class IndicatorAdmin(CatalogueAdmin):
    list_display = ["code", "text", "category", "is_core", "kind", "wording"]
    list_filter = ["framework", "category__code", "is_core", "kind", "wording", "context_group"]
    search_fields = ["code", "text", "question__text"]
    list_select_related = ["category"]
    readonly_fields = ["created", "updated"]

    def view_on_site(self, obj):
        return reverse("indicators:indicator", kwargs={"edition": obj.framework.code, "code": obj.code})


class CrosswalkLinkInline(admin.TabularInline):
    model = CrosswalkLink
    fields = ["old_code", "new_code", "relation", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Crosswalk)
class CrosswalkAdmin(CatalogueAdmin):
    """Read only: a crosswalk is loaded (and replaced) as a whole by ``manage.py import_crosswalk``, whose
    checks a row edited here would bypass. Superusers may delete one."""

    list_display = ["__str__", "source", "licence", "created"]
    list_select_related = ["from_framework", "to_framework"]
    readonly_fields = ["from_framework", "to_framework", "source", "licence", "note", "created", "updated"]
    inlines = [CrosswalkLinkInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
