"""Bad input is a 4xx with a message, in JSON, and nothing is written."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from assessments.models import Assessment, Citation, DataPoint, Finding, Source
from consultation import services as consultation_services
from consultation.models import Answer, Consultation
from reports.followup import sync_follow_ups
from reports.models import Recommendation, RecommendationFollowUp, ReportExport, ReportSection
from review import services
from review.models import Comment, Vote
from tests.factories import AnswerFactory, AssessmentFactory, ParticipantFactory, RecommendationFactory

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


# ---- every endpoint that takes a body -----------------------------------------------------------------

# (method, path as in the schema, who may call it, a body it accepts, a read-only field of its resource).
# test_the_table_names_every_write_operation_of_the_schema keeps this list whole.
WRITES = [
    (
        "POST",
        "/api/assessments/",
        "staff",
        {
            "code": "lao-2024",
            "title": "Lao",
            "country_code": "LAO",
            "country_name": "Lao",
            "framework": "iui-2019",
        },
        "my_role",
    ),
    ("PATCH", "/api/assessments/{code}/", "lead", {"time_zone": "Asia/Bangkok"}, "title"),
    (
        "PATCH",
        "/api/assessments/{code}/findings/{indicator}/",
        "researcher",
        {"version": 1, "narrative": "x"},
        "updated_by",
    ),
    ("POST", "/api/assessments/{code}/sources/", "researcher", {"type": "law", "title": "x"}, "id"),
    ("PATCH", "/api/assessments/{code}/sources/{id}/", "researcher", {"title": "y"}, "created"),
    (
        "POST",
        "/api/assessments/{code}/citations/",
        "researcher",
        {"indicator": "R.2.1", "source": "{source}"},
        "updated",
    ),
    ("PATCH", "/api/assessments/{code}/citations/{id}/", "researcher", {"locator": "p. 5"}, "id"),
    (
        "POST",
        "/api/assessments/{code}/data-points/",
        "researcher",
        {"indicator": "R.1.1", "value": "3", "year": 2020},
        "created",
    ),
    ("PATCH", "/api/assessments/{code}/data-points/{id}/", "researcher", {"value": "4"}, "updated"),
    (
        "POST",
        "/api/assessments/{code}/comments/",
        "researcher",
        {"target": {"type": "finding", "indicator": "R.1.1"}, "body": "x"},
        "author",
    ),
    ("PATCH", "/api/assessments/{code}/comments/{id}/", "researcher", {"body": "y"}, "status"),
    ("POST", "/api/assessments/{code}/comments/{id}/resolve/", "researcher", {}, "resolved_by"),
    ("POST", "/api/assessments/{code}/comments/{id}/reopen/", "researcher", {}, None),
    ("POST", "/api/assessments/{code}/votes/", "mab", {"indicator": "R.1.1", "verdict": "endorse"}, "member"),
    (
        "POST",
        "/api/assessments/{code}/report-sections/",
        "researcher",
        {"kind": "conclusion", "body": "x"},
        "order",
    ),
    ("PATCH", "/api/assessments/{code}/report-sections/{kind}/", "researcher", {"body": "y"}, "created"),
    (
        "POST",
        "/api/assessments/{code}/recommendations/",
        "researcher",
        {"stakeholder_group": "government", "text": "x"},
        "id",
    ),
    ("PATCH", "/api/assessments/{code}/recommendations/{id}/", "researcher", {"text": "y"}, "updated"),
    (
        "PATCH",
        "/api/assessments/{code}/recommendation-follow-ups/{id}/",
        "researcher",
        {"version": 0, "status": "implemented"},
        "recommendation",
    ),
    ("POST", "/api/assessments/{code}/report-exports/", "lead", {}, None),
    ("POST", "/api/assessments/{code}/rounds/", "lead", {"code": "khm-2031"}, None),
    (
        "POST",
        "/api/assessments/{code}/consultations/{consultation}/inputs/{id}/disposition/",
        "researcher",
        {"disposition": "accepted"},
        "hidden",
    ),
]
WRITE_IDS = [f"{method} {path}" for method, path, *_ in WRITES]
TABLES = [
    Assessment,
    Finding,
    Source,
    Citation,
    DataPoint,
    Comment,
    Vote,
    ReportSection,
    Recommendation,
    ReportExport,
    RecommendationFollowUp,
    RecommendationFollowUp.history.model,
    Consultation,
    Answer,
    Finding.history.model,
    Source.history.model,
    Citation.history.model,
    DataPoint.history.model,
]


@pytest.fixture
def objects(members, report_targets, evidence):
    """One of everything a write can name: evidence, a comment of the researcher's, the demo report
    (without its conclusion, so one can be created), and a previous round whose recommendation it follows up."""
    ReportSection.objects.filter(assessment=report_targets, kind="conclusion").delete()
    previous = AssessmentFactory(code="khm-2019")
    RecommendationFactory(assessment=previous)
    Assessment.objects.filter(pk=report_targets.pk).update(previous=previous)
    report_targets.refresh_from_db()
    sync_follow_ups(report_targets)
    comment = services.add_comment(evidence["finding"], by=members["researcher"], body="Check the law.")
    now = timezone.now()
    consultation = consultation_services.create_consultation(
        report_targets,
        by=members["lead"],
        title="Workshop",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=1),
        place="Phnom Penh",
    )
    answer = AnswerFactory(
        participant=ParticipantFactory(consultation=consultation), item=consultation.items.first()
    )
    return {
        "consultation": consultation.pk,
        "inputs": answer.pk,
        "source": evidence["source"].pk,
        "sources": evidence["source"].pk,
        "citations": evidence["citation"].pk,
        "data-points": evidence["data_point"].pk,
        "comments": comment.pk,
        "recommendations": Recommendation.objects.filter(assessment=report_targets).first().pk,
        "recommendation-follow-ups": RecommendationFollowUp.objects.get(assessment=report_targets).pk,
    }


def url_of(path, objects):
    """The schema's path with this test's objects in it."""
    parts = path.split("/")
    resource = parts[parts.index("{id}") - 1] if "{id}" in parts else ""
    return path.format(
        code="khm-2023",
        indicator="R.1.1",
        kind="executive_summary",
        id=objects.get(resource),
        consultation=objects.get("consultation"),
    )


def body_of(body, objects):
    return {key: objects["source"] if value == "{source}" else value for key, value in body.items()}


def everything():
    """The content of every table a write can touch, to show that nothing was written."""
    return {model: list(model.objects.order_by("pk").values_list()) for model in TABLES}


def assert_json(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_table_names_every_write_operation_of_the_schema(db):
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in ("post", "put", "patch")
    }
    assert operations == set(WRITE_IDS)


# Bodies nested too deep, as arrays, objects, both, and inside an otherwise valid field; 32 is the limit.
NESTINGS = {
    "arrays, 33 levels": "[" * 33 + "]" * 33,
    "arrays, 1,000 levels": "[" * 1000 + "]" * 1000,
    "arrays, 100,000 levels": "[" * 100_000 + "]" * 100_000,
    "objects, 1,000 levels": '{"a":' * 1000 + "1" + "}" * 1000,
    "objects, 100,000 levels": '{"a":' * 100_000 + "1" + "}" * 100_000,
    "both, 1,000 levels": '[{"a":' * 500 + "1" + "}]" * 500,
    "in a field, 1,000 levels": '{"version": 1, "body": ' + "[" * 1000 + "]" * 1000 + "}",
    "unclosed, 100,000 levels": "[" * 100_000,
    "after an escaped quote": '{"body": "\\"", "x": ' + "[" * 1000 + "]" * 1000 + "}",
}


@pytest.mark.parametrize("nesting", NESTINGS.values(), ids=NESTINGS.keys())
@pytest.mark.parametrize(("method", "path", "role", "_body", "_read_only"), WRITES, ids=WRITE_IDS)
def test_deeply_nested_json_is_400(api_as, objects, method, path, role, _body, _read_only, nesting):
    before = everything()
    response = api_as(role).generic(method, url_of(path, objects), nesting, content_type="application/json")
    assert assert_json(response, 400) == {"detail": "The JSON is nested more than 32 levels deep."}
    assert everything() == before


def test_nesting_up_to_the_limit_is_parsed(api_as, objects):
    """32 levels are read (and the field refused for what it is); the limit is not off by one."""
    body = '{"version": 1, "narrative": ' + "[" * 31 + "]" * 31 + "}"
    response = api_as("researcher").generic("PATCH", f"{BASE}/findings/R.1.1/", body, "application/json")
    assert assert_json(response, 400) == {"narrative": ["Not a valid string."]}


@pytest.mark.parametrize(
    "text", ["[" * 100, "{" * 100 + "]" * 50, '\\"[[[[' * 20, "\\" * 10 + "[" * 40, "“[[[[”" * 20]
)
def test_brackets_inside_strings_do_not_count(api_as, assessment, text):
    body = json.dumps({"version": 1, "narrative": text})
    response = api_as("researcher").generic("PATCH", f"{BASE}/findings/R.1.1/", body, "application/json")
    assert assert_json(response, 200)["narrative"] == text


@pytest.mark.parametrize("kind", ["unknown", "read-only"])
@pytest.mark.parametrize(("method", "path", "role", "body", "read_only"), WRITES, ids=WRITE_IDS)
def test_unknown_or_read_only_field_is_400_naming_it(
    api_as, objects, method, path, role, body, read_only, kind
):
    field = read_only if kind == "read-only" and read_only else "colour\x1b[31m"
    message = "This field is read-only." if kind == "read-only" and read_only else "Unknown field."
    before = everything()
    data = {**body_of(body, objects), field: "red"}
    response = api_as(role).generic(method, url_of(path, objects), json.dumps(data), "application/json")
    assert assert_json(response, 400)[field] == [message]
    assert everything() == before


# A body that is not labelled JSON: no Content-Type at all (DRF read it as no body), an empty one, other types.
CONTENT_TYPES = {
    "none": None,
    "empty": "",
    "text/plain": "text/plain",
    "form": "application/x-www-form-urlencoded",
}


@pytest.mark.parametrize("content_type", CONTENT_TYPES.values(), ids=CONTENT_TYPES.keys())
@pytest.mark.parametrize(("method", "path", "role", "body", "_read_only"), WRITES, ids=WRITE_IDS)
def test_body_not_labelled_json_is_415(api_as, objects, method, path, role, body, _read_only, content_type):
    before = everything()
    data = json.dumps(body_of(body, objects))
    response = api_as(role).generic(method, url_of(path, objects), data, content_type=content_type)
    assert assert_json(response, 415) == {"detail": "Send the body as JSON (Content-Type: application/json)."}
    assert everything() == before


def test_bodiless_posts_need_no_content_type(api_as, objects, members, django_capture_on_commit_callbacks):
    """An empty body is no body: reopening a comment and starting an export take none."""
    comment = Comment.objects.get(pk=objects["comments"])
    services.resolve_comment(comment, by=members["lead"])
    reopened = api_as("researcher").generic(
        "POST", f"{BASE}/comments/{comment.pk}/reopen/", content_type=None
    )
    assert assert_json(reopened, 200)["status"] == "open"
    with django_capture_on_commit_callbacks(execute=True):
        started = api_as("lead").generic("POST", f"{BASE}/report-exports/", content_type=None)
    assert assert_json(started, 201)["status"] == "queued" and ReportExport.objects.count() == 1


@pytest.mark.parametrize(
    "target",
    [
        {"type": "finding", "indicator": "R.1.1", "kind": "executive_summary"},
        {"type": "finding", "indicator": "R.1.1", "id": 1},
        {"type": "finding", "indicator": "R.1.1", "colour": "red"},
    ],
)
def test_unknown_key_in_a_comment_target_is_400(api_as, objects, target):
    before = everything()
    body = {"target": target, "body": "x"}
    response = api_as("researcher").post(f"{BASE}/comments/", body, format="json")
    assert "Unknown key" in assert_json(response, 400)["target"][0]
    assert everything() == before


# PATCHes that change nothing: (path, body); the finding's is tested with its version below.
UNCHANGED = [
    ("/api/assessments/{code}/", {"time_zone": "{time_zone}"}),
    ("/api/assessments/{code}/sources/{id}/", {"title": "{title}"}),
    ("/api/assessments/{code}/citations/{id}/", {"locator": "p. 4", "indicator": "R.1.1"}),
    ("/api/assessments/{code}/data-points/{id}/", {"value": "61.50", "unit": "%", "year": 2022}),
    ("/api/assessments/{code}/report-sections/{kind}/", {"body": "{section}"}),
    ("/api/assessments/{code}/recommendations/{id}/", {"text": "{text}", "findings": "{findings}"}),
]


@pytest.mark.parametrize(("path", "body"), UNCHANGED, ids=[path for path, _ in UNCHANGED])
def test_patch_that_changes_nothing_writes_nothing(api_as, objects, path, body):
    current = {
        "{time_zone}": Assessment.objects.get(code="khm-2023").time_zone,
        "{title}": Source.objects.get(pk=objects["source"]).title,
        "{section}": ReportSection.objects.get(kind="executive_summary").body,
        "{text}": Recommendation.objects.get(pk=objects["recommendations"]).text,
        "{findings}": sorted(
            Recommendation.objects.get(pk=objects["recommendations"]).findings.values_list(
                "indicator__code", flat=True
            )
        ),
    }
    data = {
        key: current.get(value, value) if isinstance(value, str) else value for key, value in body.items()
    }
    before = everything()
    role = "lead" if path == "/api/assessments/{code}/" else "researcher"
    response = api_as(role).patch(url_of(path, objects), data, format="json")
    assert response.status_code == 200, response.content
    assert everything() == before


@pytest.mark.parametrize(
    "body",
    [{"version": 1}, {"version": 1, "status": "not_started", "narrative": "", "score": None}],
    ids=["version only", "current values"],
)
def test_finding_patch_that_changes_nothing_keeps_its_version_and_history(api_as, assessment, body):
    before = everything()
    response = api_as("researcher").patch(f"{BASE}/findings/R.1.1/", body, format="json")
    assert response.status_code == 200 and response.json()["version"] == 1 and response["ETag"] == '"1"'
    assert everything() == before
    # A real change still counts.
    response = api_as("researcher").patch(
        f"{BASE}/findings/R.1.1/", {"version": 1, "score": 2}, format="json"
    )
    assert response.json()["version"] == 2
