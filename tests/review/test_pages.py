import re
from urllib.parse import urlencode, urljoin

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from assessments.models import Finding
from review import services

PAGES = ["review:overview", "review:matrix", "review:endorsements", "review:preferences"]


@pytest.mark.parametrize("name", PAGES)
def test_review_pages_need_sign_in(client, assessment, name):
    response = client.get(reverse(name, kwargs={"code": assessment.code}))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_every_member_reads_every_review_page(client, members, finding, role):
    client.force_login(members[role])
    for name in PAGES:
        assert client.get(reverse(name, kwargs={"code": finding.assessment.code})).status_code == 200
    response = client.get(finding.get_absolute_url())
    assert response.status_code == 200
    assert "Law on Telecommunications 2015" in response.content.decode()


def test_outsider_gets_404_on_every_page_and_action(client, members, finding):
    client.force_login(members["outsider"])
    code = finding.assessment.code
    for name in PAGES:
        assert client.get(reverse(name, kwargs={"code": code})).status_code == 404
    assert client.get(finding.get_absolute_url()).status_code == 404
    for action in ("comment", "vote", "endorse", "revise", "resolve"):
        response = client.post(
            finding.get_absolute_url(), {"action": action, "body": "x", "verdict": "endorse"}
        )
        assert response.status_code == 404
    assert not services.comments_on(finding).exists()


def test_unknown_finding_and_unknown_action(client, members, finding):
    client.force_login(members["mab"])
    assert client.get(reverse("review:finding", args=[finding.assessment.code, "Z.9.9"])).status_code == 404
    assert client.post(finding.get_absolute_url(), {"action": "drop-tables"}).status_code == 400


def test_finding_page_shows_the_evidence(client, members, finding):
    client.force_login(members["mab"])
    body = client.get(finding.get_absolute_url()).content.decode()
    indicator = finding.indicator
    assert indicator.text in body and indicator.question.text in body
    assert "<strong>freedom of expression</strong>" in body  # Markdown rendered
    assert (
        '<a href="https://example.org/law" rel="noopener noreferrer">Law on Telecommunications 2015</a>'
        in body
    )
    assert "Household survey" in body and "art. 7" in body
    assert "41.5 %" in body and "2022" in body
    assert "telecom-law.pdf" in body
    assert "3 — Moderate" in body
    assert "Ready for review" in body
    # MAB members see the validation form, not the revise form or the team's endorse button.
    assert 'name="verdict"' in body
    assert 'value="revise"' not in body and 'value="endorse"' not in body.replace('value="endorse" id', "")


def test_narrative_markdown_is_sanitised(client, members, finding):
    services.revise_finding(
        finding,
        by=members["researcher"],
        expected_version=finding.version,
        narrative='Hi <script>alert("x")</script> [link](javascript:alert(1)) <img src=x onerror=alert(1)>',
        score=3,
        special_score="",
    )
    client.force_login(members["mab"])
    body = client.get(finding.get_absolute_url()).content.decode()
    narrative = body.split('data-testid="narrative"')[1].split("</div>")[0]
    assert "<script" not in narrative and "javascript:" not in narrative and "onerror" not in narrative
    assert "Hi" in narrative


def test_overview_groups_by_category_and_theme_with_counts(client, members, finding):
    services.cast_vote(finding, by=members["mab"], verdict="endorse")
    services.add_comment(finding, by=members["staff"], body="A question.")
    client.force_login(members["mab"])
    response = client.get(reverse("review:overview", args=[finding.assessment.code]))
    body = response.content.decode()
    assert "130 findings shown" in body
    assert 'id="cat-R"' in body and 'id="cat-C"' in body
    assert finding.indicator.question.theme.title in body
    row = body.split('data-testid="finding-R.1.1"')[1].split("</li>")[0]
    assert "Ready for review" in row and "3 — Moderate" in row
    assert "1 endorsed · 0 revision · 1 open comments" in row
    only_ready = client.get(reverse("review:overview", args=[finding.assessment.code]), {"status": "ready"})
    assert "1 finding shown" in only_ready.content.decode()


