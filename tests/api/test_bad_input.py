"""Bad input is a 4xx with a message, in JSON, and nothing is written."""

import pytest
from django.test import Client

from assessments.models import DataPoint, Source

BASE = "/api/assessments/khm-2023"


@pytest.fixture
def researcher(api_as):
    return api_as("researcher")


def test_malformed_json_is_400(researcher, assessment):
    response = researcher.generic("POST", f"{BASE}/sources/", '{"title": ', content_type="application/json")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


def test_lone_surrogate_is_400(researcher, assessment):
    body = '{"type": "law", "title": "\\ud800"}'
    response = researcher.generic("POST", f"{BASE}/sources/", body, content_type="application/json")
    assert response.status_code == 400
    assert not Source.objects.exists()


def test_form_encoded_body_is_415(researcher, assessment):
    response = researcher.post(f"{BASE}/sources/", {"type": "law", "title": "x"})
    assert response.status_code == 415


def test_body_over_the_limit_is_413(researcher, assessment, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = researcher.post(f"{BASE}/sources/", {"type": "law", "title": "x" * 2000}, format="json")
    assert response.status_code == 413
    assert not Source.objects.exists()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("sources", {"type": "blog", "title": "x"}, "type"),
        ("sources", {"type": "law"}, "title"),
        ("sources", {"type": "law", "title": "x\x00"}, "title"),
        ("sources", {"type": "law", "title": "x", "url": "not a url"}, "url"),
        ("data-points", {"indicator": "R.1.1", "value": "1e30", "year": 2020}, "value"),
        ("data-points", {"indicator": "R.1.1", "value": "3", "year": 1800}, "year"),
        ("data-points", {"indicator": "R.1.2", "value": "3", "year": 2020}, "indicator"),
        ("data-points", {"indicator": "R.1.1", "value": "3", "year": 2020, "source": 99999999}, "source"),
        ("citations", {"indicator": "R.1.1", "source": "abc"}, "source"),
    ],
)
def test_invalid_evidence_is_400_with_field_errors(researcher, assessment, url, body, field):
    response = researcher.post(f"{BASE}/{url}/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Source.objects.exists() and not DataPoint.objects.exists()


def test_citing_the_same_source_twice_is_400(researcher, evidence):
    body = {"indicator": "R.1.1", "source": evidence["source"].pk}
    response = researcher.post(f"{BASE}/citations/", body, format="json")
    assert response.status_code == 400 and "already cites" in response.json()["source"][0]


def test_source_of_another_assessment_cannot_be_cited(researcher, evidence, framework):
    from assessments.services import create_assessment
    from tests.factories import SourceFactory

    other = create_assessment(
        code="lao-2024", title="Lao", country_code="LAO", country_name="Lao", framework=framework
    )
    foreign = SourceFactory(assessment=other)
    response = researcher.post(
        f"{BASE}/citations/", {"indicator": "R.2.1", "source": foreign.pk}, format="json"
    )
    assert response.status_code == 400 and "no source" in response.json()["source"][0]
    # Nor read through this assessment's URL.
    assert researcher.get(f"{BASE}/sources/{foreign.pk}/").status_code == 404


def test_bad_assessment_input_is_400(members, assessment):
    from tests.api.conftest import token_client

    client = token_client(members["staff"])
    bad = {
        "code": "khm-2023",
        "title": "",
        "country_code": "cambodia",
        "country_name": "Cambodia",
        "framework": "nope",
        "scale": ["only one"],
        "period_start": "2024-01-01",
        "period_end": "2023-01-01",
    }
    response = client.post("/api/assessments/", bad, format="json")
    assert response.status_code == 400
    assert {"code", "title", "country_code", "framework", "scale"} <= set(response.json())


@pytest.mark.parametrize(
    "url",
    [
        "/api/nothing-here/",
        "/api/assessments/khm%00/",
        "/api/assessments/khm-2023/findings/R.1.1%00/",
        "/api/assessments/khm-2023/sources/99999999999999999999999/",
        "/api/assessments/khm-2023/sources/abc/",
    ],
)
def test_unknown_urls_are_json_404(researcher, assessment, url):
    response = researcher.get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_session_auth_needs_csrf(members, assessment):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(members["researcher"])
    assert browser.get(f"{BASE}/findings/R.1.1/").status_code == 200
    response = browser.patch(
        f"{BASE}/findings/R.1.1/", '{"version": 1, "narrative": "x"}', content_type="application/json"
    )
    assert response.status_code == 403 and "CSRF" in response.json()["detail"]


def test_revoked_or_wrong_token_is_401(members, assessment):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/assessments/").status_code == 401
