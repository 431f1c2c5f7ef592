"""Findings and sources to and from spreadsheets: the export, and the import's preview and confirmation."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.text import slugify
from django.utils.translation import gettext as _

from assessments import spreadsheets
from assessments.admin.scoped import can_edit_somewhere
from assessments.forms import (
    SpreadsheetImportForm,
)
from assessments.models import Assessment
from assessments.queries import assessments_for
from assessments.rules import Perm, check, get_assessment_for

IMPORT_SESSION_KEY = "assessments-import"


class SpreadsheetViewsMixin:
    """For FindingAdmin: the export and import views, at admin/assessments/finding/export|import/."""

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
            "can_import": can_edit_somewhere(request),
        }
        return super().changelist_view(request, extra_context)

    def export_view(self, request):
        """Findings or sources of one assessment as XLSX or CSV; any member may export."""
        code = request.GET.get("assessment", "")
        kind = request.GET.get("kind", "findings")
        fmt = request.GET.get("format", "xlsx")
        if kind not in {"findings", "sources"} or fmt not in spreadsheets.FORMATS:
            raise Http404
        assessment = get_assessment_for(request.user, code, Perm.VIEW)
        dataset = (spreadsheets.export_findings if kind == "findings" else spreadsheets.export_sources)(
            assessment
        )
        response = HttpResponse(spreadsheets.render(dataset, fmt), content_type=spreadsheets.FORMATS[fmt])
        response["Content-Disposition"] = f'attachment; filename="{slugify(assessment.code)}-{kind}.{fmt}"'
        return response

    def import_view(self, request):
        """Upload → preview (every bad row reported; nothing written) → confirm (all or nothing)."""
        if not can_edit_somewhere(request):
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
