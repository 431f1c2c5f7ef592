"""The lead exports the Word file and publishes in a real browser (the real db_worker loop renders it);
anyone then opens the public page, at 1280px and on a phone, and downloads the Word file from it."""

import io

import pytest
from docx import Document

from assessments.choices import Role
from assessments.models import Finding
from reports.demo import seed_report
from tests.e2e.conftest import sign_in
from tests.e2e.test_report_browser import start_worker
from tests.factories import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_lead_publishes_and_anyone_reads_it(page, phone_page, live_server, assessment, screenshot):
    seed_report(assessment)
    for i, finding in enumerate(Finding.objects.filter(assessment=assessment)[:40]):
        finding.narrative, finding.score = "Evidence.", 1 + i % 5
        finding.save()
    lead = UserFactory(username="leader", password="pw-lead-1")
    MembershipFactory(assessment=assessment, user=lead, role=Role.LEAD)
    public = f"{live_server.url}/p/{assessment.code}/"
    assert phone_page.goto(public).status == 404

    sign_in(page, live_server, "leader", "pw-lead-1")
    thread = start_worker("e2e-word")
    page.goto(f"{live_server.url}/a/{assessment.code}/report/")
    page.get_by_role("button", name="Export Word").click()
    page.get_by_role("link", name="Download").wait_for(timeout=120_000)
    thread.join(timeout=10)
    page.goto(f"{live_server.url}/a/{assessment.code}/")
    page.get_by_role("link", name="Publication").click()
    page.get_by_role("button", name="Publish").click()
    page.get_by_text("The results are public.").wait_for()

    phone_page.goto(public)
    phone_page.get_by_role("heading", name="Executive summary").wait_for()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone_page.evaluate("document.scripts.length") == 0
    screenshot(phone_page, "public-page-390")
    page.goto(public)
    page.get_by_role("heading", name="Recommendations", exact=True).wait_for()
    screenshot(page, "public-page-1280")
    word = page.get_by_role("link", name="Report (Word)").get_attribute("href")
    answer = page.request.get(f"{live_server.url}{word}")
    assert answer.ok
    headings = [p.text for p in Document(io.BytesIO(answer.body())).paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["Key findings and recommendations", "Key findings"]

    page.goto(f"{live_server.url}/a/{assessment.code}/publish/")
    page.get_by_role("button", name="Unpublish").click()
    page.get_by_text("The results are no longer public.").wait_for()
    assert phone_page.goto(public).status == 404
