"""Staff exports the report in a real browser; the real db_worker loop renders it in the background."""

import io
import subprocess
import threading

import pytest
from django.core.files.base import ContentFile
from django_tasks_db.management.commands.db_worker import Worker
from PIL import Image

from assessments.choices import Role
from assessments.models import Attachment, Finding
from reports.choices import SectionKind
from reports.demo import seed_report
from reports.models import ReportSection
from tests.e2e.conftest import ARTIFACTS, sign_in
from tests.factories import MembershipFactory, ReportExportFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def start_worker(worker_id):
    """The db_worker command's own loop for one task, in a thread (the command itself installs signal
    handlers, which only the main thread may do)."""
    worker = Worker(
        queue_names=["default"],
        interval=0.2,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=1,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    return thread


def test_staff_exports_and_downloads_the_report(page, live_server, assessment, screenshot, tmp_path):
    seed_report(assessment)
    staff = UserFactory(username="staffer", password="pw-staff-1")
    MembershipFactory(assessment=assessment, user=staff, role=Role.STAFF)
    thread = start_worker("e2e")

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


def test_refused_resources_are_listed_and_the_preview_loads_nothing(
    page, phone_page, live_server, assessment, screenshot, listener, tmp_path
):
    """Report text naming a URL on a listener and a figure: the export lists what it left out, the PDF
    shows the placeholder and the figure, and neither the renderer nor the browser (preview) connects."""
    port, connections = listener
    seed_report(assessment)
    staff = UserFactory(username="staffer", password="pw-staff-1")
    MembershipFactory(assessment=assessment, user=staff, role=Role.STAFF)
    finding = Finding.objects.filter(assessment=assessment).select_related("indicator").first()
    buffer = io.BytesIO()
    Image.new("RGB", (320, 120), (36, 113, 163)).save(buffer, "PNG")
    figure = Attachment.objects.create(
        finding=finding,
        file=ContentFile(buffer.getvalue(), name="coverage.png"),
        original_name="coverage.png",
    )
    remote = f"http://127.0.0.1:{port}/tracker.png"
    section = ReportSection.objects.get(assessment=assessment, kind=SectionKind.EXECUTIVE_SUMMARY)
    section.body = (
        f"Coverage grew.\n\n![Figure 1: Mobile coverage by province](attachment:{figure.pk})\n\n"
        f'![tracker]({remote})\n\n<img src="{remote}"><link rel="stylesheet" href="{remote}">\n'
    )
    section.save()
    finding.narrative = f"Evidence.\n\n![x](/etc/hosts)\n\n<iframe src='{remote}'></iframe>"
    finding.save()
    thread = start_worker("e2e-refused")

    sign_in(page, live_server, "staffer", "pw-staff-1")
    page.goto(f"{live_server.url}/a/{assessment.code}/report/")
    page.get_by_role("button", name="Export PDF").click()
    page.get_by_role("link", name="Download").wait_for(timeout=120_000)
    thread.join(timeout=10)
    summary = page.get_by_text("3 images or resources not included")
    summary.click()
    for text in [f"Executive summary: {remote}", f"Finding {finding.indicator.code}: /etc/hosts"]:
        assert page.get_by_text(text).is_visible()
    screenshot(page, "report-export-refused")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert f"[image not included: {remote}]" in text and "Figure 1: Mobile coverage by province" in text
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "3",
            "-l",
            "3",
            str(path),
            str(ARTIFACTS / "report-refused-pdf"),
        ]
    )

    page.goto(f"{live_server.url}/a/{assessment.code}/report/preview/")
    image = page.get_by_role("img", name="Figure 1: Mobile coverage by province")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 320
    assert page.get_by_text(f"[image not included: {remote}]").first.is_visible()
    image.scroll_into_view_if_needed()
    screenshot(page, "report-preview-refused", full_page=False)
    sign_in(phone_page, live_server, "staffer", "pw-staff-1")
    phone_page.goto(f"{live_server.url}/a/{assessment.code}/report/")
    phone_page.get_by_text("3 images or resources not included").click()
    screenshot(phone_page, "report-export-refused-phone")
    assert connections() == 0, "the renderer or the browser connected to the listener"


def test_exports_table_fits_a_phone(page, phone_page, live_server, assessment, screenshot):
    """At 390px each export is a card of labelled lines (no sideways scrolling); at 1280px a table."""
    staff = UserFactory(username="staffer", password="pw-staff-1")
    MembershipFactory(assessment=assessment, user=staff, role=Role.STAFF)
    long_url = "http://127.0.0.1:8000/" + "very-long-segment/" * 8 + "image.png"
    ReportExportFactory(
        assessment=assessment,
        requested_by=staff,
        status="done",
        pages=48,
        seconds=12.3,
        chapters_rendered=9,
        chapters_total=9,
        refused=[{"where": "Executive summary", "url": long_url}],
    )
    ReportExportFactory(assessment=assessment, requested_by=staff, status="failed", error="boom")
    for view, width in ((phone_page, 390), (page, 1280)):
        sign_in(view, live_server, "staffer", "pw-staff-1")
        view.goto(f"{live_server.url}/a/{assessment.code}/report/")
        view.get_by_text("1 image or resource not included").click()
        assert view.evaluate("document.documentElement.scrollWidth") <= width
        # Nor inside the table's own scroll box (which is what a phone got before).
        assert view.locator(".table-wrap").evaluate("e => e.scrollWidth <= e.clientWidth")
        pages = view.locator('td[data-label="Pages"]').filter(has_text="48")
        status = view.locator('td[data-label="Status"]').filter(has_text="Ready")
        label = pages.evaluate("td => getComputedStyle(td, '::before').content")
        header = view.locator("table.stack thead")
        pages_box, status_box = pages.bounding_box(), status.bounding_box()
        if width == 390:  # one cell under the other, each with its label; the header row out of sight
            assert label == '"Pages"' and header.bounding_box()["height"] <= 1  # for screen readers only
            assert pages_box["x"] == status_box["x"] and pages_box["y"] > status_box["y"]
        else:  # side by side under the header
            assert label in ("none", "normal") and header.bounding_box()["height"] > 10
            assert pages_box["x"] > status_box["x"] and pages_box["y"] == status_box["y"]
        screenshot(view, f"report-exports-{width}")
