import io

import pytest
from django.core.management import call_command

from indicators.models import Framework


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


@pytest.fixture
def user(django_user_model):
    return django_user_model.objects.create_user("reader", password="pw-reader-1")


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("root", "root@example.org", "pw-root-1")


@pytest.fixture
def staff_user(django_user_model):
    return django_user_model.objects.create_user("clerk", password="pw-clerk-1", is_staff=True)
