import io
import struct
import zipfile
import zlib

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import Attachment
from assessments.uploads import check_upload

from .conftest import change_url, finding, finding_post

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def png_bytes():
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00"))
        + chunk(b"IEND", b"")
    )


def docx_bytes(main="wordprocessingml.document.main+xml", part="word/document.xml"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Override PartName="/{part}" ContentType="application/vnd.openxmlformats-officedocument.{main}"/></Types>',
        )
        package.writestr(part, "<w:document/>")
    return buffer.getvalue()


def xlsx_bytes():
    workbook = openpyxl.Workbook()
    workbook.active.append(["indicator", "value"])
    workbook.active.append(["A.5.1", 32.9])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def plain_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("readme.txt", "hello")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("law.pdf", PDF, "application/pdf"),
        ("chart.png", png_bytes(), "image/png"),
        ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20, "image/jpeg"),
        (
            "notes.docx",
            docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("figures.xlsx", xlsx_bytes(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("data.csv", "indicator,value\nA.5.1,32.9\nKhmer,ភាសាខ្មែរ\n".encode(), "text/csv"),
    ],
)
def test_accepted_files_are_recognised_by_content(name, content, content_type):
    assert check_upload(SimpleUploadedFile(name, content))[1] == content_type


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("page.pdf", b"<html><script>alert(1)</script></html>", "not a file we accept"),  # text, not PDF
        ("tool.png", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 50, "not a file we accept"),
        ("report.png", PDF, "holds a PDF file"),
        ("archive.docx", plain_zip(), "not a file we accept"),
        ("sheet.docx", xlsx_bytes(), "holds a XLSX file"),
        (
            "fake.xlsx",
            docx_bytes(main="presentationml.presentation.main+xml", part="ppt/presentation.xml"),
            "not a file",
        ),
        ("binary.csv", b"a,b\n1,\x00\x01\n", "not a file we accept"),
        ("latin1.csv", "café,1\n".encode("latin-1"), "not a file we accept"),
        ("script.html", b"<html></html>", "not a file we accept"),
        ("empty.pdf", b"", "not a file we accept"),
    ],
)
def test_files_are_refused_by_content_not_name(name, content, reason):
    with pytest.raises(ValidationError, match=reason):
        check_upload(SimpleUploadedFile(name, content))


def test_size_limit_comes_from_settings(settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(ValidationError, match="at most 1.0"):
        check_upload(SimpleUploadedFile("big.pdf", PDF + b" " * 2000))
    assert check_upload(SimpleUploadedFile("small.pdf", PDF))


def upload(client, target, name, content):
    data = finding_post(
        target,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-file": SimpleUploadedFile(name, content),
            "attachments-0-description": "Evidence",
        },
    )
    return client.post(change_url(target), data)


def test_researcher_uploads_an_attachment_under_an_unguessable_name(client, assessment, members):
    target = finding(assessment, "R.9.1")
    client.force_login(members["researcher"])
    response = upload(client, target, "Access to Information draft law.pdf", PDF)
    assert response.status_code == 302
    attachment = Attachment.objects.get(finding=target)
    assert attachment.original_name == "Access to Information draft law.pdf"
    assert attachment.content_type == "application/pdf" and attachment.size == len(PDF)
    assert attachment.uploaded_by == members["researcher"]
    stored = attachment.file.name
    assert stored.startswith("attachments/") and "Access" not in stored and len(stored) > 40


def test_refused_upload_is_a_form_error_and_saves_nothing(client, assessment, members, settings):
    target = finding(assessment, "R.9.1")
    client.force_login(members["researcher"])
    response = upload(client, target, "chart.png", b"<svg onload=alert(1)></svg>")
    assert response.status_code == 200
    assert "“chart.png” is not a file we accept" in response.content.decode()
    settings.ATTACHMENT_MAX_BYTES = 10
    response = upload(client, target, "law.pdf", PDF)
    assert response.status_code == 200 and "attachments may be at most" in response.content.decode()
    assert not Attachment.objects.exists()
    target.refresh_from_db()
    assert target.version == 1


@pytest.fixture
def stored_attachment(client, assessment, members):
    target = finding(assessment, "R.9.1")
    client.force_login(members["researcher"])
    upload(client, target, "evidence.pdf", PDF)
    client.logout()
    return Attachment.objects.get(finding=target)


@pytest.mark.parametrize("role", ["researcher", "lead", "mab", "staff"])
def test_members_download_attachments_safely(client, members, stored_attachment, role):
    client.force_login(members[role])
    url = reverse("assessments:attachment", args=["khm-2023", stored_attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="evidence.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"


def test_outsiders_and_strangers_cannot_download(client, members, stored_attachment, other_assessment):
    url = reverse("assessments:attachment", args=["khm-2023", stored_attachment.pk])
    assert client.get(url).status_code == 302  # anonymous: sign in first
    client.force_login(members["outsider"])
    assert client.get(url).status_code == 404
    # Guessing the attachment's id under an assessment one belongs to does not work either.
    assert (
        client.get(reverse("assessments:attachment", args=["tha-2024", stored_attachment.pk])).status_code
        == 404
    )
    # Media files are never served by URL.
    assert client.get("/media/" + stored_attachment.file.name).status_code == 404
