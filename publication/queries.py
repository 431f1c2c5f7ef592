"""What publication reads: the publication state, what is public, and the files a public page offers."""

from django.http import Http404

from assessments.choices import Role
from assessments.models import Membership
from publication.models import Publication
from reports.choices import ExportStatus
from reports.models import ReportExport


def publication_for(assessment):
    """The assessment's publication settings (unsaved defaults, not published, when none were written)."""
    return Publication.objects.filter(assessment=assessment).first() or Publication(assessment=assessment)


def published():
    return Publication.objects.filter(is_published=True).select_related("assessment")


def published_or_404(code):
    """The publication of the assessment ``code`` while it is published; 404 otherwise (also at once
    after unpublishing: nothing here is cached)."""
    publication = published().filter(assessment__code=code).first()
    if publication is None:
        raise Http404("Nothing is published under this code.")
    return publication


def latest_file(assessment, fmt):
    """The latest completed export of the report in ``fmt`` (``pdf`` or ``docx``), or None."""
    return (
        ReportExport.objects.filter(assessment=assessment, status=ExportStatus.DONE, format=fmt)
        .exclude(file="")
        .order_by("-finished", "-pk")
        .first()
    )


def mab_members(assessment):
    """The MAB's names and organisations, for a public page that chose to show them."""
    return list(
        Membership.objects.filter(assessment=assessment, role=Role.MAB)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
