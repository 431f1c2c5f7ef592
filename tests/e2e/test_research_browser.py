import re

import pytest

from assessments.models import Finding

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_researcher_fills_in_a_core_rights_finding_and_sees_it_on_the_dashboard(
    page, live_server, assessment, members, screenshot
):
    sign_in(page, live_server, "researcher", "pw-test-1")
    my_assessments = page.get_by_test_id("my-assessments")
    assert "Assessing Internet Development in Cambodia" in my_assessments.inner_text()

    page.get_by_role("link", name="Research workspace").click()
    page.get_by_role("link", name="Findings").first.click()
    page.wait_for_url("**/admin/assessments/finding/")
    page.get_by_role("link", name="Rights", exact=True).click()
    page.wait_for_url("**category=R**")
    page.locator("#changelist-filter").get_by_role("link", name="Core", exact=True).click()
    page.wait_for_url(re.compile(r".*core=1.*"))
    assert "22 findings" in page.locator(".paginator").inner_text()
    screenshot(page, "research-findings-filtered", full_page=False)

    target = Finding.objects.select_related("indicator").get(assessment=assessment, indicator__code="R.4.1")
    page.get_by_role("link", name="R.4.1", exact=True).click()
    page.wait_for_url(f"**/admin/assessments/finding/{target.pk}/change/**")
    panel = page.get_by_test_id("indicator-panel")
    assert target.indicator.question.text in panel.inner_text()
    assert target.indicator.sources in panel.inner_text()

    page.get_by_label("Status").select_option(label="Draft")
    page.locator("#id_score").select_option(label="2 — Weak")
    page.get_by_label("Confidence").select_option(label="Medium")
    page.get_by_label("Narrative evidence").fill(
        "Article 41 of the Constitution guarantees freedom of expression, but defamation and insult "
        "provisions of the 2009 Criminal Code are applied to online speech."
    )

    # A new source, added through the admin's popup beside the citation.
    with page.expect_popup() as popup_info:
        page.locator("#add_id_citations-0-source").click()
    popup = popup_info.value
    popup.wait_for_load_state()
    popup.get_by_label("Type").select_option(label="Law or regulation")
    popup.get_by_label("Title").fill("Constitution of the Kingdom of Cambodia")
    popup.get_by_label("Author or publisher").fill("Kingdom of Cambodia")
    with popup.expect_event("close"):
        popup.get_by_role("button", name="Save", exact=True).click()
    page.locator("#id_citations-0-locator").fill("Art. 41")

    page.locator("#id_data_points-0-value").fill("32.9")
    page.locator("#id_data_points-0-unit").fill("%")
    page.locator("#id_data_points-0-year").fill("2023")
    page.locator("#id_data_points-0-source").select_option(
        label="Constitution of the Kingdom of Cambodia (Kingdom of Cambodia)"
    )
    screenshot(page, "research-finding-form")

    page.get_by_role("button", name="Save and continue editing").click()
    page.wait_for_load_state()
    assert "was changed successfully" in page.locator(".messagelist").inner_text()
    target.refresh_from_db()
    assert (target.status, target.score, target.confidence, target.version) == ("draft", 2, "medium", 2)
    assert target.citations.get().source.title == "Constitution of the Kingdom of Cambodia"
    assert str(target.data_points.get().value) == "32.9000"

    page.goto(f"{live_server.url}/a/khm-2023/")
    recent = page.get_by_test_id("recent")
    assert "R.4.1" in recent.inner_text()
    assert "Draft 1" in page.get_by_test_id("progress-R").inner_text()
    screenshot(page, "assessment-dashboard")


def test_dashboard_fits_a_phone(phone_page, live_server, assessment, members, screenshot):
    sign_in(phone_page, live_server, "mab", "pw-test-1")
    phone_page.goto(f"{live_server.url}/a/khm-2023/")
    assert phone_page.get_by_role("heading", level=1).inner_text() == assessment.title
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(phone_page, "assessment-dashboard-phone")


def test_second_editor_sees_what_the_first_changed_and_keeps_their_input(
    browser, live_server, assessment, members, screenshot
):
    target = Finding.objects.get(assessment=assessment, indicator__code="A.5.1")
    url = f"{live_server.url}/admin/assessments/finding/{target.pk}/change/"
    pages = {}
    for username in ("lead", "researcher"):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        pages[username] = context.new_page()
        sign_in(pages[username], live_server, username, "pw-test-1")
        pages[username].goto(url)
    lead, mine = pages["lead"], pages["researcher"]
    lead.get_by_label("Narrative evidence").fill("32.9% of individuals use the Internet (2023).")
    lead.locator("#id_score").select_option(label="2 — Weak")
    lead.get_by_role("button", name="Save and continue editing").click()
    lead.wait_for_load_state()

    mine.get_by_label("Narrative evidence").fill("My draft: ITU estimate pending.")
    mine.get_by_role("button", name="Save and continue editing").click()
    mine.wait_for_load_state()
    conflict = mine.get_by_test_id("edit-conflict")
    assert "saved this finding while you were editing it" in conflict.inner_text()
    assert "32.9% of individuals use the Internet (2023)." in conflict.inner_text()
    assert mine.get_by_label("Narrative evidence").input_value() == "My draft: ITU estimate pending."
    screenshot(mine, "research-edit-conflict", full_page=False)
    target.refresh_from_db()
    assert target.narrative == "32.9% of individuals use the Internet (2023)." and target.score == 2
    for page in pages.values():
        page.context.close()
