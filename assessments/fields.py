"""Web links: the one rule for a URL people may follow from roamx (a source's address).

``validate_web_url`` is the rule; ``WebURLField`` carries it on the model, so the admin form, the
spreadsheet import (``Field.clean``) and the API serializer (DRF copies model validators) all apply the
same check and report it as a field error.
"""

import re
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

WEB_SCHEMES = ("http", "https")
_shape = URLValidator(schemes=list(WEB_SCHEMES))
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+-]*")  # no dot: "example.org:8080" has no scheme


def validate_web_url(value):
    """An absolute ``http://`` or ``https://`` address with a host, nothing else.

    Refused, each with its own message: other schemes (``javascript:``, ``data:``, ``file:``, ``ftp:``,
    ``mailto:``…), relative and scheme-less addresses, spaces, control and invisible format characters
    (line breaks, NUL, the right-to-left override), a user name or password, and no host. The length is
    the field's ``max_length``.
    """
    if not value:
        return
    if any(ch.isspace() or not ch.isprintable() for ch in value):
        raise ValidationError(
            _("Enter a valid URL: it cannot contain spaces, line breaks or control characters."),
            code="invalid_url",
        )
    scheme, colon, _rest = value.partition(":")
    scheme = scheme.lower() if colon and _SCHEME.fullmatch(scheme) else ""
    if scheme and scheme not in WEB_SCHEMES:
        raise ValidationError(
            _(
                "Enter a valid URL: only http:// and https:// addresses can be linked (this one starts with “%(scheme)s:”)."
            )
            % {"scheme": scheme[:20]},
            code="invalid_url",
        )
    if not value.lower().startswith(("http://", "https://")):
        raise ValidationError(
            _("Enter a valid URL: give the full address, starting with https:// (or http://)."),
            code="invalid_url",
        )
    try:
        parts = urlsplit(value)
        hostname = parts.hostname
    except ValueError:  # e.g. an unbalanced "[" in the host
        raise ValidationError(
            _("Enter a valid URL (an http:// or https:// address)."), code="invalid_url"
        ) from None
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Enter a valid URL: it cannot carry a user name or password."), code="invalid_url"
        )
    if not hostname:
        raise ValidationError(_("Enter a valid URL: it has no host name after “//”."), code="invalid_url")
    try:
        _shape(value)
    except ValidationError:
        raise ValidationError(
            _("Enter a valid URL (an http:// or https:// address)."), code="invalid_url"
        ) from None


def is_web_url(value):
    """Whether ``value`` passes the rule: pages link only such values (older rows may hold others)."""
    try:
        validate_web_url(value)
    except ValidationError:
        return False
    return bool(value)


class WebURLValidator:
    """The rule as a class, for ``AdminURLFieldWidget(validator_class=…)``, which links the current value."""

    def __call__(self, value):
        validate_web_url(value)


class WebURLFormField(forms.URLField):
    """Takes the address as typed: no scheme is assumed for "example.org" (that is an error to fix)."""

    default_validators = [validate_web_url]

    def __init__(self, **kwargs):
        kwargs.pop("assume_scheme", None)
        super().__init__(assume_scheme="https", **kwargs)

    def to_python(self, value):
        return forms.CharField.to_python(self, value)


class WebURLField(models.URLField):
    default_validators = [validate_web_url]

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": WebURLFormField, **kwargs})
