from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.language import apply_to_session


@receiver(user_logged_in, dispatch_uid="accounts-language-at-sign-in")
def language_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        apply_to_session(request, user)
