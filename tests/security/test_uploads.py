"""Attachments: checked by content and size, always downloaded as attachments under a safe name, with
nosniff and a sandboxing CSP, and never served to non-members or straight from MEDIA."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse

from assessments.models import Attachment, Finding
from assessments.uploads import download_name
from tests.assessments.conftest import change_url, finding_post

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ROLES = ["researcher", "lead", "mab", "staff"]

HOSTILE_NAMES = {
    'say "hi".pdf': 'say "hi".pdf',
    "line\r\nSet-Cookie: x=1.pdf": "lineSet-Cookie: x=1.pdf",
    "../../etc/passwd.pdf": "passwd.pdf",
    "..\\..\\boot.ini.pdf": "boot.ini.pdf",
    "ក្រមព្រហ្មទណ្ឌ 2009.pdf": "ក្រមព្រហ្មទណ្ឌ 2009.pdf",
    "<img src=x onerror=alert(1)>.pdf": "<img src=x onerror=alert(1)>.pdf",
    "tab\there;.pdf": "tabhere;.pdf",
    ".hidden.pdf": "hidden.pdf",
    "\u202egnp.pdf": "gnp.pdf",  # right-to-left override, which disguises a file's real extension
    "/": "attachment",
}


@pytest.mark.parametrize(
    ("original", "expected"), [*HOSTILE_NAMES.items(), ("\x00nul.pdf", "nul.pdf"), ("", "attachment")]
)
def test_download_name_cleans_the_name(original, expected):
    # NUL cannot even be stored in PostgreSQL; the cleaning does not depend on the database refusing it.
    assert download_name(original) == expected


@pytest.fixture
def r91(assessment):
    return Finding.objects.select_related("assessment").get(assessment=assessment, indicator__code="R.9.1")


def attach(finding, name):
    return Attachment.objects.create(
        finding=finding,
        file=ContentFile(PDF, name="stored.pdf"),
        original_name=name,
        content_type="application/pdf",
        size=len(PDF),
    )


def download_url(attachment):
    return reverse("assessments:attachment", args=[attachment.finding.assessment.code, attachment.pk])


def disposition_name(header):
    """The file name a browser would save under, from a Content-Disposition header."""
    from urllib.parse import unquote

    assert header.startswith("attachment;")
    star = re.search(r"filename\*=utf-8''([^;]+)", header)
    if star:
        return unquote(star.group(1))
    quoted = re.search(r'filename="((?:[^"\\]|\\.)*)"', header)
    return re.sub(r"\\(.)", r"\1", quoted.group(1))


@pytest.mark.parametrize("role", ROLES)
def test_download_headers_for_every_member(client, members, r91, role):
    attachment = attach(r91, "evidence.pdf")
    client.force_login(members[role])
    response = client.get(download_url(attachment))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="evidence.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    csp = response["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(("original", "expected"), HOSTILE_NAMES.items())
def test_download_name_is_safe_for_hostile_names(client, members, r91, original, expected):
    attachment = attach(r91, original)
    client.force_login(members["mab"])
    response = client.get(download_url(attachment))
    response.close()
    assert response.status_code == 200
    header = response["Content-Disposition"]
    assert "\n" not in header and "\r" not in header
    saved = disposition_name(header)
    assert saved == expected
    assert "/" not in saved and "\\" not in saved and saved.isprintable()


def test_upload_with_hostile_name_downloads_under_safe_name(client, members, r91):
    client.force_login(members["researcher"])
    data = finding_post(
        r91,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-file": SimpleUploadedFile('../../"quoted" ក្រម.pdf', PDF),
            "attachments-0-description": "Evidence",
        },
    )
    assert client.post(change_url(r91), data).status_code == 302
    attachment = Attachment.objects.get(finding=r91)
    assert "/" not in attachment.original_name
    response = client.get(download_url(attachment))
    response.close()
    assert disposition_name(response["Content-Disposition"]) == '"quoted" ក្រម.pdf'


def test_download_refused_to_outsiders_and_anonymous(client, members, r91):
    attachment = attach(r91, "evidence.pdf")
    url = download_url(attachment)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")
    client.force_login(members["outsider"])
    assert client.get(url).status_code == 404
    # Not through the admin either: the outsider is staff but not a member, so to them it does not exist.
    assert client.get(change_url(r91)).status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),
        ("image.pdf", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'),
        (
            "drawing.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("setup.docx", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64),
        ("polyglot.csv", b"%PDF-1.4 <script>alert(1)</script>"),
    ],
)
def test_upload_refused_by_content(client, members, r91, name, content):
    client.force_login(members["researcher"])
    data = finding_post(
        r91,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-file": SimpleUploadedFile(name, content),
            "attachments-0-description": "Evidence",
        },
    )
    response = client.post(change_url(r91), data)
    assert response.status_code == 200  # the form again, with the reason
    assert f"“{name}”" in response.content.decode()
    assert not Attachment.objects.exists()


def test_upload_over_the_size_limit_refused(client, members, r91, settings):
    settings.ATTACHMENT_MAX_BYTES = 1000
    client.force_login(members["researcher"])
    data = finding_post(
        r91,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-file": SimpleUploadedFile("big.pdf", PDF + b"0" * 2000),
            "attachments-0-description": "Evidence",
        },
    )
    response = client.post(change_url(r91), data)
    assert response.status_code == 200
    assert "attachments may be at most 1000" in response.content.decode()
    assert not Attachment.objects.exists()


def test_request_over_the_upload_limit_refused_before_the_view(client, members, r91, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client.force_login(members["researcher"])
    data = finding_post(r91, narrative="x" * 5000)
    response = client.post(change_url(r91), data)
    assert response.status_code == 400
    r91.refresh_from_db()
    assert r91.narrative == ""


def test_media_never_served_by_url(client, members, r91, settings):
    attachment = attach(r91, "evidence.pdf")
    client.force_login(members["lead"])
    path = f"/{settings.MEDIA_URL}{attachment.file.name}"
    assert client.get(path).status_code == 404
    # No route serves MEDIA in any mode (a DEBUG-only static() route would be decided at import time).
    with pytest.raises(Resolver404):
        resolve(path)
    urls = (settings.BASE_DIR / "roamx" / "urls.py").read_text()
    assert "MEDIA" not in urls and "static(" not in urls
