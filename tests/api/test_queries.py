"""API lists issue the same number of queries with few and with many items."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.choices import Role, Scope
from assessments.models import Citation, DataPoint, Finding
from assessments.services import create_assessment, save_finding
from indicators.loading import apply_plan, parse_rows, plan_changes, read_table
from reports.models import Recommendation, ReportSection
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


# ---- review and report resources: counts measured with one item, then with many --------------------


def measure(client, url, grow, start=1):
    few, n_few = count(client, url)
    grow()
    many, n_many = count(client, url)
    assert n_few == start and n_many > 30, (n_few, n_many)
    return few, many


def test_comment_list_does_not_grow(api_as, members, report_targets):
    from django.contrib.contenttypes.models import ContentType

    from review import services
    from review.api.targets import TYPES

    findings = list(Finding.objects.filter(assessment=report_targets, archived=False)[:12])
    sections = list(ReportSection.objects.filter(assessment=report_targets))
    recommendations = list(Recommendation.objects.filter(assessment=report_targets))
    # One comment on each kind of target to start with: the list loads each kind's targets in one query,
    # so a fair "few" already holds every kind; only the number of comments grows.
    services.add_comment(findings[0], by=members["mab"], body="First.")
    services.add_comment(sections[0], by=members["mab"], body="First on a section.")
    services.add_comment(recommendations[0], by=members["mab"], body="First on a recommendation.")
    # Content types are looked up through a per-process cache: warm (every type a comment can be on), so
    # earlier tests do not matter.
    ContentType.objects.get_for_models(
        Finding, ReportSection, Recommendation, *(t.model for t in TYPES.values())
    )

    def grow():
        for i, finding in enumerate(findings):
            comment = services.add_comment(finding, by=members["mab"], body=f"On it @researcher @lead {i}")
            reply = services.add_comment(finding, by=members["researcher"], body="Yes.", parent=comment)
            if i % 2:
                services.resolve_comment(comment, by=members["lead"], disposition="accepted", reason="Done.")
                services.resolve_comment(reply, by=members["lead"])
        # Report targets without mentions or replies: those mail a link, and the report's pages (with
        # get_absolute_url) are another piece of work.
        for target in sections[1:] + recommendations[1:]:
            services.add_comment(target, by=members["mab"], body="Too vague.")

    few, many = measure(api_as("researcher"), "/api/assessments/khm-2023/comments/", grow, start=3)
    assert few == many <= 10


def test_vote_list_does_not_grow(api_as, members, assessment):
    from review import services

    findings = list(Finding.objects.filter(assessment=assessment, archived=False)[:20])
    services.cast_vote(findings[0], by=members["mab"], verdict="endorse")

    def grow():
        second = MembershipFactory(assessment=assessment, role=Role.MAB, stakeholder_group="academia").user
        for i, finding in enumerate(findings):
            services.cast_vote(finding, by=members["mab"], verdict="endorse")
            services.cast_vote(finding, by=second, verdict="needs_revision", body=f"Revise {i}.")

    few, many = measure(api_as("researcher"), "/api/assessments/khm-2023/votes/", grow)
    assert few == many <= 8


def test_recommendation_list_does_not_grow(api_as, assessment):
    categories = list(assessment.framework.categories.all())
    findings = list(Finding.objects.filter(assessment=assessment, archived=False)[:40])

    def add(i):
        recommendation = Recommendation.objects.create(
            assessment=assessment, stakeholder_group="government", text=f"Recommendation {i}.", order=i
        )
        recommendation.categories.set(categories[i % 3 : i % 3 + 2])
        recommendation.findings.set(findings[i : i + 3])

    add(0)
    few, many = measure(
        api_as("researcher"),
        "/api/assessments/khm-2023/recommendations/",
        lambda: [add(i) for i in range(1, 40)],
    )
    assert few == many <= 10


def test_export_list_does_not_grow(api_as, members, assessment):
    from reports.models import ReportExport

    def add(i):
        ReportExport.objects.create(
            assessment=assessment,
            requested_by=members["staff" if i % 2 else "lead"],
            content_hash=f"{i:064d}",
            status="done" if i % 3 else "running",
            file=f"reports/exports/{i}.pdf" if i % 3 else "",
        )

    add(0)
    few, many = measure(
        api_as("mab"), "/api/assessments/khm-2023/report-exports/", lambda: [add(i) for i in range(1, 40)]
    )
    assert few == many <= 8


def test_the_findings_list_reads_few_columns_but_says_what_the_detail_says(api_as, members, assessment):
    """The list's lean read (only the shown columns, the request's assessment on every row) gives each
    finding exactly as its detail does, scored and assigned ones included."""
    fill(assessment, members, 12)
    for n, finding in enumerate(Finding.objects.filter(assessment=assessment, archived=False)[:12]):
        save_finding(
            finding,
            by=members["researcher"],
            expected_version=finding.version,
            fields={"score": 1 + n % 5, "narrative": f"Text {n} <b>bold</b>", "status": "draft"},
        )
    client = api_as("researcher")
    rows = client.get("/api/assessments/khm-2023/findings/", {"page_size": 500}).json()["results"]
    assert len(rows) == 130
    for row in rows[:20] + rows[-5:]:
        assert client.get(f"/api/assessments/khm-2023/findings/{row['indicator']}/").json() == row
    assert any(row["score_label"] for row in rows) and any(row["assignee"] == "lead" for row in rows)
