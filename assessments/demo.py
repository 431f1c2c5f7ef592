"""Demo data for `make run`: accounts a newcomer can sign in with. Never for a production database."""

from django.conf import settings
from django.contrib.auth import get_user_model

DEMO_PASSWORD = "roamx-demo"
# username: (first name, last name, is_staff (admin access), is_superuser)
DEMO_USERS = {
    "researcher": ("Sokha", "Chan", True, False),
    "lead": ("Dara", "Kim", True, False),
    "reviewer": ("Maly", "Sok", False, False),
    "staff": ("Vanna", "Lim", True, False),
    "admin": ("Admin", "", True, True),
}


class DemoRefused(Exception):
    pass


def ensure_demo_allowed():
    if not (settings.DEBUG or settings.TESTING):
        raise DemoRefused(
            "Demo accounts are only created with DEBUG on (the demo database), never in production."
        )


def create_demo_users():
    """Create (or reset) the demo accounts; returns them by username."""
    ensure_demo_allowed()
    User = get_user_model()
    users = {}
    for username, (first, last, is_staff, is_superuser) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        user.is_staff, user.is_superuser = is_staff, is_superuser
        if created or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    return users
