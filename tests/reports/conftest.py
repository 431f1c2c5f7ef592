import subprocess

import pytest

from assessments.choices import FindingStatus
from assessments.models import Finding
from reports.demo import seed_report
from tests.factories import CitationFactory, DataPointFactory, SourceFactory


@pytest.fixture
def report(assessment):
    """The Cambodia demo report content, with evidence on a few findings."""
    seed_report(assessment)
    findings = list(Finding.objects.filter(assessment=assessment).select_related("indicator")[:6])
    source = SourceFactory(assessment=assessment, title="Digital Government Policy 2022-2035")
    for i, finding in enumerate(findings):
        finding.narrative = "Mobile broadband reaches most of the population; fixed broadband lags."
        finding.status = FindingStatus.DRAFT
        finding.score = 1 + i % 5
        finding.save()
        CitationFactory(finding=finding, source=source, locator="")
        DataPointFactory(finding=finding, value=98, unit="%", year=2022, source=None)
    return assessment


def pdf_text(data, tmp_path, name="report.pdf"):
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def flat(text):
    return " ".join(text.replace("\u200b", "").split())


def later_round(previous, lead, code="khm-2027"):
    """A round started from ``previous`` (members and sources carried), with its follow-up rows made by
    the round hook."""
    from assessments.choices import CarryOver
    from assessments.rounds import start_round

    return start_round(previous, by=lead, code=code, carry={CarryOver.MEMBERS, CarryOver.SOURCES}).assessment


@pytest.fixture
def follow_round(assessment, members):
    return make_follow_round(assessment, members)


def make_follow_round(assessment, members):
    """khm-2027 from khm-2023, which has three recommendations (two groups) and a source."""
    from assessments.choices import StakeholderGroup
    from tests.factories import RecommendationFactory

    RecommendationFactory(
        assessment=assessment, stakeholder_group=StakeholderGroup.GOVERNMENT, text="Adopt a **data** law."
    )
    RecommendationFactory(
        assessment=assessment, stakeholder_group=StakeholderGroup.GOVERNMENT, text="Publish open data."
    )
    RecommendationFactory(
        assessment=assessment, stakeholder_group=StakeholderGroup.JUDICIARY, text="Train the judges."
    )
    SourceFactory(assessment=assessment, title="Open data portal statistics")
    return later_round(assessment, members["lead"])
