"""The PDF, the report page and the PDF's file name show times in the assessment's time zone."""

import datetime

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from assessments.models import Finding
from reports import document, pdf
from reports.choices import ExportStatus
from reports.models import Report, ReportExport
from tests.reports.conftest import flat, pdf_text

pytestmark = pytest.mark.django_db

EVENT = datetime.datetime(2026, 3, 1, 20, 30, tzinfo=datetime.UTC)


def last_change_at_event(assessment):
    findings = Finding.objects.filter(assessment=assessment)
    findings.update(updated=EVENT - datetime.timedelta(days=3))
    findings.filter(indicator__code="A.5.1").update(updated=EVENT)


def test_pdf_cover_shows_the_last_change_in_the_assessments_zone(assessment, tmp_path):
    last_change_at_event(assessment)
    text = flat(pdf_text(pdf.render_report(document.build(assessment)).pdf, tmp_path))
    assert "Content as of 2 March 2026, 03:30 +07" in text


@pytest.mark.parametrize(
    ("zone", "as_of"),
    [
        ("Asia/Phnom_Penh", "2 March 2026, 03:30 +07"),
        ("Europe/Berlin", "1 March 2026, 21:30 CET"),
        ("America/New_York", "1 March 2026, 15:30 EST"),
    ],
)
def test_front_matter_uses_each_assessments_zone(assessment, zone, as_of):
    assessment.time_zone = zone
    assessment.save()
    last_change_at_event(assessment)
    Report.objects.create(assessment=assessment, report_date=datetime.date(2026, 3, 1))
    Report.objects.filter(assessment=assessment).update(updated=EVENT - datetime.timedelta(days=1))
    front = document.build(assessment).front_context
    assert (front["as_of"], front["date"]) == (as_of, "March 2026")


@pytest.mark.parametrize(
    ("zone", "stamp"), [("Asia/Phnom_Penh", "20260302-0330"), ("Europe/Berlin", "20260301-2130")]
)
def test_report_page_and_download_name_in_the_assessments_zone(
    client, assessment, members, zone, stamp, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    assessment.time_zone = zone
    assessment.save()
    export = ReportExport.objects.create(
        assessment=assessment,
        requested_by=members["staff"],
        status=ExportStatus.DONE,
        content_hash="0" * 64,
        file=ContentFile(b"%PDF-1.4 test", name="report.pdf"),
    )
    ReportExport.objects.filter(pk=export.pk).update(created=EVENT, finished=EVENT)
    client.force_login(members["mab"])
    page = client.get(reverse("reports:report", args=[assessment.code])).content.decode()
    assert {"Asia/Phnom_Penh": "2 Mar 2026, 03:30 +07", "Europe/Berlin": "1 Mar 2026, 21:30 CET"}[
        zone
    ] in page
    response = client.get(reverse("reports:download", args=[assessment.code, export.pk]))
    response.close()
    assert f'filename="khm-2023-report-{stamp}.pdf"' in response["Content-Disposition"]
