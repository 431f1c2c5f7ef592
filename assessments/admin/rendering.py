"""Django's widget templates written out in Python, for the admin's large forms.

The finding's change form renders about seventy widgets and 130 ``<option>``s; through Django's form
renderer each is a template (``select.html`` includes ``select_option.html`` per option, each includes
``attrs.html``), which was a third of the page's CPU. The functions below produce the same characters as
those templates do (``tests/assessments/test_admin_rendering.py`` compares them with Django's own output,
widget by widget and for the whole page), so nothing a person sees changes.

A form whose ``bound_field_class`` is ``PythonRenderedBoundField`` renders its widgets this way; a form or
formset given the renderer ``PYTHON_TEMPLATES`` (``python_renderer()``) also its labels, error lists, the
formset's management form and the admin's related-object wrapper around selects. A template not written
out here (the date and file widgets' own) still goes through its template, and so does everything when the
project's form renderer is not Django's default one (a renderer could find other templates).
"""

from functools import cache

from django.forms.boundfield import BoundField
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.template.base import render_value_in_context
from django.templatetags.static import static
from django.utils.html import escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext, gettext_noop

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


def _errors(context):
    """``django/forms/errors/list/default.html`` (which includes ``ul.html``)"""
    errors = context["errors"]
    if not errors:
        return ""
    field_id = getattr(errors, "field_id", None)
    shown_id = f' id="{_var(field_id)}_error"' if field_id else ""
    items = "".join(f"<li>{_var(error)}</li>" for error in errors)
    return f'<ul class="{_var(context["error_class"])}"{shown_id}>{items}</ul>'


def _label(context):
    """``django/forms/label.html`` (with ``django/forms/attrs.html``, the same as the widgets' attrs)"""
    label = _var(context["label"])
    if not context["use_tag"]:
        return label
    tag = _var(context["tag"])
    return f"<{tag}{_attrs(context['attrs'] or {})}>{label}</{tag}>"


def _hidden_only_form(context):
    """``django/forms/div.html`` for a form of hidden fields only (a formset's management form); None for
    a form with visible fields."""
    if context["fields"]:
        return None
    errors = context["errors"]
    hidden = "".join(str(field) for field in context["hidden_fields"])
    if errors:
        return f"{errors}\n\n  <div>{hidden}</div>\n\n\n"
    return f"{errors}\n\n\n\n  {hidden}\n\n"


# The wrapper's links in the template's order: the context's flag, the link's kind, the context's URL and
# its parameters, the attributes before its title (``{url}`` where the URL goes), the title and the icon,
# and the indent of its attribute lines (the template indents the view link's one space more).
_RELATED_LINKS = (
    ("can_change_related", "change", "change_related_template_url", "url_params",
     ('data-href-template="{url}"', 'data-popup="yes"'), gettext_noop("Change selected %(model)s"), "changelink", 12),
    ("can_add_related", "add", "add_related_url", "url_params",
     ('data-popup="yes"', 'href="{url}"'), gettext_noop("Add another %(model)s"), "addlink", 12),
    ("can_delete_related", "delete", "delete_related_template_url", "url_params",
     ('data-href-template="{url}"', 'data-popup="yes"'), gettext_noop("Delete selected %(model)s"), "deletelink", 12),
    ("can_view_related", "view", "change_related_template_url", "view_related_url_params",
     ('data-href-template="{url}"',), gettext_noop("View selected %(model)s"), "viewlink", 13),
)  # fmt: skip


def _related_links(context, name, model):
    """The wrapper's links, each with the template's line breaks inside its tags ({% spaceless %} keeps
    them; the whitespace between tags goes)."""
    links = []
    for flag, kind, url_name, params, attributes, title, icon, indent in _RELATED_LINKS:
        if not context[flag]:
            continue
        url = f"{_var(context[url_name])}?{_var(context[params])}"
        lines = [line.format(url=url) for line in attributes] + [
            'title="' + gettext(title) % {"model": model}
        ]
        links.append(
            f'<a class="related-widget-wrapper-link {kind}-related" id="{kind}_id_{name}"\n'
            + "\n".join(" " * indent + line for line in lines)
            + f'"><img src="{escape(static("admin/img/icon-" + icon + ".svg"))}" alt="" width="24" height="24"></a>'
        )
    return links


def _related_widget_wrapper(context):
    """``admin/widgets/related_widget_wrapper.html``"""
    name = _var(context["name"])
    model = _var(context["model"])
    links = [] if context["is_hidden"] else _related_links(context, name, model)
    ref = "" if context["model_has_limit_choices_to"] else f'data-model-ref="{_var(context["model_name"])}"'
    return (
        f'<div class="related-widget-wrapper" {ref}>\n    {_var(context["rendered_widget"])}\n    \n        '
        f"{''.join(links)}\n    \n</div>"
    )


# Templates whose whole context the function reads (the form renderer's, not a widget's).
CONTEXT_TEMPLATES = {
    "django/forms/errors/list/default.html": _errors,
    "django/forms/errors/list/ul.html": _errors,
    "django/forms/label.html": _label,
    "django/forms/div.html": _hidden_only_form,
    "admin/widgets/related_widget_wrapper.html": _related_widget_wrapper,
}


def render(template_name, context):
    """The template's HTML as it would write it, or None for a template not written out here.
    (The form renderer strips what a template writes, as this does.)"""
    write = TEMPLATES.get(template_name)
    if write is not None:
        html = write(context["widget"])
    else:
        write = CONTEXT_TEMPLATES.get(template_name)
        html = None if write is None else write(context)
    return None if html is None else html.strip()


class PythonTemplates(DjangoTemplates):
    """Django's form renderer (the same templates), writing those above in Python: a form or formset given
    it renders its labels, error lists and management form this way too."""

    def render(self, template_name, context, request=None):
        html = render(template_name, context)
        return super().render(template_name, context, request) if html is None else html


PYTHON_TEMPLATES = PythonTemplates()


def python_renderer():
    """The renderer for a form or formset to render with: ours, unless the project's default is not
    Django's (another renderer could find other templates)."""
    return PYTHON_TEMPLATES if type(get_default_renderer()) is DjangoTemplates else None


class PythonRenderedWidget:
    """Mixed into a widget's class: its template written out in Python when there is a function for it."""

    def _render(self, template_name, context, renderer=None):
        if type(renderer or get_default_renderer()) in (DjangoTemplates, PythonTemplates):
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
