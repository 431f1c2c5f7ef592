"""The report's category chart (assessments.chart) on the dashboard and the review overview: the same
figures as the PDF's, for every member, with a query count that does not grow with findings."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.chart import category_chart, figures_chart
from assessments.queries import dashboard_figures
from reports.chapters import category_rows, load
from tests.factories import CitationFactory, FindingFactory

pytestmark = pytest.mark.django_db

PAGES = ["assessments:dashboard", "review:overview"]


def chart_of(html):
    match = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart".*?</svg>', html, re.S)
    assert match, "no chart on the page"
    return match.group(0)


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_every_member_sees_the_chart(client, members, assessment, name, role):
    FindingFactory(assessment=assessment, code="A.1.1", narrative="Evidence.", score=2)
    client.force_login(members[role])
    html = client.get(reverse(name, args=[assessment.code])).content.decode()
    svg = chart_of(html)
    assert "A – Accessibility to all" in svg and "1/34" in svg and "2.0/5 (1)" in svg


@pytest.mark.parametrize("name", PAGES)
def test_the_pages_chart_is_the_pdfs(client, members, assessment, name):
    FindingFactory(assessment=assessment, code="A.1.1", narrative="Evidence.", score=2)
    finding = FindingFactory(assessment=assessment, code="R.1.1", score=4)
    CitationFactory(finding=finding)
    content = load(assessment)
    pdf_chart = category_chart(category_rows(content.findings), len(assessment.scale))
    client.force_login(members["mab"])
    assert chart_of(client.get(reverse(name, args=[assessment.code])).content.decode()) == pdf_chart


@pytest.mark.parametrize("name", PAGES)
def test_outsiders_see_no_chart(client, members, assessment, name):
    client.force_login(members["outsider"])
    assert client.get(reverse(name, args=[assessment.code])).status_code == 404


def test_dashboard_queries_do_not_grow_with_findings(client, members, assessment):
    client.force_login(members["researcher"])
    url = reverse("assessments:dashboard", args=[assessment.code])
    client.get(url)
    cache.clear()  # the dashboard caches its parts: measure a page that computes them
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for code in ["A.1.1", "A.2.1", "A.3.1", "R.1.1", "R.2.1"]:
        CitationFactory(finding=FindingFactory(assessment=assessment, code=code, narrative="x", score=3))
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) <= len(few)


def test_the_charts_figures_take_the_same_queries_for_any_number_of_findings(assessment):
    def count():
        with CaptureQueriesContext(connection) as queries:
            assert figures_chart(dashboard_figures(assessment), len(assessment.scale))
        return len(queries)

    few = count()
    for code in ["A.1.1", "A.2.1", "A.3.1", "R.1.1", "R.2.1"]:
        CitationFactory(finding=FindingFactory(assessment=assessment, code=code, narrative="x", score=3))
    assert count() == few
