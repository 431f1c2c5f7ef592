import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assessments.models import Finding
from reports.demo import seed_report
from reports.models import Recommendation, ReportSection
from review import targets
from tests.factories import CitationFactory, DataPointFactory, SourceFactory

ROLES = ["lead", "researcher", "mab", "staff", "outsider", "anonymous"]
MEMBERS = ["lead", "researcher", "mab", "staff"]
WRITERS = ["lead", "researcher"]


def token_client(user):
    """An API client that signs in the way scripts do: with the user's token."""
    client = APIClient()
    if user is not None:
        token, _created = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def api_as(members):
    def make(role):
        return token_client(None if role == "anonymous" else members[role])

    return make


@pytest.fixture
def evidence(assessment):
    """A source cited by R.1.1's finding, and a data point on it."""
    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    source = SourceFactory(assessment=assessment)
    citation = CitationFactory(finding=finding, source=source, locator="p. 4")
    point = DataPointFactory(finding=finding, value="61.5", unit="%", year=2022, source=source)
    return {"finding": finding, "source": source, "citation": citation, "data_point": point}


def expected_status(role, ok, writers=None):
    """What a role gets: ``ok`` for those allowed, 403 for other members, 404 outsiders, 401 anonymous."""
    if role == "anonymous":
        return 401
    if role == "outsider":
        return 404
    allowed = MEMBERS if writers is None else writers
    return ok if role in allowed else 403


@pytest.fixture
def report_targets(assessment):
    """The demo report content; review registers its sections and recommendations as comment targets."""
    seed_report(assessment)
    assert targets.is_registered(ReportSection) and targets.is_registered(Recommendation)
    return assessment
