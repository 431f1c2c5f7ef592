"""The PDF read back with pdftotext: structure, recommendations, watermark, Khmer, annex, page numbers."""

import io
import re
import subprocess

import pikepdf
import pytest

from assessments.choices import Phase, StakeholderGroup
from assessments.queries import in_scope_indicators
from reports import document, khmer, pdf
from reports import document as report_document
from reports.choices import SectionKind
from reports.demo import RECOMMENDATIONS
from reports.khmer import ZWSP, segment
from reports.models import ReportSection
from tests.reports.conftest import flat, pdf_text

HEADINGS = [
    "Key findings and recommendations",
    "UNESCO's Internet Universality Concept and Indicators",
    "The initiative in Cambodia",
    "Executive Summary",
    "Key findings",
    "R – Rights",
    "O – Openness",
    "A – Access",
    "M – Multistakeholder",
    "X – Cross-cutting issues",
    "Contextual indicators",
    "Key Policy Recommendations",
    "Government",
    "Judiciary",
    "Private sector",
    "Technical community",
    "Civil society",
    "Academia",
    "Internet users",
    "Conclusion",
    "Annex: Indicators in Scope",
]


@pytest.fixture
def rendered(report, tmp_path):
    result = pdf.render_report(document.build(report))
    text = pdf_text(result.pdf, tmp_path)
    return result, text, text.split("\f")


def test_pdf_headings_in_reference_order(rendered):
    _result, _text, pages = rendered
    assert "Contents" in pages[1]
    body = flat("\n".join(pages[2:]))
    position = 0
    for heading in HEADINGS:
        found = body.find(heading, position)
        assert found >= 0, f"{heading!r} missing or out of order"
        position = found + len(heading)


def test_pdf_recommendations_under_their_stakeholder_heading(rendered):
    _result, text, _pages = rendered
    body = flat(text)
    start = body.index(
        "Key Policy Recommendations", body.index("Annex: Indicators in Scope")
    )  # after the TOC
    end = body.index("Conclusion", start)
    part = body[start:end]
    labels = [str(g.label) for g in StakeholderGroup if any(r[0] == g for r in RECOMMENDATIONS)]
    bounds = [part.index(label) for label in labels] + [len(part)]
    for group, rec_text, _priority, _category in RECOMMENDATIONS:
        i = labels.index(str(group.label))
        at = part.find(flat(rec_text))
        assert bounds[i] < at < bounds[i + 1], f"{rec_text!r} not under {group.label}"


def test_pdf_watermark_in_draft_only(report, tmp_path):
    draft = pdf.render_report(document.build(report))
    assert "DRAFT — for validation" in pdf_text(draft.pdf, tmp_path)
    report.phase = Phase.VALIDATION
    report.save()
    validated = pdf.render_report(document.build(report))
    assert "DRAFT" not in pdf_text(validated.pdf, tmp_path, "validated.pdf")
    # The chapters themselves were reused: only the front matter and page furniture differ.
    assert validated.chapters_rendered == 0


KHMER_NAMES = ["សុខ ចាន់ធី", "ហេង សុភាព"]
KHMER_QUOTE = "«អ៊ីនធឺណិតគឺជាសិទ្ធិរបស់មនុស្សគ្រប់គ្នា»"


