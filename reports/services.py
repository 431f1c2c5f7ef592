"""The writes of the reports app: export requests and their progress."""

import logging
import time
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import document
from reports.choices import ExportStatus
from reports.models import ReportExport

log = logging.getLogger(__name__)

# The error recorded on an export whose worker died (see fail_stale_exports).
WORKER_LOST = "WorkerLost"
ACTIVE = [ExportStatus.QUEUED, ExportStatus.RUNNING]


def fail_stale_exports(assessment=None):
    """Mark failed the exports whose worker died while rendering them, and their task rows.

    A worker killed mid-render (SIGKILL, out-of-memory killer, a restarted machine) runs no exception
    handler, so its export would stay "running" for ever and ``request_export`` would keep handing it
    out. Progress moves once per chapter; an export that has not moved for
    ``REPORT_EXPORT_STALE_SECONDS`` is taken as lost. It is failed rather than retried: a render that
    kills its worker (memory) would kill the next one too, in a loop; a person pressing Export again
    sees whether it fails again. Called wherever an export's status is read.
    Returns how many exports were failed.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.REPORT_EXPORT_STALE_SECONDS)
    tasks = _task_results()
    lost = Q(status=ExportStatus.RUNNING)
    if tasks is not None:
        # Claimed by a worker that died before the export's first progress update.
        # (task_id is text, the task's id a UUID: compared in Python, not in a subquery.)
        claimed = [str(pk) for pk in tasks.filter(status="RUNNING").values_list("id", flat=True)]
        if claimed:
            lost |= Q(status=ExportStatus.QUEUED, task_id__in=claimed)
    stale = ReportExport.objects.filter(lost, updated__lt=cutoff)
    if assessment is not None:
        stale = stale.filter(assessment=assessment)
    rows = list(stale.values_list("pk", "task_id"))
    if not rows:
        return 0
    now = timezone.now()
    message = _("The report worker stopped while rendering this export; press Export again.")
    with transaction.atomic():
        # The status and time conditions again: a worker that was only slow may have moved on meanwhile.
        failed = ReportExport.objects.filter(
            lost, pk__in=[pk for pk, _task in rows], updated__lt=cutoff
        ).update(
            status=ExportStatus.FAILED,
            stage=message,
            error=f"{WORKER_LOST}: {message}",
            finished=now,
            updated=now,
        )
        if tasks is not None:
            # db_worker (django-tasks-db 0.13) never revisits a task it claimed; without this its row
            # stays RUNNING in the task admin for ever.
            tasks.filter(id__in=[task for _pk, task in rows if task], status="RUNNING").update(
                status="FAILED",
                finished_at=now,
                exception_class_path=f"reports.services.{WORKER_LOST}",
                traceback=message,
            )
    if failed:
        log.warning("Marked %d report export(s) failed: their worker stopped mid-render", failed)
    return failed


def _task_results():
    if not apps.is_installed("django_tasks_db"):
        return None
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.all()


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

    fail_stale_exports(assessment)
    doc = document.build(assessment)
    digest = doc.content_hash
    existing = latest_export_for_content(assessment, digest)
    if existing:
        return existing, True
    running = ReportExport.objects.filter(
        assessment=assessment, content_hash=digest, status__in=ACTIVE
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
    # Never revives an export already failed as lost (fail_stale_exports).
    ReportExport.objects.filter(pk=export.pk, status__in=ACTIVE).update(
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
            export.refused = result.refused
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
