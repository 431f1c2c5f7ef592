"""The writes of the reports app that people start: export requests (the render itself is
reports/worker.py, run by the background task in reports/tasks.py)."""

from django.db import transaction
from django.utils.translation import gettext as _

from assessments.rules import Perm, check
from reports import document
from reports.choices import ACTIVE, ExportStatus
from reports.models import ReportExport
from reports.tasks import render_export
from reports.worker import fail_stale_exports


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

    Returns (export, reused). The doors check access first; ``by``'s permission is checked again here.
    """
    check(by, assessment, Perm.EXPORT)
    # A POST: the lost export of this content must not be handed out again as "already running".
    fail_stale_exports(assessment)
    # The content's key from the database's counters: no HTML is built to find out nothing changed.
    digest = document.content_key(assessment)
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
            is_draft=not assessment.is_validated,
            stage=_("Waiting for the worker"),
        )
        # Enqueue after commit, so the worker never looks for a row it cannot see yet.
        transaction.on_commit(lambda: _enqueue(export, render_export))
    return export, False


def _enqueue(export, task):
    result = task.enqueue(export.pk)
    ReportExport.objects.filter(pk=export.pk).update(task_id=str(result.id))
