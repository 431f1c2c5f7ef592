"""Every role's main pages in Khmer: the Khmer font loaded, no English interface string left, lines that
wrap between words; the language preference across two browser contexts ("devices"). Screenshots at
1280 and 390 px go to test-artifacts/ (khmer-<role>-<page>-<width>.png)."""

import re
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.db import models

from accounts.models import Profile
from reports.demo import seed_report
from roamx.translations import catalogue

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CODE = "khm-2023"
PAGES = {
    "researcher": ["/", f"/a/{CODE}/", "/framework/", "/admin/assessments/finding/"],
    "lead": [
        f"/a/{CODE}/",
        f"/a/{CODE}/report/",
        "/admin/",
        f"/a/{CODE}/consultations/",
        "/admin/consultation/consultation/",
    ],
    "mab": [
        f"/a/{CODE}/review/",
        f"/a/{CODE}/review/R.1.1/",
        f"/a/{CODE}/review/report/",
        f"/a/{CODE}/review/matrix/",
    ],
    "staff": ["/a/", f"/a/{CODE}/report/"],
}
# Words that are the same in both languages: product and organisation names, acronyms, formats.
SAME_IN_BOTH = re.compile(
    r"^(roamx|R·O·A·M·X|ROAM-X|MAB|UNESCO|PDF|API|URL|CSV|XLSX|Markdown|English|[\W\d_]*)$"
)

VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || parent.closest('script, style, template, noscript')) continue;
    if (!parent.checkVisibility({visibilityProperty: true})) continue;
    const text = node.data.replace(/\\s+/g, ' ').trim();
    if (text) out.push(text);
  }
  return out;
}"""

FONTS = """async () => {
  await document.fonts.ready;
  return [...document.fonts].map(f => ({family: f.family.replace(/["']/g, ''), status: f.status, weight: f.weight}));
}"""


def english_msgids():
    """Our catalogue's English strings that the Khmer catalogue translates to something else."""
    po = polib.pofile(str(catalogue("km")))
    found = set()
    for entry in po:
        if entry.obsolete:
            continue
        for msgid, msgstr in ((entry.msgid, entry.msgstr or entry.msgstr_plural.get(0, "")),):
            if msgstr != msgid and re.search(r"[A-Za-z]{2}", msgid):
                found.add(msgid)
        if entry.msgid_plural:
            found.add(entry.msgid_plural)
    return found


def django_untranslated():
    """Django's own admin strings that its Khmer catalogue lacks or leaves empty, and ours does not supply."""
    import django

    admin = Path(django.__file__).parent / "contrib/admin/locale"
    translated = {e.msgid for e in polib.pofile(str(admin / "km/LC_MESSAGES/django.po")).translated_entries()}
    ours = {e.msgid for e in polib.pofile(str(catalogue("km")))}
    return {
        e.msgid
        for e in polib.pofile(str(admin / "en/LC_MESSAGES/django.po"))
        if e.msgid not in translated and e.msgid not in ours and re.search(r"[A-Za-z]{2}", e.msgid)
    }


def data_texts():
    """Every text the database holds: user content, the catalogue, names. Not interface strings."""
    texts = set()
    for app in ("indicators", "assessments", "reports", "review", "auth"):
        for model in apps.get_app_config(app).get_models():
            fields = [
                f.name
                for f in model._meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField)
            ]
            if fields:
                for row in model.objects.values_list(*fields):
                    texts.update(value for value in row if value)
    return texts


def is_data(text, data):
    return text in data or any(text in value for value in data if len(value) >= len(text))


def english_left(page, msgids, data):
    """Interface strings left in English on the page: a text node that is a msgid, or holds a long one."""
    left = []
    for text in page.evaluate(VISIBLE_TEXT):
        if SAME_IN_BOTH.match(text) or is_data(text, data):
            continue
        if text in msgids:
            left.append(text)
            continue
        left.extend(m for m in msgids if len(m.split()) >= 4 and m in text)
    return left


def assert_khmer_font_loaded(page):
    faces = page.evaluate(FONTS)
    khmer = [f for f in faces if f["family"] == "Noto Sans Khmer"]
    assert any(f["status"] == "loaded" for f in khmer), faces


def check_khmer_page(page, live_server, path, name, msgids, data, screenshot):
    page.set_viewport_size({"width": 1280, "height": 900})
    response = page.goto(f"{live_server.url}{path}")
    assert response.status == 200, (path, response.status)
    assert page.evaluate("document.documentElement.lang") == "km", path
    assert_khmer_font_loaded(page)
    left = english_left(page, msgids, data)
    assert not left, f"English interface strings on {path}: {left}"
    screenshot(page, f"khmer-{name}-1280", full_page=False)
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_timeout(100)
    screenshot(page, f"khmer-{name}-390", full_page=False)


@pytest.fixture
def khmer_site(assessment, members):
    seed_report(assessment)
    for user in members.values():
        Profile.objects.update_or_create(user=user, defaults={"language": "km"})
    return {"msgids": english_msgids() | django_untranslated(), "data": data_texts()}


@pytest.mark.parametrize("role", list(PAGES))
def test_each_roles_main_pages_in_khmer(role, page, live_server, members, khmer_site, screenshot):
    user = members[role]
    sign_in(page, live_server, user.username, "pw-test-1")  # the sign-in page is English; the profile is not
    for path in PAGES[role]:
        name = f"{role}-{path.strip('/').replace('/', '-') or 'home'}"
        check_khmer_page(page, live_server, path, name, khmer_site["msgids"], khmer_site["data"], screenshot)


def test_anonymous_sign_in_page_switches_to_khmer_with_the_cookie(page, live_server, db, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("document.documentElement.lang") == "en"
    page.get_by_role("button", name="ភាសាខ្មែរ").click()
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.lang") == "km"
    assert page.get_by_role("heading", name="ចូលទៅ roamx").is_visible()
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    assert cookies["django_language"] == "km"
    check_khmer_page(
        page, live_server, "/accounts/login/", "anonymous-sign-in", english_msgids(), set(), screenshot
    )
    assert not Profile.objects.exists()


def test_the_choice_follows_the_person_to_another_device(browser, live_server, members, screenshot):
    user = members["researcher"]
    laptop = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    phone = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB", is_mobile=True)
    try:
        first = laptop.new_page()
        sign_in(first, live_server, user.username, "pw-test-1")
        assert first.evaluate("document.documentElement.lang") == "en"
        first.get_by_role("button", name="ភាសាខ្មែរ").click()
        first.wait_for_load_state()
        assert first.evaluate("document.documentElement.lang") == "km"
        assert Profile.objects.get(user=user).language == "km"

        second = phone.new_page()
        second.goto(f"{live_server.url}/accounts/login/")
        assert second.evaluate("document.documentElement.lang") == "en"  # a new device, an English browser
        sign_in(second, live_server, user.username, "pw-test-1")
        assert second.evaluate("document.documentElement.lang") == "km"
        assert second.get_by_role("link", name="ការវាយតម្លៃរបស់ខ្ញុំ").first.is_visible()
        assert_khmer_font_loaded(second)
        screenshot(second, "khmer-second-device-390", full_page=False)
    finally:
        laptop.close()
        phone.close()


def test_khmer_lines_wrap_between_words_without_overflow(page, live_server, members, khmer_site, screenshot):
    """Chromium breaks Khmer (no spaces) with ICU's Khmer dictionary: a long paragraph in a narrow box wraps
    at word boundaries, never inside a syllable, and nothing sticks out."""
    sign_in(page, live_server, members["lead"].username, "pw-test-1")
    page.goto(f"{live_server.url}/")
    measured = page.evaluate(
        """() => {
      const p = [...document.querySelectorAll('main p')].sort((a, b) => b.textContent.length - a.textContent.length)[0];
      p.style.width = '140px';
      const t = [...p.childNodes].find(n => n.nodeType === 3 && n.data.trim().length > 40);
      const range = document.createRange(), lines = [];
      let top = null, start = 0;
      for (let i = 0; i < t.length; i++) {
        range.setStart(t, i); range.setEnd(t, i + 1);
        const rect = range.getClientRects()[0];
        if (!rect) continue;
        if (top !== null && rect.top > top + 2) { lines.push(t.data.slice(start, i)); start = i; }
        top = rect.top;
      }
      lines.push(t.data.slice(start));
      return {scroll: p.scrollWidth, client: p.clientWidth, lines, text: p.textContent};
    }"""
    )
    screenshot(page, "khmer-wrapping", full_page=False)
    assert re.search("[\u1780-\u17ff]{20}", measured["text"]), measured["text"]
    assert measured["scroll"] <= measured["client"], measured
    lines = [line.strip() for line in measured["lines"] if line.strip()]
    assert len(lines) >= 5, lines
    for line in lines[1:]:
        # A line never starts with a dependent vowel, a sign or a subscript (coeng): breaks fall between words.
        assert not re.match("[\u17b6-\u17d3\u17dd]", line), lines
    for line in lines[:-1]:
        assert not line.endswith("\u17d2"), lines
