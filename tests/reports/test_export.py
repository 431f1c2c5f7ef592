"""Export flow, permissions per role, the content cache, and query counts."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from reports.choices import ExportStatus
from reports.models import ReportExport
from tests.factories import ReportExportFactory
from tests.reports.conftest import flat, pdf_text

pytestmark = pytest.mark.django_db


def url(name, assessment, **kw):
    return reverse(f"reports:{name}", kwargs={"code": assessment.code, **kw})


def export_and_run(client, user, assessment, capture):
    client.force_login(user)
    with capture(execute=True):
        response = client.post(url("export", assessment))
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    return response


@pytest.mark.parametrize(
    ("role", "status"), [("lead", 200), ("researcher", 200), ("mab", 200), ("staff", 200), ("outsider", 404)]
)
def test_report_page_per_role(client, report, members, role, status):
    client.force_login(members[role])
    assert client.get(url("report", report)).status_code == status
    assert client.get(url("preview", report)).status_code == status


def test_report_page_needs_sign_in(client, report):
    response = client.get(url("report", report))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("role", "status"), [("researcher", 403), ("mab", 403), ("outsider", 404)])
def test_export_refused_per_role(client, report, members, role, status, django_capture_on_commit_callbacks):
    client.force_login(members[role])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url("export", report)).status_code == status
    assert not ReportExport.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_export_get_is_refused(client, report, members):
    client.force_login(members["staff"])
    assert client.get(url("export", report)).status_code == 405


# The db_worker command closes its database connection after each task, which ends a test's wrapping
# transaction; tests that run it use a transactional database instead.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["lead", "staff"])
def test_export_renders_in_the_worker_and_members_download(
    client, report, members, role, tmp_path, django_capture_on_commit_callbacks
):
    response = export_and_run(client, members[role], report, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    export = ReportExport.objects.get()
    assert export.status == ExportStatus.DONE, export.error
    assert export.requested_by == members[role] and export.progress == 100 and export.finished
    assert "reports/exports/" in export.file.name and len(export.file.name) > 40  # unguessable
    status = client.get(url("export_status", report, pk=export.pk)).json()
    assert status["finished"] and status["download_url"]
    for reader in ["mab", "researcher", "staff", "lead"]:
        client.force_login(members[reader])
        download = client.get(url("download", report, pk=export.pk))
        assert download.status_code == 200
        data = b"".join(download.streaming_content)
        assert "Key Policy Recommendations" in flat(pdf_text(data, tmp_path))
    client.force_login(members["outsider"])
    assert client.get(url("download", report, pk=export.pk)).status_code == 404
    assert client.get(url("export_status", report, pk=export.pk)).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_unchanged_content_is_not_rendered_again(client, report, members, django_capture_on_commit_callbacks):
    export_and_run(client, members["staff"], report, django_capture_on_commit_callbacks)
    first = ReportExport.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("export", report), follow=True)
    assert "has not changed" in response.content.decode()
    assert ReportExport.objects.count() == 1
    assert DBTaskResult.objects.count() == 1  # no second task

    finding = report.findings.filter(narrative__gt="").first()
    finding.narrative += " Changed after review."
    finding.save()
    export_and_run(client, members["lead"], report, django_capture_on_commit_callbacks)
    second = ReportExport.objects.exclude(pk=first.pk).get()
    assert second.status == ExportStatus.DONE and second.content_hash != first.content_hash
    assert second.chapters_rendered == 1 and second.chapters_total > 10


def test_report_page_queries_do_not_grow_with_exports(client, report, members):
    client.force_login(members["mab"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url("report", report)).status_code == 200
        return len(ctx)

    ReportExportFactory(assessment=report, requested_by=members["staff"])
    few = count()
    ReportExportFactory.create_batch(15, assessment=report, requested_by=members["lead"])
    assert count() == few
