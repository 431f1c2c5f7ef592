"""The admin's finding form renders its widgets in Python (assessments.admin.rendering): the HTML must be
exactly what Django's widget templates write."""

import datetime
import re
from decimal import Decimal

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from assessments.admin import rendering
from assessments.admin.rendering import use_python_rendering
from assessments.models import Citation, DataPoint
from tests.factories import SourceFactory

from .conftest import change_url, finding, finding_post

CHOICES = [
    ("", "---------"),
    (1, "One & <two>"),
    ("b", gettext_lazy("Draft")),
    ("Group", [("g1", "In a group"), ("g2", 2)]),
    (None, "none"),
    (Decimal("2.5"), mark_safe("<b>safe</b>")),
]

WIDGETS = [
    (forms.TextInput(), 'a "quoted" & <tag>'),
    (forms.TextInput(attrs={"required": True, "disabled": False, "maxlength": 20, "class": "x y"}), None),
    (forms.TextInput(), ""),
    (forms.TextInput(), mark_safe("<i>safe</i>")),
    (forms.HiddenInput(), 7),
    (forms.NumberInput(attrs={"step": "any"}), Decimal("32.90")),
    (forms.NumberInput(), 1234567),
    (forms.EmailInput(), "a@example.org"),
    (forms.URLInput(), "https://example.org/?a=1&b=2"),
    (forms.PasswordInput(), "secret"),
    (forms.DateInput(), datetime.date(2026, 12, 2)),
    (forms.CheckboxInput(), True),
    (forms.CheckboxInput(), False),
    (forms.FileInput(), None),
    (forms.Textarea(attrs={"rows": 12, "lang": "km"}), "line one\nline <two> ភាសាខ្មែរ"),
    (forms.Textarea(), ""),
    (forms.Textarea(), None),
    (forms.Select(choices=CHOICES), "b"),
    (forms.Select(choices=CHOICES), 1),
    (forms.Select(choices=CHOICES), None),
    (forms.Select(choices=CHOICES), "g2"),
    (forms.Select(choices=[]), None),
    (forms.Select(choices=[(1, 1), (2, 1234567), (3, datetime.date(2026, 1, 2))]), 2),
    (forms.SelectMultiple(choices=CHOICES), ["b", "g1"]),
    (forms.NullBooleanSelect(), True),
]


@pytest.mark.parametrize("language", ["en", "km"])
@pytest.mark.parametrize(("widget", "value"), WIDGETS, ids=lambda w: type(w).__name__)
def test_each_widget_renders_exactly_as_its_template(widget, value, language):
    with override(language):
        expected = widget.render("field", value, attrs={"id": "id_field"})
        use_python_rendering(widget)
        assert rendering.render(widget.template_name, widget.get_context("field", value, {"id": "id_f"}))
        assert widget.render("field", value, attrs={"id": "id_field"}) == expected


def test_a_template_not_written_out_still_renders_through_its_template():
    widget = forms.RadioSelect(choices=[("a", "A")])
    expected = widget.render("field", "a")
    use_python_rendering(widget)
    assert widget.render("field", "a") == expected
    assert rendering.render(widget.template_name, widget.get_context("field", "a", {})) is None


