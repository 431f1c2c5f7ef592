"""The public results page, its downloads, the sitemap and the lead's publication page."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Finding
from publication.models import Publication
from publication.services import save_publication
from reports.choices import ExportFormat, ExportStatus
from tests.answers import read_and_close
from tests.factories import AssessmentFactory, PublicationFactory, RecommendationFactory, ReportExportFactory
from tests.publication.conftest import COMMENT, DRAFT, ENDORSED, MAB_NAME, VOTE

pytestmark = pytest.mark.django_db

PAGE = "/p/khm-2023/"


def finished_export(assessment, fmt, data):
    export = ReportExportFactory(assessment=assessment, format=fmt, status=ExportStatus.DONE, size=len(data))
    export.file.save(f"x.{fmt}", ContentFile(data))
    export.finished = export.created
    export.save()
    return export


def body(answer):
    """A 200's bytes (tests.answers.read_and_close)."""
    assert answer.status_code == 200
    return read_and_close(answer)


def test_anonymous_sees_the_public_content_and_nothing_private(client, published):
    RecommendationFactory(assessment=published, text="<script>alert('rec')</script> Open **data**")
    answer = client.get(PAGE)
    assert answer.status_code == 200
    html = answer.content.decode()
    # Public: summary, chart, key findings, recommendations by group, licence, the data package link.
    assert "This report sets out the key findings" in html
    assert "<svg" in html and "Coverage and scores by category" in html
    assert 'id="rec-government"' in html and "<strong>data</strong>" in html
    assert "https://creativecommons.org/licenses/by/4.0/" in html
    assert reverse("publication:public_data", args=["khm-2023"]) in html
    # Private: comments, votes, evidence narratives, attachments, MAB names, sources.
    attachment = published.private_attachment
    for private in (COMMENT, VOTE, DRAFT, ENDORSED, MAB_NAME, "Boardmember", "PRIVATE", "Needs revision"):
        assert private not in html, private
    assert reverse("assessments:attachment", args=["khm-2023", attachment.pk]) not in html
    assert attachment.file.name not in html and attachment.file.url not in html
    assert "<script>alert" not in html  # researchers' text is sanitised
    # No PDF or Word export yet: no links to them.
    assert "report.pdf" not in html and "report.docx" not in html


def test_open_graph_and_description(client, published):
    html = client.get(PAGE).content.decode()
    assert '<meta property="og:title" content="Key findings and recommendations' in html
    assert '<meta name="description" content="This report sets out the key findings' in html
    assert '<meta property="og:url" content="http://testserver/p/khm-2023/">' in html


def test_mab_names_only_when_chosen(client, published, members):
    save_publication(published, by=members["lead"], publish=True, choices={"show_mab_names": True})
    assert MAB_NAME in client.get(PAGE).content.decode()


def test_parts_the_lead_left_out_are_absent(client, published, members):
    choices = {"show_summary": False, "show_recommendations": False, "show_charts": False, "show_data": False}
    save_publication(published, by=members["lead"], publish=True, choices=choices)
    html = client.get(PAGE).content.decode()
    assert "This report sets out the key findings" not in html
    assert 'id="rec-government"' not in html and "<svg" not in html
    assert "datapackage.zip" not in html
    assert client.get(f"{PAGE}datapackage.zip").status_code == 404
    # Key findings stay.
    assert "R – Rights" in html


def test_downloads_offer_the_latest_finished_exports(client, published):
    finished_export(published, ExportFormat.PDF, b"%PDF-1.7 old")
    newest = finished_export(published, ExportFormat.PDF, b"%PDF-1.7 new")
    finished_export(published, ExportFormat.DOCX, b"PK docx")
    ReportExportFactory(assessment=published, format=ExportFormat.PDF, status=ExportStatus.RUNNING)
    html = client.get(PAGE).content.decode()
    assert "report.pdf" in html and "report.docx" in html
    answer = client.get(f"{PAGE}report.pdf")
    assert body(answer) == b"%PDF-1.7 new"
    assert answer["Content-Type"] == "application/pdf"
    assert newest.finished is not None
    answer = client.get(f"{PAGE}report.docx")
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats-officedocument")
    assert answer["Content-Disposition"].endswith('.docx"') and body(answer) == b"PK docx"


