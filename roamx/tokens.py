"""The profile page where each person creates and revokes their API token (one per person)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token

NEW_KEY = "roamx_new_api_token"


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            with transaction.atomic():
                # One token per person: a new one replaces (and so revokes) the old one.
                replaced = Token.objects.filter(user=request.user).delete()[0]
                token = Token.objects.create(user=request.user)
            # Shown once, on the next page only; afterwards only its last characters are shown.
            request.session[NEW_KEY] = token.key
            messages.success(
                request,
                _("Your new token replaces the old one, which no longer works.")
                if replaced
                else _("Your token is ready."),
            )
        elif action == "revoke":
            if Token.objects.filter(user=request.user).delete()[0]:
                messages.success(
                    request, _("Your token is revoked: scripts using it are refused from now on.")
                )
            else:
                messages.error(request, _("You have no token to revoke."))
        else:
            messages.error(request, _("Unknown action."))
        return redirect("api_tokens")
    token = Token.objects.filter(user=request.user).first()
    return render(
        request,
        "account/api_tokens.html",
        {"token": token, "new_key": request.session.pop(NEW_KEY, None)},
    )