def _without_tokens(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def _both_ways(client, monkeypatch, request):
    fast = _without_tokens(request().content.decode())
    with monkeypatch.context() as patched:
        patched.setattr(rendering, "render", lambda template_name, context: None)
        slow = _without_tokens(request().content.decode())
    return fast, slow


@pytest.mark.parametrize("language", ["en", "km"])
def test_the_finding_form_is_the_same_html_as_through_the_templates(
    client, assessment, members, monkeypatch, language
):
    target = finding(assessment, "R.1.1")
    source = SourceFactory(assessment=assessment, title='Law "on" <access> & more')
    SourceFactory(assessment=assessment, title="Another source")
    Citation.objects.create(finding=target, source=source, locator="p. 3 & 4")
    DataPoint.objects.create(finding=target, value=Decimal("32.90"), unit="%", year=2022, source=source)
    target.narrative = "Evidence <b>bold</b> & more\nsecond line"
    target.score = 2
    target.save()
    client.force_login(members["researcher"])
    client.cookies["django_language"] = language
    fast, slow = _both_ways(client, monkeypatch, lambda: client.get(change_url(target)))
    assert fast == slow
    assert "p. 3 &amp; 4" in fast and 'value="32.9"' in fast


def test_the_form_with_errors_and_an_upload_is_the_same_html(client, assessment, members, monkeypatch):
    target = finding(assessment, "R.1.1")
    client.force_login(members["researcher"])

    def post():
        data = finding_post(target, score="99", narrative="Kept <input>")
        data.update({"attachments-TOTAL_FORMS": "1", "attachments-0-description": "a file"})
        data["attachments-0-file"] = SimpleUploadedFile(
            "x.exe", b"MZ", content_type="application/x-msdownload"
        )
        return client.post(change_url(target), data)

    fast, slow = _both_ways(client, monkeypatch, post)
    assert fast == slow
    assert "errorlist" in fast and "Kept &lt;input&gt;" in fast


# -- the form renderer's own templates (labels, error lists, the management form, the related-object wrapper)


def _both_renderers(make):
    """What ``make(renderer)`` writes through Django's renderer, and through ours."""
    from django.forms.renderers import DjangoTemplates

    return make(rendering.PYTHON_TEMPLATES), make(DjangoTemplates())


class _Form(forms.Form):
    name = forms.CharField(label="Name & <title>", max_length=5)
    note = forms.CharField(label=mark_safe("<i>Note</i>"), required=False)
    asked = forms.CharField(label="Asked?", help_text="why")
    secret = forms.CharField(widget=forms.HiddenInput, required=False)


@pytest.mark.parametrize("language", ["en", "km"])
@pytest.mark.parametrize(
    "data", [None, {"name": "too long <x>", "secret": "s"}, {"name": "ok", "asked": "y"}]
)
def test_labels_and_error_lists_render_as_their_templates(data, language):
    def make(renderer):
        form = _Form(data, renderer=renderer, auto_id="id_%s")
        form.required_css_class = "required"
        form.add_error(None, "Whole <form> wrong") if data else None
        out = [str(form[name].errors) for name in form.fields]
        out += [form[name].label_tag() for name in form.fields]
        out += [
            form["name"].label_tag(attrs={"class": "x"}, label_suffix=" :"),
            form["note"].label_tag(tag="span"),
        ]
        out += [str(form.non_field_errors()), form.non_field_errors().as_ul()]
        return out

    with override(language):
        fast, slow = _both_renderers(make)
    assert fast == slow


def test_a_label_without_an_id_is_its_text():
    fast, slow = _both_renderers(lambda renderer: _Form(renderer=renderer, auto_id="")["name"].label_tag())
    assert fast == slow == "Name &amp; &lt;title&gt;:"


@pytest.mark.parametrize(
    "data", [None, {"f-TOTAL_FORMS": "x"}, {"f-TOTAL_FORMS": "1", "f-INITIAL_FORMS": "0"}]
)
def test_a_management_form_renders_as_its_template(data):
    def make(renderer):
        formset = forms.formset_factory(_Form, renderer=renderer)(data, prefix="f")
        return str(formset.management_form)

    fast, slow = _both_renderers(make)
    assert fast == slow
    assert "f-TOTAL_FORMS" in fast


def test_a_form_with_visible_fields_still_renders_through_its_template():
    fast, slow = _both_renderers(lambda renderer: str(_Form({"name": "x"}, renderer=renderer)))
    assert fast == slow
    assert rendering.render("django/forms/div.html", _Form().get_context()) is None


@pytest.mark.parametrize("language", ["en", "km"])
@pytest.mark.parametrize("flags", [(1, 1, 1, 1), (0, 0, 0, 0), (1, 0, 1, 0), (0, 1, 0, 1), (0, 0, 0, 1)])
@pytest.mark.parametrize("hidden", [False, True])
def test_the_related_object_wrapper_renders_as_its_template(flags, hidden, language):
    from django.contrib import admin
    from django.contrib.admin.widgets import RelatedFieldWidgetWrapper

    def make(renderer):
        inner = forms.HiddenInput() if hidden else forms.Select(choices=[("", "---"), (1, "A & B")])
        wrapper = RelatedFieldWidgetWrapper(
            inner,
            Citation._meta.get_field("source").remote_field,
            admin.site,
            can_add_related=flags[0],
            can_change_related=flags[1],
            can_delete_related=flags[2],
            can_view_related=flags[3],
        )
        return wrapper.render("cited-0-source", 1, {"id": "id_cited-0-source"}, renderer=renderer)

    with override(language):
        fast, slow = _both_renderers(make)
    assert fast == slow
    assert "related-widget-wrapper" in fast


def test_the_related_object_wrapper_with_limited_choices_has_no_model_reference(monkeypatch):
    from django.contrib import admin
    from django.contrib.admin.widgets import RelatedFieldWidgetWrapper

    rel = Citation._meta.get_field("source").remote_field
    monkeypatch.setattr(rel, "limit_choices_to", {"type": "law"})

    def make(renderer):
        wrapper = RelatedFieldWidgetWrapper(forms.Select(choices=[]), rel, admin.site, can_add_related=True)
        return wrapper.render("source", None, {}, renderer=renderer)

    fast, slow = _both_renderers(make)
    assert fast == slow and "data-model-ref" not in fast
