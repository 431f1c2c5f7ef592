"""Small helpers the review views share."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError


@dataclass
class Bound:
    """A form that failed, to show again where the user was (with what they typed)."""

    action: str
    form: forms.Form
    comment_id: int | None = None


class ConfirmForm(forms.Form):
    """A form with no fields: it carries the errors of a one-button action."""


def add_errors(form, error: ValidationError):
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def perm_flags(perms):
    return {str(p): True for p in perms}
