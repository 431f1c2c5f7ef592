"""A person's interface language: chosen with the switcher, kept in their profile, applied on every device.

The choice is stored in ``Profile.language`` and copied into the session at sign-in (and when switched),
so the middleware applies it without a query per request. Off a session (anonymous visitors) Django's
language cookie and the browser's Accept-Language decide, as LocaleMiddleware does.
"""

from django.conf import settings
from django.utils import translation

from accounts.models import Profile

SESSION_KEY = "roamx_language"


def is_supported(code):
    return code in dict(settings.LANGUAGES)


def preferred_language(user):
    """The language the person chose, or '' when they have not chosen one."""
    return Profile.objects.filter(user=user).values_list("language", flat=True).first() or ""


def remember(request, code):
    """Store a signed-in person's choice in their profile and in this session."""
    Profile.objects.update_or_create(user=request.user, defaults={"language": code})
    request.session[SESSION_KEY] = code


def apply_to_session(request, user):
    """At sign-in: the profile's language becomes this session's (nothing when none was chosen)."""
    code = preferred_language(user)
    if code and is_supported(code):
        request.session[SESSION_KEY] = code
        translation.activate(code)
        request.LANGUAGE_CODE = code
