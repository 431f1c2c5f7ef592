"""Every endpoint × every role, including the refused ones."""

import pytest

from assessments.models import Citation, DataPoint, Finding, Source
from tests.api.conftest import MEMBERS, ROLES, WRITERS, expected_status

BASE = "/api/assessments/khm-2023"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    [
        f"{BASE}/",
        f"{BASE}/findings/",
        f"{BASE}/findings/R.1.1/",
        f"{BASE}/sources/",
        "{BASE}/sources/{source}/",
        f"{BASE}/citations/",
        "{BASE}/citations/{citation}/",
        f"{BASE}/data-points/",
        "{BASE}/data-points/{data_point}/",
    ],
)
def test_members_read_assessment_resources(api_as, evidence, role, url):
    url = url.format(
        BASE=BASE,
        source=evidence["source"].pk,
        citation=evidence["citation"].pk,
        data_point=evidence["data_point"].pk,
    )
    response = api_as(role).get(url)
    assert response.status_code == expected_status(role, 200), response.content
    if response.status_code != 200:
        assert "detail" in response.json()


@pytest.mark.parametrize("role", ROLES)
def test_assessment_list_shows_only_own_assessments(api_as, assessment, role):
    response = api_as(role).get("/api/assessments/")
    if role == "anonymous":
        assert response.status_code == 401
        assert response["WWW-Authenticate"] == "Token"
        return
    assert response.status_code == 200
    codes = [a["code"] for a in response.json()["results"]]
    assert codes == ([] if role == "outsider" else ["khm-2023"])
    if role != "outsider":
        assert response.json()["results"][0]["my_role"] == {"staff": "staff"}.get(role, role)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url",
    ["/api/", "/api/frameworks/", "/api/frameworks/iui-2019/", "/api/frameworks/iui-2019/indicators/R.1.1/"],
)
def test_framework_is_readable_by_everyone_signed_in(api_as, assessment, role, url):
    response = api_as(role).get(url)
    assert response.status_code == (401 if role == "anonymous" else 200)


@pytest.mark.parametrize("role", ROLES)
def test_patch_finding_only_by_researchers(api_as, assessment, role):
    response = api_as(role).patch(
        f"{BASE}/findings/R.1.1/", {"narrative": "Evidence.", "version": 1}, format="json"
    )
    assert response.status_code == expected_status(role, 200, WRITERS), response.content
    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    assert (finding.narrative == "Evidence.") == (role in WRITERS)


@pytest.mark.parametrize("role", ROLES)
def test_create_source_only_by_researchers(api_as, assessment, role):
    response = api_as(role).post(
        f"{BASE}/sources/", {"type": "law", "title": "Telecommunications Law 2015"}, format="json"
    )
    assert response.status_code == expected_status(role, 201, WRITERS), response.content
    assert Source.objects.filter(title="Telecommunications Law 2015").exists() == (role in WRITERS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", ["sources", "citations", "data-points"])
def test_change_and_delete_evidence_only_by_researchers(api_as, evidence, role, kind):
    obj = {
        "sources": evidence["source"],
        "citations": evidence["citation"],
        "data-points": evidence["data_point"],
    }[kind]
    change = {
        "sources": {"title": "Renamed"},
        "citations": {"locator": "p. 9"},
        "data-points": {"unit": "per 100"},
    }
    client = api_as(role)
    url = f"{BASE}/{kind}/{obj.pk}/"
    assert client.patch(url, change[kind], format="json").status_code == expected_status(role, 200, WRITERS)
    assert client.delete(url).status_code == expected_status(role, 204, WRITERS)
    assert type(obj).objects.filter(pk=obj.pk).exists() == (role not in WRITERS)


@pytest.mark.parametrize("role", ROLES)
def test_create_citation_and_data_point_only_by_researchers(api_as, evidence, role):
    client = api_as(role)
    citation = client.post(
        f"{BASE}/citations/", {"indicator": "R.2.1", "source": evidence["source"].pk}, format="json"
    )
    point = client.post(
        f"{BASE}/data-points/",
        {"indicator": "R.2.1", "value": "12.5", "year": 2023, "source": evidence["source"].pk},
        format="json",
    )
    assert citation.status_code == expected_status(role, 201, WRITERS), citation.content
    assert point.status_code == expected_status(role, 201, WRITERS), point.content
    assert Citation.objects.filter(finding__indicator__code="R.2.1").exists() == (role in WRITERS)
    assert DataPoint.objects.filter(finding__indicator__code="R.2.1").exists() == (role in WRITERS)


NEW_ASSESSMENT = {
    "code": "lao-2024",
    "title": "Assessing Internet Development in Lao PDR",
    "country_code": "LAO",
    "country_name": "Lao PDR",
    "framework": "iui-2019",
}


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_create_assessments(api_as, assessment, role):
    response = api_as(role).post("/api/assessments/", NEW_ASSESSMENT, format="json")
    expected = {"anonymous": 401, "staff": 201}.get(role, 403)
    assert response.status_code == expected, response.content
    created = response.status_code == 201
    from assessments.models import Assessment

    assert Assessment.objects.filter(code="lao-2024").exists() == created
    if created:
        body = response.json()
        assert body["finding_count"] == 130 and body["my_role"] == "staff"
        # The creator can read what they made.
        assert api_as(role).get("/api/assessments/lao-2024/").status_code == 200


def test_superuser_creates_assessment_without_joining(superuser, assessment):
    from tests.api.conftest import token_client

    response = token_client(superuser).post(
        "/api/assessments/",
        {**NEW_ASSESSMENT, "scope": "full", "scale": ["No", "Partly", "Yes"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["finding_count"] == 303 and response.json()["my_role"] is None
    assert response.json()["scale"] == ["No", "Partly", "Yes"]


def test_django_permission_also_allows_creating(assessment, django_user_model):
    from django.contrib.auth.models import Permission

    from tests.api.conftest import token_client

    clerk = django_user_model.objects.create_user("clerk2")
    clerk.user_permissions.add(Permission.objects.get(codename="add_assessment"))
    response = token_client(clerk).post("/api/assessments/", NEW_ASSESSMENT, format="json")
    assert response.status_code == 201


def test_members_list_is_complete(members):
    assert set(MEMBERS) < set(members)
