"""The whole MAB review loop in a real browser: comment and ask for revision, answer, revise, resolve,
see the change, endorse."""

import pytest
from django.core import mail
from playwright.sync_api import expect

from assessments.models import Finding
from assessments.services import save_finding
from review.models import Comment, Vote

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NARRATIVE = (
    "The constitution protects **freedom of expression**.\n\n"
    "The Law on Telecommunications of 2015 allows the ministry to block content."
)


@pytest.fixture
def ready_finding(assessment, members):
    finding = Finding.objects.select_related("indicator").get(assessment=assessment, indicator__code="R.1.1")
    for fields in ({"narrative": NARRATIVE, "score": 3, "status": "draft"}, {"status": "ready"}):
        save_finding(finding, by=members["researcher"], expected_version=finding.version, fields=fields)
    return finding


def new_page(browser, **kwargs):
    context = browser.new_context(**(kwargs or {"viewport": {"width": 1280, "height": 900}}))
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def test_mab_review_loop(browser, live_server, members, ready_finding, screenshot):
    code = ready_finding.assessment.code
    finding_url = f"{live_server.url}/a/{code}/review/R.1.1/"

    # 1. The MAB member opens the finding from the review overview, comments and asks for revision.
    mab = new_page(browser)
    sign_in(mab, live_server, "mab", "pw-test-1")
    mab.get_by_role("link", name=f"Review {code}").click()
    mab.wait_for_url(f"**/a/{code}/review/")
    mab.get_by_role("link", name=f"R.1.1 {ready_finding.indicator.text}").click()
    mab.wait_for_url(finding_url)
    assert "freedom of expression" in mab.locator("[data-testid=narrative] strong").inner_text()
    mab.get_by_label("Add a comment").fill(
        "@researcher is the 2015 law still in force after the 2021 amendment?"
    )
    mab.get_by_role("button", name="Post comment").click()
    mab.wait_for_url(f"{finding_url}#comment-*")
    mab.get_by_label("Needs revision").check()
    mab.locator("#vote-body").fill("The score should reflect the blocking powers.")
    mab.get_by_role("button", name="Record my validation").click()
    mab.wait_for_url("**#validation")
    assert "asked for revision" in mab.locator(".messages").inner_text()
    assert "1 member asks for revision" in mab.locator("#validation").inner_text()
    # Keyboard: the comment box and the buttons are reachable with Tab and have visible labels.
    mab.get_by_label("Add a comment").focus()
    mab.keyboard.press("Tab")
    assert mab.evaluate("document.activeElement.textContent.trim()") == "Post comment"
    screenshot(mab, "review-finding-mab")
    assert any("mentioned you" in m.subject for m in mail.outbox)
    assert any("asks for revision of R.1.1" in m.subject for m in mail.outbox)

    # 2. The researcher sees it, replies, revises the narrative and resolves with a disposition.
    team = new_page(browser)
    sign_in(team, live_server, "researcher", "pw-test-1")
    team.goto(finding_url)
    assert "@researcher is the 2015 law" in team.locator("#comments").inner_text()
    question = Comment.objects.get(body__startswith="@researcher")
    thread = team.locator(f"#comment-{question.pk}")
    thread.locator("summary", has_text="Reply").first.click()
    thread.get_by_label("Your reply").fill("Yes: the amendment kept the blocking power. We revise the text.")
    thread.get_by_role("button", name="Post reply").click()
    team.wait_for_url(f"{finding_url}#comment-*")

    team.get_by_text("Revise the narrative and score").click()
    team.get_by_label("Narrative evidence").fill(
        NARRATIVE.replace("of 2015", "of 2015, amended in 2021,")
        + "\n\nNo court has reviewed a blocking order."
    )
    team.get_by_label("Score", exact=True).select_option("2")
    team.get_by_role("button", name="Save the finding").click()
    expect(team.locator(".messages")).to_contain_text("The finding is saved.")

    # Marking it endorsed is refused while MAB comments are open.
    team.get_by_role("button", name="Mark endorsed").click()
    assert "unresolved comment" in team.locator("#validation").inner_text()

    for comment in Comment.objects.filter(author=members["mab"]).order_by("pk"):
        block = team.locator(f"#comment-{comment.pk}")
        block.locator("summary", has_text="Resolve").first.click()
        block.get_by_role("button", name="Resolve comment").click()  # without a disposition: refused
        block = team.locator(f"#comment-{comment.pk}")
        assert "needs a disposition" in block.inner_text()
        block.get_by_label("Disposition").select_option("accepted")
        block.get_by_label("Reason").fill("Narrative now cites the 2021 amendment; score lowered to 2.")
        block.get_by_role("button", name="Resolve comment").click()
        team.wait_for_url(f"{finding_url}#comment-{comment.pk}")
    assert not Comment.objects.filter(author=members["mab"], status="open").exists()
    screenshot(team, "review-finding-researcher")

    # 3. The MAB member sees the change flagged and the diff, then endorses.
    mab.goto(f"{live_server.url}/a/{code}/review/")
    row = mab.get_by_test_id("finding-R.1.1")
    assert "narrative and score changed" in row.inner_text()
    screenshot(mab, "review-overview", full_page=False)
    row.get_by_role("link").click()
    mab.wait_for_url(finding_url)
    diff = mab.get_by_test_id("narrative-diff")
    assert "amended in 2021" in diff.locator("ins").all_inner_texts()[0] + " ".join(
        diff.locator("ins").all_inner_texts()
    )
    assert "2 — Weak" in mab.get_by_test_id("changes").inner_text()
    mab.get_by_test_id("changes").scroll_into_view_if_needed()
    screenshot(mab, "review-diff")
    mab.get_by_label("Endorse", exact=True).check()
    mab.get_by_role("button", name="Record my validation").click()
    mab.wait_for_url("**#validation")
    assert "Endorsed by 1 member" in mab.locator("#validation").inner_text()
    assert Vote.objects.get(member=members["mab"]).verdict == "endorse"

    # The team can now mark it endorsed; the matrix shows the dispositions.
    team.goto(finding_url)
    team.get_by_role("button", name="Mark endorsed").click()
    team.wait_for_url("**#validation")
    assert team.get_by_test_id("finding-status").inner_text() == "Endorsed"
    team.goto(f"{live_server.url}/a/{code}/review/matrix/")
    assert team.get_by_test_id("shown-count").inner_text() == "2 comments"
    screenshot(team, "review-matrix")
    for page in (mab, team):
        page.context.close()


def test_review_pages_fit_a_phone(phone_page, live_server, members, ready_finding, screenshot):
    code = ready_finding.assessment.code
    sign_in(phone_page, live_server, "mab", "pw-test-1")
    for path, name in (("review/", "review-overview-phone"), ("review/R.1.1/", "review-finding-phone")):
        phone_page.goto(f"{live_server.url}/a/{code}/{path}")
        overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, name
        screenshot(phone_page, name, full_page=False)
