"""A source's URL is an http(s) address or nothing — one rule (assessments.fields.validate_web_url) applied
at every door: the admin form, the spreadsheet import and the API. Pages never link anything else, even
a row saved before the rule held."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments.fields import is_web_url, validate_web_url
from assessments.models import Citation, Finding, Source
from tests.api.conftest import token_client
from tests.factories import SourceFactory

from .test_spreadsheets import confirm, preview

# Refused everywhere: (case, value, words of the message the user gets).
REFUSED = [
    ("javascript", "javascript:alert(document.cookie)", "only http:// and https://"),
    ("javascript upper case", "JaVaScRiPt:alert(1)", "only http:// and https://"),
    ("data", "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "only http:// and https://"),
    ("vbscript", "vbscript:msgbox(1)", "only http:// and https://"),
    ("file", "file:///etc/passwd", "only http:// and https://"),
    ("ftp", "ftp://ftp.example.org/report.pdf", "only http:// and https://"),
    ("mailto", "mailto:minister@example.org", "only http:// and https://"),
    ("tel", "tel:+85512345678", "only http:// and https://"),
    ("relative path", "/admin/", "give the full address"),
    ("dot relative", "../report.pdf", "give the full address"),
    ("scheme-relative", "//evil.example/x", "give the full address"),
    ("scheme-less", "www.mptc.gov.kh/law.pdf", "give the full address"),
    ("host and port, no scheme", "example.org:8080/x", "give the full address"),
    ("http without slashes", "http:example.org", "give the full address"),
    ("http, no host", "http://", "no host name"),
    ("https, path only", "https:///etc/passwd", "no host name"),
    ("credentials", "https://user:secret@example.org/", "user name or password"),
    ("user only", "https://evil.example@example.org/", "user name or password"),
    ("newline", "https://example.org/\nSet-Cookie: x=1", "spaces, line breaks or control"),
    ("tab in scheme", "java\tscript:alert(1)", "spaces, line breaks or control"),
    ("space", "https://example.org/a report.pdf", "spaces, line breaks or control"),
    ("NUL", "https://example.org/\x00", "spaces, line breaks or control"),
    ("DEL", "https://example.org/\x7f", "spaces, line breaks or control"),
    ("right-to-left override", "https://example.org/\u202efdp.exe", "spaces, line breaks or control"),
    ("zero-width space", "https://exa\u200bmple.org/", "spaces, line breaks or control"),
    ("no-break space", "https://example.org/\u00a0x", "spaces, line breaks or control"),
    ("broken IPv6 host", "http://[::1/", "Enter a valid URL (an http://"),
    ("bad host", "https://exa_mple..org/", "Enter a valid URL (an http://"),
    # Django and DRF word the length message differently; both name the limit.
    ("over-long", "https://example.org/" + "a" * 1000, "1000 characters"),
]
ACCEPTED = [
    "https://example.org",
    "http://www.mptc.gov.kh/law.pdf",
    "HTTPS://EXAMPLE.ORG/Report.PDF",
    "https://example.org:8443/a?b=c&d=e#p4",
    "https://ក្រសួង.example/ច្បាប់.pdf",
    "https://example.org/" + "a" * 980,
]
IDS = [case for case, _value, _reason in REFUSED]


@pytest.mark.parametrize(("case", "value", "reason"), REFUSED, ids=IDS)
def test_the_rule_refuses(case, value, reason):
    field = Source._meta.get_field("url")
    with pytest.raises(ValidationError) as refused:
        field.clean(value, None)
    assert reason in " ".join(refused.value.messages)
    if case != "over-long":  # the length is the field's (max_length), not the address rule's
        assert not is_web_url(value)


@pytest.mark.parametrize("value", ACCEPTED)
def test_the_rule_accepts(value):
    validate_web_url(value)
    assert Source._meta.get_field("url").clean(value, None) == value


# ---- the admin form ------------------------------------------------------------------------------------


def add_source(client, assessment, url):
    return client.post(
        reverse("admin:assessments_source_add"),
        {"assessment": assessment.pk, "type": "law", "title": "Law on Telecommunications", "url": url},
    )


@pytest.mark.parametrize(("case", "value", "reason"), REFUSED, ids=IDS)
def test_admin_form_shows_a_field_error(client, assessment, members, case, value, reason):
    client.force_login(members["researcher"])
    response = add_source(client, assessment, value)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert list(form.errors) == ["url"]
    assert reason in " ".join(form.errors["url"])
    assert not Source.objects.exists()


@pytest.mark.parametrize("value", ACCEPTED)
def test_admin_form_saves_an_http_address_as_typed(client, assessment, members, value):
    client.force_login(members["researcher"])
    assert add_source(client, assessment, value).status_code == 302
    assert Source.objects.get().url == value


def test_admin_links_only_an_http_address(client, assessment, members):
    """The URL widget's "Currently:" link: Django's default would link ftp:// too."""
    client.force_login(members["researcher"])
    legacy = SourceFactory(assessment=assessment, url="ftp://ftp.example.org/old.pdf")
    good = SourceFactory(assessment=assessment, url="https://example.org/new.pdf")
    page = client.get(reverse("admin:assessments_source_change", args=[legacy.pk])).content.decode()
    assert 'href="ftp://' not in page and "ftp://ftp.example.org/old.pdf" in page  # shown as text to fix
    page = client.get(reverse("admin:assessments_source_change", args=[good.pk])).content.decode()
    assert 'href="https://example.org/new.pdf"' in page


