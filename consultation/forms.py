from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from assessments.choices import StakeholderGroup
from consultation.choices import Gender, Position
from consultation.models import COMMENT_MAX, NAME_MAX
from review.choices import Disposition

MAX_INVITES = 200


class ConsultationForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    opens_at = forms.DateTimeField(
        label=_("Opens"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    closes_at = forms.DateTimeField(
        label=_("Closes"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    place = forms.CharField(
        label=_("Place"),
        max_length=200,
        required=False,
        help_text=_("The workshop's venue; empty for online."),
    )
    findings = forms.MultipleChoiceField(
        label=_("Findings to ask about too"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, findings=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].choices = [
            (f.pk, f"{f.indicator.code} {f.indicator.text}"[:120]) for f in findings
        ]

    def clean(self):
        data = super().clean()
        if data.get("opens_at") and data.get("closes_at") and data["closes_at"] <= data["opens_at"]:
            self.add_error("closes_at", _("The consultation must close after it opens."))
        return data


class InviteForm(forms.Form):
    emails = forms.CharField(
        label=_("Email addresses, one a line"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )

    def clean_emails(self):
        lines = [line.strip() for line in self.cleaned_data["emails"].splitlines() if line.strip()]
        if len(lines) > MAX_INVITES:
            raise forms.ValidationError(_("At most %(n)d addresses at a time.") % {"n": MAX_INVITES})
        bad = []
        for line in lines:
            try:
                validate_email(line)
            except forms.ValidationError:
                bad.append(line[:80])
        if bad:
            raise forms.ValidationError(_("Not an email address: %(list)s") % {"list": ", ".join(bad)})
        if not lines:
            raise forms.ValidationError(_("Give at least one address."))
        return list(dict.fromkeys(lines))


class DetailsForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=NAME_MAX, required=False)
    organisation = forms.CharField(label=_("Organisation"), max_length=NAME_MAX, required=False)
    stakeholder_group = forms.ChoiceField(
        label=_("Stakeholder group"), choices=[("", "—"), *StakeholderGroup.choices]
    )
    gender = forms.ChoiceField(
        label=_("Gender (optional)"), choices=[("", _("Prefer not to say")), *Gender.choices], required=False
    )
    list_organisation = forms.BooleanField(
        label=_("My organisation may be listed in the report among the participants"), required=False
    )

    def __init__(self, *args, name_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = name_required
        if not name_required:
            self.fields["name"].label = _("Your name (optional)")


class AnswerForm(forms.Form):
    position = forms.ChoiceField(label=_("Your view"), choices=Position.choices, widget=forms.RadioSelect)
    comment = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class DispositionForm(forms.Form):
    disposition = forms.ChoiceField(label=_("Disposition"), choices=[("", "—"), *Disposition.choices])
    reason = forms.CharField(
        label=_("Reason"), max_length=COMMENT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ValidationForm(forms.Form):
    text = forms.CharField(
        label=_("Validation section"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
    )
    in_report = forms.BooleanField(
        label=_("Include the participation summary and this section in the report"), required=False
    )
