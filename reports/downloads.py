"""An exported file as a download: one answer for the report page, the API and the public page."""

from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from assessments.timezones import file_stamp
from reports.choices import CONTENT_TYPES, ExportFormat, ExportStatus


def export_response(export):
    """The PDF or Word file of a finished export, as an attachment; 404 while it has none."""
    if export.status != ExportStatus.DONE or not export.file:
        raise Http404(_("This export has no file."))
    fmt = ExportFormat(export.format)
    name = f"{export.assessment.code}-report-{file_stamp(export.finished, export.assessment)}.{fmt.value}"
    try:
        handle = export.file.open("rb")
    except FileNotFoundError as exc:  # removed from the disk or the bucket behind roamx's back
        raise Http404(_("This export has no file.")) from exc
    return FileResponse(handle, as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])
