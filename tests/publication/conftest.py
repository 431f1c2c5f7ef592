import pytest

from assessments.choices import FindingStatus
from assessments.models import Finding
from reports.demo import seed_report
from review.choices import Verdict
from tests.factories import (
    AttachmentFactory,
    CitationFactory,
    CommentFactory,
    DataPointFactory,
    PublicationFactory,
    SourceFactory,
    VoteFactory,
)

# Private items: none may reach a public page or the open data unless the lead chose it.
COMMENT = "PRIVATE comment: the MAB doubts this figure"
VOTE = "PRIVATE vote: needs revision says Maya"
DRAFT = "PRIVATE draft narrative still being written"
MAB_NAME = "Maya Boardmember"
ENDORSED = "Endorsed narrative: mobile broadband reaches most of the population."


@pytest.fixture
def published(assessment, members, settings, tmp_path):
    """khm-2023 with the demo report, one endorsed finding with evidence, one draft finding, a comment, a
    vote and an attachment — and published with the default choices."""
    settings.MEDIA_ROOT = tmp_path
    seed_report(assessment)
    findings = list(Finding.objects.filter(assessment=assessment).select_related("indicator")[:2])
    endorsed, draft = findings
    Finding.objects.filter(pk=endorsed.pk).update(
        status=FindingStatus.ENDORSED, narrative=ENDORSED, score=4, confidence="high"
    )
    Finding.objects.filter(pk=draft.pk).update(status=FindingStatus.DRAFT, narrative=DRAFT, score=2)
    source = SourceFactory(assessment=assessment, title="Digital Government Policy 2022-2035")
    hidden_source = SourceFactory(assessment=assessment, title="PRIVATE interview notes")
    CitationFactory(finding=endorsed, source=source, locator="p. 4")
    CitationFactory(finding=draft, source=hidden_source, locator="")
    DataPointFactory(finding=endorsed, value=98, unit="%", year=2022, source=source)
    DataPointFactory(finding=draft, value=12, unit="%", year=2021, source=hidden_source)
    mab = members["mab"]
    mab.first_name, mab.last_name = "Maya", "Boardmember"
    mab.save()
    CommentFactory(target=endorsed, author=mab, body=COMMENT)
    VoteFactory(
        finding=draft,
        member=mab,
        verdict=Verdict.NEEDS_REVISION,
        comment=CommentFactory(target=draft, author=mab, body=VOTE),
    )
    attachment = AttachmentFactory(finding=endorsed)
    PublicationFactory(assessment=assessment)
    assessment.private_attachment = attachment
    return assessment
