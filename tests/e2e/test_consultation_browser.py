"""A validation workshop in real browsers, on the demo: three participants on phones (390 px) answer
through a personal link and the open link while the projector's tallies follow without a reload, and
the facilitator moves the projector to the next item."""

import io
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from playwright.sync_api import expect

from consultation import services
from consultation.demo import TITLE
from consultation.models import Answer, Consultation

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def join(page, url, name, group, position, comment=""):
    page.goto(url)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Organisation", exact=True).fill(f"{name}'s organisation")
    page.get_by_label("Stakeholder group").select_option(group)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="The items")).to_be_visible()
    page.locator(".c-items a").first.click()
    page.get_by_label(position, exact=True).check()
    if comment:
        page.get_by_label("Comment").fill(comment)


def test_three_phones_and_the_projector(browser, live_server, framework, screenshot, settings):
    settings.CONSULTATION_POLL_SECONDS = 1
    call_command("seed_demo", stdout=io.StringIO())
    consultation = Consultation.objects.get(title=TITLE)
    lead = get_user_model().objects.get(username="lead")
    base = f"{live_server.url}/a/khm-2023/consultations/{consultation.pk}"
    before = Answer.objects.filter(item__number=1, position="disagree").count()

    projector = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    projector.set_default_timeout(15_000)
    sign_in(projector, live_server, "lead", "roamx-demo")
    projector.goto(f"{base}/projector/")
    first = projector.locator('.p-item[data-number="1"]')
    expect(first).to_have_class("p-item p-current")
    projector.evaluate("window.__notReloaded = true")

    personal = live_server.url + services.invite_with_token(consultation, by=lead, email="sok@example.org")
    open_link = live_server.url + services.open_url(consultation)
    phones = [phone(browser) for _ in range(3)]
    join(phones[0], personal, "Sok Dara", "civil_society", "Disagree", "The data are from <b>2019</b>.")
    phone_shot = screenshot(phones[0], "consultation-phone", full_page=True)
    for page in phones:
        if page is not phones[0]:
            join(page, open_link, f"Guest {phones.index(page)}", "government", "Disagree")
        page.get_by_role("button", name="Save and continue").click()
        expect(page.get_by_text("Item 2 of")).to_be_visible()

    # The projector counts them within a few seconds, without reloading.
    expect(first.locator(".n-disagree")).to_have_text(str(before + 3), timeout=10_000)
    assert projector.evaluate("window.__notReloaded") is True
    width = float(first.locator("rect.disagree").get_attribute("width"))
    assert width > 0

    # One browser on the open link changes its answer rather than voting again.
    phones[1].goto(open_link + "i/1/")
    phones[1].get_by_label("Agree", exact=True).check()
    phones[1].get_by_role("button", name="Save my change").click()
    expect(first.locator(".n-disagree")).to_have_text(str(before + 2), timeout=10_000)

    # The facilitator moves to the next item; the projector follows.
    facilitator = projector.context.new_page()
    facilitator.goto(f"{base}/facilitator/")
    facilitator.get_by_test_id("next").click()
    expect(facilitator.get_by_test_id("current-item")).to_contain_text("2.")
    expect(projector.locator('.p-item[data-number="2"]')).to_have_class("p-item p-current", timeout=10_000)
    expect(first).to_have_class("p-item")
    path = screenshot(projector, "projector", full_page=False)
    DOCS.mkdir(exist_ok=True)
    shutil.copy(path, DOCS / "projector.png")
    shutil.copy(phone_shot, DOCS / "consultation-phone.png")
    for page in phones:
        page.context.close()
    projector.context.close()


def test_a_participant_reads_khmer_in_the_khmer_font(browser, live_server, framework):
    """The participants' pages load no web font but the Khmer one, for Khmer text only: a phone without a
    Khmer font shows Khmer, not empty boxes — the whole page in Khmer, and the language switch's
    "ភាសាខ្មែរ" on an English page."""
    call_command("seed_demo", stdout=io.StringIO())
    consultation = Consultation.objects.get(title=TITLE)
    lead = get_user_model().objects.get(username="lead")
    url = live_server.url + services.invite_with_token(consultation, by=lead, email="sok@example.org")
    fonts = """async () => { await document.fonts.ready;
      return [...document.fonts].map(f => [f.family.replace(/["']/g, ''), f.status]); }"""
    khmer_drawn = """() => document.fonts.check('16px "Noto Sans Khmer"', 'ភាសាខ្មែរ')"""
    page = phone(browser)
    page.context.add_cookies([{"name": "django_language", "value": "km", "url": live_server.url}])
    page.goto(url)
    assert page.evaluate("document.documentElement.lang") == "km"
    assert ["Noto Sans Khmer", "loaded"] in page.evaluate(fonts)
    assert page.evaluate(khmer_drawn) is True
    # In English only the switch's label is Khmer: the regular weight serves it, the bold one is not fetched.
    english = phone(browser)
    english.goto(url)
    assert english.evaluate("document.documentElement.lang") == "en"
    assert sorted(english.evaluate(fonts)) == [["Noto Sans Khmer", "loaded"], ["Noto Sans Khmer", "unloaded"]]
    assert english.evaluate(khmer_drawn) is True