@pytest.mark.parametrize("path", ["", "report.pdf", "report.docx", "datapackage.zip"])
def test_unpublished_is_404_at_once(client, published, members, path):
    finished_export(published, ExportFormat.PDF, b"%PDF-1.7")
    finished_export(published, ExportFormat.DOCX, b"PK")
    assert body(client.get(PAGE + path)) is not None
    client.force_login(members["lead"])
    answer = client.post(
        reverse("publication:manage", args=["khm-2023"]), {"action": "unpublish", "licence": "CC-BY-4.0"}
    )
    assert answer.status_code == 302
    client.logout()
    assert client.get(PAGE + path).status_code == 404


def test_never_published_and_unknown_codes_are_404(client, assessment):
    assert client.get(PAGE).status_code == 404
    assert client.get("/p/nowhere/").status_code == 404


def test_sitemap_lists_published_assessments_only(client, published, framework):
    AssessmentFactory(code="tha-2024", framework=framework)
    PublicationFactory(assessment__code="vnm-2025", assessment__framework=framework, is_published=False)
    xml = client.get("/sitemap.xml").content.decode()
    assert "http://testserver/p/khm-2023/" in xml
    assert "tha-2024" not in xml and "vnm-2025" not in xml


MANAGE = "/a/khm-2023/publish/"


@pytest.mark.parametrize(
    ("role", "get", "post"),
    [
        ("lead", 200, 302),
        ("researcher", 200, 403),
        ("mab", 200, 403),
        ("staff", 200, 403),
        ("outsider", 404, 404),
    ],
)
def test_roles_on_the_publication_page(client, assessment, members, role, get, post):
    """Only the lead publishes (Perm.PUBLISH): staff export reports but do not publish."""
    client.force_login(members[role])
    assert client.get(MANAGE).status_code == get
    data = {"action": "publish", "licence": "CC-BY-SA-4.0", "show_summary": "on"}
    assert client.post(MANAGE, data).status_code == post
    publication = Publication.objects.filter(assessment=assessment).first()
    if post == 302:
        assert publication.is_published and publication.licence == "CC-BY-SA-4.0"
        assert not publication.show_recommendations and publication.published_by == members["lead"]
        assert client.get(PAGE).status_code == 200
    else:
        assert publication is None
        assert client.get(PAGE).status_code == 404


def test_anonymous_is_sent_to_sign_in(client, assessment):
    answer = client.post(MANAGE, {"action": "publish", "licence": "CC-BY-4.0"})
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert not Publication.objects.exists()


def test_the_service_checks_the_permission_again(assessment, members):
    for role in ("researcher", "mab", "staff"):
        with pytest.raises(PermissionDenied):
            save_publication(assessment, by=members[role], publish=True)
    assert not Publication.objects.exists()


def test_bad_form_input_is_a_form_error(client, assessment, members):
    client.force_login(members["lead"])
    answer = client.post(MANAGE, {"action": "publish", "licence": "all rights reserved"})
    assert answer.status_code == 200 and "errorlist" in answer.content.decode()
    answer = client.post(MANAGE, {"action": "shout", "licence": "CC-BY-4.0"})
    assert answer.status_code == 200 and "Choose Publish or Unpublish" in answer.content.decode()
    assert not Publication.objects.exists()


def page_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(PAGE).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_findings_or_recommendations(client, published):
    Finding.objects.filter(assessment=published).exclude(indicator__code__in=["R.1.1", "R.1.2"]).update(
        archived=True
    )
    few = page_queries(client)
    assert few > 0
    Finding.objects.filter(assessment=published).update(archived=False)
    Finding.objects.filter(assessment=published, narrative="").update(narrative="Evidence.")
    RecommendationFactory.create_batch(25, assessment=published)
    assert page_queries(client) == few
