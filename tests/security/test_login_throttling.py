"""Login throttling (django-axes): per username and client address, on our login page and the admin's."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("axes_on")]

LIMIT = 5


@pytest.fixture
def axes_on(settings):
    # settings_test switches axes off for client.login(); these tests are about it.
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)
    settings.TRUSTED_PROXY_COUNT = 0


def sign_in(client, username, password, path="/accounts/login/", **extra):
    return client.post(path, {"username": username, "password": password}, **extra)


def fail(client, username, times, path="/accounts/login/", **extra):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password", path, **extra)
    return response


def test_login_locked_out_after_limit_even_with_right_password(client, user):
    before = fail(client, "reader", LIMIT - 1)
    assert before.status_code == 200  # still the form, with its error
    last = fail(client, "reader", 1)
    assert last.status_code == 429
    response = sign_in(client, "reader", "pw-reader-1")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert 'data-testid="locked-out"' in page
    assert "Try again in 15 minutes" in page
    assert 'href="/static/roamx.css"' in page  # the product's page, not a bare text


def test_login_failures_below_limit_do_not_lock(client, user):
    fail(client, "reader", LIMIT - 1)
    response = sign_in(client, "reader", "pw-reader-1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_login_success_resets_the_failure_count(client, user):
    fail(client, "reader", LIMIT - 1)
    assert sign_in(client, "reader", "pw-reader-1").status_code == 302
    client.logout()
    assert fail(client, "reader", LIMIT - 1).status_code == 200
    assert sign_in(client, "reader", "pw-reader-1").status_code == 302


def test_login_lockout_leaves_other_user_same_address_alone(client, user, staff_user):
    fail(client, "reader", LIMIT)
    response = sign_in(client, "clerk", "pw-clerk-1")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(staff_user.pk)


def test_login_lockout_leaves_same_user_other_address_alone(client, user):
    fail(client, "reader", LIMIT, REMOTE_ADDR="203.0.113.7")
    assert sign_in(client, "reader", "pw-reader-1", REMOTE_ADDR="203.0.113.7").status_code == 429
    response = sign_in(client, "reader", "pw-reader-1", REMOTE_ADDR="198.51.100.9")
    assert response.status_code == 302


def test_login_lock_expires_after_cooloff(client, user):
    fail(client, "reader", LIMIT)
    assert sign_in(client, "reader", "pw-reader-1").status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, "reader", "pw-reader-1").status_code == 302


def test_login_lock_still_holds_before_cooloff_ends(client, user):
    fail(client, "reader", LIMIT)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert sign_in(client, "reader", "pw-reader-1").status_code == 429


def test_login_lock_cleared_by_axes_reset(client, user):
    fail(client, "reader", LIMIT)
    call_command("axes_reset_username", "reader", stdout=io.StringIO())
    assert sign_in(client, "reader", "pw-reader-1").status_code == 302
    client.logout()
    fail(client, "reader", LIMIT)
    call_command("axes_reset", stdout=io.StringIO())
    assert sign_in(client, "reader", "pw-reader-1").status_code == 302


def test_admin_login_locked_out_too(client, superuser):
    fail(client, "root", LIMIT, path="/admin/login/")
    response = sign_in(client, "root", "pw-root-1", path="/admin/login/")
    assert response.status_code == 429
    assert 'data-testid="locked-out"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_and_login_page_failures_count_together(client, user):
    fail(client, "reader", 3, path="/admin/login/")
    fail(client, "reader", LIMIT - 3)
    assert sign_in(client, "reader", "pw-reader-1").status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_login_behind_proxy_locks_the_forwarded_client(client, user):
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    fail(client, "reader", LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy)
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    # A client cannot escape by prepending a made-up address: only the proxy's entry counts.
    forged = sign_in(client, "reader", "pw-reader-1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7", **proxy)
    assert forged.status_code == 429
    # Another client behind the same proxy is not affected.
    other = sign_in(client, "reader", "pw-reader-1", HTTP_X_FORWARDED_FOR="198.51.100.9", **proxy)
    assert other.status_code == 302


def test_login_without_proxy_ignores_forwarded_header(client, user):
    fail(client, "reader", LIMIT, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"
    # Rotating X-Forwarded-For does not dodge the lock when no proxy is trusted.
    response = sign_in(client, "reader", "pw-reader-1", HTTP_X_FORWARDED_FOR="198.51.100.9")
    assert response.status_code == 429


def test_admin_login_page_renders_for_anonymous(client):
    # Found while testing the admin lockout: the admin login page asked report admins for a membership.
    assert client.get("/admin/login/").status_code == 200
    assert sign_in(client, "nobody", "wrong", path="/admin/login/").status_code == 200
