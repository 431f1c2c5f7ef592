"""What the report worker writes: an export's render and progress, and the exports whose worker died.

The background task (reports/tasks.py) calls ``run_export``; the ``fail_stale_exports`` command (a
timer, deploy/systemd/roamx-stale-exports.timer) and every render's start call ``fail_stale_exports``.
Page loads and status polls never write: they show a lost export as failed by reading the same rule
(``queries.lost_exports``).
"""

import logging
import time
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from reports import document, fingerprint, pdf
from reports.choices import ACTIVE, ExportFormat, ExportStatus
from reports.docx import render_docx
from reports.models import WORKER_LOST, ReportExport, lost_message
from reports.queries import lost_exports, task_results

log = logging.getLogger(__name__)


def fail_stale_exports(assessment=None):
    """Mark failed the exports whose worker died while rendering them, and their task rows.

    A worker killed mid-render (SIGKILL, out-of-memory killer, a restarted machine) runs no exception
    handler, so its export would stay "running" for ever and ``request_export`` would keep handing it
    out. Progress moves once per chapter; an export that has not moved for
    ``REPORT_EXPORT_STALE_SECONDS`` is taken as lost (``queries.lost_exports``). It is failed rather
    than retried: a render that kills its worker (memory) would kill the next one too, in a loop; a
    person pressing Export again sees whether it fails again. Returns how many exports were failed.
    """
    lost = lost_exports()
    stale = ReportExport.objects.filter(lost)
    if assessment is not None:
        stale = stale.filter(assessment=assessment)
    rows = list(stale.values_list("pk", "task_id"))
    if not rows:
        return 0
    now = timezone.now()
    message = lost_message()
    tasks = task_results()
    with transaction.atomic():
        # The rule again: a worker that was only slow may have moved on meanwhile.
        failed = ReportExport.objects.filter(lost, pk__in=[pk for pk, _task in rows]).update(
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
                exception_class_path=f"reports.worker.{WORKER_LOST}",
                traceback=message,
            )
    if failed:
        log.warning("Marked %d report export(s) failed: their worker stopped mid-render", failed)
    return failed


def set_progress(export, percent, stage):
    # Never revives an export already failed as lost (fail_stale_exports).
    ReportExport.objects.filter(pk=export.pk, status__in=ACTIVE).update(
        progress=percent, stage=stage, status=ExportStatus.RUNNING, updated=timezone.now()
    )


def run_export(export):
    """Render the export's PDF or Word file and store it (called by the background task)."""
    render = _render_word if export.format == ExportFormat.DOCX else _render_pdf
    set_progress(export, 2, _("Collecting the report content"))
    # This export has just moved, so it is not stale; others whose worker died are failed now.
    fail_stale_exports()
    try:
        started = time.perf_counter()
        stored = render(export)
        with transaction.atomic():
            export.file.save(
                f"{export.assessment.code}.{stored.suffix}", ContentFile(stored.data), save=False
            )
            export.status = ExportStatus.DONE
            export.progress = 100
            export.stage = _("Ready")
            export.content_hash = stored.content_hash
            export.source_fingerprint = stored.fingerprint
            export.is_draft = stored.is_draft
            export.size = len(stored.data)
            export.seconds = time.perf_counter() - started
            export.refused = stored.refused
            for name, value in stored.extra.items():
                setattr(export, name, value)
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


@dataclass
class Stored:
    """What an export stores, whichever its format."""

    suffix: str
    data: bytes
    content_hash: str
    fingerprint: str  # reports.fingerprint: "" when the content moved while it was read
    is_draft: bool
    refused: list
    extra: dict = field(default_factory=dict)


def _build(export):
    """The export's document, and the database fingerprint it was built from ("" if it moved meanwhile:
    that export then never answers the quick unchanged-content check, only the content hash)."""
    options = {"language": export.language or None, "with_progress": export.with_progress}
    before = fingerprint.of(export.assessment, **options)
    doc = document.build(export.assessment, options["language"], with_progress=options["with_progress"])
    after = fingerprint.of(export.assessment, **options)
    return doc, before if before == after else ""


def _render_pdf(export):
    doc, source = _build(export)

    def progress(done, total):
        set_progress(
            export,
            5 + int(85 * done / total),
            _("Rendered %(done)d of %(total)d chapters") % {"done": done, "total": total},
        )

    result = pdf.render_report(doc, progress=progress)
    set_progress(export, 95, _("Saving the PDF"))
    return Stored(
        "pdf",
        result.pdf,
        result.content_hash,
        source,
        doc.is_draft,
        result.refused,
        {
            "pages": result.pages,
            "chapters_rendered": result.chapters_rendered,
            "chapters_total": result.chapters_total,
        },
    )


def _render_word(export):
    """The Word file (reports/docx.py) from the same chapters as the PDF."""
    doc, source = _build(export)
    set_progress(export, 30, _("Writing the Word file"))
    return Stored("docx", render_docx(doc), doc.content_hash, source, doc.is_draft, doc.refused)
