import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.urls import reverse

from assessments.demo import DEMO_PASSWORD, DEMO_USERS


def test_login_page_renders_and_signs_in(client, user):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert "Sign in to roamx" in response.content.decode()
    response = client.post(reverse("login"), {"username": "reader", "password": "pw-reader-1"})
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_login_with_wrong_password_shows_error(client, user):
    response = client.post(reverse("login"), {"username": "reader", "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_logout_is_post_and_returns_to_login(client, user):
    client.force_login(user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_password_change_flow(client, user):
    client.force_login(user)
    assert "Change your password" in client.get(reverse("password_change")).content.decode()
    bad = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": "x", "new_password2": "y"},
    )
    assert "Your old password was entered incorrectly" in bad.content.decode()
    good = client.post(
        reverse("password_change"),
        {
            "old_password": "pw-reader-1",
            "new_password1": "long-new-pass-42",
            "new_password2": "long-new-pass-42",
        },
    )
    assert good.status_code == 302
    user.refresh_from_db()
    assert user.check_password("long-new-pass-42")


def test_home_needs_sign_in(client, db):
    assert client.get(reverse("home")).status_code == 302


def test_seed_demo_creates_accounts_and_is_repeatable(db, django_user_model):
    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    for username in DEMO_USERS:
        user = django_user_model.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
    assert django_user_model.objects.get(username="admin").is_superuser
    assert not django_user_model.objects.get(username="reviewer").is_staff


@override_settings(DEBUG=False, TESTING=False)
def test_seed_demo_refused_outside_the_demo_database(db, django_user_model):
    with pytest.raises(CommandError, match="only created with DEBUG on"):
        call_command("seed_demo", stdout=io.StringIO())
    assert not django_user_model.objects.filter(username="researcher").exists()


def test_production_settings_require_secret_and_postgres(tmp_path):
    import subprocess
    import sys

    base = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "roamx.settings"}
    code = "import django; django.setup()"
    no_secret = subprocess.run([sys.executable, "-c", code], env=base, capture_output=True, text=True)
    assert "Set SECRET_KEY" in no_secret.stderr
    sqlite = subprocess.run(
        [sys.executable, "-c", code], env={**base, "SECRET_KEY": "x" * 50}, capture_output=True, text=True
    )
    assert "Production needs PostgreSQL" in sqlite.stderr
    postgres = subprocess.run(
        [
            sys.executable,
            "-c",
            code + "; from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT)",
        ],
        env={**base, "SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x"},
        capture_output=True,
        text=True,
    )
    assert postgres.returncode == 0, postgres.stderr
    assert postgres.stdout.strip() == "True"  # production redirects HTTP to HTTPS unless told not to
