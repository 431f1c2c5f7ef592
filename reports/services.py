"""The writes of the reports app that people start: export requests (the render itself is
reports/worker.py, run by the background task in reports/tasks.py)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.languages import languages
from assessments.rules import Perm, check
from reports import document, fingerprint
from reports.choices import ACTIVE, ExportFormat, ExportStatus
from reports.models import ReportExport
from reports.tasks import render_export
from reports.worker import fail_stale_exports


def _finished(assessment, fmt, language):
    return (
        ReportExport.objects.filter(
            assessment=assessment, status=ExportStatus.DONE, format=fmt, language=language
        )
        .exclude(file="")
        .order_by("-finished")
    )


def latest_export_for_content(assessment, content_hash, fmt=ExportFormat.PDF, language=None):
    language = language or assessment.language
    return _finished(assessment, fmt, language).filter(content_hash=content_hash).first()


def request_export(assessment, *, by, fmt=ExportFormat.PDF, language=None, with_progress=False):
    """Start an export as PDF or Word (``fmt``) in ``language`` (one of the assessment's; default its
    primary), or return the finished one of that format and language whose content is the same (nothing
    renders again): both formats are cached on the same content hash.

    Returns (export, reused). The doors check access first; ``by``'s permission is checked again here.
    A language the assessment does not have is a ValidationError on ``language``.
    """
    check(by, assessment, Perm.EXPORT)
    try:
        language = document.report_language(assessment, language)
    except ValueError:
        raise ValidationError(
            {
                "language": _("The report can be exported in the assessment's languages only: %(codes)s.")
                % {"codes": ", ".join(languages(assessment))}
            }
        ) from None
    # A POST: the lost export of this content must not be handed out again as "already running".
    fail_stale_exports(assessment)
    with_progress = bool(with_progress and assessment.previous_id)
    fmt = ExportFormat(fmt)
    # The quick check (reports/fingerprint.py): the same rows as a finished export → that export.
    source = fingerprint.of(assessment, language, with_progress)
    if source:
        existing = _finished(assessment, fmt, language).filter(source_fingerprint=source).first()
        if existing:
            return existing, True
    # Otherwise the sure check: build the HTML and compare its hash.
    doc = document.build(assessment, language, with_progress=with_progress)
    digest = doc.content_hash
    existing = latest_export_for_content(assessment, digest, fmt, language)
    if existing:
        if source and fingerprint.of(assessment, language, with_progress) == source:
            # Nothing moved while the HTML was built: the next press finds it by the quick check.
            ReportExport.objects.filter(pk=existing.pk).update(source_fingerprint=source)
        return existing, True
    running = ReportExport.objects.filter(
        assessment=assessment, content_hash=digest, status__in=ACTIVE, format=fmt, language=language
    ).first()
    if running:
        return running, True
    with transaction.atomic():
        export = ReportExport.objects.create(
            assessment=assessment,
            requested_by=by,
            format=fmt,
            content_hash=digest,
            language=language,
            is_draft=doc.is_draft,
            with_progress=with_progress,
            stage=_("Waiting for the worker"),
        )
        # Enqueue after commit, so the worker never looks for a row it cannot see yet.
        transaction.on_commit(lambda: _enqueue(export, render_export))
    return export, False


def _enqueue(export, task):
    result = task.enqueue(export.pk)
    ReportExport.objects.filter(pk=export.pk).update(task_id=str(result.id))
