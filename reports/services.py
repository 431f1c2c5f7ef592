"""The writes of the reports app: export requests and their progress."""

import logging
import time

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import document
from reports.choices import ExportStatus
from reports.models import ReportExport

log = logging.getLogger(__name__)


def latest_export_for_content(assessment, content_hash):
    return (
        ReportExport.objects.filter(
            assessment=assessment, content_hash=content_hash, status=ExportStatus.DONE
        )
        .exclude(file="")
        .order_by("-finished")
        .first()
    )


def request_export(assessment, *, by):
    """Start an export, or return the finished one whose content is the same (nothing renders again).

    Returns (export, reused).
    """
    from reports.tasks import render_export

    doc = document.build(assessment)
    digest = doc.content_hash
    existing = latest_export_for_content(assessment, digest)
    if existing:
        return existing, True
    running = ReportExport.objects.filter(
        assessment=assessment, content_hash=digest, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING]
    ).first()
    if running:
        return running, True
    with transaction.atomic():
        export = ReportExport.objects.create(
            assessment=assessment,
            requested_by=by,
            content_hash=digest,
            is_draft=doc.is_draft,
            stage=_("Waiting for the worker"),
        )
        # Enqueue after commit, so the worker never looks for a row it cannot see yet.
        transaction.on_commit(lambda: _enqueue(export, render_export))
    return export, False


def _enqueue(export, task):
    result = task.enqueue(export.pk)
    ReportExport.objects.filter(pk=export.pk).update(task_id=str(result.id))


def set_progress(export, percent, stage):
    ReportExport.objects.filter(pk=export.pk).update(
        progress=percent, stage=stage, status=ExportStatus.RUNNING, updated=timezone.now()
    )


def run_export(export):
    """Render the export's PDF and store it (called by the background task)."""
    from reports import pdf

    set_progress(export, 2, _("Collecting the report content"))
    try:
        doc = document.build(export.assessment)

        def progress(done, total):
            set_progress(
                export,
                5 + int(85 * done / total),
                _("Rendered %(done)d of %(total)d chapters") % {"done": done, "total": total},
            )

        started = time.perf_counter()
        result = pdf.render_report(doc, progress=progress)
        set_progress(export, 95, _("Saving the PDF"))
        with transaction.atomic():
            export.file.save(f"{export.assessment.code}.pdf", ContentFile(result.pdf), save=False)
            export.status = ExportStatus.DONE
            export.progress = 100
            export.stage = _("Ready")
            export.content_hash = result.content_hash
            export.is_draft = doc.is_draft
            export.pages = result.pages
            export.size = len(result.pdf)
            export.seconds = time.perf_counter() - started
            export.chapters_rendered = result.chapters_rendered
            export.chapters_total = result.chapters_total
            export.finished = timezone.now()
            export.save()
    except Exception as exc:
        log.exception("Report export %s failed", export.pk)
        ReportExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED,
            stage=_("Failed"),
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished=timezone.now(),
        )
        raise
    return export
