"""In a real browser: a resolved comment offers no Edit (and an edit posted after the resolution comes back
as a reply), and the validation form chooses nothing for the member — on a desktop and on a phone."""

import pytest

from assessments.models import Finding
from assessments.services import save_finding
from review import services
from review.models import Comment, Vote

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture
def ready_finding(assessment, members):
    finding = Finding.objects.select_related("indicator", "assessment").get(
        assessment=assessment, indicator__code="R.1.1"
    )
    fields = {"narrative": "The constitution protects expression.", "score": 3, "status": "draft"}
    for step in (fields, {"status": "ready"}):
        save_finding(finding, by=members["researcher"], expected_version=finding.version, fields=step)
    return finding


def open_as(browser, live_server, username, device):
    context = browser.new_context(**VIEWPORTS[device])
    page = context.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, live_server, username, "pw-test-1")
    return page


@pytest.mark.parametrize("device", VIEWPORTS)
def test_resolved_comment_has_no_edit_and_the_vote_starts_unchosen(
    browser, live_server, members, ready_finding, screenshot, device
):
    resolved = services.add_comment(ready_finding, by=members["mab"], body="Cite the 2021 amendment.")
    services.resolve_comment(
        resolved, by=members["researcher"], disposition="accepted", reason="Cited in the second paragraph."
    )
    fresh = services.add_comment(ready_finding, by=members["mab"], body="And the 2022 court ruling?")
    page = open_as(browser, live_server, "mab", device)
    page.goto(f"{live_server.url}{ready_finding.get_absolute_url()}")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0

    frozen = page.locator(f"#comment-{resolved.pk}")
    assert "Resolved" in frozen.inner_text() and "Accepted" in frozen.inner_text()
    assert frozen.locator("summary", has_text="Edit").count() == 0
    assert page.locator(f"#comment-{fresh.pk} summary", has_text="Edit").count() == 1
    frozen.scroll_into_view_if_needed()
    screenshot(page, f"review-resolved-comment-{device}", full_page=False)

    # The validation form: nothing chosen; a stray click on the button records nothing.
    radios = page.locator("#vote input[name=verdict]")
    assert radios.count() == 2
    assert not any(radios.nth(i).is_checked() for i in range(2))
    page.locator("#validation").scroll_into_view_if_needed()
    screenshot(page, f"review-validation-unchosen-{device}", full_page=False)
    page.get_by_role("button", name="Record my validation").click()
    assert page.evaluate("document.querySelector('#verdict-endorse').validity.valueMissing")
    assert not Vote.objects.exists()
    # Without the browser's own check (an old browser, a script), the server refuses it in place.
    page.evaluate("document.querySelectorAll('#vote input[name=verdict]').forEach(r => r.required = false)")
    page.get_by_role("button", name="Record my validation").click()
    page.wait_for_load_state()
    assert "Choose “endorse” or “needs revision”" in page.locator("#vote").inner_text()
    assert not Vote.objects.exists()
    page.locator("#validation").scroll_into_view_if_needed()
    screenshot(page, f"review-validation-refused-{device}", full_page=False)
    page.get_by_label("Endorse", exact=True).check()
    page.get_by_role("button", name="Record my validation").click()
    page.wait_for_url("**#validation")
    assert Vote.objects.get().verdict == "endorse"
    page.context.close()


def test_an_edit_posted_after_the_resolution_comes_back_as_a_reply(
    browser, live_server, members, ready_finding, screenshot
):
    comment = services.add_comment(ready_finding, by=members["mab"], body="Where is the 2022 law?")
    page = open_as(browser, live_server, "mab", "desktop")
    page.goto(f"{live_server.url}{ready_finding.get_absolute_url()}")
    block = page.locator(f"#comment-{comment.pk}")
    block.locator("summary", has_text="Edit").click()
    block.get_by_label("Your comment").fill("Where is the 2023 law?")
    # Meanwhile the team answers it.
    services.resolve_comment(comment, by=members["researcher"], disposition="accepted", reason="Cited.")
    block.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    block = page.locator(f"#comment-{comment.pk}")
    assert "The team has resolved this comment" in block.inner_text()
    assert block.get_by_label("Your text, to post as a reply").input_value() == "Where is the 2023 law?"
    assert Comment.objects.get(pk=comment.pk).body == "Where is the 2022 law?"
    block.scroll_into_view_if_needed()
    screenshot(page, "review-edit-refused-desktop", full_page=False)
    block.get_by_role("button", name="Post as a reply").click()
    page.wait_for_url("**#comment-*")
    assert Comment.objects.get(parent=comment).body == "Where is the 2023 law?"
    page.context.close()
