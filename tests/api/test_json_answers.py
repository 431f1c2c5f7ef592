"""Every answer under /api/ is JSON: odd paths with every method, any Accept header, errors Django answers
itself (with DEBUG off and on), and the schema and its docs page, which anyone may read."""

import json

import pytest
from django.test import Client

from tests.api.conftest import token_client
from toolkit.api_schema import SchemaGenerator

BASE = "/api/assessments/khm-2023"

# Paths under /api/ that name nothing: control characters (percent-encoded, as they arrive), raw Unicode,
# undecodable bytes, very long paths, dot segments, missing slashes, ids that are not ASCII numbers.
PATHS = {
    "newline only": "/api/%0A",
    "newline after a collection": "/api/assessments/%0A",
    "newline in a segment": f"{BASE}%0A/findings/",
    "newline in a lookup": f"{BASE}/findings/R.1.1%0A/",
    "CR LF": f"{BASE}/findings/R.1.1%0D%0A/",
    "NUL in the code": f"{BASE}%00/",
    "NUL in a lookup": f"{BASE}/findings/R.1.1%00/",
    "escape sequence": "/api/%1B%5B31m/",
    "DEL": "/api/assessments/%7F/",
    "tab in an id": f"{BASE}/sources/1%09/",
    "raw Khmer": "/api/assessments/ខ្មែរ/",
    "emoji": "/api/📄/",
    "undecodable bytes": "/api/assessments/%FF%FE/",
    "Arabic-Indic digit as an id": f"{BASE}/sources/%D9%A3/",
    "very long path": "/api/" + "a" * 10_000 + "/",
    "very long id": f"{BASE}/sources/" + "9" * 5000 + "/",
    "id too large": f"{BASE}/sources/99999999999999999999999/",
    "id not a number": f"{BASE}/sources/abc/",
    "dot-dot": "/api/../admin/",
    "encoded dot-dot": "/api/%2E%2E/admin/",
    "dot": "/api/./assessments/",
    "double slash": "/api//assessments/",
    "no trailing slash": "/api/assessments",
    "no trailing slash, inside": f"{BASE}/findings",
    "unknown": "/api/nothing-here/",
}
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


def assert_json(response):
    assert response["Content-Type"] == "application/json", response.content[:200]
    if response.content:  # HEAD has no body
        assert isinstance(json.loads(response.content), dict)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("path", PATHS.values(), ids=PATHS.keys())
def test_odd_paths_get_json_and_no_redirect(api_as, members, path, method):
    response = api_as("researcher").generic(method, path, '{"x": 1}', content_type="application/json")
    assert_json(response)
    if method in ("GET", "HEAD"):
        assert response.status_code == 404
    else:
        # Not found, or a route that exists without this method (405); OPTIONS may describe a route.
        assert response.status_code in (200, 404, 405) and (
            response.status_code != 200 or method == "OPTIONS"
        )


# Accept headers and ?format= values the API cannot answer in: it answers in JSON anyway (not 406).
ACCEPTS = [
    "text/html",
    "text/html,application/xhtml+xml",
    "application/xml",
    "application/pdf",
    "image/*",
    "",
]
FORMATS = ["html", "xml", "api", "yaml", "%00"]


@pytest.mark.parametrize("accept", ACCEPTS)
def test_any_accept_header_gets_json(api_as, members, accept):
    client = api_as("researcher")
    found = client.get(f"{BASE}/findings/R.1.1/", HTTP_ACCEPT=accept)
    assert found.status_code == 200 and found.json()["indicator"] == "R.1.1"
    assert_json(found)
    missing = client.get("/api/nothing-here/", HTTP_ACCEPT=accept)
    assert missing.status_code == 404
    assert_json(missing)
    bad = client.generic("PATCH", f"{BASE}/findings/R.1.1/", "{", "application/json", HTTP_ACCEPT=accept)
    assert bad.status_code == 400
    assert_json(bad)


@pytest.mark.parametrize("fmt", FORMATS)
def test_any_format_parameter_gets_json(api_as, members, fmt):
    response = api_as("researcher").get(f"{BASE}/findings/?format={fmt}")
    assert response.status_code == 200 and response.json()["count"] > 100
    assert_json(response)


@pytest.mark.parametrize("path", ["/api/schema/", "/api/docs/"])
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_schema_and_docs_refuse_writes_in_json(api_as, members, path, method):
    """The schema answers in YAML and the docs page in HTML, but their errors are JSON like every other."""
    response = api_as("researcher").generic(method, path, "{}", content_type="application/json")
    assert response.status_code == 405
    assert_json(response)


