"""With TASKS_BACKEND=django_tasks_rq.RQBackend the report exports go through Redis: a real `rqworker`
process renders an export that a real gunicorn queued, and members download it (the real Redis, DB 7)."""

import pytest
import redis
from django_tasks_db.models import DBTaskResult

from reports.choices import ExportStatus
from reports.models import ReportExport
from tests import processes
from tests.reports.conftest import flat, pdf_text

from .conftest import export_through, gunicorn, settings_value, signed_in, wait_for_pdf

RQ_WORKER = ("rqworker", "--job-class", "django_tasks_rq.Job", "default")


def rq_env(redis_url):
    return {"REDIS_URL": redis_url, "TASKS_BACKEND": "django_tasks_rq.RQBackend"}


def test_the_database_queue_stays_the_default(redis_url):
    assert settings_value("settings.TASKS", TASKS_BACKEND="") == (
        "{'default': {'BACKEND': 'django_tasks_db.DatabaseBackend'}}"
    )
    assert settings_value("settings.TASKS['default']", **rq_env(redis_url)) == (
        "{'BACKEND': 'django_tasks_rq.RQBackend', 'QUEUES': ['default']}"
    )
    assert settings_value("settings.RQ_QUEUES['default']['URL']", **rq_env(redis_url)) == redis_url


@pytest.mark.django_db(transaction=True)
def test_an_export_queued_by_the_web_is_rendered_by_the_rq_worker(report, members, redis_url, tmp_path):
    env = rq_env(redis_url)
    worker = processes.start(processes.manage(*RQ_WORKER), tmp_path / "rqworker.log", **env)
    try:
        with gunicorn(tmp_path / "gunicorn.log", **env) as web:
            session = signed_in(web, "staffer")
            pk = export_through(session, web, report.code)
            pdf = wait_for_pdf(session, web, report.code, pk)
            # A member who did not export downloads it too; an outsider does not see it.
            assert (
                signed_in(web, "mab").get(f"{web}/a/{report.code}/report/exports/{pk}/download/").content
                == pdf
            )
            refused = signed_in(web, "outsider").get(f"{web}/a/{report.code}/report/exports/{pk}/download/")
            assert refused.status_code == 404
    finally:
        processes.stop(worker)
    assert "Cambodia" in flat(pdf_text(pdf, tmp_path))
    export = ReportExport.objects.get(pk=pk)
    assert export.status == ExportStatus.DONE
    with export.file.open("rb") as stored:
        assert stored.read() == pdf
    # The task went through Redis, not the database queue: RQ's record of the job, finished by the worker.
    job = redis.Redis.from_url(redis_url).hgetall(f"rq:job:{export.task_id}")
    assert job[b"status"] == b"finished", job.get(b"exc_info")
    assert not DBTaskResult.objects.exists()
