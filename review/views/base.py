"""Small helpers the review views share."""

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from assessments.rules import check
from review import services


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


def run_action(request, assessment, handlers, target):
    """The pages' door for a posted ``action``: an unknown one is a 400; the user's role is checked with
    the action's rule (``services.ACTION_PERMS``) before the form is read (outsiders 404, other roles
    403). The handler returns a response, or a ``Bound`` form to show again in place."""
    action = request.POST.get("action")
    handler = handlers.get(action)
    if handler is None:
        return HttpResponseBadRequest(_("Unknown action."))
    check(request.user, assessment, services.ACTION_PERMS[action])
    return handler(request, target)
