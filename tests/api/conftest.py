import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from assessments.models import Citation, DataPoint, Finding
from reports.demo import seed_report
from reports.models import Recommendation, ReportSection
from review import targets
from tests.factories import SourceFactory

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
    citation = Citation.objects.create(finding=finding, source=source, locator="p. 4")
    point = DataPoint.objects.create(finding=finding, value="61.5", unit="%", year=2022, source=source)
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
    """The demo report content, with sections and recommendations open for comments.

    reports registers them as reviewable itself (``reports/apps.py``); where it does not yet, they are
    registered here for the test only, the way ``review.targets`` documents it.
    """
    seed_report(assessment)
    added = []
    for model, category in [
        (ReportSection, lambda s: s.kind[-1] if s.kind.startswith("findings_") else ""),
        (Recommendation, lambda r: ""),
    ]:
        if not targets.is_registered(model):
            targets.register(model, assessment=lambda obj: obj.assessment, label=str, category=category)
            added.append(model)
    yield assessment
    for model in added:
        del targets._registry[model]
