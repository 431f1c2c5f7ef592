"""Every refusal of import_assessment (and export_assessment): a clear message, and nothing written."""

import hashlib
import json
import subprocess
import sys
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments.models import Assessment, Attachment, Indicator
from indicators.models import Framework
from tests.backup.conftest import ROOT, database_state, export, import_


def rewrite(src, dst, *, data=None, manifest=None, members=None, rehash=True):
    """A copy of an archive with its data, manifest or members changed; hashes and counts redone if asked."""
    with zipfile.ZipFile(src) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    man = json.loads(contents.pop("manifest.json"))
    if data is not None:
        parsed = json.loads(contents["data.json"])
        data(parsed)
        contents["data.json"] = json.dumps(parsed).encode()
        if rehash:
            man["counts"] = {label: len(rows) for label, rows in parsed["models"].items()}
    if members is not None:
        members(contents)
    if rehash:
        man["files"] = {
            name: {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)}
            for name, body in contents.items()
        }
    if manifest is not None:
        manifest(man)
    with zipfile.ZipFile(dst, "w") as archive:
        for name, body in contents.items():
            archive.writestr(name, body)
        archive.writestr("manifest.json", json.dumps(man))
    return dst


@pytest.fixture
def archive(filled, tmp_path):
    return export("khm-2023", tmp_path)


def refused(path, media, match, **options):
    before = database_state(media)
    with pytest.raises(CommandError, match=match):
        import_(path, **options)
    assert database_state(media) == before


def test_import_refuses_a_file_that_is_not_a_zip(archive, tmp_path, media):
    path = tmp_path / "notes.roamx.zip"
    path.write_bytes(b"these are my notes, not a backup")
    refused(path, media, "damaged or not a roamx archive", code="khm-new")


def test_import_refuses_a_truncated_archive(archive, tmp_path, media):
    path = tmp_path / "cut.roamx.zip"
    path.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    refused(path, media, "damaged", code="khm-new")


def test_import_refuses_a_zip_without_a_manifest(archive, tmp_path, media):
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as other:
        other.writestr("data.json", "{}")
    refused(path, media, "not a roamx archive: it has no manifest.json", code="khm-new")


@pytest.mark.parametrize("member", ["manifest.json", "data.json"])
def test_import_refuses_json_nested_too_deeply(archive, tmp_path, media, member):
    """A crafted archive whose JSON nests 100,000 levels is refused with a message, not a RecursionError."""
    deep = ("[" * 100_000 + "]" * 100_000).encode()

    def nest(contents):
        contents["data.json"] = deep

    if member == "data.json":
        path = rewrite(archive, tmp_path / "deep.zip", members=nest)
    else:
        path = tmp_path / "deep.zip"
        with zipfile.ZipFile(path, "w") as crafted:
            crafted.writestr("manifest.json", deep)
    refused(path, media, f"{member} is nested too deeply", code="khm-new")


def test_import_refuses_a_manifest_of_another_format(archive, tmp_path, media):
    path = rewrite(archive, tmp_path / "x.zip", manifest=lambda m: m.update(format="something-else"))
    refused(path, media, "not a roamx archive", code="khm-new")


def test_import_refuses_an_unknown_format_version(archive, tmp_path, media):
    path = rewrite(archive, tmp_path / "v99.zip", manifest=lambda m: m.update(format_version=99))
    refused(path, media, "format version 99, which this roamx .* cannot read", code="khm-new")


def test_import_refuses_data_that_does_not_match_its_hash(archive, tmp_path, media):
    def edit(data):
        data["models"]["assessments.finding"][0]["fields"]["narrative"] = "changed after the export"

    path = rewrite(archive, tmp_path / "edited.zip", data=edit, rehash=False)
    refused(path, media, "data.json does not match the sha256", code="khm-new")


def test_import_refuses_an_attachment_whose_bytes_changed(archive, tmp_path, media):
    def damage(contents):
        name = next(n for n in contents if n.startswith("files/attachments/") and n.endswith(".pdf"))
        contents[name] = contents[name][:-10] + b"0123456789"

    path = rewrite(archive, tmp_path / "bytes.zip", members=damage, rehash=False)
    refused(path, media, r"files/attachments/.*\.pdf does not match the sha256", code="khm-new")


def test_import_refuses_members_the_manifest_does_not_list(archive, tmp_path, media):
    def extra(contents):
        contents["files/attachments/extra.pdf"] = b"%PDF-1.4 smuggled"

    path = rewrite(archive, tmp_path / "extra.zip", members=extra, rehash=False)
    refused(path, media, "members its manifest does not list: files/attachments/extra.pdf", code="khm-new")


def test_import_refuses_when_the_framework_edition_is_not_loaded(archive, media):
    # The demo's second round (khm-2027) keeps its previous round from being deleted: it goes first.
    Assessment.objects.filter(code="khm-2027").delete()
    Assessment.objects.filter(code="khm-2023").delete()
    Framework.objects.filter(code="iui-2019").delete()
    refused(archive, media, "framework edition 'iui-2019' is not loaded here")


