"""The report's content under review in a real browser, on the demo: the MAB member comments on a
recommendation, finds it in the comment-response matrix, and sees the team's disposition there."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from reports.models import Recommendation
from review.models import Comment

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

REMARK = "Courts already publish some decisions on paper: name which courts should start online, and by when."


def test_mab_member_comments_on_a_recommendation_and_finds_it_in_the_matrix(
    browser, live_server, framework, screenshot
):
    call_command("seed_demo", stdout=io.StringIO())
    rec = Recommendation.objects.get(text="Publish court decisions online.")
    base = f"{live_server.url}/a/khm-2023/review"

    # 1. The reviewer opens the report content from the review tabs and comments on a recommendation.
    mab = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    mab.set_default_timeout(15_000)
    sign_in(mab, live_server, "reviewer", "roamx-demo")
    mab.goto(f"{base}/")
    mab.get_by_role("link", name="Report content").click()
    mab.wait_for_url(f"{base}/report/")
    expect(mab.get_by_role("heading", name="Key findings: Access")).to_be_visible()
    # The demo's own threads are there: the open comment on the access summary.
    expect(mab.locator("#section-findings_A")).to_contain_text("Please add the rural gap")
    screenshot(mab, "review-report-top", full_page=False)
    item = mab.locator(f"#recommendation-{rec.pk}")
    item.get_by_text("Comment on this").click()
    item.get_by_label("Add a comment").fill(REMARK)
    item.get_by_role("button", name="Post comment").click()
    comment = Comment.objects.get(body=REMARK)
    mab.wait_for_url(f"{base}/report/#comment-{comment.pk}")
    expect(mab.locator(f"#comment-{comment.pk}")).to_contain_text(REMARK)
    expect(mab.locator(f"#recommendation-{rec.pk}")).to_contain_text("1 open MAB comment")
    screenshot(mab, "review-report-content", full_page=False)
    mab.locator(f"#recommendation-{rec.pk}").scroll_into_view_if_needed()
    screenshot(mab, "review-report-recommendation", full_page=False)

    # 2. The matrix, narrowed to the report's content, lists it under its recommendation.
    mab.get_by_role("link", name="Comment-response matrix").click()
    mab.get_by_label("Item").select_option("report")
    mab.get_by_role("button", name="Filter").click()
    row = mab.locator("tr", has_text=REMARK)
    expect(row).to_contain_text("Recommendation 7 · Judiciary: Publish court decisions online.")
    expect(row).to_contain_text("Open")
    expect(mab.get_by_role("table", name="Comment-response matrix")).not_to_contain_text(
        "32.9%"
    )  # finding comments are filtered out

    # 3. The researcher answers with a disposition on the report page (keyboard only for the form).
    team = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    team.set_default_timeout(15_000)
    sign_in(team, live_server, "researcher", "roamx-demo")
    team.goto(f"{base}/report/#comment-{comment.pk}")
    thread = team.locator(f"#comment-{comment.pk}")
    thread.get_by_text("Resolve", exact=True).click()
    thread.get_by_label("Disposition").select_option("partly_accepted")
    thread.get_by_label("Reason").fill(
        "We name the Supreme Court and the Appeal Court; the date is for the ministry."
    )
    thread.get_by_label("Reason").press("Tab")
    team.keyboard.press("Enter")
    team.wait_for_url(f"{base}/report/#comment-{comment.pk}")
    expect(team.locator(f"#comment-{comment.pk}")).to_contain_text("Partly accepted")

    # 4. Back in the matrix, the reviewer sees the answer.
    mab.reload()
    row = mab.locator("tr", has_text=REMARK)
    expect(row).to_contain_text("Partly accepted")
    expect(row).to_contain_text("We name the Supreme Court")
    screenshot(mab, "review-matrix-report")

    # 5. On a phone the page reads in one column.
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    phone.set_default_timeout(15_000)
    sign_in(phone, live_server, "reviewer", "roamx-demo")
    phone.goto(f"{base}/report/#recommendation-{rec.pk}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "review-report-phone", full_page=False)
    for p in (mab, team, phone):
        p.context.close()
