"""From the first sentence to the public page, in one real browser session: the lead writes the executive
summary in the report workspace with a figure, previews it (numbered "Figure 1"), saves, exports the PDF
and the Word file (rendered by the real db_worker loop), publishes, and an anonymous phone opens the
public page and downloads both files, which are read back (pdftotext, python-docx)."""

import io
import subprocess

import pytest
from django.core.files.base import ContentFile
from docx import Document
from playwright.sync_api import expect

from assessments.choices import Role
from assessments.models import Finding
from reports.demo import seed_report
from tests.e2e.conftest import sign_in
from tests.e2e.test_report_browser import start_worker
from tests.factories import AttachmentFactory, MembershipFactory, UserFactory
from tests.reports.test_workspace import PNG

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SENTENCE = "Cambodia's Internet grew fast between 2019 and 2023."
CAPTION = "Figure 1: Mobile coverage by province"


def export(page, button):
    """Press an export button on the report page and wait for the worker to finish that export."""
    downloads = page.get_by_role("link", name="Download")
    before = downloads.count()
    thread = start_worker(f"e2e-{button}")
    page.get_by_role("button", name=button).click()
    expect(downloads).to_have_count(before + 1, timeout=180_000)
    thread.join(timeout=10)


def test_lead_writes_exports_publishes_and_anyone_reads(
    page, phone_page, live_server, assessment, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    seed_report(assessment)
    finding = Finding.objects.filter(assessment=assessment).order_by("indicator__code").first()
    attachment = AttachmentFactory(
        finding=finding, file=ContentFile(PNG, name="coverage.png"), original_name="coverage.png",
        content_type="image/png", size=len(PNG), description="Mobile coverage by province",
    )  # fmt: skip
    lead = UserFactory(username="leader", password="pw-lead-1")
    MembershipFactory(assessment=assessment, user=lead, role=Role.LEAD)
    public = f"{live_server.url}/p/{assessment.code}/"

    # Write the executive summary with the figure, preview it in place, save.
    sign_in(page, live_server, "leader", "pw-lead-1")
    page.goto(f"{live_server.url}/a/{assessment.code}/report/write/executive_summary/")
    editor = page.get_by_label("Text (Markdown)")
    editor.fill(f"{SENTENCE}\n\n")
    page.get_by_role("button", name="Insert coverage.png").click()
    page.get_by_role("button", name="Preview", exact=True).click()
    expect(page.locator("#preview .figure-caption")).to_have_text(CAPTION)
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Section saved.")
    assert f"(attachment:{attachment.pk})" in editor.input_value()

    # Export both files, then publish.
    page.goto(f"{live_server.url}/a/{assessment.code}/report/")
    export(page, "Export PDF")
    export(page, "Export Word")
    assert phone_page.goto(public).status == 404
    page.goto(f"{live_server.url}/a/{assessment.code}/publish/")
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("The results are public.").wait_for()

    # Anyone, on a phone: the summary as written, and both files with the numbered figure.
    phone_page.goto(public)
    expect(phone_page.get_by_text(SENTENCE)).to_be_visible()
    # The figure the public text places is shown, numbered as in the report, from our own bytes.
    expect(phone_page.locator(".figure-caption").first).to_have_text(CAPTION)
    figure = phone_page.locator("img").first
    assert figure.get_attribute("src").startswith("data:image/png;base64,")
    assert figure.evaluate("img => img.complete && img.naturalWidth > 0")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "write-to-publish-public-390")

    pdf_url = phone_page.get_by_role("link", name="Report (PDF)").get_attribute("href")
    answer = phone_page.request.get(f"{live_server.url}{pdf_url}")
    assert answer.ok and answer.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "public.pdf"
    pdf.write_bytes(answer.body())
    text = " ".join(
        subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()
    )
    assert SENTENCE in text and CAPTION in text

    word_url = phone_page.get_by_role("link", name="Report (Word)").get_attribute("href")
    answer = phone_page.request.get(f"{live_server.url}{word_url}")
    assert answer.ok
    document = Document(io.BytesIO(answer.body()))
    paragraphs = [p.text for p in document.paragraphs]
    assert SENTENCE in paragraphs and CAPTION in paragraphs
    assert len(document.inline_shapes) >= 1  # the figure itself, not only its caption
