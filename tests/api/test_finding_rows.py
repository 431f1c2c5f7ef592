"""The findings list answers from plain rows (assessments/api/rows.py): the JSON must be the model
serializer's, byte for byte, for every kind of finding, on both of its paths — the list's SQL built once
(no filter) and the ORM through the FilterSet (a filter) — with paging, languages and time zones."""

import datetime
from urllib.parse import urlencode

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.http import QueryDict
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from assessments.api.rows import CompiledList, values_rows
from assessments.api.serializers import FINDING_ROWS, FindingSerializer
from assessments.api.views import FINDING_LIST
from assessments.filters import FindingFilter
from assessments.models import Assessment, Finding
from assessments.services import save_finding
from tests.factories import CitationFactory, DataPointFactory, SourceFactory

URL = "/api/assessments/khm-2023/findings/"
KHMER = "រដ្ឋធម្មនុញ្ញការពារសេរីភាពនៃការបញ្ចេញមតិ"
# Text that JSON escapes or that a careless encoder would change: quotes, backslashes, control and
# separator characters, markup, an emoji, combining marks, trailing space.
AWKWARD = 'He said "no" \\ C:\\path\n\ttab \u2028 \u0007 </script> 😀 e\u0301 '


@pytest.fixture
def varied(assessment, members):
    """Findings in every state the list shows: scored (each level), each special score and confidence,
    Khmer and awkward text in both languages, assigned or not, saved by someone or never, with a due date
    or without, contextual (no theme) and core, archived (not listed), with evidence; a second language."""
    Assessment.objects.filter(pk=assessment.pk).update(second_language="km")
    assessment.refresh_from_db()
    findings = list(Finding.objects.filter(assessment=assessment).order_by("indicator__order"))
    core = [f for f in findings if f.indicator.question_id]
    contextual = [f for f in findings if not f.indicator.question_id]
    assert core and contextual
    for n, finding in enumerate(core[:5]):
        save_finding(
            finding,
            by=members["researcher"],
            expected_version=finding.version,
            fields={"score": n + 1, "status": "draft", "narrative": f"Level {n + 1}: {KHMER}"},
        )
    save_finding(
        core[5],
        by=members["lead"],
        expected_version=1,
        fields={"special_score": "not_applicable", "confidence": "low", "narrative": AWKWARD},
    )
    save_finding(
        core[6],
        by=members["lead"],
        expected_version=1,
        fields={
            "special_score": "insufficient_data",
            "confidence": "high",
            "narrative_second": KHMER,
            "assignee": members["researcher"],
            "due_date": datetime.date(2026, 2, 28),
        },
    )
    save_finding(
        contextual[0],
        by=members["researcher"],
        expected_version=1,
        fields={
            "narrative": "",
            "narrative_second": AWKWARD,
            "confidence": "medium",
            "assignee": members["lead"],
        },
    )
    # Values written past the service (as imports and the admin's bulk actions may): a score beyond the
    # scale (no label), microseconds and a time zone in the stored time, an archived finding.
    Finding.objects.filter(pk=core[7].pk).update(
        score=9, updated=datetime.datetime(2024, 5, 1, 3, 4, 5, 123456, tzinfo=datetime.UTC)
    )
    Finding.objects.filter(pk=core[8].pk).update(archived=True, narrative="Archived: never listed.")
    source = SourceFactory(assessment=assessment)
    CitationFactory(finding=core[0], source=source)
    CitationFactory(finding=core[0], source=SourceFactory(assessment=assessment))
    DataPointFactory(finding=core[0], value="61.5", year=2022, source=source)
    return assessment


def expected_body(assessment, response, params):
    """What the list answered before: FindingSerializer over model instances, filtered by the FilterSet,
    paged as the paginator pages (the links are DRF's, taken from the answer), rendered by the renderer."""
    findings = (
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related(
            "assessment", "indicator__category", "indicator__question__theme", "assignee", "updated_by"
        )
        .order_by("indicator__order")
    )
    filters = {key: value for key, value in params.items() if key in FindingFilter.base_filters}
    if filters:
        filterset = FindingFilter(data=QueryDict(urlencode(filters)), queryset=findings)
        assert filterset.is_valid()
        findings = filterset.qs
    size, page = int(params.get("page_size", 50)), int(params.get("page", 1))
    rows = list(findings)
    data = FindingSerializer(rows[(page - 1) * size : page * size], many=True).data
    answer = response.json()
    body = {"count": len(rows), "next": answer["next"], "previous": answer["previous"], "results": data}
    return JSONRenderer().render(body)


