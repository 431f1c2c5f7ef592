"""Bilingual fields in the admin: the primary and second language's text side by side, each labelled with
its language (assessments.languages). An assessment without a second language shows only the primary."""

import copy

from django.utils.translation import gettext as _

from assessments.languages import SECOND, language_name


class BilingualAdminMixin:
    # The plain names of the bilingual fields this admin edits (their ``_second`` columns follow them).
    bilingual_fields = ()

    def bilingual_assessment(self, obj):
        return getattr(obj, "assessment", None) if obj is not None else None

    def _pair(self, name, assessment):
        if assessment is not None and not assessment.second_language:
            return name
        return (name, name + SECOND)

    def bilingual_layout(self, fields, obj):
        assessment = self.bilingual_assessment(obj)
        out = []
        for field in fields:
            if field in self.bilingual_fields:
                out.append(self._pair(field, assessment))
            elif (
                isinstance(field, str)
                and field.endswith(SECOND)
                and field[: -len(SECOND)] in self.bilingual_fields
            ):
                continue
            else:
                out.append(field)
        return out

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        return [
            (name, {**opts, "fields": self.bilingual_layout(opts["fields"], obj)}) for name, opts in fieldsets
        ]

    def get_form(self, request, obj=None, **kwargs):
        # The admin makes a new form class per request: label its fields there, not in a subclass (each
        # subclass builds every form field again through the admin's formfield_for_dbfield).
        form = super().get_form(request, obj, **kwargs)
        assessment = self.bilingual_assessment(obj)
        for name in self.bilingual_fields:
            for column, code in (
                (name, assessment.language if assessment else ""),
                (name + SECOND, assessment.second_language if assessment else ""),
            ):
                field = form.base_fields.get(column)
                if field is None:
                    continue
                # A field the form class declares is shared by every request's form: change a copy.
                field = form.base_fields[column] = copy.deepcopy(field)
                base = str(form._meta.model._meta.get_field(name).verbose_name)
                if code:
                    field.label = f"{base[:1].upper()}{base[1:]} — {language_name(code)}"
                    field.widget.attrs["lang"] = code
                elif column == name:
                    field.label = _("%(field)s — primary language") % {"field": base.capitalize()}
                else:
                    field.label = _("%(field)s — second language") % {"field": base.capitalize()}
                field.widget.attrs["class"] = (field.widget.attrs.get("class", "") + " bilingual").strip()
        return form
