"""An assessment exported and restored: every field of every row, every file's bytes, every history entry."""

import io
import json
import zipfile

from django.core.management import call_command

from assessments.models import Finding, Source
from reports.models import ReportExport
from review.models import LastSeen
from roamx.backup import MANIFEST
from tests.backup.conftest import CSV_BYTES, PDF_BYTES, database_state, export, import_
from tests.backup.snapshot import SELECTED, snapshot


def check_filled(picture):
    """The comparison means something only if the picture has every kind of thing in it."""
    assert len(picture["assessments.attachment"]) == 3
    assert (
        picture["reports.report"][0]["logo"]["sha256"]
        and picture["reports.report"][0]["partner_logo"]["size"]
    )
    assert {"+", "~", "-"} <= {r["history_type"] for r in picture["assessments.historicalcitation"]}
    assert any(r["history_type"] == "-" for r in picture["assessments.historicalsource"])
    assert any(
        r["history_change_reason"] == "reworded after the workshop"
        for r in picture["assessments.historicalfinding"]
    )
    assert any(r["history_type"] == "-" for r in picture["assessments.historicaldatapoint"])
    assert any(r["parent"] is not None for r in picture["review.comment"])
    assert any(r["mentions"] for r in picture["review.comment"])
    assert {r["content_type"] for r in picture["review.comment"]} == {
        "assessments.finding",
        "reports.reportsection",
        "reports.recommendation",
    }
    assert picture["review.vote"] and any(r["history_id"] is not None for r in picture["review.lastseen"])
    assert len(picture["review.notification"]) == 2 and picture["review.notificationpreference"]
    assert any(r["findings"] for r in picture["reports.recommendation"])
    assert any(r["categories"] for r in picture["reports.recommendation"])


def test_export_then_import_into_another_database_restores_everything(filled, tmp_path, other_database):
    before = snapshot("khm-2023")
    check_filled(before)
    path = export("khm-2023", tmp_path)

    result = other_database.manage("import_assessment", str(path))
    assert "Restored khm-2023" in result.stdout
    assert "created without a password" in result.stdout
    after = json.loads(other_database.run("tests/backup/snapshot.py", "khm-2023").stdout)

    # The other database had nobody: everyone is created, without a password.
    assert before.pop("usable_passwords") == dict.fromkeys(before["users"], True)
    assert after.pop("usable_passwords") == dict.fromkeys(before["users"], False)
    # ... and never as superusers, whatever they were where the archive was made.
    assert before["users"]["admin"].pop("is_superuser") is True
    assert {name: u.pop("is_superuser") for name, u in after["users"].items()} == dict.fromkeys(
        before["users"], False
    )
    for user in before["users"].values():
        user.pop("is_superuser", None)
    assert set(after) == set(before)
    for label in before:
        assert after[label] == before[label], label
    # The files themselves, byte for byte, under the same names in the other storage.
    by_name = {a["original_name"]: a["file"]["name"] for a in before["assessments.attachment"]}
    assert (other_database.media / by_name["Press law 1995.pdf"]).read_bytes() == PDF_BYTES
    assert (other_database.media / by_name["survey.csv"]).read_bytes() == CSV_BYTES
    excluded = other_database.manage(
        "shell",
        "-c",
        "from reports.models import *; print(ReportExport.objects.count(), ChapterCache.objects.count())",
    )
    assert excluded.stdout.strip().splitlines()[-1].split() == ["0", "0"]

    # The restored assessment backs up again to the same rows and files (from a command outside any
    # transaction, as cron runs it).
    again = tmp_path / "again.roamx.zip"
    other_database.manage("export_assessment", "khm-2023", "--output", str(again))
    first, second = manifest_of(path), manifest_of(again)
    assert second["counts"] == first["counts"]
    files = {n: f["sha256"] for n, f in first["files"].items() if n != "data.json"}
    assert len(files) == 5
    assert {n: f["sha256"] for n, f in second["files"].items() if n != "data.json"} == files


def manifest_of(path):
    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read(MANIFEST))


