import pytest

from tests.e2e.conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_researcher_creates_and_revokes_a_token(page, phone_page, live_server, members, screenshot):
    sign_in(page, live_server, "researcher", "pw-test-1")
    page.get_by_role("link", name="API token").click()
    page.get_by_role("button", name="Create a token").click()
    key = page.get_by_role("textbox", name="Token").input_value()
    assert len(key) == 40
    screenshot(page, "api-token-created")
    page.reload()
    assert page.get_by_role("textbox", name="Token").count() == 0
    page.get_by_role("button", name="Revoke").click()
    assert page.get_by_text("Your token is revoked").is_visible()

    sign_in(phone_page, live_server, "researcher", "pw-test-1")
    phone_page.goto(f"{live_server.url}/accounts/tokens/")
    phone_page.get_by_role("button", name="Create a token").click()
    screenshot(phone_page, "api-token-phone")

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20_000)
    screenshot(page, "api-docs", full_page=False)
