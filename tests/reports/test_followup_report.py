"""The report's chapter "Follow-up of the previous recommendations" (a later round only): the summary table
by stakeholder group and each recommendation's status, read back from the PDF with pdftotext and from
the Word file with python-docx; hostile text stays text."""

import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from docx import Document

from assessments.models import Source
from reports import document, followup, pdf
from reports.choices import ExportFormat, ExportStatus
from reports.models import Recommendation, RecommendationFollowUp, ReportExport
from reports.services import request_export
from reports.worker import run_export
from tests.factories import RecommendationFactory
from tests.reports.conftest import flat, later_round, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def judged(follow_round, members):
    items = {
        i.recommendation.text: i
        for i in RecommendationFollowUp.objects.filter(assessment=follow_round).select_related(
            "recommendation"
        )
    }
    source = Source.objects.get(assessment=follow_round)
    followup.save_follow_up(
        items["Adopt a **data** law."],
        by=members["lead"],
        expected_version=0,
        status="partly",
        note="Draft law <b>published</b> for consultation.",
        sources=[source],
    )
    followup.save_follow_up(
        items["Train the judges."], by=members["lead"], expected_version=0, status="implemented", note=""
    )
    return follow_round


def test_chapter_follows_the_recommendations_only_in_a_later_round(judged, assessment):
    keys = [c.key for c in document.build(judged).chapters]
    assert keys[keys.index("recommendations") + 1] == "follow-up"
    assert "follow-up" not in [c.key for c in document.build(assessment).chapters]


def test_the_pdf_has_the_summary_table_and_the_statuses(judged, tmp_path):
    text = flat(pdf_text(pdf.render_report(document.build(judged)).pdf, tmp_path))
    assert "Follow-up of the previous recommendations" in text
    chapter = text[text.index("How far the recommendations of the previous assessment") :]
    # Rows: group, then not yet assessed, implemented, partly, not implemented, no longer relevant, total.
    assert re.search(r"Government 1 0 1 0 0 2", chapter), chapter[:800]
    assert re.search(r"Judiciary 0 1 0 0 0 1", chapter)
    assert re.search(r"Total 1 1 1 0 0 3", chapter)
    assert "Adopt a data law. Partly implemented · Draft law <b>published</b> for consultation." in chapter
    assert "Sources: Open data portal statistics" in chapter
    assert "Train the judges. Implemented" in chapter


def test_the_word_file_has_the_table(judged, members):
    export, reused = request_export(judged, by=members["lead"], fmt=ExportFormat.DOCX)
    run_export(ReportExport.objects.select_related("assessment").get(pk=export.pk))
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    with export.file.open("rb") as handle:
        word = Document(io.BytesIO(handle.read()))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert "Follow-up of the previous recommendations" in headings
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in word.tables]
    summary = next(t for t in tables if t[0][0] == "Stakeholder group" and "Partly implemented" in t[0])
    assert summary[1] == ["Government", "1", "0", "1", "0", "0", "2"]
    assert summary[-1] == ["Total", "1", "1", "1", "0", "0", "3"]


def test_hostile_text_in_the_chapter_is_text(judged, assessment, members):
    rec = Recommendation.objects.get(assessment=assessment, text="Publish open data.")
    Recommendation.objects.filter(pk=rec.pk).update(text="<script>x()</script>[a](javascript:x()) **ok**")
    item = RecommendationFollowUp.objects.get(recommendation=rec)
    followup.save_follow_up(
        item, by=members["lead"], expected_version=0, status="partly", note="<img src=http://evil.example/x>"
    )
    html = next(c.html for c in document.build(judged).chapters if c.key == "follow-up")
    assert "<script" not in html and "javascript:" not in html and "<img" not in html
    assert "&lt;img src=http://evil.example/x&gt;" in html and "<strong>ok</strong>" in html


def test_chapter_queries_do_not_grow(assessment, members):
    RecommendationFactory(assessment=assessment)
    new = later_round(assessment, members["lead"])

    def count():
        with CaptureQueriesContext(connection) as ctx:
            document.build(new)
        return len(ctx.captured_queries)

    one = count()
    RecommendationFactory.create_batch(10, assessment=assessment)
    followup.sync_follow_ups(new)
    assert count() == one
