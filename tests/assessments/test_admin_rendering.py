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
