from django import forms
from django.utils.translation import gettext_lazy as _

MAX_IMPORT_BYTES = 2 * 1024 * 1024


class FrameworkImportForm(forms.Form):
    edition = forms.SlugField(
        label=_("Edition"),
        initial="iui-2019",
        help_text=_("An existing edition to update (e.g. iui-2019), or a new code to create one."),
    )
    file = forms.FileField(label=_("CSV or XLSX file"), help_text=_("Columns as documented in the README."))
    prune = forms.BooleanField(
        label=_("Remove indicators missing from the file"),
        required=False,
        help_text=_("Indicators that an assessment uses are never removed; the import is refused instead."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name.lower()
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload
