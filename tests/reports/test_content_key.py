"""The unchanged-content check of an export: a key from the database's counters and timestamps, the
same as the key the render stores, moved by every kind of change the report shows, and cheap."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments.models import Citation, Finding, Source
from assessments.services import save_finding
from indicators.models import Category, Indicator
from reports import document
from reports.models import Recommendation, Report, ReportSection


def test_key_is_the_built_documents_hash_and_stays_for_the_same_content(report):
    key = document.content_key(report)
    assert document.build(report).content_hash == key
    assert document.content_key(report) == key


def test_key_builds_no_html_and_takes_a_fixed_number_of_queries(report):
    with CaptureQueriesContext(connection) as few:
        document.content_key(report)
    for finding in Finding.objects.filter(assessment=report)[:20]:
        source = Source.objects.create(assessment=report, type="report", title=f"Survey {finding.pk}")
        Citation.objects.create(finding=finding, source=source)
    with CaptureQueriesContext(connection) as many:
        document.content_key(report)
    assert len(few) == len(many) <= 20
    assert not any("report_section" in q["sql"] and "body" in q["sql"] for q in many.captured_queries)


def test_every_kind_of_change_moves_the_key(report, members):
    keys = [document.content_key(report)]

    def changed():
        keys.append(document.content_key(report))
        return keys[-1] != keys[-2]

    finding = Finding.objects.filter(assessment=report).select_related("assessment").first()
    save_finding(finding, by=members["lead"], expected_version=finding.version, fields={"narrative": "New."})
    assert changed()
    source = Source.objects.create(assessment=report, type="report", title="Household survey")
    assert changed()
    citation = Citation.objects.create(finding=finding, source=source)
    assert changed()
    citation.delete()
    assert changed()
    source.title = "Household survey 2023"
    source.save()
    assert changed()
    section = ReportSection.objects.filter(assessment=report).first()
    section.body += " More."
    section.save()
    assert changed()
    recommendation = Recommendation.objects.filter(assessment=report).first()
    category = (
        Category.objects.filter(framework=report.framework).exclude(recommendations=recommendation).first()
    )
    recommendation.categories.add(category)  # a link: no timestamp moves
    assert changed()
    recommendation.categories.remove(category)
    assert changed()
    cover = Report.objects.get(assessment=report)
    cover.subtitle = "Second edition"
    cover.save()
    assert changed()
    report.title = "Renamed"
    report.save()
    assert changed()
    # Writes that move no timestamp: a scope change archives by update(), the catalogue updates in bulk.
    Finding.objects.filter(pk=finding.pk).update(archived=True)
    assert changed()
    Indicator.objects.filter(pk=finding.indicator_id).update(text="A reworded indicator")
    assert changed()
    # Undoing a change (the citation removed, the category unlinked) gives back the earlier key: the
    # content is the same again.