def test_import_refuses_when_the_framework_lacks_an_indicator(archive, media):
    Assessment.objects.filter(code="khm-2027").delete()
    Assessment.objects.filter(code="khm-2023").delete()
    Indicator.objects.filter(framework__code="iui-2019", code="R.1.1").delete()
    refused(archive, media, "lacks indicators the archive uses: R.1.1")


def test_import_refuses_an_existing_code_unless_given_a_new_one(archive, media):
    refused(archive, media, "'khm-2023' already exists here. Restore it under another code with --code")
    refused(archive, media, "'khm-2023' already exists", code="khm-2023")
    refused(archive, media, "not a valid assessment code", code="khm 2023/../x")


def test_import_refuses_an_archive_from_a_newer_schema(archive, tmp_path, media):
    def newer(data):
        data["models"]["assessments.finding"][0]["fields"]["mood"] = "sunny"

    path = rewrite(archive, tmp_path / "newer.zip", data=newer)
    refused(
        path, media, "assessments.finding rows have fields this roamx does not know: mood", code="khm-new"
    )
    path = rewrite(
        archive, tmp_path / "migr.zip", manifest=lambda m: m["migrations"]["review"].append("0099_future")
    )
    refused(path, media, "migrations this one lacks: review.0099_future", code="khm-new")


def test_import_that_fails_midway_leaves_no_rows_and_no_files(archive, tmp_path, media):
    # A second vote by the same member on the same finding breaks a unique constraint after the
    # attachments' files are already in storage: the rows roll back and the files go.
    def duplicate_vote(data):
        votes = data["models"]["review.vote"]
        votes.append({"pk": max(v["pk"] for v in votes) + 1000, "fields": dict(votes[0]["fields"])})

    path = rewrite(archive, tmp_path / "dup.zip", data=duplicate_vote)
    refused(path, media, "Restore failed and was rolled back; nothing was written", code="khm-new")
    assert not Assessment.objects.filter(code="khm-new").exists()


def test_import_refusal_on_the_command_line_has_no_traceback(tmp_path):
    path = tmp_path / "broken.roamx.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_assessment", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path / "var")},
        timeout=120,
    )
    assert result.returncode == 1
    assert "CommandError:" in result.stderr and "damaged or not a roamx archive" in result.stderr
    assert "Traceback" not in result.stderr


def test_export_refuses_an_unknown_code(framework, tmp_path):
    with pytest.raises(CommandError, match="no assessment with the code 'nope'"):
        call_command("export_assessment", "nope", output=str(tmp_path / "x.zip"))
    assert not list(tmp_path.iterdir())


def test_export_refuses_when_an_attachment_file_is_missing_from_storage(filled, tmp_path):
    lost = Attachment.objects.filter(finding__assessment=filled).first()
    lost.file.storage.delete(lost.file.name)
    with pytest.raises(CommandError, match=f"missing from storage.*{lost.file.name}"):
        call_command("export_assessment", "khm-2023", output=str(tmp_path / "x.zip"))
    assert not list(tmp_path.glob("x.zip*"))


def test_import_refuses_a_file_name_that_leaves_storage(archive, tmp_path, media):
    def escape(data):
        data["models"]["assessments.attachment"][0]["fields"]["file"] = "../../outside.pdf"

    def move(contents):
        name = next(n for n in contents if n.startswith("files/attachments/"))
        contents["files/../../outside.pdf"] = contents.pop(name)

    path = rewrite(archive, tmp_path / "escape.zip", data=escape, members=move)
    refused(path, media, "unsafe name: ../../outside.pdf", code="khm-new")
    assert not (media.parent / "outside.pdf").exists() and not (tmp_path / "outside.pdf").exists()


def test_import_refuses_data_of_another_shape(archive, tmp_path, media):
    def reshape(data):
        data["models"]["review.vote"] = [{"fields": {}}]

    path = rewrite(archive, tmp_path / "shape.zip", data=reshape)
    refused(path, media, "not in the shape export_assessment writes", code="khm-new")


def test_export_refuses_a_comment_on_something_the_backup_does_not_hold(filled, tmp_path):
    from django.contrib.contenttypes.models import ContentType

    from review.models import Comment

    indicator = Indicator.objects.get(framework=filled.framework, code="R.1.1")
    Comment.objects.create(
        assessment=filled,
        content_type=ContentType.objects.get_for_model(indicator),
        object_id=indicator.pk,
        author=filled.memberships.first().user,
        author_role="researcher",
        body="A comment on the catalogue, which no page offers.",
    )
    with pytest.raises(CommandError, match="review.comment row is on a indicators.indicator"):
        call_command("export_assessment", "khm-2023", output=str(tmp_path / "x.zip"))
    assert not list(tmp_path.glob("x.zip*"))
