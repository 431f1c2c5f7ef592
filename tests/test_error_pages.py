"""Error pages in the product's style, for the people who meet them: outsiders (404), members whose role
does not allow an action (403), and anyone who hits a bug (500). The database outage page (503) is tested
in tests/test_database_down.py."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from toolkit.errors import server_error


def test_outsider_gets_the_product_404(client, assessment, members):
    client.force_login(members["outsider"])
    response = client.get(reverse("assessments:dashboard", args=["khm-2023"]))
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body and "not yours to see" in body
    assert "khm-2023" not in body  # says nothing about what exists
    assert 'class="topbar"' in body and "Sign out" in body  # the product's page, with its navigation


def test_member_refused_an_action_gets_the_product_403(client, assessment, members):
    """Staff may read a finding's review page but not vote on it: refused with the product's page."""
    client.force_login(members["staff"])
    page = reverse("review:finding", args=["khm-2023", "R.1.1"])
    response = client.post(page, {"action": "vote", "verdict": "endorse"})
    assert response.status_code == 403
    body = response.content.decode()
    assert "Not allowed" in body and "Ask your lead researcher" in body


def test_unknown_address_for_anonymous_visitor_is_the_product_404(client, db):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


@pytest.mark.parametrize("error", [ValueError("bug"), KeyError("x")])
def test_a_bug_gets_the_product_500_without_details(db, error):
    request = RequestFactory().get("/a/khm-2023/")
    try:
        raise error
    except type(error):
        response = server_error(request)
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body and "Nothing you saved before is lost" in body
    assert "Traceback" not in body and "bug" not in body
