from django.views.decorators.http import require_POST
from django.views.i18n import set_language as django_set_language

from accounts.language import is_supported, remember


@require_POST
def set_language(request):
    """Django's set_language (cookie, redirect to ``next``), and for a signed-in person their profile."""
    response = django_set_language(request)
    code = request.POST.get("language", "")
    if request.user.is_authenticated and is_supported(code):
        remember(request, code)
    return response