# ---- errors Django answers itself ---------------------------------------------------------------------

# Host headers Django refuses (DisallowedHost, a SuspiciousOperation: 400) before any view runs.
BAD_HOSTS = [
    "evil.example",
    "localhost:80@evil.example",
    "local\x00host",
    "a" * 300,
    "[::1",
    "localhost\r\nX: y",
]


@pytest.mark.parametrize("debug", [False, True], ids=["DEBUG off", "DEBUG on"])
@pytest.mark.parametrize("host", BAD_HOSTS)
def test_refused_host_header_is_json_400(settings, db, host, debug):
    settings.DEBUG = debug
    response = Client().get("/api/assessments/", HTTP_HOST=host)
    assert response.status_code == 400
    assert_json(response)
    assert response.json() == {"detail": "Bad request."}


# Views Django answers for (tests/api/urls_errors.py), under /api/ and elsewhere: what any view under /api/
# that is not the API's would give. (path, status).
DJANGO_ERRORS = {
    "SuspiciousOperation": ("suspicious/", 400),
    "PermissionDenied": ("denied/", 403),
    "Http404": ("missing/", 404),
    "an uncaught exception": ("broken/", 500),
    "require_http_methods": ("get-only/", 405),
    "CSRF failure": ("form/", 403),
}


@pytest.mark.urls("tests.api.urls_errors")
@pytest.mark.parametrize("debug", [False, True], ids=["DEBUG off", "DEBUG on"])
@pytest.mark.parametrize(("path", "status"), DJANGO_ERRORS.values(), ids=DJANGO_ERRORS.keys())
def test_django_errors_under_api_are_json(settings, db, path, status, debug):
    settings.DEBUG = debug
    client = Client(enforce_csrf_checks=path == "form/", raise_request_exception=False)
    response = client.post(f"/api/probe/{path}", {"a": "1"})
    assert response.status_code == status
    assert_json(response)
    assert response.json()["detail"]
    # Elsewhere, the product's pages (or Django's) stay HTML.
    page = client.post(f"/probe/{path}", {"a": "1"})
    assert page.status_code == status and page["Content-Type"].startswith("text/html")


def test_the_json_404_keeps_the_methods_header(api_as, members):
    """405 answers keep their Allow header, so a client learns what it may send."""
    response = api_as("researcher").delete(f"{BASE}/findings/R.1.1/")
    assert response.status_code == 405 and "PATCH" in response["Allow"]
    assert_json(response)


# ---- the schema and its docs page: public ------------------------------------------------------------

CLIENTS = ["anonymous", "session", "token"]


def client_for(kind, members):
    if kind == "token":
        return token_client(members["mab"])
    client = Client()
    if kind == "session":
        client.force_login(members["mab"])
    return client


@pytest.mark.parametrize("kind", CLIENTS)
def test_schema_is_public_and_holds_no_data(members, kind, django_user_model):
    """The schema describes the API's shape, the same in every installation: no assessments, no people."""
    django_user_model.objects.create_user("zz-secret-person", email="zz-secret@example.org")
    response = client_for(kind, members).get("/api/schema/?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi+json")
    body = response.content.decode()
    assert "/api/assessments/{code}/findings/{indicator}/" in json.loads(body)["paths"]
    for data in ("Assessing Internet Development in Cambodia", "zz-secret", "staffer"):
        assert data not in body


@pytest.mark.parametrize("kind", CLIENTS)
def test_docs_page_is_public(members, kind):
    response = client_for(kind, members).get("/api/docs/")
    assert response.status_code == 200 and "swagger-ui" in response.content.decode()


def test_what_the_docs_page_tries_needs_sign_in(members):
    """Reading the description is public; every call it makes is not."""
    response = Client().get(f"{BASE}/findings/")
    assert response.status_code == 401
    assert_json(response)


def test_schema_is_built_once_per_language(members):
    SchemaGenerator.built.clear()
    client = Client()
    first = client.get("/api/schema/?format=json").content
    assert client.get("/api/schema/?format=json").content == first
    assert len(SchemaGenerator.built) == 1
    client.get("/api/schema/?format=json", HTTP_ACCEPT_LANGUAGE="km")
    client.get("/api/schema/?format=json&lang=no-such-language")
    assert len(SchemaGenerator.built) == 2  # English and Khmer; an unknown language is English
