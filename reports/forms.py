import re

from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.choices import FindingStatus, StakeholderGroup
from indicators.models import Category
from reports import register
from reports.choices import FollowUpStatus, Priority
from reports.models import MAX_FOLLOW_UP_NOTE, Recommendation
from reports.workspace import MAX_SECTION_CHARS


class SectionForm(forms.Form):
    """The workspace's editor: the text, and the version the author loaded (a stale save is refused)."""

    body = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        strip=False,
        max_length=MAX_SECTION_CHARS,
        widget=forms.Textarea(attrs={"rows": 24, "spellcheck": "true"}),
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    # Filled in when a conflict is shown: the version whose text the author has now seen.
    overwrite_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    overwrite = forms.BooleanField(
        required=False, label=_("Save my text anyway, replacing the other person's text shown above")
    )

    def expected_version(self):
        """The version this save may replace: the loaded one, or — when the author chose to overwrite
        after seeing the other text — the version they saw."""
        data = self.cleaned_data
        if data.get("overwrite") and data.get("overwrite_version") is not None:
            return data["overwrite_version"]
        return data["loaded_version"]


class EvidenceFilter(forms.Form):
    """The filters of the evidence beside the editor (GET)."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(FindingStatus.choices)
    )
    score = forms.ChoiceField(label=_("Score"), required=False)
    core = forms.ChoiceField(
        label=_("Indicators"),
        required=False,
        choices=[("", _("All")), ("core", _("Core only")), ("other", _("Non-core only"))],
    )

    def __init__(self, *args, scale=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["score"].choices = [("", _("Any")), ("none", _("Not scored"))] + [
            (str(n), f"{n} — {name}") for n, name in enumerate(scale, start=1)
        ]

    def filters(self):
        return self.cleaned_data if self.is_valid() else {}


CODE_SPLIT = re.compile(r"[\s,;]+")


class RecommendationForm(forms.ModelForm):
    """The register's add and edit form; findings are named by their indicator codes."""

    finding_codes = forms.CharField(
        label=_("Based on findings (codes)"),
        required=False,
        help_text=_("Indicator codes separated by commas, e.g. A.1.1, R.2.3."),
        widget=forms.TextInput(attrs={"list": "finding-options", "autocomplete": "off"}),
    )

    class Meta:
        model = Recommendation
        fields = ["stakeholder_group", "priority", "text", "categories"]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 5}),
            "categories": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, assessment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assessment = assessment
        self.fields["categories"].queryset = Category.objects.filter(framework=assessment.framework).order_by(
            "order"
        )
        if self.instance.pk and not self.is_bound:
            self.initial["finding_codes"] = ", ".join(f.indicator.code for f in self.instance.findings.all())

    def clean_finding_codes(self):
        codes = list(dict.fromkeys(c for c in CODE_SPLIT.split(self.cleaned_data["finding_codes"]) if c))
        return register.findings_by_codes(self.assessment, codes)


class RegisterFilter(forms.Form):
    stakeholder_group = forms.ChoiceField(
        label=_("Stakeholder group"),
        required=False,
        choices=[("", _("All"))] + list(StakeholderGroup.choices),
    )
    category = forms.ChoiceField(label=_("Category"), required=False)
    priority = forms.ChoiceField(
        label=_("Priority"), required=False, choices=[("", _("Any"))] + list(Priority.choices)
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All"))] + [
            (c.code, f"{c.code} – {c.name}") for c in categories
        ]

    def filters(self):
        return self.cleaned_data if self.is_valid() else {}


class FollowUpForm(forms.Form):
    """One follow-up's edit form: status, evidence note (both languages), sources of this round, and the
    version the author loaded (a stale save is refused, as in the workspace). The sources' choices are
    given by the page (one query for every form on it)."""

    status = forms.ChoiceField(label=_("Implementation status"), choices=FollowUpStatus.choices)
    note = forms.CharField(
        label=_("Evidence note"),
        required=False,
        strip=False,
        max_length=MAX_FOLLOW_UP_NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    note_second = forms.CharField(
        label=_("Evidence note (second language)"),
        required=False,
        strip=False,
        max_length=MAX_FOLLOW_UP_NOTE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    sources = forms.TypedMultipleChoiceField(
        label=_("Sources"), required=False, coerce=int, widget=forms.SelectMultiple(attrs={"size": 5})
    )
    loaded_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    overwrite_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    overwrite = forms.BooleanField(
        required=False, label=_("Save mine anyway, replacing the other person's follow-up shown above")
    )

    def __init__(self, *args, source_choices=(), second_language=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sources"].choices = source_choices
        if not second_language:
            del self.fields["note_second"]

    def expected_version(self):
        data = self.cleaned_data
        if data.get("overwrite") and data.get("overwrite_version") is not None:
            return data["overwrite_version"]
        return data["loaded_version"]


class FollowUpFilter(forms.Form):
    stakeholder_group = forms.ChoiceField(
        label=_("Stakeholder group"),
        required=False,
        choices=[("", _("All"))] + list(StakeholderGroup.choices),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(FollowUpStatus.choices)
    )

    def filters(self):
        return self.cleaned_data if self.is_valid() else {}
