from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import condition, require_GET

from assessments.rules import Perm, get_assessment_for, perms_for
from publication import opendata, public
from publication.forms import PublicationForm
from publication.models import Publication
from publication.queries import (
    latest_file,
    mab_members,
    public_etag,
    public_fingerprint,
    publication_for,
    published_or_404,
)
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


# How long a copy of the public page's body is kept: it is looked up under a key of everything it shows,
# so this only bounds the memory of copies no key names any more.
PUBLIC_CACHE_SECONDS = 3600


def _public_state(request, code):
    """``(publication, key)`` for this request, read once (the ETag and the view both need it); 404 unless
    published."""
    state = getattr(request, "_public_state", None)
    if state is None or state[0].assessment.code != code:
        publication = published_or_404(code)
        state = request._public_state = (publication, public_fingerprint(publication))
    return state


def _public_etag(request, code):
    """Anonymous visitors only: a signed-in person's page carries their own menu, so it is never answered
    with 304 (nor given an ETag a browser could send back after signing out)."""
    if request.user.is_authenticated:
        return None
    return public_etag(_public_state(request, code)[1])


def _public_body(publication):
    """The page's body as HTML, with its title and description (for the head): what page_content builds
    (Markdown, the chart, the downloads), the same for every reader."""
    assessment = publication.assessment
    context = {"assessment": assessment, "publication": publication, **public.page_content(publication)}
    context["pdf"] = publication.show_pdf and latest_file(assessment, ExportFormat.PDF)
    context["docx"] = publication.show_word and latest_file(assessment, ExportFormat.DOCX)
    return {
        "title": context["report"].display_title,
        "description": context["description"],
        "body": render_to_string("publication/_public_body.html", context),
    }


@require_GET
@condition(etag_func=_public_etag)
def public_page(request, code):
    """The public results page: anyone, no sign-in; 404 unless published.

    Its body is cached under ``public_fingerprint`` (every row it shows, the language and the deploy), so
    publishing again, unpublishing, any edit and a change of language show at once. Anonymous responses
    carry an ETag of that key and ``Cache-Control: private, no-cache``: a browser keeps the page and asks
    each time, and an unchanged page is answered with 304 after one query (docs/operations.md)."""
    publication, key = _public_state(request, code)
    cache_key = f"public-page:{public_etag(key)}"
    parts = cache.get(cache_key)
    if parts is None:
        parts = _public_body(publication)
        cache.set(cache_key, parts, PUBLIC_CACHE_SECONDS)
    context = {
        "assessment": publication.assessment,
        "publication": publication,
        **parts,
        "mab": mab_members(publication.assessment) if publication.show_mab_names else [],
        "page_url": request.build_absolute_uri(),
    }
    response = render(request, "publication/public.html", context)
    # The page holds the visitor's CSRF token (the language form): a browser may keep it, a shared cache
    # may not; every use asks again (cheap: 304 when the ETag matches).
    patch_cache_control(response, private=True, no_cache=True)
    return response


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
