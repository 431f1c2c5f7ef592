"""The Content-Security-Policy in a real browser: every main page of every role runs with zero violations
and still works (scripts from files, admin widgets, Swagger UI)."""

import pytest

from assessments.models import Finding
from reports.demo import seed_report
from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Runs before any page script, outside the page's CSP: records every violation the browser reports.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sourceFile + ":" + e.lineNumber);
});
"""


@pytest.fixture
def watched(page):
    """The page, with CSP violations collected from events and from the console, per URL visited."""
    page.add_init_script(WATCH_CSP)
    console = []
    page.on(
        "console",
        lambda m: console.append(f"{page.url}: {m.text}") if "Content Security Policy" in m.text else None,
    )
    page.csp_console = console
    return page


def violations(page):
    return page.evaluate("window.__cspViolations || []") + page.csp_console


def visit(page, url):
    response = page.goto(url)
    assert response.status == 200, url
    assert "default-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    assert violations(page) == [], url


def test_researcher_pages_and_admin_run_under_csp(watched, live_server, assessment, members, screenshot):
    page = watched
    base = live_server.url
    sign_in(page, live_server, "researcher", "pw-test-1")
    assert violations(page) == []
    for path in [
        "/",
        "/framework/",
        "/framework/iui-2019/",
        "/framework/iui-2019/indicators/R.1.1/",
        f"/a/{assessment.code}/",
        "/accounts/tokens/",
        "/accounts/password/",
        "/admin/",
    ]:
        visit(page, base + path)
    screenshot(page, "csp-admin-index", full_page=False)

    visit(page, f"{base}/admin/assessments/finding/?assessment={assessment.code}")
    # The changelist's filters still work (links, and the filter sidebar's JS).
    page.locator("#changelist-filter").get_by_role("link", name="Rights", exact=True).click()
    page.wait_for_url("**category=R**")
    screenshot(page, "csp-admin-changelist", full_page=False)

    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    visit(page, f"{base}/admin/assessments/finding/{finding.pk}/change/")
    # Inline "add another" (the admin's inlines.js) adds a data-point row.
    rows = page.locator("#data_points-group tr.form-row:not(.empty-form)")
    before = rows.count()
    page.locator("#data_points-group .add-row a").click()
    assert rows.count() == before + 1
    # The date widget's calendar opens (DateTimeShortcuts.js).
    link = page.locator("#id_due_date ~ .datetimeshortcuts a[id^=calendarlink]")
    number = link.get_attribute("id").removeprefix("calendarlink")
    link.click()
    calendar = page.locator(f"#calendarbox{number}")
    assert calendar.is_visible()
    calendar.get_by_role("link", name="Cancel").click()
    assert not calendar.is_visible()
    # The colour theme toggle and the roamx stylesheet still apply.
    header_bg = page.evaluate("getComputedStyle(document.getElementById('header')).backgroundColor")
    assert header_bg == "rgb(20, 33, 61)"  # roamx navy from static/roamx-admin.css
    screenshot(page, "csp-admin-finding-form")
    assert violations(page) == []


def test_dashboard_bars_keep_their_widths_without_inline_style(watched, live_server, assessment, members):
    page = watched
    Finding.objects.filter(assessment=assessment, indicator__code__startswith="R.").update(status="draft")
    sign_in(page, live_server, "researcher", "pw-test-1")
    visit(page, f"{live_server.url}/a/{assessment.code}/")
    bar = page.get_by_test_id("progress-R").locator("svg.bar")
    bar_width = bar.bounding_box()["width"]
    draft = bar.locator("rect.st-draft").bounding_box()["width"]
    assert draft == pytest.approx(bar_width, abs=1)  # every R finding is a draft: the whole bar
    fill = bar.locator("rect.st-draft").evaluate("r => getComputedStyle(r).fill")
    assert fill == "rgb(242, 193, 78)"


def test_mab_review_pages_run_under_csp(watched, live_server, assessment, members, screenshot):
    page = watched
    base = live_server.url
    seed_report(assessment)
    sign_in(page, live_server, "mab", "pw-test-1")
    for path in [
        f"/a/{assessment.code}/",
        f"/a/{assessment.code}/review/",
        f"/a/{assessment.code}/review/R.1.1/",
        f"/a/{assessment.code}/review/matrix/",
        f"/a/{assessment.code}/review/report/",
        f"/a/{assessment.code}/review/notifications/",
    ]:
        visit(page, base + path)
    visit(page, f"{base}/a/{assessment.code}/review/R.1.1/")
    page.get_by_label("Add a comment").fill("A comment under the CSP.")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_load_state("networkidle")
    assert "A comment under the CSP." in page.content()
    screenshot(page, "csp-review-finding")
    assert violations(page) == []


def test_staff_report_export_progress_polls_under_csp(watched, live_server, assessment, members, screenshot):
    page = watched
    base = live_server.url
    seed_report(assessment)
    sign_in(page, live_server, "staffer", "pw-test-1")
    visit(page, f"{base}/a/{assessment.code}/report/")
    visit(page, f"{base}/a/{assessment.code}/report/preview/")
    visit(page, f"{base}/a/{assessment.code}/report/")
    # No worker runs here: the export stays queued, and the progress script (a static file now) polls.
    with page.expect_request("**/report/exports/*/status/") as polled:
        page.get_by_role("button", name="Export PDF").click()
    assert polled.value.response().status == 200
    assert page.locator("#progress-bar").is_visible()
    screenshot(page, "csp-report-export-progress", full_page=False)
    assert violations(page) == []


def test_api_docs_and_tokens_run_under_csp(watched, live_server, assessment, members, screenshot):
    page = watched
    sign_in(page, live_server, "lead", "pw-test-1")
    visit(page, f"{live_server.url}/api/docs/")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "roamx API" in page.locator(".swagger-ui .info .title").inner_text()
    page.locator(".opblock-summary").first.click()
    page.locator(".opblock-body").first.wait_for()
    screenshot(page, "csp-api-docs", full_page=False)
    visit(page, f"{live_server.url}/accounts/tokens/")
    page.get_by_role("button", name="Create a token").click()
    page.wait_for_load_state("networkidle")
    key = page.locator("#token-key")
    key.focus()
    # Focusing selects the whole key, ready to copy (static/account/token-key.js).
    assert key.evaluate("k => k.selectionEnd - k.selectionStart") == len(key.input_value()) > 0
    assert violations(page) == []


def test_login_and_lockout_pages_run_under_csp(watched, live_server, user, settings, screenshot):
    page = watched
    settings.AXES_ENABLED = True
    visit(page, f"{live_server.url}/accounts/login/")
    visit(page, f"{live_server.url}/admin/login/")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill("reader")
        page.get_by_label("Password").fill("wrong-password")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state()
    assert page.get_by_test_id("locked-out").is_visible()
    screenshot(page, "login-locked-out", full_page=False)
    assert violations(page) == []


def test_pages_full_of_payloads_run_nothing(watched, live_server, assessment, members, screenshot):
    from tests.security.poison import poison

    page = watched
    finding = poison(assessment, members)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, live_server, "lead", "pw-test-1")
    base = live_server.url
    for path in [
        f"/a/{assessment.code}/review/R.1.1/",
        f"/a/{assessment.code}/review/",
        f"/a/{assessment.code}/review/matrix/",
        f"/a/{assessment.code}/review/report/",
        f"/a/{assessment.code}/report/preview/",
        f"/admin/assessments/finding/{finding.pk}/change/",
        "/admin/assessments/source/",
        "/admin/reports/recommendation/",
    ]:
        page.goto(base + path)
        page.wait_for_load_state("networkidle")
        # Hover and focus everything, so that handlers waiting for an event would have fired.
        page.mouse.move(10, 10)
        page.keyboard.press("Tab")
        assert page.evaluate("window.__xss") is None, path
        if "/review/R.1.1/" in path or "/matrix/" in path or "/preview/" in path:
            # Shown, as the text the member typed.
            assert "<script>window.__xss=1</script>" in page.inner_text("body"), path
    screenshot(page, "xss-admin-recommendations", full_page=False)
    page.goto(f"{base}/a/{assessment.code}/review/R.1.1/")
    screenshot(page, "xss-review-finding")
    assert dialogs == []
    # The CSP had nothing to block either: the payloads were inert text before it came into play.
    assert violations(page) == []
