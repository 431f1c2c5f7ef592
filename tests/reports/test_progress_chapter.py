"""The optional chapter "Progress since the previous assessment", read back from the PDF."""

import re

import pytest
from django.urls import reverse

from assessments.choices import CarryOver
from assessments.rounds import start_round
from reports import document, pdf
from reports.models import ReportExport
from reports.services import request_export
from tests.factories import FindingFactory
from tests.reports.conftest import flat, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def later(report, members):
    FindingFactory(assessment=report, code="R.1.1", score=2)
    FindingFactory(assessment=report, code="O.1.1", score=4)
    new = start_round(report, by=members["lead"], code="khm-2027", carry={CarryOver.MEMBERS}).assessment
    FindingFactory(assessment=new, code="R.1.1", score=4, narrative="Access to information law adopted.")
    FindingFactory(assessment=new, code="O.1.1", score=3)
    return new


def test_chapter_in_the_pdf_only_when_asked(later, tmp_path):
    with_chapter = document.build(later, with_progress=True)
    without = document.build(later)
    assert [c.key for c in with_chapter.chapters][:4] == ["intro", "findings", "progress", "recommendations"]
    assert "progress" not in [c.key for c in without.chapters]
    assert with_chapter.content_hash != without.content_hash
    text = flat(pdf_text(pdf.render_report(with_chapter).pdf, tmp_path))
    assert "Progress since the previous assessment" in text
    chapter = text[text.index("compared with the previous assessment") :]
    assert re.search(r"R\.1\.1 Existence of a legal framework .* 2 ?→ ?4 Improved", chapter)
    assert re.search(r"O\.1\.1 .* 4 ?→ ?3 Declined", chapter)
    assert re.search(r"O – Openness 4\.0 ?→ ?3\.0 0% ?→ ?0% 0 1 0", chapter)
    assert "compared with the previous assessment" in text and "(khm-2023)" in text


def test_first_round_ignores_the_option(report, members):
    doc = document.build(report, with_progress=True)
    assert "progress" not in [c.key for c in doc.chapters]
    export, _reused = request_export(report, by=members["lead"], with_progress=True)
    assert export.with_progress is False


def test_export_option_from_the_page_and_separate_exports(client, later, members):
    client.force_login(members["lead"])
    page = client.get(reverse("reports:report", args=[later.code])).content.decode()
    assert 'name="with_progress"' in page
    client.post(reverse("reports:export", args=[later.code]), {"with_progress": "1"})
    client.post(reverse("reports:export", args=[later.code]))
    exports = ReportExport.objects.filter(assessment=later).order_by("pk")
    assert [e.with_progress for e in exports] == [True, False]
    assert exports[0].content_hash != exports[1].content_hash
    preview = client.get(reverse("reports:preview", args=[later.code]) + "?progress=1").content.decode()
    assert "Progress since the previous assessment" in preview


def test_chapter_across_editions_names_split_merged_and_dropped(members, tmp_path):
    """A round on a newer (synthetic) edition: the chapter matches through the crosswalk."""
    from assessments.choices import Scope
    from assessments.models import Finding, Membership
    from reports.demo import seed_report
    from tests.editions import make_editions
    from tests.factories import AssessmentFactory, MembershipFactory

    old_edition, new_edition = make_editions()
    old = AssessmentFactory(code="tst-2023", framework=old_edition, scope=Scope.FULL)
    for m in Membership.objects.filter(assessment__code="khm-2023"):
        MembershipFactory(assessment=old, user=m.user, role=m.role)
    for code, score in [("R.1.2", 2), ("R.1.3", 4), ("O.1.1", 2), ("O.1.2", 3)]:
        Finding.objects.filter(assessment=old, indicator__code=code).update(score=score)
    new = start_round(old, by=members["lead"], code="tst-2027", framework=new_edition).assessment
    seed_report(new)
    Finding.objects.filter(assessment=new, indicator__code="R.1.4").update(score=3)
    Finding.objects.filter(assessment=new, indicator__code="O.1.1").update(score=4)
    doc = document.build(new, with_progress=True)
    text = flat(pdf_text(pdf.render_report(doc).pdf, tmp_path))
    chapter = text[text.index("different editions of the framework") :]
    assert re.search(r"R\.1\.4 \(split from R\.1\.2\) .* 2 ?→ ?3 Improved", chapter)
    assert re.search(r"O\.1\.1 \(merged from O\.1\.1, O\.1\.2\) .* 2\.5 ?→ ?4 Improved", chapter)
    assert re.search(r"Dropped in tst-2025 Code Indicator Score then R\.1\.3 .* 4", chapter)
