"""The public page's cached body and its ETag (publication.views.public_page, publication.queries.
public_fingerprint): a repeat visit skips building the body, an unchanged page is answered with 304, and
every kind of change — publishing again with other choices, unpublishing, an edit of what the page shows,
a new export, another language — shows at once. A signed-in person is never answered from the anonymous
copy's ETag."""

import os
import re

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Finding
from assessments.services import save_finding
from publication import public
from publication.services import save_publication
from reports.choices import ExportFormat, ExportStatus, SectionKind
from reports.models import ReportSection
from tests.factories import CitationFactory, RecommendationFactory, ReportExportFactory
from toolkit.environment import release_stamp

pytestmark = pytest.mark.django_db

PAGE = "/p/khm-2023/"


@pytest.fixture
def built(monkeypatch):
    """How many times the body was built."""
    calls = []
    original = public.page_content

    def counting(publication):
        calls.append(publication.pk)
        return original(publication)

    monkeypatch.setattr(public, "page_content", counting)
    return calls


def unmasked(page):
    """The page without its CSRF token (masked anew in every response)."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def html(client, **headers):
    answer = client.get(PAGE, **headers)
    assert answer.status_code == 200
    return answer.content.decode()


def test_a_repeat_visit_uses_the_copy_and_fewer_queries(client, published, built):
    with CaptureQueriesContext(connection) as first:
        first_html = html(client)
    with CaptureQueriesContext(connection) as second:
        assert unmasked(html(client)) == unmasked(first_html)
    assert len(built) == 1
    # The publication and the fingerprint: nothing else.
    assert len(second) == 2 < len(first)


def test_etag_and_304_for_anonymous_visitors(client, published, members):
    answer = client.get(PAGE)
    etag = answer["ETag"]
    assert etag and "no-cache" in answer["Cache-Control"] and "private" in answer["Cache-Control"]
    assert "Cookie" in answer["Vary"] and "Accept-Language" in answer["Vary"]
    with CaptureQueriesContext(connection) as queries:
        again = client.get(PAGE, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert len(queries) == 2
    # A change: the old ETag no longer matches, the new page comes.
    save_publication(published, by=members["lead"], publish=True, choices={"show_summary": False})
    answer = client.get(PAGE, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200 and answer["ETag"] != etag
    assert "This report sets out the key findings" not in answer.content.decode()


def test_the_etag_is_the_releases_not_the_machines(client, published):
    """Two web machines of one release hold the same code with other file times: the same ETag. Code
    whose contents differ (another release) gives another one."""
    etag = client.get(PAGE)["ETag"]
    templates = settings.BASE_DIR / "publication" / "templates" / "publication"
    template, probe = templates / "_public_body.html", templates / "_etag_probe.html"
    times = template.stat()
    try:
        os.utime(template, ns=(times.st_atime_ns, times.st_mtime_ns + 3_600 * 10**9))
        release_stamp.cache_clear()  # as a process of the other machine
        assert client.get(PAGE)["ETag"] == etag
        probe.write_text("{# another release #}")
        release_stamp.cache_clear()
        answer = client.get(PAGE, HTTP_IF_NONE_MATCH=etag)
        assert answer.status_code == 200 and answer["ETag"] != etag
    finally:
        os.utime(template, ns=(times.st_atime_ns, times.st_mtime_ns))
        probe.unlink(missing_ok=True)
        release_stamp.cache_clear()


def test_republishing_with_other_choices_shows_at_once(client, published, members):
    assert "This report sets out the key findings" in html(client)
    assert 'id="rec-government"' in html(client)
    save_publication(
        published,
        by=members["lead"],
        publish=True,
        choices={"show_summary": False, "show_recommendations": False},
    )
    page = html(client)
    assert "This report sets out the key findings" not in page and 'id="rec-government"' not in page
    save_publication(published, by=members["lead"], publish=True, choices={"show_summary": True})
    assert "This report sets out the key findings" in html(client)


def test_unpublishing_is_404_at_once_and_publishing_again_shows_it(client, published, members):
    etag = client.get(PAGE)["ETag"]
    save_publication(published, by=members["lead"], publish=False)
    assert client.get(PAGE).status_code == 404
    assert client.get(PAGE, HTTP_IF_NONE_MATCH=etag).status_code == 404
    save_publication(published, by=members["lead"], publish=True)
    answer = client.get(PAGE, HTTP_IF_NONE_MATCH=etag)
    assert answer.status_code == 200  # publishing again is a change (published_at, updated)


def test_a_change_of_language_shows_at_once(client, published):
    english = html(client)
    assert "Executive summary" in english
    client.cookies["django_language"] = "km"
    khmer = html(client)
    assert 'lang="km"' in khmer and "Executive summary" not in khmer
    assert client.get(PAGE)["ETag"] != client.get(PAGE, HTTP_COOKIE="django_language=en")["ETag"]
    client.cookies["django_language"] = "en"
    assert "Executive summary" in html(client)


def test_edits_of_what_the_page_shows_appear_at_once(client, published, members):
    html(client)
    section = ReportSection.objects.get(assessment=published, kind=SectionKind.EXECUTIVE_SUMMARY)
    section.body = "A <b>new</b> summary of the results: <script>alert(1)</script>"
    section.save()
    page = html(client)
    assert "A new summary of the results" in page and "<script>alert(1)" not in page
    recommendation = RecommendationFactory(assessment=published, text="Open the registry of operators.")
    assert "Open the registry of operators." in html(client)
    recommendation.text = "Open the registry of operators and ISPs."
    recommendation.save()
    assert "Open the registry of operators and ISPs." in html(client)
    recommendation.delete()
    assert "Open the registry of operators" not in html(client)


def test_new_evidence_and_scores_change_the_chart_at_once(client, published, members):
    def with_evidence():
        page = html(client)
        row = page[page.index('<th scope="row">R – ') :]
        return row[: row.index("</tr>")]

    before = with_evidence()
    finding = Finding.objects.filter(
        assessment=published, narrative="", archived=False, indicator__category__code="R"
    ).first()
    CitationFactory(finding=finding)
    after_citation = with_evidence()
    assert after_citation != before
    finding.refresh_from_db()
    save_finding(finding, by=members["lead"], expected_version=finding.version, fields={"score": 1})
    assert with_evidence() != after_citation


def test_a_new_export_shows_in_the_downloads_at_once(client, published):
    assert "report.pdf" not in html(client)
    export = ReportExportFactory(assessment=published, format=ExportFormat.PDF, status=ExportStatus.RUNNING)
    assert "report.pdf" not in html(client)
    export.file.save("x.pdf", ContentFile(b"%PDF-1.7"))
    export.status = ExportStatus.DONE
    export.finished = export.created
    export.save()
    assert "report.pdf" in html(client)


def test_a_signed_in_person_gets_no_etag_and_never_a_304(client, published, members):
    anonymous = client.get(PAGE)["ETag"]
    client.force_login(members["lead"])
    answer = client.get(PAGE, HTTP_IF_NONE_MATCH=anonymous)
    assert answer.status_code == 200 and not answer.has_header("ETag")
    page = answer.content.decode()
    # Their own menu, not the anonymous page; the body is the same public text.
    assert "Sign out" in page and "This report sets out the key findings" in page
    client.logout()
    answer = client.get(PAGE)
    assert "Sign out" not in answer.content.decode() and answer["ETag"] == anonymous
