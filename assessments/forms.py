from pathlib import PurePosixPath

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from assessments.choices import CarryOver, FindingStatus
from assessments.models import Attachment, Finding
from assessments.queries import editable_assessments_for, evidence_members
from assessments.rules import settable_statuses
from assessments.services import EditConflict, changed_fields
from assessments.timezones import zone_choices
from assessments.uploads import check_upload, safe_file_name

# The fields researchers edit on a finding; everything else is set by services or the scope.
FINDING_FIELDS = [
    "status",
    "score",
    "special_score",
    "confidence",
    "narrative",
    "narrative_second",
    "assignee",
    "due_date",
]


def time_zone_form_field():
    """The assessment's time zone as a list of IANA names; empty means the country's (see timezones)."""
    return forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        choices=[("", gettext_lazy("— the country's (capital's) zone —")), *zone_choices()],
        required=False,
        help_text=gettext_lazy("Times on every page, mail, export and the PDF are shown in it."),
    )


class FindingAdminForm(forms.ModelForm):
    """The researcher's form. It carries the version it was loaded with, so a stale save is refused."""

    # Not named "version": the model form would copy it onto the instance being edited.
    loaded_version = forms.IntegerField(widget=forms.HiddenInput)
    # Filled in when a conflict is shown: the version the user has now seen the other changes of.
    overwrite_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    overwrite = forms.BooleanField(
        required=False,
        label=gettext_lazy("Save my version anyway, replacing the other person's changes listed above"),
    )
    # Set by FindingAdmin.get_form: the user editing.
    user = None

    class Meta:
        model = Finding
        fields = FINDING_FIELDS
        widgets = {
            "narrative": forms.Textarea(attrs={"rows": 12, "cols": 80}),
            "narrative_second": forms.Textarea(attrs={"rows": 12, "cols": 80}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.conflict = None
        self.expected_version = None
        finding = self.instance
        self.fields["loaded_version"].initial = finding.version
        assessment = finding.assessment
        scale = assessment.scale
        if "status" not in self.fields:
            return  # a read-only view: the admin shows every field as text
        self.fields["score"] = forms.TypedChoiceField(
            label=_("Score"),
            choices=[("", "—")] + [(i, f"{i} — {name}") for i, name in enumerate(scale, start=1)],
            coerce=int,
            empty_value=None,
            required=False,
            help_text=_("The national team's own judgement on the assessment's scale."),
        )
        allowed = settable_statuses(self.user, assessment, finding.status) | {finding.status}
        self.fields["status"].choices = [(s.value, s.label) for s in FindingStatus if s in allowed]
        self.fields["assignee"].queryset = evidence_members(assessment)

    def clean(self):
        cleaned = super().clean()
        finding = self.instance
        if "status" not in self.fields:
            return cleaned
        new_status = cleaned.get("status")
        if (
            new_status
            and new_status != finding.status
            and new_status not in settable_statuses(self.user, finding.assessment, finding.status)
        ):
            self.add_error(
                "status",
                _("A finding cannot go from “%(old)s” to “%(new)s”.")
                % {"old": FindingStatus(finding.status).label, "new": FindingStatus(new_status).label},
            )
        loaded = cleaned.get("loaded_version")
        if loaded is None:
            return cleaned
        if loaded == finding.version:
            self.expected_version = loaded
        elif cleaned.get("overwrite") and cleaned.get("overwrite_version") == finding.version:
            # The user saw what the other person changed and chose to replace it: not silent.
            self.expected_version = finding.version
        else:
            current = Finding.objects.select_related("updated_by").get(pk=finding.pk)
            self.conflict = EditConflict(current, changed_fields(current, loaded))
            data = self.data.copy()
            data[self.add_prefix("overwrite_version")] = current.version
            data[self.add_prefix("overwrite")] = ""
            self.data = data
            raise ValidationError(
                _(
                    "Nothing was saved: someone else saved this finding while you were editing it. "
                    "Your input is kept below. Open the finding again to start from their version, or "
                    "tick “Save my version anyway” to replace it."
                ),
                code="edit_conflict",
            )
        return cleaned


class ShortenedUploadNamesMixin:
    """Upload fields stored under a random, short storage name (store_upload, from safe_file_name): a
    long original name is cleaned and shortened when stored, not refused by the form field's
    ``max_length`` (which measures the uploader's name, not the stored one)."""

    upload_fields = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.upload_fields:
            if name in self.fields:
                self.fields[name].max_length = None


class AttachmentForm(ShortenedUploadNamesMixin, forms.ModelForm):
    upload_fields = ("file",)

    class Meta:
        model = Attachment
        fields = ["file", "description"]
        # A plain file input: the default widget would link to MEDIA_URL, which is never served.
        widgets = {"file": forms.FileInput}

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if isinstance(upload, UploadedFile):
            _kind, content_type = check_upload(upload)
            self.instance.original_name = safe_file_name(upload.name)
            self.instance.content_type = content_type
            self.instance.size = upload.size
        return upload


class SpreadsheetImportForm(forms.Form):
    KIND_CHOICES = [("findings", gettext_lazy("Findings")), ("sources", gettext_lazy("Sources"))]

    assessment = forms.ModelChoiceField(queryset=None, label=gettext_lazy("Assessment"))
    kind = forms.ChoiceField(choices=KIND_CHOICES, label=gettext_lazy("What the file holds"))
    file = forms.FileField(label=gettext_lazy("File (XLSX or CSV)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].queryset = editable_assessments_for(user).order_by("code")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        suffix = PurePosixPath(upload.name).suffix.lower()
        if suffix not in {".xlsx", ".csv"}:
            raise ValidationError(
                _("Upload an .xlsx or .csv file (this one is “%s”).") % (suffix or upload.name)
            )
        if upload.size > 5 * 1024 * 1024:
            raise ValidationError(_("The file is larger than 5 MB; split it."))
        return upload


class NewRoundForm(forms.Form):
    """The lead's choices for a new round (assessments.rounds.start_round)."""

    code = forms.SlugField(
        label=gettext_lazy("Short code of the new round"),
        max_length=40,
        help_text=gettext_lazy("Used in URLs, e.g. khm-2027."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), max_length=300, required=False)
    period_start = forms.DateField(label=gettext_lazy("Period start"), required=False)
    period_end = forms.DateField(label=gettext_lazy("Period end"), required=False)
    carry = forms.MultipleChoiceField(
        label=gettext_lazy("Carry over"),
        choices=CarryOver.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Each carried item is marked as carried and links to its origin; statuses and scores start "
            "again, and the previous round is not changed."
        ),
    )

    def __init__(self, *args, editions=(), **kwargs):
        """``editions``: the frameworks the round can use (``rounds.edition_choices``), the previous
        round's first; the choice is offered only when a crosswalk leads to another."""
        super().__init__(*args, **kwargs)
        self.editions = {framework.code: framework for framework in editions}
        if len(self.editions) > 1:
            current, *newer = editions
            self.fields["edition"] = forms.ChoiceField(
                label=gettext_lazy("Framework edition"),
                choices=[
                    (
                        current.code,
                        _("%(title)s (%(code)s), as the previous round")
                        % {"title": current.title, "code": current.code},
                    )
                ]
                + [
                    (
                        f.code,
                        _("%(title)s (%(code)s), through the crosswalk") % {"title": f.title, "code": f.code},
                    )
                    for f in newer
                ],
                initial=current.code,
                widget=forms.RadioSelect,
                help_text=gettext_lazy(
                    "On a newer edition, evidence is carried through the crosswalk: split indicators get "
                    "the old evidence each, merged ones the old narratives joined; what cannot be carried "
                    "is listed."
                ),
            )
            self.order_fields(["code", "title", "edition"])

    def clean(self):
        data = super().clean()
        data["framework"] = self.editions.get(data.get("edition"))
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period cannot end before it starts."))
        return data