def test_overview_rows_link_to_their_finding_pages_with_and_without_filters(client, members, finding):
    """The rows' links are relative to the overview: each resolves to its own finding's page, whatever the
    query string; the filter form shows its choices and, only for a bad filter, the error."""
    url = reverse("review:overview", args=[finding.assessment.code])
    client.force_login(members["mab"])
    for params in ({}, {"category": "R", "core": "true"}, {"status": "ready"}, {"changed": "1"}):
        body = client.get(url, params).content.decode()
        assert "The filters were ignored." not in body
        assert '<option value="R" ' in body and "R · " in body  # the category choices
        rows = re.findall(r'<li data-testid="finding-([^"]+)"><div><a href="([^"]+)">', body)
        assert rows or params == {"changed": "1"}
        for code, href in rows:
            assert urljoin("http://testserver" + url + "?" + urlencode(params), href) == (
                "http://testserver" + reverse("review:finding", args=[finding.assessment.code, code])
            )
    href = re.search(r'data-testid="finding-R.1.1"><div><a href="([^"]+)"', client.get(url).content.decode())
    page = client.get(urljoin(url, href[1]))
    assert page.status_code == 200 and finding.indicator.text in page.content.decode()
    chosen = client.get(url, {"category": "O"}).content.decode()
    assert '<option value="O" selected>' in chosen and 'id="cat-R"' not in chosen


def test_overview_uses_the_findings_filters_shared_with_the_api(client, members, finding):
    url = reverse("review:overview", args=[finding.assessment.code])
    client.force_login(members["mab"])
    core_rights = client.get(url, {"category": "R", "core": "true"}).content.decode()
    assert "22 findings shown" in core_rights and 'id="cat-O"' not in core_rights
    contextual = client.get(url, {"category": "C"}).content.decode()
    assert "21 findings shown" in contextual
    bad = client.get(url, {"category": "Q"})
    assert bad.status_code == 200
    assert (
        "The filters were ignored." in bad.content.decode() and "130 findings shown" in bad.content.decode()
    )
    api = APIClient()
    api.force_authenticate(members["mab"])
    listed = api.get(
        f"/api/assessments/{finding.assessment.code}/findings/", {"category": "R", "core": "true"}
    )
    assert listed.json()["count"] == 22


def _overview_queries(client, assessment):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("review:overview", args=[assessment.code])).status_code == 200
    return len(ctx)


def test_overview_queries_do_not_grow_with_findings_comments_or_votes(client, members, finding):
    assessment = finding.assessment
    client.force_login(members["mab"])
    Finding.objects.filter(assessment=assessment).exclude(pk=finding.pk).update(archived=True)
    client.get(finding.get_absolute_url())  # a last-seen record
    few = _overview_queries(client, assessment)
    Finding.objects.filter(assessment=assessment).update(archived=False)
    # Scored findings show their score's label from the assessment's scale: no query per finding.
    Finding.objects.filter(assessment=assessment).update(score=2)
    for other in Finding.objects.filter(assessment=assessment)[:40]:
        services.add_comment(other, by=members["mab"], body="Why?")
        services.cast_vote(other, by=members["mab"], verdict="endorse")
        services.record_seen(members["mab"], other)
    many = _overview_queries(client, assessment)
    assert Finding.objects.filter(assessment=assessment, archived=False).count() == 130
    assert few == many


def test_finding_page_queries_do_not_grow_with_comments_and_votes(
    client, members, finding, django_user_model
):
    from assessments.choices import Role
    from tests.factories import MembershipFactory

    client.force_login(members["researcher"])
    services.add_comment(finding, by=members["mab"], body="One")
    client.get(finding.get_absolute_url())  # the first visit creates the last-seen record

    def visits():
        """Queries of a visit that renders the body, and of a repeat visit that finds it cached."""
        cache.clear()
        with CaptureQueriesContext(connection) as fresh:
            client.get(finding.get_absolute_url())
        with CaptureQueriesContext(connection) as cached:
            response = client.get(finding.get_absolute_url())
        return len(fresh), len(cached), response

    few_fresh, few_cached, _response = visits()
    for i in range(8):
        extra = MembershipFactory(
            assessment=finding.assessment, role=Role.MAB, stakeholder_group="academia"
        ).user
        root = services.add_comment(finding, by=extra, body=f"Point {i} @researcher")
        services.add_comment(finding, by=members["researcher"], body="Answer", parent=root)
        services.cast_vote(
            finding, by=extra, verdict="endorse" if i % 2 else "needs_revision", body="Because"
        )
    many_fresh, many_cached, response = visits()
    assert response.content.decode().count('class="comment') >= 25
    assert (few_fresh, few_cached) == (many_fresh, many_cached)
    assert few_cached < few_fresh


def test_nav_links_to_the_review_of_my_assessments(client, members, finding):
    client.force_login(members["mab"])
    body = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("review:overview", args=[finding.assessment.code])}"' in body
    client.force_login(members["outsider"])
    body = client.get(reverse("home")).content.decode()
    assert reverse("review:overview", args=[finding.assessment.code]) not in body
