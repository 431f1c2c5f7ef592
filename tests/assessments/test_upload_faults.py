"""An attachment whose file cannot be stored — a full disk, a read-only or an immutable storage, each made
for real (a tiny tmpfs, a read-only tmpfs mount, `chattr +i`; root ignores file modes, so chmod would
prove nothing): the researcher gets a clear message on the finding's form, the finding keeps the other
changes of the same save, and neither a partly written file nor an Attachment row is left behind."""

import html
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Attachment

from .conftest import change_url, finding, finding_post

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
BIG_PDF = PDF + b" " * 200_000  # more than the tiny disk holds: the write fails part-way


def run(*command):
    subprocess.run(command, check=True, capture_output=True)


@pytest.fixture
def media(tmp_path, settings):
    """MEDIA_ROOT on a storage that refuses writes, in one of three real ways; returns (root, remedy)."""
    root = tmp_path / "media"
    root.mkdir()
    mounted, immutable = [], []

    def make(fault):
        if fault == "disk full":
            run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(root))
            mounted.append(root)
        elif fault == "read-only":
            run("mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", str(root))
            mounted.append(root)
        else:
            (root / "attachments").mkdir()
            run("chattr", "+i", str(root / "attachments"))
            immutable.append(root / "attachments")
        settings.MEDIA_ROOT = root
        return root

    def remedy():
        """What an administrator does: room on the disk, a writable mount, the flag removed."""
        for path in mounted:
            run("mount", "-o", "remount,rw,size=1m", str(path))
        for path in immutable:
            run("chattr", "-i", str(path))

    yield make, remedy
    for path in immutable:
        subprocess.run(["chattr", "-i", str(path)], check=False)
    for path in mounted:
        subprocess.run(["umount", str(path)], check=False)


def files_under(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def save_with_upload(client, target, content, **fields):
    data = finding_post(
        target,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-file": SimpleUploadedFile("law.pdf", content),
            "attachments-0-description": "Draft law",
            **fields,
        },
    )
    return client.post(change_url(target), data, follow=True)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("disk full", "the server's disk is full"),
        ("read-only", "the server may not write to its file storage"),
        ("immutable", "the server may not write to its file storage"),
    ],
)
def test_upload_that_cannot_be_stored_keeps_the_other_changes(
    client, assessment, members, media, fault, reason
):
    make, remedy = media
    root = make(fault)
    target = finding(assessment, "R.9.1")
    client.force_login(members["researcher"])
    response = save_with_upload(
        client, target, BIG_PDF, status="draft", score="3", narrative="The draft law was published in 2022."
    )
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert f"“law.pdf” could not be stored: {reason}. Your other changes were saved" in page
    target.refresh_from_db()
    assert target.narrative == "The draft law was published in 2022." and target.score == 3
    assert target.version == 2
    assert not Attachment.objects.exists()
    assert files_under(root) == []  # the part written before the disk filled up was removed

    # Once the storage is fixed, the same upload goes through.
    remedy()
    response = save_with_upload(client, target, BIG_PDF)
    assert "could not be stored" not in response.content.decode()
    attachment = Attachment.objects.get(finding=target)
    assert files_under(root) == [attachment.file.name]
    assert (root / attachment.file.name).read_bytes() == BIG_PDF


def noise_png(size=300):
    """A PNG that does not compress (random pixels): about 270 kB, more than the tiny disk holds."""
    import io
    import os

    from PIL import Image

    buffer = io.BytesIO()
    Image.frombytes("RGB", (size, size), os.urandom(size * size * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_report_logo_that_cannot_be_stored_keeps_the_other_changes(client, assessment, members, media):
    """The other upload path: the report's logos (reports admin); the attachment rule holds there too."""
    from django.urls import reverse

    from reports.demo import seed_report
    from reports.models import Report

    make, _remedy = media
    root = make("disk full")
    seed_report(assessment)
    report = Report.objects.get(assessment=assessment)
    client.force_login(members["lead"])
    data = {
        "assessment": assessment.pk,
        "title": "Key findings, revised",
        "local_title": "",
        "subtitle": report.subtitle,
        "series": report.series,
        "scope_note": "",
        "report_date": "",
        "logo": SimpleUploadedFile("logo.png", noise_png(), content_type="image/png"),
        "_continue": "Save and continue editing",
    }
    response = client.post(reverse("admin:reports_report_change", args=[report.pk]), data, follow=True)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "“logo.png” could not be stored: the server's disk is full. Your other changes were saved" in page
    report.refresh_from_db()
    assert report.title == "Key findings, revised" and not report.logo
    assert files_under(root) == []
