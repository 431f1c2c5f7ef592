from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.choices import SpecialScore
from assessments.languages import language_name
from review.choices import CommentStatus, Disposition, Verdict
from review.models import NotificationPreference

BODY_WIDGET = forms.Textarea(attrs={"rows": 4})


class CommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=BODY_WIDGET, max_length=10_000)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditCommentForm(forms.Form):
    body = forms.CharField(label=_("Comment"), widget=BODY_WIDGET, max_length=10_000)


class ResolveForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("Disposition"),
        choices=[("", _("— choose —")), *Disposition.choices],
        required=False,
        help_text=_("Required for a MAB member's comment."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=5_000,
        help_text=_("Goes into the comment-response matrix."),
    )
    # Names the text the resolver read (Comment.text_digest): a resolution never answers an edited text.
    text_digest = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)


class VoteForm(forms.Form):
    # No initial value, on purpose: the member chooses, every time.
    verdict = forms.ChoiceField(
        label=_("Your validation"),
        choices=Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose “endorse” or “needs revision”: nothing is recorded until you do."),
            "invalid_choice": _("Choose “endorse” or “needs revision”."),
        },
    )
    body = forms.CharField(
        label=_("Comment"),
        widget=BODY_WIDGET,
        required=False,
        max_length=10_000,
        help_text=_("Required when you ask for revision: say what should change."),
    )


class ReviseForm(forms.Form):
    narrative = forms.CharField(
        label=_("Narrative evidence"), widget=forms.Textarea(attrs={"rows": 10}), required=False
    )
    score = forms.TypedChoiceField(label=_("Score"), coerce=int, empty_value=None, required=False)
    special_score = forms.ChoiceField(
        label=_("No score because"), choices=[("", "—"), *SpecialScore.choices], required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, assessment, **kwargs):
        super().__init__(*args, **kwargs)
        # A bilingual assessment revises both texts: the primary one and the second-language one.
        if assessment.second_language and assessment.second_language != assessment.language:
            primary, second = language_name(assessment.language), language_name(assessment.second_language)
            self.fields["narrative"].label = _("Narrative evidence (%(language)s)") % {"language": primary}
            self.fields["narrative_second"] = forms.CharField(
                label=_("Narrative evidence (%(language)s)") % {"language": second},
                widget=forms.Textarea(attrs={"rows": 10, "lang": assessment.second_language}),
                required=False,
            )
            self.fields["narrative"].widget.attrs["lang"] = assessment.language
            self.order_fields(["narrative", "narrative_second"])
        self.fields["score"].choices = [("", "—")] + [
            (i, f"{i} — {label}") for i, label in enumerate(assessment.scale, start=1)
        ]


class PreferenceForm(forms.ModelForm):
    class Meta:
        model = NotificationPreference
        fields = ["frequency"]
        widgets = {"frequency": forms.RadioSelect}


class MatrixFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *CommentStatus.choices], required=False
    )
    disposition = forms.ChoiceField(
        label=_("Disposition"), choices=[("", _("Any")), *Disposition.choices], required=False
    )
    item = forms.ChoiceField(
        label=_("Item"),
        choices=[
            ("", _("Any")),
            ("findings", _("Findings")),
            ("report", _("Report content")),
        ],
        required=False,
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    commenter = forms.ChoiceField(label=_("Commenter"), required=False)

    def __init__(self, *args, categories, commenters, **kwargs):
        super().__init__(*args, **kwargs)
        # Each category in the reader's language where the catalogue has it (``localise`` sets ``local``).
        self.fields["category"].choices = [("", _("Any"))] + [
            (c.code, f"{c.code} · {c.local.text if getattr(c, 'local', None) else c.name}")
            for c in categories
        ]
        self.fields["commenter"].choices = [("", _("Any"))] + [
            (u.username, u.get_full_name() or u.username) for u in commenters
        ]