PARAMS = [
    {},
    {"page_size": 500},
    {"page": 2, "page_size": 7},
    {"page": 3},
    {"status": "draft"},
    {"core": "false", "page_size": 500},
    {"score": "not_applicable"},
    {"assignee": "researcher", "page_size": 3},
    {"page_size": 500, "changed_since": "2000-01-01T00:00Z"},
]


@pytest.mark.parametrize(
    "params", PARAMS, ids=lambda p: "&".join(f"{k}={v}" for k, v in p.items()) or "plain"
)
def test_the_list_is_the_serializers_json_byte_for_byte(api_as, varied, params):
    response = api_as("researcher").get(URL, params)
    assert response.status_code == 200
    timezone.deactivate()  # as the API answers: in the default zone (UTC), not the assessment's
    assert response.content == expected_body(varied, response, params)
    assert response.json()["results"], "every case shows some findings"


def test_the_varied_findings_are_all_there(api_as, varied):
    """The byte comparison above covers what it should: each kind of value is in the answer."""
    rows = api_as("researcher").get(URL, {"page_size": 500}).json()["results"]
    assert len(rows) == Finding.objects.filter(assessment=varied, archived=False).count()
    assert {row["score_label"] for row in rows} >= {"", "Weak", "Strong"}
    assert {row["special_score"] for row in rows} == {"", "not_applicable", "insufficient_data"}
    assert {row["confidence"] for row in rows} == {"", "low", "medium", "high"}
    assert any(row["theme"] is None for row in rows) and any(row["theme"] for row in rows)
    assert {row["assignee"] for row in rows} == {None, "researcher", "lead"}
    assert {row["updated_by"] for row in rows} == {None, "researcher", "lead"}
    assert any(row["due_date"] == "2026-02-28" for row in rows)
    assert any(row["updated"] == "2024-05-01T03:04:05.123456Z" for row in rows)
    assert any(row["narrative_second"] == AWKWARD for row in rows) and any(
        KHMER in r["narrative"] for r in rows
    )
    assert not any(row["narrative"].startswith("Archived") for row in rows)


@pytest.mark.parametrize("language", ["en", "km"])
@pytest.mark.parametrize("params", [{}, {"status": "draft"}])
def test_same_json_in_each_language(api_as, varied, language, params):
    response = api_as("researcher").get(URL, params, HTTP_ACCEPT_LANGUAGE=language)
    timezone.deactivate()
    assert response.content == expected_body(varied, response, params)


@pytest.mark.parametrize("params", [{}, {"status": "draft"}])
def test_times_follow_the_servers_zone_as_the_serializer_does(api_as, varied, params):
    """The API deactivates the assessment's zone, so times are in TIME_ZONE (UTC as shipped); whatever
    TIME_ZONE says, the plain rows give what the serializer gives."""
    Assessment.objects.filter(pk=varied.pk).update(time_zone="America/Caracas")
    with override_settings(TIME_ZONE="Asia/Phnom_Penh"):
        response = api_as("researcher").get(URL, {**params, "page_size": 500})
        timezone.deactivate()
        assert response.content == expected_body(varied, response, {**params, "page_size": 500})
        assert "+07:00" in response.json()["results"][0]["updated"]


