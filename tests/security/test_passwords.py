"""Password validators: the change-password page refuses weak passwords with the reason, and keeps the old one."""

import pytest


@pytest.mark.parametrize(
    ("new", "reason"),
    [
        ("Sh0rt!", "This password is too short. It must contain at least 8 characters."),
        ("password123", "This password is too common."),
        ("8472639150", "This password is entirely numeric."),
        ("reader12", "The password is too similar to the username."),
    ],
)
def test_password_change_refuses_weak_passwords(client, user, new, reason):
    client.force_login(user)
    response = client.post(
        "/accounts/password/", {"old_password": "pw-reader-1", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert reason in response.content.decode()
    user.refresh_from_db()
    assert user.check_password("pw-reader-1")


def test_password_change_accepts_a_strong_password(client, user):
    client.force_login(user)
    new = "correct horse battery staple 42"
    response = client.post(
        "/accounts/password/", {"old_password": "pw-reader-1", "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new)


def test_admin_user_creation_refuses_weak_passwords(client, superuser, django_user_model):
    client.force_login(superuser)
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "newbie", "password1": "12345678", "password2": "12345678", "usable_password": "true"},
    )
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    assert not django_user_model.objects.filter(username="newbie").exists()
