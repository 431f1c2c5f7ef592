from django.conf import settings
from django.utils import translation

from accounts.language import SESSION_KEY, is_supported


class PreferredLanguageMiddleware:
    """After LocaleMiddleware and authentication: a signed-in person's own language wins over the cookie
    and the browser's, and pages, the admin and the API's session answers follow it. The language cookie
    is kept in step, so the sign-in page after signing out stays in that language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = ""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            code = request.session.get(SESSION_KEY, "")
            if code and is_supported(code):
                translation.activate(code)
                request.LANGUAGE_CODE = code
        response = self.get_response(request)
        # The session's language can change during the request (sign-in, the switcher).
        code = getattr(request, "session", {}).get(SESSION_KEY, code) if hasattr(request, "session") else code
        if code and is_supported(code) and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != code:
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                code,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
        return response
