import pytest

from indicators.models import Indicator

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_reader_filters_core_indicators_and_opens_one(
    page, live_server, framework, django_user_model, screenshot
):
    django_user_model.objects.create_user("reader", password="pw-reader-1", first_name="Rina")
    sign_in(page, live_server, "reader", "pw-reader-1")
    assert "Welcome, Rina" in page.content()

    page.get_by_role("link", name="Framework", exact=True).click()
    page.wait_for_url(f"{live_server.url}/framework/iui-2019/")
    assert page.get_by_test_id("shown-count").inner_text() == "303 indicators shown"
    assert page.get_by_text("wording that the roamx team reconstructed", exact=False).first.is_visible()

    page.get_by_label("Core indicators only").check()
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**core=1**")
    assert page.get_by_test_id("shown-count").inner_text() == "109 indicators shown"
    screenshot(page, "framework-core", full_page=False)

    indicator = Indicator.objects.filter(is_core=True, category__code="A").order_by("order").first()
    page.get_by_role("link", name=f"{indicator.code} {indicator.text}").click()
    page.wait_for_url(f"**/indicators/{indicator.code}/")
    assert page.get_by_role("heading", level=1).inner_text().startswith(indicator.code)
    assert page.get_by_text("Sources and means of verification").is_visible()
    screenshot(page, "indicator-detail")


def test_framework_page_fits_a_phone(phone_page, live_server, framework, django_user_model, screenshot):
    django_user_model.objects.create_user("reader", password="pw-reader-1")
    sign_in(phone_page, live_server, "reader", "pw-reader-1")
    phone_page.goto(f"{live_server.url}/framework/iui-2019/?core=1")
    overflow = phone_page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    screenshot(phone_page, "framework-phone", full_page=False)
