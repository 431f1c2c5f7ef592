"""Attachments: checked by content and size, always downloaded as attachments under a safe name, with
nosniff and a sandboxing CSP, and never served to non-members or straight from MEDIA."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import Resolver404, resolve, reverse

from assessments.models import Attachment, Finding
from assessments.uploads import safe_file_name
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
    "CON.pdf": "_CON.pdf",  # a Windows device name, with any extension
    "nul.tar.gz": "_nul.tar.gz",
    "LPT1": "_LPT1",
    "report.pdf. . ": "report.pdf",  # Windows drops trailing dots and spaces, changing the extension
    "a" * 300 + ".pdf": "a" * 196 + ".pdf",  # at most 200 bytes, extension kept
    "ក" * 100 + ".pdf": "ក" * 65 + ".pdf",  # bytes, not characters: Khmer letters are 3 bytes each
    "zero​width⁦isolate.pdf": "zerowidthisolate.pdf",
}
# Through the admin upload: the names ending in .pdf (the content check wants it), without CR/LF (a
# browser sends them as %0D%0A; the test client would break the multipart header instead).
UPLOADED_NAMES = {
    name: clean for name, clean in HOSTILE_NAMES.items() if name.endswith(".pdf") and "\n" not in name
}


@pytest.mark.parametrize(
    ("original", "expected"), [*HOSTILE_NAMES.items(), ("\x00nul.pdf", "_nul.pdf"), ("", "attachment")]
)
def test_download_name_cleans_the_name(original, expected):
    # NUL cannot even be stored in PostgreSQL; the cleaning does not depend on the database refusing it.
    assert safe_file_name(original) == expected


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


@pytest.mark.parametrize(("original", "expected"), UPLOADED_NAMES.items())
def test_name_is_cleaned_when_stored(client, members, r91, original, expected):
    """The row keeps the clean name, and the storage name is random with only a plain extension."""
    client.force_login(members["researcher"])
    data = finding_post(
        r91,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-file": SimpleUploadedFile(original, PDF),
            "attachments-0-description": "Evidence",
        },
    )
    assert client.post(change_url(r91), data).status_code == 302
    attachment = Attachment.objects.get(finding=r91)
    assert attachment.original_name == expected
    assert re.fullmatch(r"attachments/[0-9a-f]{32}\.pdf", attachment.file.name)
    assert attachment.file.storage.exists(attachment.file.name)


@pytest.mark.parametrize(("original", "expected"), HOSTILE_NAMES.items())
def test_name_is_cleaned_whatever_door_the_row_comes_through(r91, original, expected):
    """A row made by a script or a restore, not the form, keeps a clean name too."""
    assert attach(r91, original).original_name == expected


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


# The report's logos, through the reports admin: each name is stored under a short random name with the
# cleaned extension; long names (over the ImageField's max_length of 100) are shortened, not refused.
LOGO_NAMES = [
    "../../etc/logo.png",
    "logo.p\u202egn.png",
    "CON.png",
    ".hidden\r.png",
    "l" * 246 + ".png",  # 250 characters
    "\u202e\x01\x1b[31m" + "ក" * 120 + "\t\x7f" + "x" * 120 + ".png",  # control, bidi, 3-byte letters
    "<img src=x onerror=alert(1)>" + "a" * 220 + ".PNG",
]


@pytest.mark.parametrize("field", ["logo", "partner_logo"])
@pytest.mark.parametrize("name", LOGO_NAMES)
def test_report_logo_is_stored_under_a_clean_name(
    client, members, assessment, name, field, settings, tmp_path
):
    """The other upload door (the report's logos, reports admin) goes through the same store_upload."""
    from reports.demo import seed_report
    from reports.models import Report
    from tests.assessments.test_attachments import png_bytes

    settings.MEDIA_ROOT = tmp_path
    seed_report(assessment)
    report = Report.objects.get(assessment=assessment)
    client.force_login(members["lead"])
    data = {
        "assessment": assessment.pk,
        "title": "Key findings",
        "local_title": "",
        "subtitle": report.subtitle,
        "series": report.series,
        "scope_note": "",
        "report_date": "",
        field: SimpleUploadedFile(name, png_bytes(), content_type="image/png"),
    }
    response = client.post(reverse("admin:reports_report_change", args=[report.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    report.refresh_from_db()
    stored = getattr(report, field).name
    assert re.fullmatch(r"reports/logos/[0-9a-f]{32}\.png", stored)
    assert [p.name for p in (tmp_path / "reports" / "logos").iterdir()] == [stored.rsplit("/")[-1]]
    # The preview (the PDF's front matter, as a web page) shows it.
    preview = client.get(reverse("reports:preview", kwargs={"code": assessment.code})).content.decode()
    assert preview.count('src="data:image/png;base64,') == 1
