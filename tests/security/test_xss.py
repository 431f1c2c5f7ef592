"""XSS: a corpus of payloads in every field people type into, and every page, export and API response
that shows them. Nothing executable may come out (tests/security/html_check.py says what counts)."""

import csv
import io
import json

import markdown
import openpyxl
import pytest

from assessments.models import Source
from reports import document
from reports.models import Recommendation, ReportSection
from review.models import Comment
from review.rendering import render_markdown
from tests.security.html_check import offences
from tests.security.poison import poison
from tests.security.xss_payloads import BAD_URLS, PAYLOADS
from toolkit.tables import FORMULA_STARTS

CODE = "khm-2023"


def test_checker_finds_raw_payloads_and_unsanitised_markdown():
    # The check can fail: raw HTML payloads, and Markdown rendered without nh3, are caught.
    raw = [p for p in PAYLOADS if offences(f"<p>{p}</p>")]
    assert len(raw) >= 30
    unsanitised = markdown.markdown("[x](javascript:alert(1))\n\n![i](javascript:alert(1))")
    assert len(offences(unsanitised)) == 2


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_rendering_leaves_nothing_executable(payload):
    assert offences(str(render_markdown(payload))) == []
    assert offences(str(document.markdown(payload))) == []


@pytest.fixture
def poisoned(assessment, members):
    return poison(assessment, members)


def page_urls(finding):
    return [
        f"/a/{CODE}/",
        f"/a/{CODE}/review/",
        f"/a/{CODE}/review/R.1.1/",
        f"/a/{CODE}/review/matrix/",
        f"/a/{CODE}/review/report/",
        f"/a/{CODE}/report/",
        f"/a/{CODE}/report/preview/",
        "/admin/assessments/finding/?assessment=khm-2023",
        f"/admin/assessments/finding/{finding.pk}/change/",
        f"/admin/assessments/finding/{finding.pk}/history/",
        "/admin/assessments/source/",
        f"/admin/assessments/source/{finding.citations.first().source_id}/change/",
        "/admin/assessments/datapoint/",
        "/admin/reports/recommendation/",
        f"/admin/reports/recommendation/{Recommendation.objects.first().pk}/change/",
        f"/admin/reports/reportsection/{ReportSection.objects.first().pk}/change/",
    ]


def test_pages_with_payloads_have_nothing_executable(client, members, poisoned, django_user_model):
    client.force_login(members["lead"])
    shown = []
    for url in page_urls(poisoned):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert offences(html) == [], url
        if "__xss" in html:
            shown.append(url)
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-1"))
    for url in [
        "/admin/review/comment/",
        f"/admin/review/comment/{Comment.objects.first().pk}/change/",
        "/admin/review/vote/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert offences(response.content.decode()) == [], url
    # The payloads are there, shown as text: the pages were not simply empty.
    assert len(shown) >= 11, shown
    finding_page = client.get(f"/a/{CODE}/review/R.1.1/").content.decode()
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in finding_page


@pytest.mark.parametrize("role", ["researcher", "mab", "staff"])
def test_review_pages_with_payloads_safe_for_every_role(client, members, poisoned, role):
    client.force_login(members[role])
    for url in [f"/a/{CODE}/review/", f"/a/{CODE}/review/R.1.1/", f"/a/{CODE}/review/report/"]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert offences(response.content.decode()) == [], url


def test_pdf_html_with_payloads_has_nothing_executable(poisoned, assessment):
    doc = document.build(assessment)
    html = document.front_html(doc) + "".join(chapter.html for chapter in doc.chapters)
    assert "window.__xss" in html  # the payloads are in the document, as text
    assert offences(html) == []


def test_api_returns_payloads_as_json_text(client, members, poisoned):
    client.force_login(members["lead"])
    for url in [
        f"/api/assessments/{CODE}/findings/R.1.1/",
        f"/api/assessments/{CODE}/sources/",
        f"/api/assessments/{CODE}/comments/",
        f"/api/assessments/{CODE}/recommendations/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json", url
        assert response["X-Content-Type-Options"] == "nosniff"
        json.loads(response.content)
    finding = client.get(f"/api/assessments/{CODE}/findings/R.1.1/").json()
    assert finding["narrative"] == "\n\n".join(PAYLOADS)  # stored and returned verbatim, never as HTML


def cells_starting_with_formula(rows):
    return [cell for row in rows for cell in row if isinstance(cell, str) and cell.startswith(FORMULA_STARTS)]


def test_matrix_csv_export_neutralises_formulas(client, members, poisoned):
    client.force_login(members["lead"])
    response = client.get(f"/a/{CODE}/review/matrix/?export=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == len(PAYLOADS) + 3  # header, resolved comments, the open one, the vote's
    assert cells_starting_with_formula(rows) == []
    comments = [row[6] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","click")' in comments  # kept, as text
    assert "<script>window.__xss=1</script>" in comments


def test_matrix_xlsx_export_has_no_formulas(client, members, poisoned):
    client.force_login(members["lead"])
    response = client.get(f"/a/{CODE}/review/matrix/?export=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert [c.value for c in cells if c.data_type == "f"] == []
    assert cells_starting_with_formula([[c.value for c in cells]]) == []
    assert "'@SUM(1+1)*cmd|' /C calc'!A0" in [c.value for c in cells]


def test_findings_export_neutralises_formulas_and_reads_back(client, members, poisoned):
    from assessments.spreadsheets import export_findings, render
    from toolkit.tables import read_sheet

    content = render(export_findings(poisoned.assessment), "csv")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    assert cells_starting_with_formula(rows) == []
    # Reading the file back gives the narrative as typed, with the escape undone.
    read = {cells["indicator"]: cells for _, cells in read_sheet(content, "csv")}
    assert read["R.1.1"]["narrative"] == "\n\n".join(PAYLOADS)


@pytest.mark.parametrize("url", BAD_URLS)
def test_source_urls_with_script_schemes_refused_by_api(client, members, url):
    client.force_login(members["researcher"])
    response = client.post(
        f"/api/assessments/{CODE}/sources/",
        {"type": "report", "title": "Hostile", "url": url},
        content_type="application/json",
        HTTP_X_CSRFTOKEN="unused",  # the test client does not enforce CSRF
    )
    assert response.status_code == 400, response.content
    assert "url" in response.json()["errors"] if "errors" in response.json() else "url" in response.json()
    assert not Source.objects.filter(title="Hostile").exists()


@pytest.mark.parametrize("url", BAD_URLS)
def test_source_urls_with_script_schemes_refused_by_admin(client, members, assessment, url):
    client.force_login(members["researcher"])
    response = client.post(
        "/admin/assessments/source/add/",
        {"assessment": assessment.pk, "type": "report", "title": "Hostile", "url": url},
    )
    assert response.status_code == 200  # the form again, with its error
    assert "Enter a valid URL" in response.content.decode()
    assert not Source.objects.filter(title="Hostile").exists()


def test_comment_payloads_stored_verbatim(poisoned):
    bodies = set(Comment.objects.values_list("body", flat=True))
    assert {p.strip() for p in PAYLOADS} <= bodies
