"""Files follow their rows: replacing or deleting an attachment, a report logo or an export (or deleting
a whole assessment) removes the old file after the transaction commits, never on rollback; and
``manage.py orphaned_files`` lists, then on request removes, the files no row refers to."""

import datetime
import io
import os
import time

import pytest
from django.apps import apps
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import models, transaction

from assessments.models import Attachment
from assessments.stored_files import file_fields
from reports.models import Report, ReportExport

from .conftest import change_url, finding, finding_post
from .test_attachments import PDF, png_bytes


@pytest.fixture
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored(media):
    return sorted(str(p.relative_to(media)) for p in media.rglob("*") if p.is_file())


def attach(target, content=PDF, name="law.pdf"):
    return Attachment.objects.create(
        finding=target,
        file=ContentFile(content, name=name),
        original_name=name,
        content_type="application/pdf",
    )


def inline_post(target, attachment, **row):
    data = finding_post(
        target,
        **{
            "attachments-TOTAL_FORMS": "1",
            "attachments-INITIAL_FORMS": "1",
            "attachments-0-id": attachment.pk,
            "attachments-0-finding": target.pk,
            "attachments-0-description": "Evidence",
        },
    )
    data.update({f"attachments-0-{key}": value for key, value in row.items()})
    return data


def test_every_file_field_is_followed():
    """Found through the app registry: a model added later is covered without a change here."""
    expected = {
        f"{m._meta.label}.{f.name}"
        for m in apps.get_models()
        for f in m._meta.get_fields()
        if isinstance(f, models.FileField)
    }
    found = {f"{m._meta.label}.{f.name}" for m, fields in file_fields() for f in fields}
    assert found == expected
    assert {
        "assessments.Attachment.file",
        "reports.Report.logo",
        "reports.Report.partner_logo",
        "reports.ReportExport.file",
    } <= found


