"""Nothing that belongs to an assessment is left out of its backup without a decision."""

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from assessments.models import Assessment, Finding
from roamx.backup import COVERED, EXCLUDED, coverage_problems, related_to_assessment
from tests.backup.snapshot import SELECTED


def test_every_model_related_to_an_assessment_is_backed_up_or_excluded():
    assert coverage_problems() == []
    related = related_to_assessment()
    # The walk does find them: direct, through a finding, and history rows.
    assert {
        "assessments.citation",
        "assessments.historicaldatapoint",
        "review.vote",
        "reports.chaptercache",
    } <= related
    assert related <= set(COVERED) | set(EXCLUDED)
    assert not set(COVERED) & set(EXCLUDED)


def test_coverage_check_flags_a_new_model_with_a_relation_to_an_assessment():
    with isolate_apps("review"):

        class Highlight(models.Model):
            finding = models.ForeignKey(Finding, on_delete=models.CASCADE)

            class Meta:
                app_label = "review"

            def __str__(self):
                return str(self.pk)

        class Tag(models.Model):
            assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE)
            label = models.CharField(max_length=20)

            class Meta:
                app_label = "review"

            def __str__(self):
                return str(self.pk)

        problems = coverage_problems([*apps.get_models(), Highlight, Tag])
    assert problems == [
        "review.highlight belongs to an assessment but is neither in COVERED nor in EXCLUDED",
        "review.tag belongs to an assessment but is neither in COVERED nor in EXCLUDED",
    ]


def test_the_round_trip_comparison_selects_every_backed_up_model():
    # tests/backup/snapshot.py picks rows on its own; it must know each model the backup holds.
    assert SELECTED == COVERED