def test_export_writes_a_manifest_with_counts_versions_and_hashes(filled, tmp_path):
    path = export("khm-2023", tmp_path)
    assert path.stat().st_mode & 0o777 == 0o600
    with zipfile.ZipFile(path) as archive:
        manifest = json.loads(archive.read(MANIFEST))
        members = set(archive.namelist())
    assert manifest["format"] == "roamx-assessment" and manifest["format_version"] == 1
    assert (manifest["assessment"], manifest["framework"]) == ("khm-2023", "iui-2019")
    assert manifest["roamx_version"] and manifest["exported_at"].endswith("+00:00")
    assert manifest["counts"]["assessments.finding"] == 130
    assert manifest["counts"]["assessments.attachment"] == 3
    assert set(manifest["counts"]) == set(SELECTED)
    assert members == set(manifest["files"]) | {MANIFEST}
    assert len([m for m in members if m.startswith("files/")]) == 5  # three attachments, two logos
    assert all(len(entry["sha256"]) == 64 for entry in manifest["files"].values())


def test_export_default_name_has_the_code_and_utc_time(filled, tmp_path):
    out = io.StringIO()
    call_command("export_assessment", "khm-2023", output=str(tmp_path), stdout=out)
    (written,) = tmp_path.glob("*.roamx.zip")
    assert written.name.startswith("khm-2023-") and written.name.endswith("Z.roamx.zip")
    assert not list(tmp_path.glob("*.partial"))


def test_import_with_a_new_code_restores_a_copy_beside_the_original(filled, tmp_path, media):
    path = export("khm-2023", tmp_path)
    _counts, files_before = database_state(media)
    output = import_(path, code="khm-copy")
    assert "Restored khm-copy" in output and "Users matched by username: admin, lead" in output

    original, copy = snapshot("khm-2023"), snapshot("khm-copy")
    original["assessments.assessment"][0]["code"] = "khm-copy"
    for row in original["review.notification"]:
        row["url"] = row["url"].replace("/a/khm-2023/", "/a/khm-copy/")
    # Files are copied, never shared or overwritten: same bytes under new names.
    for picture in (original, copy):
        for label in ("assessments.attachment", "reports.report"):
            for row in picture[label]:
                for key in ("file", "logo", "partner_logo"):
                    if row.get(key):
                        row[key]["name"] = row[key]["name"].rsplit("/", 1)[0]
    for label in original:
        assert copy[label] == original[label], label
    _counts, files_after = database_state(media)
    assert set(files_before) < set(files_after) and len(files_after) == 2 * len(files_before)

    # New ids, and history, last-seen records and new rows find the right rows afterwards.
    draft = Finding.objects.get(assessment__code="khm-copy", narrative__endswith="Reworded.")
    twin = Finding.objects.get(assessment__code="khm-2023", indicator=draft.indicator)
    assert draft.pk != twin.pk
    assert list(draft.history.values_list("history_change_reason", "version")) == list(
        twin.history.values_list("history_change_reason", "version")
    )
    seen = LastSeen.objects.get(finding=draft)
    assert draft.history.filter(history_id=seen.history_id).exists()
    fresh = Source.objects.create(assessment=draft.assessment, type="web", title="New after the restore")
    assert list(fresh.history.values_list("history_type", flat=True)) == ["+"]
    assert not ReportExport.objects.filter(assessment__code="khm-copy").exists()


def test_import_check_verifies_without_writing(filled, tmp_path, media):
    path = export("khm-2023", tmp_path)
    before = database_state(media)
    output = import_(path, code="khm-copy", check=True)
    assert "is intact and can be restored here as khm-copy" in output
    assert "would match by username: admin, lead, researcher, reviewer, staff." in output
    assert "would create without a password: none." in output
    assert database_state(media) == before


def test_export_all_writes_one_archive_per_assessment(filled, tmp_path):
    from assessments.services import create_assessment

    create_assessment(
        code="lao-2024", title="Laos", country_code="LAO", country_name="Laos", framework=filled.framework
    )
    out = io.StringIO()
    call_command("export_assessment", all=True, output=str(tmp_path), stdout=out)
    # The demo's two Cambodian rounds and the new one: an archive each, each round on its own.
    archives = sorted(p.name.split(".roamx")[0].rsplit("-", 1)[0] for p in tmp_path.glob("*.roamx.zip"))
    assert [name[:8] for name in archives] == ["khm-2023", "khm-2027", "lao-2024"]
    assert {manifest_of(p)["assessment"] for p in tmp_path.glob("*.roamx.zip")} == {
        "khm-2023",
        "khm-2027",
        "lao-2024",
    }
