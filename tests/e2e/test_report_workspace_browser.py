"""The report workspace in a real browser: a researcher writes a key-findings section with a figure and a
table, previews it without reloading (the figure numbered "Figure 1"), saves, and reorders the
recommendation register with the keyboard only. Screenshots at 1280 and 390 px."""

import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from playwright.sync_api import expect

from assessments.choices import Role, StakeholderGroup
from reports.models import Recommendation, ReportSection
from tests.conftest import account
from tests.factories import (
    AssessmentFactory,
    AttachmentFactory,
    FindingFactory,
    MembershipFactory,
    RecommendationFactory,
)
from tests.reports.test_workspace import PNG

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def setup(framework, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assessment = AssessmentFactory(code="khm-2023", framework=framework)
    writer = account("writer", "pw-writer-1")
    MembershipFactory(assessment=assessment, user=writer, role=Role.RESEARCHER)
    finding = FindingFactory(
        assessment=assessment, code="A.1.1", score=2, narrative="Mobile broadband reaches 98% of people."
    )
    attachment = AttachmentFactory(
        finding=finding, file=ContentFile(PNG, name="coverage.png"), original_name="coverage.png",
        content_type="image/png", size=len(PNG), description="Mobile coverage by province",
    )  # fmt: skip
    recs = [
        RecommendationFactory(assessment=assessment, text=text, order=n, stakeholder_group=StakeholderGroup.GOVERNMENT)
        for n, text in enumerate(["Extend rural coverage.", "Publish licence data.", "Lower device taxes."])
    ]  # fmt: skip
    return assessment, attachment, recs


def test_write_preview_save_and_reorder(browser, live_server, setup, screenshot):
    assessment, attachment, recs = setup
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, live_server, "writer", "pw-writer-1")
    page.goto(f"{live_server.url}/a/khm-2023/report/write/")
    page.get_by_role("link", name="Key findings: Access").click()
    page.wait_for_url("**/report/write/findings_A/")
    expect(page.locator(".evidence")).to_contain_text("Mobile broadband reaches 98% of people.")

    # Write, insert the figure with its button, preview in place (no navigation).
    editor = page.get_by_label("Text (Markdown)")
    editor.fill("Access has **grown** fast.\n\n| Year | Users |\n|---|---|\n| 2022 | 41.5% |\n")
    page.get_by_role("button", name="Insert coverage.png").click()
    expect(editor).to_have_value(
        f"Access has **grown** fast.\n\n| Year | Users |\n|---|---|\n| 2022 | 41.5% |\n\n![Mobile coverage by province](attachment:{attachment.pk})\n\n"
    )
    url_before = page.url
    page.get_by_role("button", name="Preview", exact=True).click()
    preview = page.locator("#preview")
    expect(preview.locator(".figure-caption")).to_have_text("Figure 1: Mobile coverage by province")
    expect(preview.locator("strong")).to_have_text("grown")
    expect(preview.locator("table td").first).to_have_text("2022")
    assert page.url == url_before
    assert preview.locator("img").get_attribute("src").startswith("data:image/png;base64,")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, "report-workspace-1280", full_page=True)
    shutil.copy(screenshot(page, "report-workspace", full_page=False), SCREENSHOTS / "report-workspace.png")

    page.get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Section saved.")
    section = ReportSection.objects.get(assessment=assessment, kind="findings_A")
    assert f"(attachment:{attachment.pk})" in section.body and section.version == 1
    expect(page.locator("#preview .figure-caption")).to_have_text("Figure 1: Mobile coverage by province")

    # The phone layout: one column, nothing wider than the screen.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    mobile = phone.new_page()
    sign_in(mobile, live_server, "writer", "pw-writer-1")
    mobile.goto(f"{live_server.url}/a/khm-2023/report/write/findings_A/")
    assert mobile.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(mobile, "report-workspace-390", full_page=True)
    phone.close()

    # The register: move "Lower device taxes." up with the keyboard only.
    page.goto(f"{live_server.url}/a/khm-2023/report/recommendations/")
    up = page.get_by_role("button", name="Move up Lower device taxes.")
    up.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/report/recommendations/#rec-{recs[2].pk}")
    order = list(
        Recommendation.objects.filter(assessment=assessment).order_by("order").values_list("text", flat=True)
    )
    assert order == ["Extend rural coverage.", "Lower device taxes.", "Publish licence data."]
    texts = page.locator(".rec .rec-text").all_inner_texts()
    assert [t.strip() for t in texts] == order
    # Focus follows the moved item: Tab reaches its own buttons next.
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert "Lower device taxes." in focused
    page.keyboard.press("Enter")  # "Move up" again
    page.wait_for_load_state()
    expect(page.locator(".rec .rec-text").first).to_have_text("Lower device taxes.")
    screenshot(page, "recommendation-register-1280", full_page=False)
    assert errors == []
