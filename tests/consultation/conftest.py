import datetime
import re

import pytest
from django.utils import timezone

from consultation import services
from reports.choices import SectionKind
from tests.factories import RecommendationFactory, ReportSectionFactory


@pytest.fixture
def content(assessment):
    """Two key-findings sections and three recommendations to consult on."""
    ReportSectionFactory(
        assessment=assessment, kind=SectionKind.FINDINGS_R, body="Rights are *protected* by law."
    )
    ReportSectionFactory(assessment=assessment, kind=SectionKind.FINDINGS_A, body="Mobile coverage is 98%.")
    for n in range(3):
        RecommendationFactory(assessment=assessment, text=f"Publish open data, step {n}.")
    return assessment


@pytest.fixture
def consultation(content, members):
    now = timezone.now()
    return services.create_consultation(
        content,
        by=members["lead"],
        title="National validation workshop",
        opens_at=now - datetime.timedelta(hours=1),
        closes_at=now + datetime.timedelta(days=2),
        place="Phnom Penh",
    )


def link_path(mail_body):
    url = re.search(r"https?://\S+", mail_body).group(0)
    return "/" + url.split("://", 1)[1].split("/", 1)[1]
