"""What the report reads: a fixed number of queries, whatever the number of findings."""

from django.db.models import Prefetch

from assessments.models import Citation, Finding
from reports.models import Recommendation, Report, ReportExport, ReportSection


def report_for(assessment):
    """The assessment's report settings (unsaved defaults when none were written yet)."""
    return Report.objects.filter(assessment=assessment).first() or Report(assessment=assessment)


def sections_for(assessment):
    return {s.kind: s for s in ReportSection.objects.filter(assessment=assessment)}


def recommendations_for(assessment):
    return Recommendation.objects.filter(assessment=assessment).prefetch_related(
        "categories", Prefetch("findings", queryset=Finding.objects.select_related("indicator"))
    )


def findings_for_report(assessment):
    """Every finding in scope with what the annex prints: indicator, sources, data points."""
    return (
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator__category", "indicator__question__theme")
        .prefetch_related(
            Prefetch(
                "citations", queryset=Citation.objects.select_related("source").order_by("created", "pk")
            ),
            "data_points__source",
        )
        .order_by("indicator__order")
    )


def exports_for(assessment):
    return ReportExport.objects.filter(assessment=assessment).select_related("requested_by")
