"""The Word export: rendered by the worker from the same chapters as the PDF, read back with python-docx."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.urls import reverse
from docx import Document
from PIL import Image

from assessments.models import Attachment, Finding
from reports.choices import ExportFormat, ExportStatus, SectionKind
from reports.models import Recommendation, ReportExport, ReportSection
from reports.services import request_export
from reports.worker import run_export
from tests.answers import read_and_close
from tests.e2e.conftest import ARTIFACTS
from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db

HOSTILE = "<script>alert('x')</script>=cmd|' /C calc'!A0 [link](javascript:alert(1)) <img src=http://evil.example/x.png>"


def png_bytes():
    buffer = io.BytesIO()
    Image.new("RGB", (120, 60), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def word_report(report, members, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    finding = Finding.objects.filter(assessment=report).first()
    attachment = Attachment.objects.create(
        finding=finding, original_name="map.png", content_type="image/png", size=10
    )
    attachment.file.save("map.png", ContentFile(png_bytes()))
    ReportSection.objects.update_or_create(
        assessment=report,
        kind=SectionKind.FINDINGS_A,
        defaults={
            "body": f"Access grew.\n\n![Mobile coverage map](attachment:{attachment.pk})\n\n"
            "| Year | Users |\n|---|---|\n| 2020 | 40% |\n| 2022 | 61% |\n"
        },
    )
    RecommendationFactory(assessment=report, text=HOSTILE)
    return report


def export_word(assessment, user):
    export, reused = request_export(assessment, by=user, fmt=ExportFormat.DOCX)
    assert not reused
    run_export(ReportExport.objects.select_related("assessment").get(pk=export.pk))
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.file.name.endswith(".docx")
    with export.file.open("rb") as handle:
        return export, handle.read()


def headings(document):
    return [(p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")]


def test_word_file_has_the_reports_content_in_order(word_report, members):
    export, data = export_word(word_report, members["lead"])
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "report.docx").write_bytes(data)  # to open in LibreOffice or Word by hand
    document = Document(io.BytesIO(data))
    found = headings(document)
    titles = [text for _style, text in found]
    order = ["Executive Summary", "Key findings", "R – Rights", "A – Access", "Key Policy Recommendations",
             "Conclusion", "Annex: Indicators in Scope"]  # fmt: skip
    positions = [titles.index(t) for t in order]
    assert positions == sorted(positions)
    assert ("Heading 1", "Key findings") in found and ("Heading 2", "A – Access") in found
    # The contents is Word's TOC field.
    assert 'TOC \\o "1-2"' in document.element.xml
    # The figure: a picture and its numbered caption.
    assert len(document.inline_shapes) >= 1
    assert "Figure 1: Mobile coverage map" in [p.text for p in document.paragraphs]
    # The Markdown table is a Word table.
    assert any(
        t.rows[0].cells[0].text == "Year" and t.rows[2].cells[1].text == "61%" for t in document.tables
    )


def test_every_recommendation_under_its_group_as_a_numbered_list(word_report, members):
    _export, data = export_word(word_report, members["lead"])
    document = Document(io.BytesIO(data))
    group, under = None, {}
    for p in document.paragraphs:
        if p.style.name == "Heading 2":
            group = p.text
        elif p.style.name == "Heading 1":
            group = None
        elif p.style.name == "List Number" and group:
            under.setdefault(group, []).append(p.text)
    recommendations = Recommendation.objects.filter(assessment=word_report)
    assert sum(len(v) for v in under.values()) == recommendations.count()
    for r in recommendations:
        label = r.get_stakeholder_group_display()
        first_words = " ".join(r.text.split()[:3]).replace("**", "")
        if "<script>" in r.text:
            continue
        assert any(t.startswith(first_words[:10]) for t in under[label]), (label, first_words)
    # Each group restarts its numbering: one numbering instance per group.
    ids = {}
    for p in document.paragraphs:
        if p.style.name == "List Number":
            ids.setdefault(p._p.pPr.numPr.numId.val, 0)
    assert len(ids) == len(under)


def test_annex_rows_are_the_indicators_in_scope(word_report, members):
    _export, data = export_word(word_report, members["lead"])
    document = Document(io.BytesIO(data))
    annex = [t for t in document.tables if t.rows[0].cells[0].text == "Code"]
    rows = [row.cells[0].text for t in annex for row in t.rows[1:]]
    in_scope = Finding.objects.filter(assessment=word_report, archived=False)
    assert sorted(rows) == sorted(f.indicator.code for f in in_scope.select_related("indicator"))


def test_hostile_text_is_inert(word_report, members):
    _export, data = export_word(word_report, members["lead"])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
        names = archive.namelist()
        rels = archive.read("word/_rels/document.xml.rels").decode()
    assert "<script" not in xml and "javascript:" not in xml and "evil.example" not in rels
    assert "w:hyperlink" not in xml and 'TargetMode="External"' not in rels
    assert xml.count("<w:instrText") == 1  # the contents field, and no other field
    assert [n for n in names if n.startswith("word/media/")]  # only the figure's picture is embedded
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "=cmd|' /C calc'!A0" in text  # as text, in a word processor: nothing evaluates it


def test_cached_on_the_same_content_hash_and_beside_the_pdf(word_report, members):
    export, _data = export_word(word_report, members["lead"])
    again, reused = request_export(word_report, by=members["staff"], fmt=ExportFormat.DOCX)
    assert reused and again.pk == export.pk
    pdf, reused = request_export(word_report, by=members["staff"], fmt=ExportFormat.PDF)
    assert not reused and pdf.format == ExportFormat.PDF and pdf.content_hash == export.content_hash


@pytest.mark.parametrize("role", ["researcher", "mab"])
def test_who_may_export_word(word_report, members, role):
    with pytest.raises(PermissionDenied):
        request_export(word_report, by=members[role], fmt=ExportFormat.DOCX)


@pytest.mark.parametrize(
    ("role", "export_status", "download_status"),
    [
        ("lead", 302, 200),
        ("staff", 302, 200),
        ("researcher", 403, 200),
        ("mab", 403, 200),
        ("outsider", 404, 404),
    ],
)
def test_roles_on_the_word_export_and_download(
    client, word_report, members, role, export_status, download_status
):
    export, _data = export_word(word_report, members["lead"])
    client.force_login(members[role])
    answer = client.post(reverse("reports:export", args=[word_report.code]), {"format": "docx"})
    assert answer.status_code == export_status
    answer = client.get(reverse("reports:download", args=[word_report.code, export.pk]))
    assert answer.status_code == download_status
    if download_status == 200:
        assert answer["Content-Disposition"].endswith('.docx"')
        read_and_close(answer)


def test_an_unknown_format_is_refused_with_a_message(client, report, members):
    client.force_login(members["lead"])
    answer = client.post(reverse("reports:export", args=[report.code]), {"format": "exe"}, follow=True)
    assert "Choose PDF or Word." in answer.content.decode()
    assert not ReportExport.objects.exists()
