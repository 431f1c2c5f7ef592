"""The writes of the reports app that people start: export requests (the render itself is
reports/worker.py, run by the background task in reports/tasks.py)."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.languages import languages
from assessments.rules import Perm, check
from reports import document, fingerprint
from reports.choices import ACTIVE, ExportFormat, ExportStatus
from reports.models import QUEUE_DOWN, ReportExport, queue_down_message
from reports.tasks import render_export
from reports.worker import fail_stale_exports

log = logging.getLogger(__name__)

try:  # Redis is there when the queue is RQ (TASKS_BACKEND=django_tasks_rq.RQBackend)
    from redis.exceptions import RedisError as _QueueError
except ImportError:  # pragma: no cover - redis is a dependency of the cache backend too
    _QueueError = OSError


class QueueUnavailable(Exception):
    """The export was recorded but could not be queued: it is marked failed, with ``str(self)`` saying
    so to the person who pressed Export (the page as a message, the API as a 503)."""


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
    if export.status == ExportStatus.FAILED:
        raise QueueUnavailable(export.stage)
    return export, False


def _enqueue(export, task):
    try:
        result = task.enqueue(export.pk)
    except (_QueueError, OSError) as exc:
        # Redis down: the row is failed at once (not left "waiting" until the stale-export timer).
        log.error("Export %s not queued: the task queue is unreachable (%s)", export.pk, exc)
        export.status = ExportStatus.FAILED
        export.stage = str(queue_down_message())
        export.error = f"{QUEUE_DOWN}: {type(exc).__name__}: {exc}"
        export.finished = timezone.now()
        ReportExport.objects.filter(pk=export.pk).update(
            status=export.status, stage=export.stage, error=export.error, finished=export.finished
        )
        return
    ReportExport.objects.filter(pk=export.pk).update(task_id=str(result.id))