@pytest.mark.parametrize("mode", [[], ["-raw"]], ids=["layout-order", "raw"])
def test_pdf_khmer_text_extracted_intact(report, tmp_path, mode):
    # Names, a quote and the Khmer title, each exactly as entered; only our U+200B word breaks go.
    section = ReportSection.objects.get(assessment=report, kind=SectionKind.CONCLUSION)
    section.body += (
        f"\n\nThe validation workshop heard {KHMER_NAMES[0]} and {KHMER_NAMES[1]}: {KHMER_QUOTE}\n"
    )
    section.save()
    (tmp_path / "km.pdf").write_bytes(pdf.render_report(document.build(report)).pdf)
    text = subprocess.run(
        ["pdftotext", *mode, "-enc", "UTF-8", str(tmp_path / "km.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.replace(ZWSP, "")
    expected = [
        *KHMER_NAMES,
        KHMER_QUOTE,
        "ការវាយតម្លៃការអភិវឌ្ឍន៍អ៊ីនធឺណិតនៅកម្ពុជា",  # the cover's Khmer title (seed_report)
        "Cambodia (កម្ពុជា) began",  # Khmer inside an English paragraph
        "Research Khmer natural language processing (ភាសាខ្មែរ) to grow local content.",
    ]
    for khmer_text in expected:
        assert khmer_text in text


def test_khmer_segmentation_inserts_breaks_between_words():
    segmented = segment("ការវាយតម្លៃការអភិវឌ្ឍន៍អ៊ីនធឺណិតនៅកម្ពុជា and English")
    assert segmented.split(ZWSP) == ["ការវាយតម្លៃ", "ការអភិវឌ្ឍន៍", "អ៊ីនធឺណិត", "នៅ", "កម្ពុជា and English"]
    assert segment(segmented) == segmented


def test_khmer_words_are_khmer_nltks():
    # We read khmer-nltk's model without scikit-learn (see reports/khmer.py); the words must not change.
    from khmernltk import word_tokenize as khmer_nltk

    for sample in [
        "ការវាយតម្លៃការអភិវឌ្ឍន៍អ៊ីនធឺណិតនៅកម្ពុជា",
        "«អ៊ីនធឺណិតគឺជាសិទ្ធិរបស់មនុស្សគ្រប់គ្នា» ព្រះរាជាណាចក្រកម្ពុជា ក្រសួងប្រៃសណីយ៍និងទូរគមនាគមន៍",
    ]:
        assert khmer.word_tokenize(sample) == khmer_nltk(sample, return_tokens=True)


def test_pdf_annex_has_one_row_per_indicator_in_scope(rendered, report):
    _result, text, _pages = rendered
    annex = text[text.rindex("Annex: Indicators in Scope") :]
    codes = re.findall(r"^([ROAMXC]\.\d+\.\d+)\b", annex, flags=re.M)
    expected = sorted(in_scope_indicators(report).values_list("code", flat=True))
    assert sorted(codes) == expected
    assert len(codes) == 130


def test_pdf_page_numbers_and_toc_agree(rendered):
    result, _text, pages = rendered
    assert f"Page 3 of {result.pages}" in pages[2]
    toc = flat(pages[1])
    number = int(re.search(r"Conclusion\D*?(\d+)", toc).group(1))
    assert flat(pages[number - 1]).find("Conclusion") >= 0
    assert "Key Policy Recommendations" not in flat(pages[number - 1]).split("Conclusion")[0][-40:]


def test_unchanged_chapters_are_not_rendered_again(report):
    first = pdf.render_report(document.build(report))
    again = pdf.render_report(document.build(report))
    assert first.chapters_rendered == first.chapters_total
    assert again.chapters_rendered == 0
    assert again.content_hash == first.content_hash
    finding = report.findings.filter(narrative__gt="").select_related("indicator").first()
    finding.narrative += " New evidence."
    finding.save()
    changed = pdf.render_report(document.build(report))
    assert changed.content_hash != first.content_hash
    assert changed.chapters_rendered == 1


def test_pdf_contents_entries_link_to_their_pages_and_bookmarks_follow_the_headings(rendered, report):
    result, _text, pages = rendered
    out = pikepdf.open(io.BytesIO(result.pdf))
    page_number = {page.objgen: n for n, page in enumerate(out.pages, 1)}
    toc = report_document.build(report).toc_entries()
    # The contents page lists each entry with its page number; each entry is a link to that page.
    printed = [int(n) for n in re.findall(r"^(?!Page ).*?(\d+)\s*$", pages[1], flags=re.M)]
    links = [a for a in out.pages[1].obj.get("/Annots", []) if a.Subtype == "/Link"]
    links.sort(key=lambda a: -float(a.Rect[3]))  # top to bottom
    assert len(links) == len(toc) == len(printed)
    assert [page_number[a.Dest[0].objgen] for a in links] == printed
    for (_anchor, title, _level), number in zip(toc, printed, strict=True):
        assert flat(str(title)) in flat(pages[number - 1])
    # Bookmarks: chapters at the top, stakeholder groups under the recommendations.
    with out.open_outline() as outline:
        top = {item.title: item for item in outline.root}
        assert list(top) == [str(t) for _a, t, level in toc if level == 1]
        recs = [child.title for child in top["Key Policy Recommendations"].children]
        assert recs == [str(t) for a, t, _l in toc if a.startswith("rec-")]
        conclusion = top["Conclusion"].destination
        assert "Conclusion" in pages[page_number[conclusion[0].objgen] - 1]
    # Every heading is also a named destination (poppler reads them back), on the page the contents give.
    dests = subprocess.run(["pdfinfo", "-dests", "-"], input=result.pdf, capture_output=True, check=True)
    named = {
        m.group(2): int(m.group(1))
        for m in re.finditer(r'^\s*(\d+) \[ XYZ .*\] "(.+)"$', dests.stdout.decode(), flags=re.M)
    }
    assert [named[anchor] for anchor, _t, _l in toc] == printed


def test_pdf_watermark_on_every_page_but_the_cover(rendered):
    # The cover carries its own draft note; every other page carries the watermark.
    _result, _text, pages = rendered
    pages = [page for page in pages if page.strip()]
    assert "DRAFT — for validation" not in pages[0]
    assert "Draft for the national validation workshop" in flat(pages[0])
    assert all("DRAFT — for validation" in page for page in pages[1:])
