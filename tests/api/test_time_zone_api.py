"""The assessment's time zone in the API: readable by members, set at creation, changed by whoever may
manage the assessment, refused with a field error when it is not a zone. Times stay UTC in the API."""

import datetime

import pytest

from assessments.models import Assessment, Finding
from tests.api.conftest import ROLES

pytestmark = pytest.mark.django_db

URL = "/api/assessments/khm-2023/"
EVENT = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)
# role → status of PATCH {"time_zone": ...}: only MANAGE (lead researchers) may.
PATCH_STATUS = {"lead": 200, "researcher": 403, "mab": 403, "staff": 403, "outsider": 404, "anonymous": 401}
BAD_ZONES = [
    "Mars/Olympus",
    "asia/phnom_penh",
    "UTC+7",
    "../../etc/localtime",
    "Asia/Phnom_Penh\x00",
    7,
    None,
]


def zone():
    return Assessment.objects.get(code="khm-2023").time_zone


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_members_read_the_zone(api_as, role):
    assert api_as(role).get(URL).json()["time_zone"] == "Asia/Phnom_Penh"


@pytest.mark.parametrize("role", ROLES)
def test_only_managers_change_the_zone(api_as, members, role):
    response = api_as(role).patch(URL, {"time_zone": "Europe/Berlin"}, format="json")
    assert response.status_code == PATCH_STATUS[role]
    assert zone() == ("Europe/Berlin" if PATCH_STATUS[role] == 200 else "Asia/Phnom_Penh")
    if response.status_code == 200:
        assert response.json()["time_zone"] == "Europe/Berlin"


def test_a_patch_that_changes_nothing_writes_nothing(api_as, assessment, members):
    before = Assessment.objects.get(pk=assessment.pk).updated
    response = api_as("lead").patch(URL, {"time_zone": "Asia/Phnom_Penh"}, format="json")
    assert response.status_code == 200
    assert Assessment.objects.get(pk=assessment.pk).updated == before


def test_empty_zone_goes_back_to_the_countrys(api_as, assessment, members):
    Assessment.objects.filter(pk=assessment.pk).update(time_zone="Europe/Berlin")
    response = api_as("lead").patch(URL, {"time_zone": ""}, format="json")
    assert response.status_code == 200 and response.json()["time_zone"] == "Asia/Phnom_Penh"


@pytest.mark.parametrize("bad", BAD_ZONES)
def test_a_bad_zone_is_a_400_naming_the_field(api_as, members, bad):
    response = api_as("lead").patch(URL, {"time_zone": bad}, format="json")
    assert response.status_code == 400
    assert "time_zone" in response.json()
    assert zone() == "Asia/Phnom_Penh"


@pytest.mark.parametrize(
    "body", [{"title": "New"}, {"time_zone": "Europe/Berlin", "code": "x"}, {"phase": "published"}]
)
def test_a_patch_naming_another_field_is_a_400_naming_it_and_writes_nothing(api_as, members, body):
    response = api_as("lead").patch(URL, body, format="json")
    assert response.status_code == 400
    assert set(response.json()) == set(body) - {"time_zone"}
    stored = Assessment.objects.get(code="khm-2023")
    assert (stored.time_zone, stored.title, stored.phase) == (
        "Asia/Phnom_Penh",
        "Assessing Internet Development in Cambodia",
        "setup",
    )


def test_creating_an_assessment_sets_or_defaults_the_zone(api_as, members, superuser):
    from tests.api.conftest import token_client

    client = token_client(superuser)
    base = {"title": "Thailand", "country_code": "THA", "country_name": "Thailand", "framework": "iui-2019"}
    made = client.post("/api/assessments/", {**base, "code": "tha-2025"}, format="json")
    assert made.status_code == 201 and made.json()["time_zone"] == "Asia/Bangkok"
    chosen = client.post(
        "/api/assessments/", {**base, "code": "tha-2026", "time_zone": "Asia/Ho_Chi_Minh"}, format="json"
    )
    assert chosen.status_code == 201 and chosen.json()["time_zone"] == "Asia/Ho_Chi_Minh"
    refused = client.post(
        "/api/assessments/", {**base, "code": "tha-2027", "time_zone": "Bangkok"}, format="json"
    )
    assert refused.status_code == 400 and "time_zone" in refused.json()
    assert not Assessment.objects.filter(code="tha-2027").exists()


def test_api_times_stay_utc_in_an_assessment_with_a_zone(api_as, assessment, members):
    Finding.objects.filter(assessment=assessment).update(updated=EVENT)
    body = api_as("researcher").get(f"{URL}findings/A.5.1/").json()
    assert body["updated"] == "2026-03-01T20:30:00Z"
