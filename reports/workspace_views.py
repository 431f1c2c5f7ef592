"""The report workspace: researchers and leads write the report's sections beside their evidence; other
members read (403 on every write); outsiders get 404 (assessments.rules, at the door)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.rules import Perm, get_assessment_for, perms_for
from reports import workspace
from reports.choices import SECTION_ORDER, SectionKind
from reports.forms import EvidenceFilter, SectionForm
from reports.models import ReportSection
from reports.panels import section_panels


def _kind(kind):
    try:
        return SectionKind(kind)
    except ValueError:
        raise Http404("No such section.") from None


@login_required
def write_index(request, code):
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    stored = {
        s.kind: s for s in ReportSection.objects.filter(assessment=assessment).select_related("updated_by")
    }
    return render(
        request,
        "reports/workspace/index.html",
        {
            "assessment": assessment,
            "sections": [(kind, stored.get(kind)) for kind in SECTION_ORDER],
            "can_edit": Perm.EDIT_REPORT in perms_for(request.user, assessment),
        },
    )


@login_required
def write_section(request, code, kind):
    """GET: the editor (read-only without EDIT_REPORT). POST ``action=preview`` shows the posted text's
    preview (the page without script); ``action=save`` saves through ``workspace.save_section``."""
    kind = _kind(kind)
    perm = Perm.EDIT_REPORT if request.method == "POST" else Perm.VIEW
    assessment = get_assessment_for(request.user, code, perm)
    can_edit = Perm.EDIT_REPORT in perms_for(request.user, assessment)
    section = workspace.section_for(assessment, kind)
    conflict = None
    if request.method == "POST":
        form = SectionForm(request.POST)
        if form.is_valid() and request.POST.get("action") != "preview":
            try:
                workspace.save_section(
                    assessment,
                    kind,
                    by=request.user,
                    expected_version=form.expected_version(),
                    body=form.cleaned_data["body"],
                )
            except workspace.SectionConflict as exc:
                conflict = exc
                section = exc.section
                # The author's text stays in the editor; the form now knows which version they saw.
                data = request.POST.copy()
                data["overwrite_version"] = section.version
                data["overwrite"] = ""
                form = SectionForm(data)
                form.is_valid()
                form.add_error(
                    None,
                    _(
                        "Nothing was saved: someone else saved this section while you were editing it. "
                        "Your text is kept in the editor; their text is shown below. Merge them, or tick "
                        "“Save my text anyway” to replace theirs."
                    ),
                )
            else:
                messages.success(request, _("Section saved."))
                return redirect("reports:write_section", code=assessment.code, kind=kind.value)
        body = workspace.normalise(request.POST.get("body", ""))
    else:
        form = SectionForm(initial={"body": section.body, "loaded_version": section.version})
        body = section.body
    evidence_filter = EvidenceFilter(request.GET or None, scale=assessment.scale)
    preview, refused = workspace.preview_html(assessment, kind, body)
    context = {
        "assessment": assessment,
        "kind": kind,
        "section": section,
        "form": form,
        "can_edit": can_edit,
        "conflict": conflict,
        "conflict_preview": (
            workspace.preview_html(assessment, kind, conflict.section.body)[0] if conflict else None
        ),
        "preview": preview,
        "refused": refused,
        "category": workspace.category_of(kind),
        "findings": list(workspace.evidence_for(assessment, kind, evidence_filter.filters())),
        "evidence_filter": evidence_filter,
        "images": list(workspace.image_attachments(assessment)) if can_edit else [],
        "panels": section_panels(request, assessment, section),
        "sections": SECTION_ORDER,
    }
    status = 409 if conflict else 400 if form.errors else 200
    return render(request, "reports/workspace/section.html", context, status=status)


@login_required
@require_POST
def preview_section(request, code, kind):
    """The preview of the posted text as an HTML fragment, for the editor's script (the same renderer
    as the PDF). A write door: only those who may write the report use it."""
    kind = _kind(kind)
    assessment = get_assessment_for(request.user, code, Perm.EDIT_REPORT)
    body = request.POST.get("body", "")
    if len(body) > workspace.MAX_SECTION_CHARS:
        return HttpResponse(_("The text is too long to preview."), status=400, content_type="text/plain")
    preview, refused = workspace.preview_html(assessment, kind, body)
    return render(request, "reports/workspace/_preview.html", {"preview": preview, "refused": refused})
