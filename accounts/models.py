from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from toolkit.models import Timestamped


class Profile(Timestamped):
    """What a person chose for themselves, remembered on every device they sign in from."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    # A code of settings.LANGUAGES (not choices, so adding a language needs no migration); empty: no
    # choice yet, so the language cookie or the browser's language decides.
    language = models.CharField(_("language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def clean(self):
        if self.language and self.language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Choose one of the languages roamx offers.")})

    def __str__(self):
        return str(self.user)
