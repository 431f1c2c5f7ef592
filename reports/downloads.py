"""The exported PDF as a download: one answer for the report page and the API."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from reports.choices import ExportStatus


def pdf_response(export):
    """The PDF of a finished export, as an attachment; 404 while it has none."""
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404(_("This export has no PDF."))
    name = f"{export.assessment.code}-report-{export.finished:%Y%m%d-%H%M}.pdf"
    return FileResponse(
        export.file.open("rb"), as_attachment=True, filename=name, content_type="application/pdf"
    )
