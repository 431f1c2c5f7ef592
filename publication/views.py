from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from assessments.rules import Perm, get_assessment_for, perms_for
from publication import opendata, public
from publication.forms import PublicationForm
from publication.models import Publication
from publication.queries import latest_file, mab_members, publication_for, published_or_404
from publication.services import save_publication
from reports.choices import ExportFormat
from reports.downloads import export_response


@login_required
def manage(request, code):
    """The lead's page: publish or unpublish, the licence and the parts that are public. Members see the
    state; writing needs ``Perm.PUBLISH`` (the lead's), checked before the form is read."""
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    can_publish = Perm.PUBLISH in perms_for(request.user, assessment)
    publication = publication_for(assessment)
    form = PublicationForm(instance=publication)
    if request.method == "POST":
        if not can_publish:
            raise PermissionDenied(_("Your role does not allow you to publish the results."))
        form = PublicationForm(request.POST, instance=Publication(assessment=assessment))
        action = request.POST.get("action")
        if action not in ("publish", "unpublish"):
            form.add_error(None, _("Choose Publish or Unpublish."))
        elif form.is_valid():
            data = form.cleaned_data
            save_publication(
                assessment,
                by=request.user,
                publish=action == "publish",
                licence=data["licence"],
                choices={name: data[name] for name in Publication.CHOICES},
            )
            if action == "publish":
                messages.success(request, _("The results are public."))
            else:
                messages.success(request, _("The results are no longer public."))
            return redirect("publication:manage", code=assessment.code)
    return render(
        request,
        "publication/manage.html",
        {
            "assessment": assessment,
            "publication": publication,
            "form": form,
            "can_publish": can_publish,
            "pdf": latest_file(assessment, ExportFormat.PDF),
            "docx": latest_file(assessment, ExportFormat.DOCX),
        },
    )


@require_GET
def public_page(request, code):
    """The public results page: anyone, no sign-in; 404 unless published."""
    publication = published_or_404(code)
    assessment = publication.assessment
    context = {"assessment": assessment, "publication": publication, **public.page_content(publication)}
    context["pdf"] = publication.show_pdf and latest_file(assessment, ExportFormat.PDF)
    context["docx"] = publication.show_word and latest_file(assessment, ExportFormat.DOCX)
    context["mab"] = mab_members(assessment) if publication.show_mab_names else []
    context["page_url"] = request.build_absolute_uri()
    return render(request, "publication/public.html", context)


def _public_export(code, fmt, flag):
    publication = published_or_404(code)
    export = getattr(publication, flag) and latest_file(publication.assessment, fmt)
    if not export:
        raise Http404(_("This file is not published."))
    return export_response(export)


@require_GET
def public_pdf(request, code):
    return _public_export(code, ExportFormat.PDF, "show_pdf")


@require_GET
def public_docx(request, code):
    return _public_export(code, ExportFormat.DOCX, "show_word")


@require_GET
def public_data(request, code):
    """The open data: a Frictionless Data Package (zip), made from the current findings."""
    publication = published_or_404(code)
    if not publication.show_data:
        raise Http404(_("The data is not published."))
    response = HttpResponse(opendata.package_zip(publication), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{publication.assessment.code}-datapackage.zip"'
    return response
