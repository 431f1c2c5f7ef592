import io
import socket
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils import translation

from assessments.choices import Role, StakeholderGroup
from indicators.models import Framework
from tests.factories import AssessmentFactory, MembershipFactory, UserFactory

LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Pages cache fragments in the process's memory; a test must not see another test's."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _site_language():
    """A request in Khmer leaves Khmer active in this thread (LocaleMiddleware activates a language and
    does not deactivate it): each test starts in the site's language, whatever the one before did."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """`make test` compiles the catalogues; a bare pytest run compiles a missing or stale .mo too."""
    for po in LOCALE_DIR.glob("*/LC_MESSAGES/django.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the shipped framework once per test database; tests roll back their own changes."""
    with django_db_blocker.unblock():
        load_shipped_framework()


def load_shipped_framework():
    call_command("load_framework", stdout=io.StringIO())
    return Framework.objects.get(code="iui-2019")


@pytest.fixture
def framework(db):
    """The shipped edition. Transactional tests (browser tests) flush it, so load it again when missing."""
    return Framework.objects.filter(code="iui-2019").first() or load_shipped_framework()


def account(username, password, **fields):
    """A user with no name (pages fall back to the username), as ``create_user`` makes one."""
    return UserFactory(username=username, password=password, first_name="", last_name="", **fields)


@pytest.fixture
def user(db):
    return account("reader", "pw-reader-1", email="")


@pytest.fixture
def superuser(db):
    return account("root", "pw-root-1", email="root@example.org", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_user(db):
    return account("clerk", "pw-clerk-1", email="", is_staff=True)


@pytest.fixture
def assessment(framework):
    """A core-scope assessment of Cambodia (109 core + 21 contextual findings)."""
    return AssessmentFactory(code="khm-2023", framework=framework)


@pytest.fixture
def members(assessment):
    """The base set of users for permission tests: one per role, plus an outsider."""
    users = {
        "lead": UserFactory(username="lead", is_staff=True),
        "researcher": UserFactory(username="researcher", is_staff=True),
        "mab": UserFactory(username="mab"),
        "staff": UserFactory(username="staffer", is_staff=True),
        "outsider": UserFactory(username="outsider", is_staff=True),
    }
    MembershipFactory(assessment=assessment, user=users["lead"], role=Role.LEAD)
    MembershipFactory(assessment=assessment, user=users["researcher"], role=Role.RESEARCHER)
    MembershipFactory(
        assessment=assessment,
        user=users["mab"],
        role=Role.MAB,
        stakeholder_group=StakeholderGroup.CIVIL_SOCIETY,
    )
    MembershipFactory(assessment=assessment, user=users["staff"], role=Role.STAFF)
    return users


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1; ``connections()`` says how many connected since it opened."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)

    def connections():
        sock.settimeout(0.3)
        count = 0
        try:
            while True:
                conn, _addr = sock.accept()
                conn.close()
                count += 1
        except TimeoutError:
            return count

    yield sock.getsockname()[1], connections
    sock.close()
