"""Media on S3-compatible object storage (S3_BUCKET …): attachments, report logos and exported PDFs are
objects in the bucket, private, read back only through roamx's members-only downloads, and removed with
their rows; `orphaned_files` and backups work through the storage API. Against a real S3 HTTP server
(moto_server, tests/infra/conftest.py), nothing of our storage calls replaced."""

import datetime
import html
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from assessments.models import Attachment
from assessments.stored_files import orphans
from reports.choices import ExportStatus
from reports.models import Report, ReportExport
from tests.assessments.conftest import change_url, finding, finding_post
from tests.factories import AttachmentFactory
from tests.reports.conftest import flat, pdf_text

from .conftest import s3_client, s3_objects, settings_value

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def png(colour=(250, 160, 20)):
    buffer = io.BytesIO()
    Image.new("RGB", (60, 30), colour).save(buffer, "PNG")
    return buffer.getvalue()


def upload_attachment(client, target, name, content):
    data = finding_post(
        target,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-file": SimpleUploadedFile(name, content),
            "attachments-0-description": "Evidence",
        },
    )
    return client.post(change_url(target), data)


def upload_logo(client, report_row, content):
    data = {
        "assessment": report_row.assessment_id,
        "title": report_row.title,
        "local_title": "",
        "subtitle": report_row.subtitle,
        "series": report_row.series,
        "scope_note": "",
        "report_date": "",
        "logo": SimpleUploadedFile("cover logo.png", content, content_type="image/png"),
        "_continue": "Save and continue editing",
    }
    return client.post(reverse("admin:reports_report_change", args=[report_row.pk]), data, follow=True)


def public(env, key):
    """Whether the object's ACL lets anyone read it."""
    grants = s3_client(env).get_object_acl(Bucket=env["S3_BUCKET"], Key=key)["Grants"]
    return any(grant["Grantee"].get("URI") == ALL_USERS for grant in grants)


def test_s3_variables_select_the_object_store(s3_env):
    """roamx/settings.py, read by a fresh process: S3_BUCKET and its companions make the default storage."""
    options = settings_value("settings.STORAGES['default']", **s3_env)
    assert "'BACKEND': 'storages.backends.s3.S3Storage'" in options
    assert f"'bucket_name': '{s3_env['S3_BUCKET']}'" in options and "'default_acl': 'private'" in options
    assert f"'endpoint_url': '{s3_env['S3_ENDPOINT_URL']}'" in options
    assert "FileSystemStorage" in settings_value("settings.STORAGES['default']", S3_BUCKET="")


