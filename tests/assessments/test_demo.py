import io
from decimal import Decimal

from django.core.management import call_command

from assessments.choices import Role
from assessments.demo import DEMO_FINDINGS
from assessments.models import Assessment, Citation, DataPoint, Finding, Membership, Source


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot(assessment):
    return {
        "findings": list(
            Finding.objects.filter(assessment=assessment).values_list("pk", "version", "status", "narrative")
        ),
        "history": Finding.history.filter(assessment_id=assessment.pk).count(),
        "sources": Source.objects.filter(assessment=assessment).count(),
        "citations": Citation.objects.filter(finding__assessment=assessment).count(),
        "data_points": DataPoint.objects.filter(finding__assessment=assessment).count(),
        "members": list(
            Membership.objects.filter(assessment=assessment).values_list("user__username", "role")
        ),
    }


def test_seed_demo_creates_a_realistic_cambodia_assessment_once(framework):
    output = seed()
    assessment = Assessment.objects.get(code="khm-2023")
    assert f"{len(DEMO_FINDINGS)} of 130 findings filled in" in output
    assert (assessment.scope, assessment.phase, assessment.country_code) == ("core", "mab_review", "KHM")
    roles = dict(Membership.objects.filter(assessment=assessment).values_list("user__username", "role"))
    assert roles == {
        "researcher": Role.RESEARCHER,
        "lead": Role.LEAD,
        "reviewer": Role.MAB,
        "staff": Role.STAFF,
    }
    findings = Finding.objects.filter(assessment=assessment)
    filled = findings.exclude(status="not_started")
    assert 0.25 <= filled.count() / findings.count() <= 0.35
    assert set(filled.values_list("status", flat=True)) == {"draft", "ready", "needs_revision", "endorsed"}
    assert len(set(filled.values_list("confidence", flat=True))) == 3
    assert filled.filter(score__isnull=False).count() > 25 and filled.exclude(special_score="").exists()
    # Every filled finding cites at least one source, and the statistics are data points.
    assert not filled.filter(citations__isnull=True).exists()
    assert DataPoint.objects.get(
        finding__indicator__code="A.7.1", unit="per 100 inhabitants"
    ).value == Decimal("2.01")
    assert Source.objects.filter(assessment=assessment, type="law").count() >= 6
    first = snapshot(assessment)
    seed()
    assert snapshot(assessment) == first


def test_seed_demo_leaves_work_done_in_the_demo_alone(framework):
    seed()
    assessment = Assessment.objects.get(code="khm-2023")
    edited = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    edited.narrative = "Rewritten by the researcher."
    edited.save()
    seed()
    edited.refresh_from_db()
    assert edited.narrative == "Rewritten by the researcher."
