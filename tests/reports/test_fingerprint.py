"""The quick unchanged-content check (reports/fingerprint.py, issue 17 item 2): an export press whose rows
did not change gets the finished export back without the report's HTML being built; every change the
report shows gives a new export, whichever way it was written (``save()`` or ``update()``)."""

import io
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from PIL import Image

from assessments.models import Assessment, Citation, DataPoint, Finding, Source
from indicators.models import CatalogueTranslation, Indicator
from reports import document, extra, fingerprint
from reports.choices import ExportFormat, ExportStatus
from reports.followup import sync_follow_ups
from reports.models import Recommendation, RecommendationFollowUp, Report, ReportExport, ReportSection
from reports.services import request_export
from reports.worker import run_export
from tests.factories import (
    AssessmentFactory,
    ConsultationFactory,
    ParticipantFactory,
    RecommendationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def finished(assessment, language=None, with_progress=False, fmt=ExportFormat.PDF):
    """A finished export of the assessment's content as it is now, as the worker stores it."""
    language = document.report_language(assessment, language)
    doc = document.build(assessment, language, with_progress=with_progress)
    export = ReportExport.objects.create(
        assessment=assessment,
        format=fmt,
        language=language,
        with_progress=with_progress,
        content_hash=doc.content_hash,
        source_fingerprint=fingerprint.of(assessment, language, with_progress),
        status=ExportStatus.DONE,
    )
    export.file.save("report.pdf", ContentFile(b"%PDF-1.7 stand-in"))
    return export


def no_build(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the quick check built the report's HTML")

    monkeypatch.setattr(document, "build", refuse)


def first_finding(assessment):
    return (
        Finding.objects.filter(assessment=assessment, narrative__gt="").order_by("indicator__order").first()
    )


def png():
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, "PNG")
    return ContentFile(buffer.getvalue())


def with_previous(assessment):
    previous = AssessmentFactory(code="khm-2019", framework=assessment.framework)
    Finding.objects.filter(assessment=previous).update(score=2)
    Assessment.objects.filter(pk=assessment.pk).update(previous=previous)


def with_previous_recommendations(assessment):
    with_previous(assessment)
    assessment.refresh_from_db()
    RecommendationFactory(assessment=assessment.previous, text="Adopt a data protection law.")
    sync_follow_ups(assessment)


def with_consultation(assessment):
    consultation = ConsultationFactory(
        assessment=assessment, in_report=True, validation_text="The workshop endorsed the findings."
    )
    ParticipantFactory(consultation=consultation, organisation="Open Development Cambodia")


def with_khmer(assessment):
    Assessment.objects.filter(pk=assessment.pk).update(second_language="km")


# (what changes, set-up before the first export, the change, the request's options). Each change is one
# the report shows, written the way the application (or an admin, or a reorder) writes it.
CHANGES = [
    ("finding narrative (save)", None, lambda a: _save_narrative(a), {}),
    ("finding score (update)", None, lambda a: _findings(a).update(score=5), {}),
    ("finding status (update)", None, lambda a: _findings(a).update(status="endorsed"), {}),
    (
        "source title (update)",
        None,
        lambda a: Source.objects.filter(assessment=a).update(title="A renamed source"),
        {},
    ),
    (
        "citation locator (update)",
        None,
        lambda a: Citation.objects.filter(finding__assessment=a).update(locator="p. 12"),
        {},
    ),
    ("citation removed", None, lambda a: Citation.objects.filter(finding__assessment=a).first().delete(), {}),
    (
        "data point value (update)",
        None,
        lambda a: DataPoint.objects.filter(finding__assessment=a).update(value=Decimal("41.5")),
        {},
    ),
    (
        "section body (update)",
        None,
        lambda a: ReportSection.objects.filter(assessment=a, kind="conclusion").update(
            body="A new conclusion."
        ),
        {},
    ),
    (
        "recommendation text (update)",
        None,
        lambda a: Recommendation.objects.filter(pk=_recommendations(a)[0]).update(text="Do it sooner."),
        {},
    ),
    ("recommendations reordered by update()", None, lambda a: _swap_recommendations(a), {}),
    (
        "report title (update)",
        None,
        lambda a: Report.objects.filter(assessment=a).update(title="A new title"),
        {},
    ),
    (
        "report logo (upload)",
        None,
        lambda a: Report.objects.get(assessment=a).logo.save("logo.png", png()),
        {},
    ),
    ("the other language", with_khmer, None, {"language": "km"}),
    (
        "second-language text (update)",
        with_khmer,
        lambda a: ReportSection.objects.filter(assessment=a, kind="conclusion").update(
            body_second="សេចក្តីសន្និដ្ឋានថ្មី។"
        ),
        {"language": "km"},
    ),
    ("consultation chosen for the report", None, lambda a: with_consultation(a), {}),
    (
        "consultation's Validation section (update)",
        with_consultation,
        lambda a: a.consultations.update(validation_text="Amended after the workshop."),
        {},
    ),
    (
        "consultation participant (update)",
        with_consultation,
        lambda a: a.consultations.get().participants.update(stakeholder_group="government"),
        {},
    ),
    (
        "previous round's scores (update)",
        with_previous,
        lambda a: Finding.objects.filter(assessment=a.previous).update(score=4),
        {"with_progress": True},
    ),
    ("the progress chapter asked for", with_previous, None, {"with_progress": True}),
    (
        "previous round's recommendation text (update)",
        with_previous_recommendations,
        lambda a: Recommendation.objects.filter(assessment=a.previous).update(text="Adopt it by 2026."),
        {},
    ),
    (
        "follow-up status and note (update)",
        with_previous_recommendations,
        lambda a: RecommendationFollowUp.objects.filter(assessment=a).update(
            status="partly", note="A draft law went to consultation."
        ),
        {},
    ),
    (
        "indicator text in the catalogue (update)",
        None,
        lambda a: Indicator.objects.filter(pk=first_finding(a).indicator_id).update(
            text="Reworded indicator"
        ),
        {},
    ),
    ("scope: a finding archived (update)", None, lambda a: _findings(a).update(archived=True), {}),
]


def _findings(assessment):
    return Finding.objects.filter(pk=first_finding(assessment).pk)


def _save_narrative(assessment):
    finding = first_finding(assessment)
    finding.narrative += " Changed after review."
    finding.save()


def _recommendations(assessment):
    return list(
        Recommendation.objects.filter(assessment=assessment, stakeholder_group="government")
        .order_by("order", "pk")
        .values_list("pk", flat=True)
    )


def _swap_recommendations(assessment):
    first, second = _recommendations(assessment)[:2]
    order = dict(Recommendation.objects.filter(pk__in=[first, second]).values_list("pk", "order"))
    Recommendation.objects.filter(pk=first).update(order=order[second])
    Recommendation.objects.filter(pk=second).update(order=order[first])


@pytest.mark.parametrize(("what", "setup", "change", "options"), CHANGES, ids=[c[0] for c in CHANGES])
def test_every_change_the_report_shows_gives_a_new_export(
    report, members, monkeypatch, what, setup, change, options
):
    if setup:
        setup(report)
    report.refresh_from_db()
    # The export that exists: in the primary language, without the progress chapter.
    done = finished(report)
    export, reused = request_export(report, by=members["lead"])
    assert (export, reused) == (done, True)

    if change:
        change(report)
    report.refresh_from_db()
    export, reused = request_export(report, by=members["lead"], **options)
    assert not reused, what
    assert export.pk != done.pk
    assert export.content_hash != done.content_hash, f"{what}: not shown in the report?"

    # Once that content is exported, the next press with the same rows is answered without a build.
    again = finished(report, **options)
    with monkeypatch.context() as patch:
        no_build(patch)
        assert request_export(report, by=members["lead"], **options) == (again, True)


def test_unchanged_rows_reuse_the_export_without_building_the_html(report, members, monkeypatch):
    done = finished(report)
    no_build(monkeypatch)
    assert request_export(report, by=members["lead"]) == (done, True)
    # The Word file is cached apart: its press does not get the PDF.
    with pytest.raises(AssertionError, match="built the report's HTML"):
        request_export(report, by=members["lead"], fmt=ExportFormat.DOCX)


def test_a_save_that_changes_nothing_shown_falls_back_to_the_hash_and_learns_the_rows(
    report, members, monkeypatch
):
    done = finished(report)
    first_finding(report).save()  # moves `updated`, and so the fingerprint; the PDF would be the same
    assert fingerprint.of(report) != done.source_fingerprint
    assert request_export(report, by=members["lead"]) == (done, True)  # found by the content hash
    done.refresh_from_db()
    assert done.source_fingerprint == fingerprint.of(report)
    no_build(monkeypatch)
    assert request_export(report, by=members["lead"]) == (done, True)  # now by the quick check


def test_catalogue_translations_are_in_the_fingerprint(report):
    """The PDF does not print catalogue translations today; the fingerprint covers them all the same."""
    before = fingerprint.of(report)
    CatalogueTranslation.objects.filter(framework=report.framework).update(text="Translated again")
    assert fingerprint.of(report) != before


def test_a_chapter_that_does_not_say_what_it_reads_turns_the_quick_check_off(report, members, monkeypatch):
    monkeypatch.setattr(extra, "_builders", {**extra._builders, "other": (50, lambda a: None, None)})
    assert fingerprint.of(report) == ""
    done = finished(report)
    assert done.source_fingerprint == ""
    built = []
    real_build = document.build
    monkeypatch.setattr(document, "build", lambda *a, **k: built.append(1) or real_build(*a, **k))
    assert request_export(report, by=members["lead"]) == (done, True)  # by the content hash
    assert built


def test_the_worker_stores_the_fingerprint_it_built_from(report, members):
    export, reused = request_export(report, by=members["lead"], fmt=ExportFormat.DOCX)
    assert not reused and export.source_fingerprint == ""
    run_export(ReportExport.objects.select_related("assessment").get(pk=export.pk))
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert export.source_fingerprint == fingerprint.of(report)


def test_the_worker_stores_no_fingerprint_when_the_rows_move_during_the_build(report, members, monkeypatch):
    export, _reused = request_export(report, by=members["lead"], fmt=ExportFormat.DOCX)
    real_build = document.build

    def build_while_someone_saves(*args, **kwargs):
        doc = real_build(*args, **kwargs)
        _save_narrative(report)
        return doc

    monkeypatch.setattr(document, "build", build_while_someone_saves)
    run_export(ReportExport.objects.select_related("assessment").get(pk=export.pk))
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE and export.source_fingerprint == ""


def test_a_round_on_a_new_edition_fingerprints_the_crosswalk(members):
    """The progress chapter of a round on a newer edition matches through the crosswalk: its links and the
    old edition's indicators are rows the report reads."""
    from indicators.models import CrosswalkLink
    from tests.editions import make_editions

    old, new = make_editions()
    previous = AssessmentFactory(code="tst-2021", framework=old)
    current = AssessmentFactory(code="tst-2026", framework=new, previous=previous)
    before = fingerprint.of(current, with_progress=True)
    assert before and before == fingerprint.of(current, with_progress=True)
    CrosswalkLink.objects.filter(old_code="R.1.3").update(note="Now part of R.1.4")
    after = fingerprint.of(current, with_progress=True)
    assert after != before
    Indicator.objects.filter(framework=old, code="R.1.3").update(text="Reworded old indicator")
    assert fingerprint.of(current, with_progress=True) != after
