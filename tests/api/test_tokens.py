"""The profile page where people create and revoke their API token."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

URL = "/accounts/tokens/"


def test_token_page_needs_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.post(URL, {"action": "create"})
    assert not Token.objects.exists()


def test_create_shows_key_once_then_it_works_and_revoke_stops_it(client, members, assessment):
    client.force_login(members["researcher"])
    assert "You have no token" in client.get(URL).content.decode()
    response = client.post(URL, {"action": "create"}, follow=True)
    key = Token.objects.get(user=members["researcher"]).key
    assert key in response.content.decode()
    again = client.get(URL).content.decode()
    assert key not in again and f"…{key[-4:]}" in again

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/assessments/").json()["results"][0]["my_role"] == "researcher"

    replaced = client.post(URL, {"action": "create"}, follow=True).content.decode()
    assert "replaces the old one" in replaced
    assert api.get("/api/assessments/").status_code == 401
    new_key = Token.objects.get(user=members["researcher"]).key

    revoked = client.post(URL, {"action": "revoke"}, follow=True).content.decode()
    assert "Your token is revoked" in revoked and not Token.objects.exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert api.get("/api/assessments/").status_code == 401


def test_each_person_revokes_only_their_own(client, members, assessment):
    theirs = Token.objects.create(user=members["lead"])
    client.force_login(members["mab"])
    response = client.post(URL, {"action": "revoke"}, follow=True)
    assert "You have no token to revoke" in response.content.decode()
    assert Token.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("data", [{}, {"action": "drop table"}])
def test_unknown_action_is_a_message_not_an_error(client, members, assessment, data):
    client.force_login(members["mab"])
    response = client.post(URL, data, follow=True)
    assert response.status_code == 200 and "Unknown action" in response.content.decode()


def test_api_docs_page_serves_swagger_locally(client, members, assessment):
    client.force_login(members["mab"])
    body = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in body and "cdn.jsdelivr" not in body
    assert "/static/drf_spectacular_sidecar/" in body


def test_schema_has_no_warnings_and_is_valid(db):
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/assessments/{code}/findings/{indicator}/" in out.getvalue()
