"""Report sections, recommendations and exports through the API, per role; exports rendered by the real
db_worker where a PDF must exist."""

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from reports.choices import ExportStatus
from reports.demo import seed_report
from reports.models import Recommendation, ReportExport, ReportSection
from tests.api.conftest import MEMBERS, ROLES, WRITERS, expected_status
from tests.reports.conftest import flat, pdf_text

BASE = "/api/assessments/khm-2023"
EXPORTERS = ["lead", "staff"]


@pytest.fixture
def report(assessment):
    return seed_report(assessment)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    "url", ["report-sections/", "report-sections/executive_summary/", "recommendations/", "report-exports/"]
)
def test_members_read_report_content(api_as, report, role, url):
    response = api_as(role).get(f"{BASE}/{url}")
    assert response.status_code == expected_status(role, 200), response.content


def test_sections_come_in_report_order(api_as, report):
    kinds = [s["kind"] for s in api_as("mab").get(f"{BASE}/report-sections/").json()["results"]]
    assert kinds[:3] == ["background", "initiative", "executive_summary"] and kinds[-1] == "conclusion"


@pytest.mark.parametrize("role", ROLES)
def test_report_writers_write_sections(api_as, assessment, role):
    client = api_as(role)
    created = client.post(
        f"{BASE}/report-sections/", {"kind": "conclusion", "body": "In sum."}, format="json"
    )
    assert created.status_code == expected_status(role, 201, WRITERS), created.content
    assert ReportSection.objects.filter(kind="conclusion").exists() == (role in WRITERS)
    ReportSection.objects.get_or_create(
        assessment=assessment, kind="conclusion", defaults={"body": "In sum."}
    )
    patched = client.patch(f"{BASE}/report-sections/conclusion/", {"body": "Finally."}, format="json")
    assert patched.status_code == expected_status(role, 200, WRITERS)
    assert ReportSection.objects.get(kind="conclusion").body == ("Finally." if role in WRITERS else "In sum.")
    deleted = client.delete(f"{BASE}/report-sections/conclusion/")
    assert deleted.status_code == expected_status(role, 204, WRITERS)
    assert ReportSection.objects.filter(kind="conclusion").exists() == (role not in WRITERS)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"kind": "preface", "body": "x"}, "kind"), ({"kind": "conclusion", "body": 5 * [1]}, "body")],
)
def test_bad_section_gets_field_errors(api_as, assessment, body, field):
    response = api_as("researcher").post(f"{BASE}/report-sections/", body, format="json")
    assert response.status_code == 400 and field in response.json()


def test_second_section_of_a_kind_is_refused(api_as, report):
    response = api_as("researcher").post(f"{BASE}/report-sections/", {"kind": "conclusion"}, format="json")
    assert response.status_code == 400 and "PATCH" in str(response.json()["kind"])
    changed = api_as("researcher").patch(
        f"{BASE}/report-sections/conclusion/", {"kind": "background"}, format="json"
    )
    assert changed.status_code == 400 and "cannot change" in str(changed.json()["kind"])


