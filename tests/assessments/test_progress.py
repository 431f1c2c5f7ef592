"""Progress since the previous round: per indicator and category, the filter, the chart, query counts."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.choices import CarryOver, FindingStatus
from assessments.models import Finding
from assessments.progress import Change, progress
from assessments.rounds import start_round
from tests.factories import FindingFactory

pytestmark = pytest.mark.django_db


def score(assessment, code, value, **fields):
    return FindingFactory(assessment=assessment, code=code, score=value, **fields)


@pytest.fixture
def rounds(assessment, members):
    score(assessment, "R.1.1", 3, status=FindingStatus.ENDORSED, narrative="Law of 2016.")
    score(assessment, "O.1.1", 2)
    score(assessment, "A.1.1", 4)
    score(assessment, "M.1.1", 2)
    new = start_round(
        assessment, by=members["lead"], code="khm-2027", carry={CarryOver.MEMBERS, CarryOver.NARRATIVES}
    ).assessment
    score(new, "R.1.1", 4, status=FindingStatus.DRAFT)  # improved
    score(new, "O.1.1", 1)  # declined
    score(new, "A.1.1", 4)  # unchanged
    score(new, "X.1.1", 2)  # new: not scored before
    return assessment, new  # M.1.1: pending (not scored yet)


def test_per_indicator_and_category(rounds):
    old, new = rounds
    data = progress(new)
    by_code = {f.indicator.code: f for f in data["rows"]}
    assert len(by_code) == new.findings.filter(archived=False).count()
    r = by_code["R.1.1"]
    assert (r.then_score, r.score, r.change) == (3, 4, Change.IMPROVED)
    assert r.then_status_label == "Endorsed" and r.get_status_display() == "Draft"
    assert r.then_evidence and r.now_evidence  # the narrative was carried
    assert by_code["O.1.1"].change == Change.DECLINED
    assert by_code["A.1.1"].change == Change.UNCHANGED
    assert by_code["X.1.1"].change == Change.NEW
    assert by_code["M.1.1"].change == Change.PENDING
    cats = {c.category.code: c for c in data["categories"]}
    assert (cats["R"].then_mean, cats["R"].now_mean) == (3, 4)
    assert cats["R"].count(Change.IMPROVED) == 1
    assert cats["X"].then_mean is None and cats["X"].now_mean == 2
    assert [r.indicator.code for r in progress(new, Change.IMPROVED)["rows"]] == ["R.1.1"]
    assert progress(old) == {"rows": [], "categories": [], "dropped": [], "crosswalk": None}


@pytest.mark.parametrize("who", ["lead", "researcher", "mab", "staff"])
def test_every_member_reads_the_page(client, rounds, members, who):
    _old, new = rounds
    client.force_login(members[who])
    response = client.get(reverse("assessments:progress", args=[new.code]) + "?change=declined")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="row-O.1.1"' in page and 'data-testid="row-R.1.1"' not in page
    assert 'data-testid="chart-R"' in page


def test_outsider_and_anonymous(client, rounds, members):
    _old, new = rounds
    url = reverse("assessments:progress", args=[new.code])
    assert client.get(url).status_code == 302
    client.force_login(members["outsider"])
    assert client.get(url).status_code == 404


def test_first_round_says_so_and_bad_filter_shows_all(client, rounds, members):
    old, new = rounds
    client.force_login(members["lead"])
    page = client.get(reverse("assessments:progress", args=[old.code])).content.decode()
    assert 'data-testid="no-previous"' in page
    response = client.get(reverse("assessments:progress", args=[new.code]) + "?change=<script>")
    assert response.status_code == 200 and len(response.context["rows"]) == 130


def test_dashboard_shows_the_chart_only_for_a_later_round(client, rounds, members):
    old, new = rounds
    client.force_login(members["lead"])
    page = client.get(reverse("assessments:dashboard", args=[new.code])).content.decode()
    assert 'data-testid="progress-chart"' in page and 'data-testid="chart-O"' in page
    assert reverse("assessments:progress", args=[new.code]) in page
    page = client.get(reverse("assessments:dashboard", args=[old.code])).content.decode()
    assert 'data-testid="progress-chart"' not in page


def test_queries_do_not_grow_with_findings(client, rounds, members):
    old, new = rounds
    client.force_login(members["mab"])
    url = reverse("assessments:progress", args=[new.code])
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    Finding.objects.filter(assessment__in=[old, new]).update(score=2, narrative="Evidence.")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(few) == len(many)
    dashboard = reverse("assessments:dashboard", args=[new.code])
    cache.clear()
    with CaptureQueriesContext(connection) as few:
        client.get(dashboard)
    Finding.objects.filter(assessment=new).update(score=3)
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        client.get(dashboard)
    assert len(few) == len(many)