def test_replacing_an_attachment_in_the_admin_removes_the_old_file(
    client, assessment, members, media, django_capture_on_commit_callbacks
):
    target = finding(assessment, "R.9.1")
    old = attach(target)
    old_name = old.file.name
    client.force_login(members["researcher"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            change_url(target), inline_post(target, old, file=SimpleUploadedFile("new.pdf", PDF + b"%new"))
        )
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.file.name != old_name
    assert stored(media) == [old.file.name]


def test_deleting_an_attachment_in_the_admin_removes_its_file(
    client, assessment, members, media, django_capture_on_commit_callbacks
):
    target = finding(assessment, "R.9.1")
    kept, gone = attach(target, name="kept.pdf"), attach(target, name="gone.pdf")
    client.force_login(members["researcher"])
    data = finding_post(
        target,
        **{
            "attachments-TOTAL_FORMS": "2",
            "attachments-INITIAL_FORMS": "2",
            "attachments-0-id": kept.pk,
            "attachments-0-finding": target.pk,
            "attachments-1-id": gone.pk,
            "attachments-1-finding": target.pk,
            "attachments-1-DELETE": "on",
        },
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(change_url(target), data).status_code == 302
    assert list(Attachment.objects.all()) == [kept]
    assert stored(media) == [kept.file.name]


def test_deleting_an_assessment_removes_all_its_files(
    assessment, members, media, django_capture_on_commit_callbacks
):
    for code in ("R.1.1", "R.9.1", "A.5.1"):
        attach(finding(assessment, code))
    report = Report.objects.create(assessment=assessment, logo=ContentFile(png_bytes(), name="logo.png"))
    ReportExport.objects.create(
        assessment=assessment, content_hash="0" * 64, file=ContentFile(b"%PDF-1.4", name="x.pdf")
    )
    assert len(stored(media)) == 5 and report.logo
    with django_capture_on_commit_callbacks(execute=True):
        assessment.delete()
    assert stored(media) == []


def test_a_rolled_back_delete_keeps_the_file(assessment, media, django_capture_on_commit_callbacks):
    attachment = attach(finding(assessment, "R.9.1"))
    pk, name = attachment.pk, attachment.file.name
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        attachment.delete()
        raise RuntimeError("something later in the same request failed")
    assert callbacks == []
    assert Attachment.objects.filter(pk=pk).exists()
    assert stored(media) == [name]


def test_replacing_and_clearing_a_report_logo(assessment, media, django_capture_on_commit_callbacks):
    report = Report.objects.create(assessment=assessment, logo=ContentFile(png_bytes(), name="a.png"))
    first = report.logo.name
    with django_capture_on_commit_callbacks(execute=True):
        report.logo = ContentFile(png_bytes(), name="b.png")
        report.save()
    assert stored(media) == [report.logo.name] and report.logo.name != first
    with django_capture_on_commit_callbacks(execute=True):
        report.logo = ""
        report.save(update_fields=["logo"])
    assert stored(media) == []


def test_a_file_another_row_still_names_is_kept(assessment, media, django_capture_on_commit_callbacks):
    first = attach(finding(assessment, "R.9.1"))
    second = attach(finding(assessment, "R.1.1"))
    Attachment.objects.filter(pk=second.pk).update(file=first.file.name)  # e.g. a restored copy
    with django_capture_on_commit_callbacks(execute=True):
        first.delete()
    assert first.file.name in stored(media)


@pytest.mark.django_db(transaction=True)
def test_real_commit_and_rollback(assessment, media):
    """Without the test's wrapping transaction: the file goes when the delete commits, not before."""
    attachment = attach(finding(assessment, "R.9.1"))
    name = attachment.file.name
    with pytest.raises(RuntimeError), transaction.atomic():
        Attachment.objects.get(pk=attachment.pk).delete()
        assert stored(media) == [name]  # not yet: the transaction may still roll back
        raise RuntimeError
    assert stored(media) == [name]
    with transaction.atomic():
        Attachment.objects.get(pk=attachment.pk).delete()
        assert stored(media) == [name]
    assert stored(media) == []


# ---- manage.py orphaned_files --------------------------------------------------------------------------


def age(path, hours):
    then = time.time() - hours * 3600
    os.utime(path, (then, then))


def orphaned_files(*args):
    out = io.StringIO()
    call_command("orphaned_files", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def files(assessment, media):
    """Referenced files (an attachment, a logo, an export), two old orphans and a fresh one."""
    attachment = attach(finding(assessment, "R.9.1"))
    report = Report.objects.create(assessment=assessment, logo=ContentFile(png_bytes(), name="logo.png"))
    export = ReportExport.objects.create(
        assessment=assessment, content_hash="0" * 64, file=ContentFile(b"%PDF-1.4", name="x.pdf")
    )
    (media / "attachments" / "left-behind.pdf").write_bytes(PDF)
    (media / "stray").mkdir()
    (media / "stray" / "old.bin").write_bytes(b"x" * 2048)
    (media / "attachments" / "uploading.pdf").write_bytes(PDF)  # its row is being saved right now
    for path in media.rglob("*"):
        if path.is_file() and path.name != "uploading.pdf":
            age(path, hours=3)
    return {"referenced": [attachment.file.name, report.logo.name, export.file.name]}


def test_orphaned_files_dry_run_lists_and_keeps(media, files):
    before = stored(media)
    out = orphaned_files()
    listed = [line.split("\t")[0] for line in out.splitlines() if "\t" in line]
    assert listed == ["attachments/left-behind.pdf", "stray/old.bin"]
    assert "2 orphaned files" in out and "Nothing was removed" in out
    assert stored(media) == before


def test_orphaned_files_delete_removes_only_orphans(media, files):
    out = orphaned_files("--delete")
    assert "2 orphaned files removed" in out
    assert stored(media) == sorted([*files["referenced"], "attachments/uploading.pdf"])
    # Younger files count once they are old enough, if asked.
    out = orphaned_files("--delete", "--older-than", "0")
    assert "removed\tattachments/uploading.pdf" in out
    assert stored(media) == sorted(files["referenced"])
    assert "0 orphaned files" in orphaned_files()


def test_orphaned_files_with_empty_storage(media, db):
    assert not media.exists()
    assert "0 orphaned files" in orphaned_files()


def test_modified_times_are_aware(media, files):
    """The cut-off compares storage times with now (USE_TZ), so the age filter is not off by hours."""
    from assessments.stored_files import orphans

    names = [name for _s, name, _size, _m in orphans(older_than=datetime.timedelta(hours=2))]
    assert names == ["attachments/left-behind.pdf", "stray/old.bin"]
    assert orphans(older_than=datetime.timedelta(hours=4)) == []