# The db_worker command closes its connection after each task: a transactional database, as in
# tests/reports/test_export.py.
@pytest.mark.django_db(transaction=True)
def test_attachment_logo_and_export_live_in_the_bucket(
    client, report, members, s3_storage, settings, tmp_path
):
    env = s3_storage
    # An attachment, uploaded through the research workspace's finding form.
    target = finding(report, "R.1.1")
    client.force_login(members["researcher"])
    assert upload_attachment(client, target, "Access to Information law.pdf", PDF).status_code == 302
    attachment = Attachment.objects.get(finding=target)
    objects = s3_objects(env)
    assert objects == {attachment.file.name: PDF}
    assert not public(env, attachment.file.name)
    assert not (settings.MEDIA_ROOT / attachment.file.name).exists()  # nothing on this machine's disk

    # A logo, through the report's admin form; the preview reads it back from the bucket.
    report_row = Report.objects.get(assessment=report)
    client.force_login(members["lead"])
    page = upload_logo(client, report_row, png())
    assert page.status_code == 200 and "could not be stored" not in html.unescape(page.content.decode())
    report_row.refresh_from_db()
    assert s3_objects(env)[report_row.logo.name] == png() and not public(env, report_row.logo.name)
    preview = client.get(reverse("reports:preview", kwargs={"code": report.code})).content.decode()
    assert 'src="data:image/png;base64,' in preview

    # An export: rendered by the worker, stored in the bucket, with the logo read from there.
    client.force_login(members["staff"])
    assert client.post(reverse("reports:export", kwargs={"code": report.code})).status_code == 302
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    export = ReportExport.objects.get()
    assert export.status == ExportStatus.DONE, export.error
    stored_pdf = s3_objects(env)[export.file.name]
    assert stored_pdf.startswith(b"%PDF") and not public(env, export.file.name)
    assert "Cambodia" in flat(pdf_text(stored_pdf, tmp_path))

    # Members download all three through roamx; outsiders get 404, strangers the sign-in page.
    attachment_url = reverse("assessments:attachment", args=[report.code, attachment.pk])
    pdf_url = reverse("reports:download", kwargs={"code": report.code, "pk": export.pk})
    client.force_login(members["mab"])
    response = client.get(attachment_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    response = client.get(pdf_url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == stored_pdf
    client.force_login(members["outsider"])
    assert client.get(attachment_url).status_code == 404 and client.get(pdf_url).status_code == 404
    client.logout()
    assert client.get(attachment_url).status_code == 302 and client.get(pdf_url).status_code == 302

    # An object removed behind roamx's back: its download is a 404, not a 500.
    client.force_login(members["mab"])
    s3_client(env).delete_object(Bucket=env["S3_BUCKET"], Key=export.file.name)
    assert client.get(pdf_url).status_code == 404

    # Deleting the rows (and replacing the logo) removes the objects once the transaction commits.
    old_logo = report_row.logo.name
    client.force_login(members["lead"])
    upload_logo(client, Report.objects.get(pk=report_row.pk), png((10, 90, 200)))
    report_row.refresh_from_db()
    attachment.delete()
    export.delete()
    assert set(s3_objects(env)) == {report_row.logo.name} and report_row.logo.name != old_logo
    # A row whose object is gone: 404, not a 500.
    client.force_login(members["mab"])
    assert client.get(attachment_url).status_code == 404


@pytest.mark.django_db
def test_orphaned_files_lists_and_removes_objects_no_row_names(report, members, s3_storage, capsys):
    env = s3_storage
    report_row = Report.objects.get(assessment=report)
    report_row.logo.save("kept.png", SimpleUploadedFile("kept.png", png()))
    s3_client(env).put_object(Bucket=env["S3_BUCKET"], Key="attachments/2026/stray.pdf", Body=PDF)
    found = [name for _storage, name, _size, _modified in orphans(older_than=datetime.timedelta(0))]
    assert found == ["attachments/2026/stray.pdf"]
    call_command("orphaned_files", "--older-than", "0")
    assert "attachments/2026/stray.pdf" in capsys.readouterr().out
    assert "attachments/2026/stray.pdf" in s3_objects(env)  # a dry run removes nothing
    call_command("orphaned_files", "--delete", "--older-than", "0")
    assert set(s3_objects(env)) == {report_row.logo.name}


@pytest.mark.django_db
def test_backup_reads_and_restores_files_through_the_object_store(report, members, s3_storage, tmp_path):
    env = s3_storage
    target = finding(report, "R.1.1")
    attachment = AttachmentFactory(finding=target, file__data=PDF)
    archive = tmp_path / "khm.zip"
    call_command("export_assessment", report.code, "--output", str(archive), verbosity=0)
    with zipfile.ZipFile(archive) as zipped:
        assert zipped.read(f"files/{attachment.file.name}") == PDF
    call_command("import_assessment", str(archive), "--code", "khm-copy", verbosity=0)
    copy = Attachment.objects.exclude(pk=attachment.pk).get()
    assert copy.finding.assessment.code == "khm-copy" and copy.file.name != attachment.file.name
    assert s3_objects(env)[copy.file.name] == PDF


@pytest.mark.django_db
def test_an_unreachable_object_store_is_a_form_message_not_a_500(
    client, report, members, s3_storage, settings
):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**settings.STORAGES["default"]["OPTIONS"], "bucket_name": "no-such-bucket"},
        },
    }
    target = finding(report, "R.1.1")
    client.force_login(members["researcher"])
    data = finding_post(
        target,
        narrative="Saved despite the storage.",
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-0-file": SimpleUploadedFile("law.pdf", PDF),
            "attachments-0-description": "Evidence",
        },
    )
    response = client.post(change_url(target), data, follow=True)
    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "“law.pdf” could not be stored: the server's object storage did not accept it." in page
    assert not Attachment.objects.exists()
    target.refresh_from_db()
    assert target.narrative == "Saved despite the storage."
