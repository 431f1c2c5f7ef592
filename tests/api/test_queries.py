"""API lists issue the same number of queries with few and with many items."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.choices import Role, Scope
from assessments.models import Citation, DataPoint, Finding
from assessments.services import create_assessment, save_finding
from indicators.loading import apply_plan, parse_rows, plan_changes, read_table
from tests.factories import MembershipFactory, SourceFactory

TINY = (
    "category,theme_code,theme,question_code,question,group,code,indicator,core,kind,sources,wording\n"
    "R,R.A,Policy,R.1,Is there a law?,,R.1.1,Existence of a law,yes,qualitative,Legal texts,verified\n"
    "C,,,,,economic,C.1.1,GDP per capita,no,quantitative,World Bank,reconstructed\n"
)


@pytest.fixture
def tiny(tmp_path, members, framework):
    """A two-indicator edition and an assessment of it, where the researcher is a member too."""
    path = tmp_path / "tiny.csv"
    path.write_text(TINY)
    meta = {"code": "tiny-2024", "title": "Tiny", "publisher": "Us", "year": 2024, "licence": "CC0"}
    edition = apply_plan(plan_changes(parse_rows(read_table(path)), meta))
    small = create_assessment(
        code="tiny", title="Tiny", country_code="TT", country_name="Tiny", framework=edition, scope=Scope.FULL
    )
    MembershipFactory(assessment=small, user=members["researcher"], role=Role.RESEARCHER)
    return small


def fill(assessment, members, n):
    """``n`` sources, each cited by a finding with a data point; findings assigned and edited."""
    findings = list(Finding.objects.filter(assessment=assessment, archived=False)[:n])
    for i in range(n):
        finding = findings[i % len(findings)]
        source = SourceFactory(assessment=assessment)
        Citation.objects.create(finding=finding, source=source)
        DataPoint.objects.create(finding=finding, value=i, year=2020, source=source)
    for finding in findings:
        save_finding(
            finding,
            by=members["researcher"],
            expected_version=finding.version,
            fields={"assignee": members["lead"]},
        )


def count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, {"page_size": 500})
    assert response.status_code == 200
    return len(ctx.captured_queries), response.json()["count"]


@pytest.mark.parametrize("resource", ["findings", "sources", "citations", "data-points"])
def test_assessment_lists_do_not_grow(api_as, members, assessment, tiny, resource):
    fill(tiny, members, 1)
    fill(assessment, members, 40)
    client = api_as("researcher")
    few, n_few = count(client, f"/api/assessments/tiny/{resource}/")
    many, n_many = count(client, f"/api/assessments/khm-2023/{resource}/")
    assert n_few < n_many and n_many >= 40
    assert few == many
    assert many <= 8


def test_assessment_list_does_not_grow(api_as, members, assessment, framework):
    client = api_as("researcher")
    few, n_few = count(client, "/api/assessments/")
    for i in range(5):
        extra = create_assessment(
            code=f"a-{i}", title="A", country_code="AA", country_name="A", framework=framework
        )
        MembershipFactory(assessment=extra, user=members["researcher"], role=Role.MAB)
    many, n_many = count(client, "/api/assessments/")
    assert (n_few, n_many) == (1, 6)
    assert few == many


def test_framework_lists_do_not_grow(api_as, tiny):
    client = api_as("researcher")
    few, _ = count(client, "/api/frameworks/tiny-2024/indicators/")
    many, n = count(client, "/api/frameworks/iui-2019/indicators/")
    assert n == 303 and few == many

    with CaptureQueriesContext(connection) as small_tree:
        client.get("/api/frameworks/tiny-2024/")
    with CaptureQueriesContext(connection) as full_tree:
        client.get("/api/frameworks/iui-2019/")
    assert len(small_tree) == len(full_tree) <= 12
