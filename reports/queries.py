"""What the report reads: a fixed number of queries, whatever the number of findings."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db.models import BooleanField, ExpressionWrapper, Prefetch, Q
from django.utils import timezone

from assessments.models import Citation, Finding
from reports.choices import ExportStatus
from reports.models import Recommendation, Report, ReportExport, ReportSection


def report_for(assessment):
    """The assessment's report settings (unsaved defaults when none were written yet)."""
    return Report.objects.filter(assessment=assessment).first() or Report(assessment=assessment)


def sections_for(assessment):
    return {s.kind: s for s in ReportSection.objects.filter(assessment=assessment)}


def recommendations_for(assessment):
    return Recommendation.objects.filter(assessment=assessment).prefetch_related(
        "categories", Prefetch("findings", queryset=Finding.objects.select_related("indicator"))
    )


def findings_for_report(assessment):
    """Every finding in scope with what the annex prints: indicator, sources, data points."""
    return (
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator__category", "indicator__question__theme")
        .prefetch_related(
            Prefetch(
                "citations", queryset=Citation.objects.select_related("source").order_by("created", "pk")
            ),
            "data_points__source",
        )
        .order_by("indicator__order")
    )


def exports_for(assessment):
    """The assessment's exports; each with ``lost`` (see ``lost_exports``; ``ReportExport.show_lost``)."""
    lost = ExpressionWrapper(lost_exports(), output_field=BooleanField())
    return (
        ReportExport.objects.filter(assessment=assessment).select_related("requested_by").annotate(lost=lost)
    )


def task_results():
    """The task rows of django-tasks' database backend, or None when another backend runs the tasks."""
    if not apps.is_installed("django_tasks_db"):
        return None
    # Imported here: the app is optional, and its models exist only when it is installed.
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.all()


def lost_exports():
    """The rule for an export whose worker died: rendering (or claimed by a worker, still queued) with no
    progress for ``REPORT_EXPORT_STALE_SECONDS``. One rule, read by the pages and written by the worker."""
    cutoff = timezone.now() - timedelta(seconds=settings.REPORT_EXPORT_STALE_SECONDS)
    lost = Q(status=ExportStatus.RUNNING)
    tasks = task_results()
    if tasks is not None:
        # Claimed by a worker that died before the export's first progress update.
        # (task_id is text, the task's id a UUID: compared in Python, not in a subquery.)
        claimed = [str(pk) for pk in tasks.filter(status="RUNNING").values_list("id", flat=True)]
        if claimed:
            lost |= Q(status=ExportStatus.QUEUED, task_id__in=claimed)
    return lost & Q(updated__lt=cutoff)
