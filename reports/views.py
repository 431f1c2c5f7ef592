from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.languages import language_name, languages
from assessments.rules import Perm, get_assessment_for, perms_for
from reports import document
from reports.choices import SECTION_ORDER, ExportFormat, ExportStatus
from reports.downloads import export_response
from reports.queries import exports_for, recommendations_for, sections_for
from reports.services import QueueUnavailable, request_export


@login_required
def report_page(request, code):
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    perms = perms_for(request.user, assessment)
    sections = sections_for(assessment)
    # Reading writes nothing: a lost export shows as failed (the worker and a timer record it).
    exports = [e.show_lost() for e in exports_for(assessment)[:20]]
    active = next((e for e in exports if not e.is_finished), None)
    return render(
        request,
        "reports/report.html",
        {
            "assessment": assessment,
            "sections": [(kind, sections.get(kind)) for kind in SECTION_ORDER],
            "recommendation_count": recommendations_for(assessment).count(),
            "exports": exports,
            "active": active,
            "can_export": Perm.EXPORT in perms,
            "export_languages": [(code, language_name(code)) for code in languages(assessment)],
            "can_download": Perm.DOWNLOAD in perms,
            "can_edit": Perm.EDIT_REPORT in perms and request.user.is_staff,
        },
    )


@login_required
def preview(request, code):
    """The report as HTML, from the same templates as the PDF."""
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    lang = request.GET.get("lang")
    doc = document.build(
        assessment,
        lang if lang in languages(assessment) else None,
        with_progress=request.GET.get("progress") == "1",
    )
    body = document.front_html(doc) + "".join(
        f'<div class="chapter">{chapter.html}</div>' for chapter in doc.chapters
    )
    # Our own images as data: URIs of their checked bytes; user text refers to nothing (reports.sanitise).
    body = doc.media.inline(body)
    return render(
        request,
        "reports/preview.html",
        {"assessment": assessment, "doc": doc, "body": mark_safe(body), "refused": doc.refused},
    )


@login_required
@require_POST
def export(request, code):
    assessment = get_assessment_for(request.user, code, Perm.EXPORT)
    fmt = request.POST.get("format", ExportFormat.PDF)
    if fmt not in ExportFormat.values:
        messages.error(request, _("Choose PDF or Word."))
        return redirect("reports:report", code=assessment.code)
    language = request.POST.get("language") or None
    if language not in (None, *languages(assessment)):
        messages.error(request, _("The report can be exported in the assessment's languages only."))
        return redirect("reports:report", code=assessment.code)
    try:
        export, reused = request_export(
            assessment,
            by=request.user,
            fmt=fmt,
            language=language,
            with_progress=request.POST.get("with_progress") == "1",
        )
    except QueueUnavailable as unavailable:
        messages.error(request, str(unavailable))
        return redirect("reports:report", code=assessment.code)
    if reused and export.status == ExportStatus.DONE:
        messages.success(
            request, _("The content has not changed since the last export: that file is ready to download.")
        )
    elif reused:
        messages.info(request, _("This content is already being exported."))
    else:
        messages.success(request, _("Export started. The file is rendered in the background."))
    return redirect("reports:report", code=assessment.code)


def _export_for(request, code, pk, perm):
    assessment = get_assessment_for(request.user, code, perm)
    return get_object_or_404(exports_for(assessment), pk=pk).show_lost()


@login_required
def export_status(request, code, pk):
    export = _export_for(request, code, pk, Perm.VIEW)
    data = {
        "status": export.status,
        "status_label": export.get_status_display(),
        "progress": export.progress,
        "stage": export.stage,
        "finished": export.is_finished,
        "refused": export.refused,
    }
    if export.status == ExportStatus.DONE:
        data["download_url"] = reverse("reports:download", kwargs={"code": code, "pk": export.pk})
    return JsonResponse(data)


@login_required
def download(request, code, pk):
    return export_response(_export_for(request, code, pk, Perm.DOWNLOAD))
