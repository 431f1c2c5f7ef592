"""A report worker killed in the middle of a render (a real db_worker process and its render pool, sent
SIGKILL): the export ends failed with a clear message, never stuck "in progress", and Export again
starts a fresh render that a new worker completes."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from reports.choices import ExportStatus
from reports.models import ReportExport
from tests import processes

LOST = "The report worker stopped while rendering this export; press Export again."


def url(name, assessment, **kw):
    return reverse(f"reports:{name}", kwargs={"code": assessment.code, **kw})


def rendering(export, worker):
    """The export is running in the worker and its render pool has started (children beside the worker)."""
    export.refresh_from_db()
    assert export.status != ExportStatus.DONE, "rendered before the worker could be killed"
    return export.status == ExportStatus.RUNNING and len(processes.session_pids(worker)) > 1


@pytest.mark.django_db(transaction=True)
def test_export_whose_worker_is_killed_ends_failed_and_export_again_renders(
    client, report, members, settings, tmp_path
):
    # Long while the render starts and the worker is killed (a busy machine may take seconds), so the
    # first status read below sees the export still young; shortened before waiting for it to be lost.
    settings.REPORT_EXPORT_STALE_SECONDS = 3600
    client.force_login(members["staff"])
    client.post(url("export", report))
    export = ReportExport.objects.get()
    worker = processes.start(
        processes.manage("db_worker", "--no-startup-delay", "--interval", "0.2", "--no-reload"),
        tmp_path / "worker.log",
        REPORT_RENDER_PROCESSES="2",
    )
    try:
        processes.wait_for(lambda: rendering(export, worker), 60, what="the render to start")
    finally:
        processes.kill_session(worker)
    assert not processes.session_pids(worker), "render processes outlived the kill"

    # Nothing ran in the dead worker to record it: the row still says running, and while it is younger
    # than the stale time, the status still says so.
    export.refresh_from_db()
    assert export.status == ExportStatus.RUNNING
    status = client.get(url("export_status", report, pk=export.pk)).json()
    assert status["status"] == ExportStatus.RUNNING and not status["finished"]

    settings.REPORT_EXPORT_STALE_SECONDS = 2
    processes.wait_for(
        lambda: client.get(url("export_status", report, pk=export.pk)).json()["finished"],
        10,
        interval=0.5,
        what="the export to be recognised as lost",
    )
    status = client.get(url("export_status", report, pk=export.pk)).json()
    assert status["status"] == ExportStatus.FAILED and status["stage"] == LOST
    assert LOST in client.get(url("report", report)).content.decode()
    api = client.get(f"/api/assessments/{report.code}/report-exports/{export.pk}/").json()
    assert api["status"] == "failed" and api["finished"] and LOST in api["error"]
    # Those were reads: they showed the failure and wrote nothing. The timer's command records it.
    export.refresh_from_db()
    assert export.status == ExportStatus.RUNNING
    assert DBTaskResult.objects.get(id=export.task_id).status == "RUNNING"
    call_command("fail_stale_exports", verbosity=0)
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED and export.stage == LOST
    task = DBTaskResult.objects.get(id=export.task_id)
    assert task.status == "FAILED" and task.finished_at and LOST in task.traceback
    api = client.get(f"/api/assessments/{report.code}/report-exports/{export.pk}/").json()
    assert api["status"] == "failed" and api["finished"] and LOST in api["error"]

    # Export again: a new export (the lost one is not handed out again), rendered by a fresh worker.
    response = client.post(url("export", report), follow=True)
    assert "Export started" in response.content.decode()
    fresh = ReportExport.objects.exclude(pk=export.pk).get()
    worker = processes.start(
        processes.manage("db_worker", "--batch", "--no-startup-delay", "--no-reload"),
        tmp_path / "worker-2.log",
        REPORT_RENDER_PROCESSES="2",
    )
    try:
        worker.wait(timeout=180)
    finally:
        processes.stop(worker)
    fresh.refresh_from_db()
    assert fresh.status == ExportStatus.DONE, (tmp_path / "worker-2.log").read_text()[-3000:]
    assert fresh.file and fresh.pages
    export.refresh_from_db()
    assert export.status == ExportStatus.FAILED


@pytest.mark.django_db
def test_stale_export_rule_leaves_moving_and_waiting_exports_alone(report, members, settings):
    from datetime import timedelta

    from django.utils import timezone

    from reports.tasks import render_export
    from reports.worker import fail_stale_exports

    settings.REPORT_EXPORT_STALE_SECONDS = 60
    old = timezone.now() - timedelta(seconds=120)
    make = ReportExport.objects.create
    moving = make(assessment=report, content_hash="1" * 64, status=ExportStatus.RUNNING)
    # Queued with no worker running: waiting, not lost (no worker claimed its task).
    waiting = make(assessment=report, content_hash="2" * 64, status=ExportStatus.QUEUED)
    lost = make(assessment=report, content_hash="3" * 64, status=ExportStatus.RUNNING)
    # Claimed by a worker that died before the export's first progress update.
    claimed = make(assessment=report, content_hash="4" * 64, status=ExportStatus.QUEUED)
    task = render_export.enqueue(claimed.pk)
    DBTaskResult.objects.filter(id=task.id).update(status="RUNNING")
    claimed.task_id = str(task.id)
    claimed.save()
    ReportExport.objects.filter(pk__in=[waiting.pk, lost.pk, claimed.pk]).update(updated=old)
    assert fail_stale_exports(report) == 2
    statuses = dict(ReportExport.objects.values_list("pk", "status"))
    assert statuses == {
        moving.pk: ExportStatus.RUNNING,
        waiting.pk: ExportStatus.QUEUED,
        lost.pk: ExportStatus.FAILED,
        claimed.pk: ExportStatus.FAILED,
    }
    assert DBTaskResult.objects.get(id=task.id).status == "FAILED"


@pytest.mark.django_db
def test_reads_show_a_lost_export_failed_and_write_nothing(client, report, members, settings):
    """The page, the status poll and the API show a lost export as failed; only the command (the timer)
    or a worker's next render writes it."""
    from datetime import timedelta

    from django.utils import timezone

    settings.REPORT_EXPORT_STALE_SECONDS = 60
    lost = ReportExport.objects.create(assessment=report, content_hash="5" * 64, status=ExportStatus.RUNNING)
    ReportExport.objects.filter(pk=lost.pk).update(updated=timezone.now() - timedelta(seconds=120))
    before = ReportExport.objects.values().get(pk=lost.pk)
    for role in ["mab", "staff"]:
        client.force_login(members[role])
        assert LOST in client.get(url("report", report)).content.decode()
        status = client.get(url("export_status", report, pk=lost.pk)).json()
        assert status["status"] == ExportStatus.FAILED and status["stage"] == LOST and status["finished"]
        listed = client.get(f"/api/assessments/{report.code}/report-exports/").json()["results"]
        assert [(e["id"], e["status"]) for e in listed] == [(lost.pk, "failed")]
        assert client.get(url("download", report, pk=lost.pk)).status_code == 404
    assert ReportExport.objects.values().get(pk=lost.pk) == before
    call_command("fail_stale_exports", verbosity=0)
    lost.refresh_from_db()
    assert lost.status == ExportStatus.FAILED and lost.stage == LOST
