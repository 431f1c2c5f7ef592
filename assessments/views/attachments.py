"""Attachments are served only to members of their assessment, never from a public MEDIA URL."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404

from assessments.models import Attachment
from assessments.rules import Perm, get_assessment_for
from assessments.uploads import safe_file_name


@login_required
def download(request, code, pk):
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    attachment = get_object_or_404(Attachment, pk=pk, finding__assessment=assessment)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The file is missing from storage.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=safe_file_name(attachment.original_name),
        content_type=attachment.content_type,
    )
    # Never let a browser reinterpret an upload as HTML or script.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