@pytest.mark.parametrize("role", ROLES)
def test_report_writers_write_recommendations(api_as, assessment, role):
    body = {
        "stakeholder_group": "government",
        "text": "Publish the draft cybercrime law for consultation.",
        "priority": "high",
        "categories": ["R", "M"],
        "findings": ["R.1.1"],
    }
    client = api_as(role)
    created = client.post(f"{BASE}/recommendations/", body, format="json")
    assert created.status_code == expected_status(role, 201, WRITERS), created.content
    assert Recommendation.objects.exists() == (role in WRITERS)
    if role in WRITERS:
        data = created.json()
        assert (data["categories"], data["findings"], data["priority"]) == (["R", "M"], ["R.1.1"], "high")
        recommendation = Recommendation.objects.get()
        assert [f.indicator.code for f in recommendation.findings.all()] == ["R.1.1"]
    recommendation = Recommendation.objects.first() or Recommendation.objects.create(
        assessment=assessment, stakeholder_group="academia", text="Study it."
    )
    before = recommendation.text
    patched = client.patch(
        f"{BASE}/recommendations/{recommendation.pk}/", {"text": "Changed."}, format="json"
    )
    assert patched.status_code == expected_status(role, 200, WRITERS)
    recommendation.refresh_from_db()
    assert recommendation.text == ("Changed." if role in WRITERS else before)
    deleted = client.delete(f"{BASE}/recommendations/{recommendation.pk}/")
    assert deleted.status_code == expected_status(role, 204, WRITERS)
    assert Recommendation.objects.exists() == (role not in WRITERS)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"stakeholder_group": "aliens"}, "stakeholder_group"),
        ({"categories": ["Q"]}, "categories"),
        ({"findings": ["Z.9.9"]}, "findings"),
        ({"findings": "R.1.1"}, "findings"),
        ({"priority": "urgent"}, "priority"),
        ({"text": ""}, "text"),
        ({"order": -1}, "order"),
    ],
)
def test_bad_recommendation_gets_field_errors(api_as, assessment, change, field):
    body = {"stakeholder_group": "government", "text": "Do it.", **change}
    response = api_as("lead").post(f"{BASE}/recommendations/", body, format="json")
    assert response.status_code == 400 and field in response.json(), response.content
    assert not Recommendation.objects.exists()


@pytest.mark.parametrize("role", ROLES)
def test_exports_are_started_by_staff_and_leads(api_as, report, role, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_as(role).post(f"{BASE}/report-exports/", format="json")
    assert response.status_code == expected_status(role, 201, EXPORTERS), response.content
    assert ReportExport.objects.count() == DBTaskResult.objects.count() == (1 if role in EXPORTERS else 0)
    if role in EXPORTERS:
        data = response.json()
        assert data["status"] == "queued" and data["download_url"] is None and not data["finished"]
        # Pressing again while it waits for the worker returns the same export; nothing more is queued.
        with django_capture_on_commit_callbacks(execute=True):
            again = api_as(role).post(f"{BASE}/report-exports/", format="json")
        assert again.status_code == 200 and again.json()["id"] == data["id"]
        assert DBTaskResult.objects.count() == 1
        # Unfinished: no PDF yet.
        assert api_as("mab").get(f"{BASE}/report-exports/{data['id']}/download/").status_code == 404


# db_worker closes its database connection after each task, which ends a test's wrapping transaction.
@pytest.mark.django_db(transaction=True)
def test_export_renders_in_the_worker_then_members_download_and_cache_answers(
    api_as, report, tmp_path, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        started = api_as("staff").post(f"{BASE}/report-exports/", format="json")
    assert started.status_code == 201
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    status = api_as("researcher").get(f"{BASE}/report-exports/{started.json()['id']}/").json()
    assert status["status"] == ExportStatus.DONE and status["progress"] == 100, status["error"]
    assert status["finished"] and status["pages"] > 3 and status["is_draft"]
    assert status["download_url"].endswith(f"/report-exports/{status['id']}/download/")
    for role in ROLES:
        download = api_as(role).get(status["download_url"], HTTP_ACCEPT="application/pdf")
        assert download.status_code == expected_status(role, 200)
        if role in MEMBERS:
            assert download["Content-Type"] == "application/pdf"
            text = flat(pdf_text(b"".join(download.streaming_content), tmp_path))
            assert "Key Policy Recommendations" in text
        else:
            assert download.json()["detail"]
    # Unchanged content: the finished export answers, nothing renders again.
    with django_capture_on_commit_callbacks(execute=True):
        again = api_as("lead").post(f"{BASE}/report-exports/", format="json")
    assert again.status_code == 200 and again.json()["id"] == status["id"]
    assert again.json()["download_url"] == status["download_url"]
    assert ReportExport.objects.count() == DBTaskResult.objects.count() == 1
    # Changed content: a new export.
    api_as("researcher").patch(
        f"{BASE}/report-sections/conclusion/", {"body": "A new ending."}, format="json"
    )
    with django_capture_on_commit_callbacks(execute=True):
        changed = api_as("lead").post(f"{BASE}/report-exports/", format="json")
    assert changed.status_code == 201 and changed.json()["id"] != status["id"]
