"""Django's widget templates written out in Python, for the admin's large forms.

The finding's change form renders about seventy widgets and 130 ``<option>``s; through Django's form
renderer each is a template (``select.html`` includes ``select_option.html`` per option, each includes
``attrs.html``), which was a third of the page's CPU. The functions below produce the same characters as
those templates do (``tests/assessments/test_admin_rendering.py`` compares them with Django's own output,
widget by widget and for the whole page), so nothing a person sees changes.

A form whose ``bound_field_class`` is ``PythonRenderedBoundField`` renders its widgets this way; a widget whose template
is not one of these (the date and file widgets, the related-object wrapper around selects) still goes
through its template, and so does any widget when the form is given a renderer other than Django's
default one (a renderer could find other templates).
"""

from functools import cache

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.base import render_value_in_context
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe

WIDGETS = "django/forms/widgets/"
OPTION = WIDGETS + "select_option.html"


class _TemplateContext:
    """What ``render_value_in_context`` reads of the context the form renderer makes (Context's
    defaults: autoescape on, the active time zone and localisation settings)."""

    autoescape = True
    use_l10n = None
    use_tz = None


def _var(value):
    """``{{ value }}``"""
    if type(value) is str:
        return escape(value)
    return render_value_in_context(value, _TemplateContext)


def _str(value):
    """``{{ value|stringformat:'s' }}``: the filter makes a string first (no localisation); it keeps a
    safe string safe."""
    text = str(value)
    return text if isinstance(value, SafeData) else escape(text)


def _attrs(attrs):
    """``django/forms/widgets/attrs.html``"""
    out = []
    for name, value in attrs.items():
        if value is not False:
            out.append(" " + _var(name))
            if value is not True:
                out.append('="' + _str(value) + '"')
    return "".join(out)


def _input(widget):
    """``django/forms/widgets/input.html``"""
    value = widget["value"]
    shown = "" if value is None else ' value="' + _str(value) + '"'
    return f'<input type="{_var(widget["type"])}" name="{_var(widget["name"])}"{shown}{_attrs(widget["attrs"])}>\n'


def _option(option):
    """``django/forms/widgets/select_option.html``"""
    return (
        f'<option value="{_str(option["value"])}"{_attrs(option["attrs"])}>{_var(option["label"])}</option>\n'
    )


def _select(widget):
    """``django/forms/widgets/select.html`` (None when an option has a template of its own)."""
    out = [f'<select name="{_var(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _index in widget["optgroups"]:
        if group_name:
            out.append(f'\n  <optgroup label="{_var(group_name)}">')
        for option in group_choices:
            if option["template_name"] != OPTION:
                return None
            out.append("\n  " + _option(option))
        if group_name:
            out.append("\n  </optgroup>")
    out.append("\n</select>\n")
    return "".join(out)


def _textarea(widget):
    """``django/forms/widgets/textarea.html``"""
    value = widget["value"]
    text = _var(value) if value else ""
    return f'<textarea name="{_var(widget["name"])}"{_attrs(widget["attrs"])}>\n{text}</textarea>\n'


# Template name -> the function writing it. The input widgets' own templates are one line including
# input.html, followed by a line break.
TEMPLATES = {
    WIDGETS + "input.html": _input,
    **{
        f"{WIDGETS}{name}.html": lambda widget: _input(widget) + "\n"
        for name in (
            "text",
            "hidden",
            "number",
            "email",
            "url",
            "password",
            "checkbox",
            "date",
            "datetime",
            "time",
            "search",
            "tel",
            "color",
            "file",
        )
    },
    WIDGETS + "select.html": _select,
    WIDGETS + "textarea.html": _textarea,
}


def render(template_name, context):
    """The widget's HTML as its template would write it, or None for a template not written out here.
    (The form renderer strips what a template writes, as this does.)"""
    write = TEMPLATES.get(template_name)
    html = None if write is None else write(context["widget"])
    return None if html is None else html.strip()


class PythonRenderedWidget:
    """Mixed into a widget's class: its template written out in Python when there is a function for it."""

    def _render(self, template_name, context, renderer=None):
        if type(renderer or get_default_renderer()) is DjangoTemplates:
            html = render(template_name, context)
            if html is not None:
                return mark_safe(html)
        return super()._render(template_name, context, renderer)


@cache
def _python_rendered_class(widget_class):
    return type(widget_class.__name__, (PythonRenderedWidget, widget_class), {})


def use_python_rendering(widget):
    """Give this widget (and the select inside the admin's related-object wrapper) Python rendering."""
    inner = getattr(widget, "widget", None)
    if inner is not None and hasattr(widget, "rel"):
        use_python_rendering(inner)
    if not isinstance(widget, PythonRenderedWidget):
        widget.__class__ = _python_rendered_class(type(widget))


class PythonRenderedBoundField(BoundField):
    """A form field whose widget renders through the functions above (``Form.bound_field_class``); the
    widget is the form's own copy, so nothing shared between requests changes."""

    def as_widget(self, widget=None, attrs=None, only_initial=False):
        use_python_rendering(widget or self.field.widget)
        return super().as_widget(widget, attrs, only_initial)
