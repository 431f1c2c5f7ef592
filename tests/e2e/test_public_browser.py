"""The lead publishes in a real browser; anyone then opens the public page, at 1280px and on a phone."""

import pytest

from assessments.choices import Role
from assessments.models import Finding
from reports.demo import seed_report
from tests.e2e.conftest import sign_in
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

    page.goto(f"{live_server.url}/a/{assessment.code}/publish/")
    page.get_by_role("button", name="Unpublish").click()
    page.get_by_text("The results are no longer public.").wait_for()
    assert phone_page.goto(public).status == 404