# ---- the spreadsheet import ----------------------------------------------------------------------------


def sources_csv(urls):
    lines = ["id,type,title,author,published,url,accessed"]
    lines += [f',law,Source {i},,,"{url}",' for i, url in enumerate(urls)]
    return "\n".join(lines).encode()


def test_import_reports_each_bad_url_as_a_row_error(client, assessment, members):
    # One file with every refused variant but NUL, which the CSV reader refuses for the whole file,
    # after one good row.
    in_csv = [(case, value, reason) for case, value, reason in REFUSED if "\x00" not in value]
    client.force_login(members["researcher"])
    content = sources_csv(["https://example.org/ok", *[value for _c, value, _r in in_csv]])
    response = preview(client, assessment, "sources.csv", content, kind="sources")
    errors = response.context["errors"]
    assert [row for row, _reason in errors] == list(range(3, 3 + len(in_csv)))
    for (_row, message), (case, _value, reason) in zip(errors, in_csv, strict=True):
        assert reason in message, (case, message)
    assert not Source.objects.exists()


def test_import_refuses_an_invisible_character_in_an_xlsx_cell(client, assessment, members):
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "type", "title", "author", "published", "url", "accessed"])
    sheet.append(["", "law", "Good", "", "", "https://example.org/", ""])
    sheet.append(["", "law", "Hidden link", "", "", "https://example.org/\u202efdp.exe", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(members["researcher"])
    response = preview(client, assessment, "sources.xlsx", buffer.getvalue(), kind="sources")
    assert [row for row, _ in response.context["errors"]] == [3]
    assert not Source.objects.exists()


def test_import_accepts_http_addresses(client, assessment, members):
    client.force_login(members["researcher"])
    response = preview(client, assessment, "sources.csv", sources_csv(ACCEPTED), kind="sources")
    assert not response.context.get("errors")
    confirm(client)
    assert sorted(Source.objects.values_list("url", flat=True)) == sorted(ACCEPTED)


# ---- the API -------------------------------------------------------------------------------------------

API = "/api/assessments/khm-2023/sources/"


@pytest.mark.parametrize(("case", "value", "reason"), REFUSED, ids=IDS)
def test_api_answers_400_with_the_field_error(assessment, members, case, value, reason):
    api = token_client(members["researcher"])
    response = api.post(API, {"type": "law", "title": "Law", "url": value}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert list(body) == ["url"] and reason in body["url"][0]
    assert "Enter a valid URL." not in body["url"]  # no second, generic message from a looser check
    assert not Source.objects.exists()
    # Changing an existing source's URL is refused the same way, and writes nothing.
    source = SourceFactory(assessment=assessment, url="https://example.org/kept")
    response = api.patch(f"{API}{source.pk}/", {"url": value}, format="json")
    assert response.status_code == 400 and reason in response.json()["url"][0]
    source.refresh_from_db()
    assert source.url == "https://example.org/kept"


@pytest.mark.parametrize("value", ACCEPTED)
def test_api_accepts_http_addresses(assessment, members, value):
    api = token_client(members["researcher"])
    response = api.post(API, {"type": "law", "title": "Law", "url": value}, format="json")
    assert response.status_code == 201 and response.json()["url"] == value


def test_api_schema_documents_the_url_as_a_uri(client, assessment, members):
    client.force_login(members["researcher"])
    schema = client.get("/api/schema/", {"format": "json"}).json()
    url = schema["components"]["schemas"]["Source"]["properties"]["url"]
    # A URI of at most 1000 characters, or "" (no URL).
    assert {"type": "string", "format": "uri", "maxLength": 1000} in url["oneOf"]
    assert "https://" in url["description"]


# ---- pages ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stored", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://example.org/x", "/x"]
)
def test_pages_never_link_an_older_bad_url(client, assessment, members, stored):
    """A row saved before the rule (or by raw SQL) is shown without a link, on every page that cites it."""
    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    source = SourceFactory(assessment=assessment, title="Old law", url="https://example.org/")
    Source.objects.filter(pk=source.pk).update(url=stored)  # around the validation, as old rows were
    Citation.objects.create(finding=finding, source=source)
    finding.data_points.create(value="1", year=2020, source=source)
    client.force_login(members["mab"])
    page = client.get(finding.get_absolute_url()).content.decode()
    assert "Old law" in page
    assert f'href="{stored}' not in page
    assert not re.search(r"<a [^>]*>Old law</a>", page)  # cited and in the data table, as text
