import datetime

import pytest

from assessments.models import Finding
from assessments.services import save_finding
from tests.factories import AttachmentFactory, CitationFactory, DataPointFactory, SourceFactory


@pytest.fixture
def finding(assessment, members):
    """R.1.1 with evidence: a narrative, two sources, a data point and an attachment; ready for review."""
    finding = Finding.objects.select_related("indicator", "assessment").get(
        assessment=assessment, indicator__code="R.1.1"
    )
    law = SourceFactory(
        assessment=assessment, title="Law on Telecommunications 2015", url="https://example.org/law"
    )
    survey = SourceFactory(
        assessment=assessment, title="Household survey", url="", published=datetime.date(2022, 3, 1)
    )
    CitationFactory(finding=finding, source=law, locator="art. 7")
    CitationFactory(finding=finding, source=survey, locator="")
    DataPointFactory(finding=finding, value=41.5, unit="%", year=2022, source=survey)
    AttachmentFactory(finding=finding)
    save_finding(
        finding,
        by=members["researcher"],
        expected_version=finding.version,
        fields={
            "narrative": "The constitution protects **freedom of expression**.\n\nThe law of 2015 limits it.",
            "score": 3,
            "status": "draft",
        },
    )
    save_finding(
        finding, by=members["researcher"], expected_version=finding.version, fields={"status": "ready"}
    )
    return finding


def url_of(finding):
    return finding.get_absolute_url()
