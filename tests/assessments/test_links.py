"""assessments links to the apps above it only through what they register (assessments.links)."""

import pytest
from django.urls import reverse

from assessments import links
from assessments.models import Finding


def subnav(html):
    """The dashboard's own buttons (the site's navigation above them is the project's, not assessments')."""
    start = html.index('<nav class="subnav"')
    return html[start : html.index("</nav>", start)]


@pytest.fixture
def empty_registry(monkeypatch):
    """The registry as it is when neither review nor reports is installed."""
    monkeypatch.setattr(links, "_assessment_links", {})
    monkeypatch.setattr(links, "_finding_page", None)


def test_the_dashboard_shows_the_links_review_and_reports_register(client, assessment, members):
    client.force_login(members["researcher"])
    html = subnav(client.get(reverse("assessments:dashboard", args=[assessment.code])).content.decode())
    review_url = reverse("review:overview", args=[assessment.code])
    report_url = reverse("reports:report", args=[assessment.code])
    assert f'href="{review_url}"' in html
    assert f'href="{report_url}"' in html
    assert html.index(review_url) < html.index(report_url)  # in their registered order


def test_a_finding_page_is_the_page_review_registered(assessment):
    finding = Finding.objects.filter(assessment=assessment).select_related("indicator").first()
    assert finding.get_absolute_url() == reverse(
        "review:finding", kwargs={"code": assessment.code, "indicator": finding.indicator.code}
    )


def test_without_the_apps_above_the_dashboard_has_no_links_to_them(
    client, assessment, members, empty_registry
):
    client.force_login(members["researcher"])
    html = subnav(client.get(reverse("assessments:dashboard", args=[assessment.code])).content.decode())
    assert reverse("review:overview", args=[assessment.code]) not in html
    assert reverse("reports:report", args=[assessment.code]) not in html
    finding = Finding.objects.filter(assessment=assessment).first()
    assert finding.get_absolute_url() == reverse("admin:assessments_finding_change", args=[finding.pk])


def test_registering_a_key_again_replaces_it(empty_registry):
    links.register_assessment_link("x", "First", lambda code: f"/first/{code}/")
    links.register_assessment_link("x", "Second", lambda code: f"/second/{code}/")
    assert links.assessment_links("c") == [("Second", "/second/c/")]