def test_paging_links_and_out_of_range_pages(api_as, varied):
    client = api_as("researcher")
    total = Finding.objects.filter(assessment=varied, archived=False).count()
    middle = client.get(URL, {"page": 2, "page_size": 10}).json()
    assert middle["count"] == total
    assert middle["next"] == f"http://testserver{URL}?page=3&page_size=10"
    assert middle["previous"] == f"http://testserver{URL}?page_size=10"
    last = client.get(URL, {"page": "last", "page_size": 10}).json()
    assert last["next"] is None and len(last["results"]) == total - 10 * (-(-total // 10) - 1)
    for page in (0, -(-total // 10) + 1, "x"):
        response = client.get(URL, {"page": page, "page_size": 10})
        assert response.status_code == 404 and response.json() == {"detail": "Invalid page."}


def test_an_assessment_without_findings_in_scope(api_as, varied):
    Finding.objects.filter(assessment=varied).update(archived=True)
    body = api_as("researcher").get(URL).json()
    assert body == {"count": 0, "next": None, "previous": None, "results": []}


def queries(client, params):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL, params).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("params", [{}, {"status": "not_started"}, {"core": "true"}])
def test_queries_do_not_grow_with_the_page(api_as, varied, params):
    client = api_as("researcher")
    few = queries(client, {**params, "page_size": 1, "page": 2})
    assert few == queries(client, {**params, "page_size": 500})
    # Token, assessment with the role, count, page.
    assert few == 4


def test_session_sign_in_and_roles(varied, members):
    """The list's doors are the same with session sign-in: members read, an outsider gets 404, nobody
    signed in 403 (the session says nothing; the token scheme, first, names itself: 401)."""
    client = Client()
    assert client.get(URL).status_code == 401
    for role, status in [("researcher", 200), ("mab", 200), ("lead", 200), ("outsider", 404)]:
        client.force_login(members[role])
        response = client.get(URL)
        assert response.status_code == status, role
        if status == 200:
            timezone.deactivate()
            assert response.content == expected_body(varied, response, {})
    client.logout()
    assert client.get(URL).status_code == 401


def test_the_lists_sql_is_built_once_and_takes_only_the_pk(assessment):
    built = []

    def build(pk):
        built.append(pk)
        return Finding.objects.filter(assessment=pk, archived=False).order_by("pk")

    listing = CompiledList(build, lambda: ["version"])
    first, second = listing.rows(assessment.pk), listing.rows(assessment.pk)
    assert first.count() == second.count() == Finding.objects.filter(assessment=assessment).count()
    assert list(second[0:2]) == [(1,), (1,)] and len(built) == 1
    with pytest.raises(Exception, match="only parameter"):
        CompiledList(lambda pk: Finding.objects.filter(assessment=pk, version__gt=3), lambda: ["pk"]).rows(
            assessment.pk
        )


def test_the_rows_read_what_the_serializer_shows():
    """Every field of FindingSerializer is a column of the list's rows, except the label computed from the
    score: a field added to the serializer is read by the list without more code (or fails loudly)."""
    names = [name for name, _field in FINDING_ROWS.fields]
    assert names == list(FindingSerializer().fields)
    assert (
        len(FINDING_ROWS.lookups) == len(names) - 1
        and "indicator__question__theme__code" in FINDING_ROWS.lookups
    )
    query = FINDING_LIST.compiled(1, "default")[0]
    assert list(query.annotation_select) == [f"column_{n}" for n in range(len(FINDING_ROWS.lookups))]
    assert not query.values_select


def test_only_the_order_is_joined_the_rest_read_for_the_page_rows(assessment):
    """The page's SQL joins the indicator (the order) and reads the other tables in subqueries, which give
    the same rows as values_list() with its joins, null keys included, whatever the filter and order."""
    sql = FINDING_LIST.compiled(assessment.pk, "default")[1]
    assert sql.count(" JOIN ") == 2  # the indicator's, and the theme's inside the question's subquery
    assert sql.count("(SELECT ") == 4
    findings = Finding.objects.filter(assessment=assessment).order_by("indicator__order")
    Finding.objects.filter(pk=findings[1].pk).update(assignee=None, updated_by=None)
    for queryset in (findings, findings.filter(indicator__category__code="C"), findings.order_by("-pk")):
        assert list(values_rows(queryset, FINDING_ROWS.lookups)) == list(
            queryset.values_list(*FINDING_ROWS.lookups)
        )


def test_a_renamed_user_shows_at_once(api_as, varied, members):
    """No cache: the rows are read on every request."""
    get_user_model().objects.filter(pk=members["researcher"].pk).update(username="sophea")
    rows = api_as("lead").get(URL, {"page_size": 500}).json()["results"]
    assert "sophea" in {row["assignee"] for row in rows} and "researcher" not in {
        row["updated_by"] for row in rows
    }
