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
