"""Staff exports the report in a real browser; the real db_worker loop renders it in the background."""

import subprocess
import threading

import pytest
from django_tasks_db.management.commands.db_worker import Worker

from assessments.choices import Role
from reports.demo import seed_report
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_staff_exports_and_downloads_the_report(page, live_server, assessment, screenshot, tmp_path):
    seed_report(assessment)
    staff = UserFactory(username="staffer", password="pw-staff-1")
    MembershipFactory(assessment=assessment, user=staff, role=Role.STAFF)
    # The db_worker command's own loop, in a thread (the command itself installs signal handlers,
    # which only the main thread may do).
    worker = Worker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id="e2e",
        excluded_queue_names=[],
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()

    sign_in(page, live_server, "staffer", "pw-staff-1")
    page.goto(f"{live_server.url}/a/{assessment.code}/report/")
    page.get_by_role("button", name="Export PDF").click()
    page.get_by_role("status").wait_for()
    screenshot(page, "report-export-progress")
    download_link = page.get_by_role("link", name="Download")
    download_link.wait_for(timeout=120_000)
    screenshot(page, "report-page")
    with page.expect_download() as info:
        download_link.click()
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    thread.join(timeout=10)

    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Key Policy Recommendations" in text and "DRAFT — for validation" in text
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "50", str(path), str(ARTIFACTS / "report-pdf")], check=True)
    assert (ARTIFACTS / "report-pdf-01.png").exists()
