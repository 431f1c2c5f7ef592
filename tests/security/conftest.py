import pytest

from assessments.models import Finding
from assessments.services import save_finding


@pytest.fixture
def ready_finding(assessment, members):
    """R.1.1, ready for review: MAB members may comment and vote on it."""
    finding = Finding.objects.select_related("indicator", "assessment").get(
        assessment=assessment, indicator__code="R.1.1"
    )
    save_finding(
        finding,
        by=members["researcher"],
        expected_version=finding.version,
        fields={"narrative": "The constitution protects expression.", "score": 3, "status": "draft"},
    )
    save_finding(
        finding, by=members["researcher"], expected_version=finding.version, fields={"status": "ready"}
    )
    return finding
