"""The exported PDF as a download: one answer for the report page and the API."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from assessments.timezones import file_stamp
from reports.choices import ExportStatus


def pdf_response(export):
    """The PDF of a finished export, as an attachment; 404 while it has none."""
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404(_("This export has no PDF."))
    name = f"{export.assessment.code}-report-{file_stamp(export.finished, export.assessment)}.pdf"
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as exc:  # removed from the disk or the bucket behind roamx's back
        raise Http404(_("This export has no PDF.")) from exc
    return FileResponse(handle, as_attachment=True, filename=name, content_type="application/pdf")
