"""The crosswalk import: every refusal named with its row, all or nothing, the dry run writes nothing."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from indicators.choices import Relation
from indicators.crosswalks import mapping
from indicators.models import Crosswalk, CrosswalkLink
from tests.editions import CROSSWALK, NEW, OLD, crosswalk_bytes, make_editions

pytestmark = pytest.mark.django_db


@pytest.fixture
def editions():
    return make_editions(with_crosswalk=False)


def run(tmp_path, rows=CROSSWALK, *args, name="walk.csv", content=None):
    path = tmp_path / name
    path.write_bytes(crosswalk_bytes(rows) if content is None else content)
    out = io.StringIO()
    with translation.override("en"):  # the file reader's messages are translated
        call_command("import_crosswalk", str(path), "--from", OLD, "--to", NEW, *args, stdout=out)
    return out.getvalue()


def refused(tmp_path, rows=CROSSWALK, *args, **kwargs):
    with pytest.raises(CommandError) as error:
        run(tmp_path, rows, *args, **kwargs)
    return str(error.value)


def test_import_and_mapping(editions, tmp_path):
    old, new = editions
    out = run(tmp_path, CROSSWALK, "--source", "UNESCO 2025 revision", "--licence", "CC BY-SA 3.0 IGO")
    assert "Imported the crosswalk tst-2019 → tst-2025 (new): 9 rows — 3 same" in out
    assert "2 split, 2 merged, 1 new, 1 dropped" in out
    crosswalk = Crosswalk.objects.get()
    assert (crosswalk.from_framework, crosswalk.to_framework) == (old, new)
    assert crosswalk.source == "UNESCO 2025 revision"
    walk = mapping(old, new)
    assert [link.new_code for link in walk.targets["R.1.2"]] == ["R.1.2", "R.1.4"]
    assert [link.old_code for link in walk.origins["O.1.1"]] == ["O.1.1", "O.1.2"]
    assert walk.targets["R.1.3"][0].relation == Relation.DROPPED
    assert walk.targets["R.1.3"][0].note == "Folded into the review of the law"
    assert walk.origins["R.2.1"][0].old_code is None


def test_dry_run_writes_nothing_and_says_what_would_happen(editions, tmp_path):
    out = run(tmp_path, CROSSWALK, "--dry-run")
    assert "Would import the crosswalk" in out and "row 4: R.1.2 → R.1.4 (split)" in out
    assert "row 10: – → R.2.1 (new)" in out
    assert not Crosswalk.objects.exists() and not CrosswalkLink.objects.exists()


def test_loaded_twice_is_refused_unless_replace(editions, tmp_path):
    run(tmp_path)
    first = set(CrosswalkLink.objects.values_list("pk", flat=True))
    assert "already loaded (9 rows); use --replace" in refused(tmp_path)
    assert set(CrosswalkLink.objects.values_list("pk", flat=True)) == first
    # --replace is all or nothing too: a bad file leaves the loaded crosswalk as it was.
    bad = [*CROSSWALK[:-1], ("", "R.2.1", "renamed", "")]
    assert "unknown relation “renamed”" in refused(tmp_path, bad, "--replace")
    assert set(CrosswalkLink.objects.values_list("pk", flat=True)) == first
    rows = [row if row[0] != "A.1.1" else ("A.1.1", "A.1.1", "same", "checked") for row in CROSSWALK]
    assert "replacing the one loaded" in run(tmp_path, rows, "--replace")
    assert CrosswalkLink.objects.get(old_code="A.1.1").note == "checked"
    assert CrosswalkLink.objects.count() == 9 and Crosswalk.objects.count() == 1


def replaced(old, new):
    """CROSSWALK with the row ``old`` replaced by ``new`` (None: removed; a list: several rows)."""
    rows = []
    for row in CROSSWALK:
        if row[:2] == old:
            rows.extend([] if new is None else new if isinstance(new, list) else [new])
        else:
            rows.append(row)
    return rows


@pytest.mark.parametrize(
    ("rows", "messages"),
    [
        (
            replaced(("R.1.1", "R.1.1"), ("R.9.9", "R.1.1", "same", "")),
            ["Row 2: R.9.9 is not an indicator of tst-2019"],
        ),
        (
            replaced(("R.1.1", "R.1.1"), ("R.1.1", "R.1.3", "same", "")),
            ["Row 2: R.1.3 is not an indicator of tst-2025"],
        ),
        (replaced(("R.1.1", "R.1.1"), ("R.1.1", "R.1.1", "kept", "")), ["Row 2: unknown relation “kept”"]),
        (replaced(("R.1.1", "R.1.1"), ("R.1.1", "", "same", "")), ["Row 2: no new code"]),
        (replaced(("", "R.2.1"), ("R.1.1", "R.2.1", "new", "")), ["Row 10: a new indicator has no old code"]),
        (
            replaced(("R.1.3", ""), ("R.1.3", "R.1.1", "dropped", "")),
            ["Row 5: a dropped indicator has no new code"],
        ),
        # same is one old ↔ one new
        (
            replaced(("R.1.2", "R.1.4"), ("R.1.2", "R.1.4", "same", "")),
            ["Row 4: R.1.2 is on rows 3, 4: an old code on several rows must be split on each"],
        ),
        # split: one old → several new, each row split
        (
            replaced(("R.1.2", "R.1.4"), [("R.1.3", "R.1.4", "split", "")]),
            [
                "Row 3: R.1.2 is split into one indicator only",
                "Row 5: R.1.3 is on rows 4, 5: an old code on several rows must be split on each",
            ],
        ),
        (
            [*replaced(("R.1.2", "R.1.4"), None), ("", "R.1.4", "new", "")],
            ["R.1.2 is split into one indicator only"],
        ),
        # merged: several old → one new, each row merged
        (
            replaced(("O.1.2", "O.1.1"), ("O.1.2", "O.1.1", "same", "")),
            ["Row 7: O.1.1 is on rows 6, 7: a new code on several rows must be merged on each"],
        ),
        (
            [*replaced(("O.1.2", "O.1.1"), None), ("O.1.2", "", "dropped", "")],
            ["O.1.1 is merged from one indicator only"],
        ),
        # every indicator of both editions covered
        (
            replaced(("A.1.1", "A.1.1"), None),
            ["A.1.1 of tst-2019 is not on any row", "A.1.1 of tst-2025 is not on any row"],
        ),
        (replaced(("", "R.2.1"), None), ["R.2.1 of tst-2025 is not on any row"]),
        (replaced(("R.1.3", ""), None), ["R.1.3 of tst-2019 is not on any row"]),
        ([*CROSSWALK, ("A.1.1", "A.1.1", "same", "again")], ["Row 11: the same link as row 8"]),
        (
            replaced(("A.1.1", "A.1.1"), ("A.1.1", "A.1.1", "same", "x" * 1001)),
            ["Row 8: the note is longer than 1000"],
        ),
        (
            replaced(("A.1.1", "A.1.1"), ("A.1.1\x1b[31m", "A.1.1", "same", "")),
            ["Row 8: A.1.1\\x1b[31m is not an"],
        ),
    ],
)
def test_refusals_name_the_row_and_write_nothing(editions, tmp_path, rows, messages):
    error = refused(tmp_path, rows)
    assert "The crosswalk was refused; nothing was changed." in error
    for message in messages:
        assert message in error
    assert not Crosswalk.objects.exists()


def test_every_bad_row_is_reported_at_once(editions, tmp_path):
    rows = [("R.9.9", "R.1.1", "same", ""), ("R.1.1", "R.1.1", "maybe", ""), *CROSSWALK[1:]]
    error = refused(tmp_path, rows)
    assert "Row 2: R.9.9 is not" in error and "Row 3: unknown relation “maybe”" in error


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", OLD, "--to", OLD], "both are “tst-2019”"),
        (["--from", "iui-2031", "--to", NEW], "No framework edition “iui-2031”"),
        (["--from", OLD, "--to", "x\x00y"], "No framework edition “x\\x00y”"),
    ],
)
def test_editions_refused(editions, tmp_path, args, message):
    path = tmp_path / "walk.csv"
    path.write_bytes(crosswalk_bytes())
    with pytest.raises(CommandError, match="refused") as error:
        call_command("import_crosswalk", str(path), *args)
    assert message in str(error.value)
    assert not Crosswalk.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("walk.csv", b"", "missing column(s)"),
        ("walk.csv", b"old_code,new_code,relation\n", "The file holds no crosswalk rows"),
        ("walk.csv", b"old,new\nR.1.1,R.1.1\n", "missing column(s) new_code, old_code, relation"),
        ("walk.csv", "old_code,new_code,relation\nR.1.1,R.1.1,sam\u00e9\n".encode("latin-1"), "not UTF-8"),
        ("walk.csv", b"\xff\xfeo\x00l\x00d\x00", "not UTF-8"),
        ("walk.pdf", b"%PDF-1.4", "Unsupported file type"),
        ("walk.xlsx", b"not a zip", "cannot be read as XLSX"),
    ],
)
def test_hostile_files_refused(editions, tmp_path, name, content, message):
    with pytest.raises(CommandError) as error:
        run(tmp_path, name=name, content=content)
    assert message in str(error.value)
    assert not Crosswalk.objects.exists()


def test_bom_is_read(editions, tmp_path):
    assert "9 rows" in run(tmp_path, content=b"\xef\xbb\xbf" + crosswalk_bytes())


@pytest.mark.parametrize("name", ["missing.csv", "../../etc/shadow", "dir"])
def test_bad_paths(editions, tmp_path, name):
    (tmp_path / "dir").mkdir()
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_crosswalk", str(tmp_path / name), "--from", OLD, "--to", NEW)


def test_admin_shows_it_read_only(client, editions, tmp_path, superuser):
    run(tmp_path)
    crosswalk = Crosswalk.objects.get()
    client.force_login(superuser)
    listing = client.get("/admin/indicators/crosswalk/")
    assert listing.status_code == 200 and "tst-2019 → tst-2025" in listing.content.decode()
    page = client.get(f"/admin/indicators/crosswalk/{crosswalk.pk}/change/")
    assert page.status_code == 200 and "Folded into the review of the law" in page.content.decode()
    assert client.get("/admin/indicators/crosswalk/add/").status_code == 403
    client.post(f"/admin/indicators/crosswalk/{crosswalk.pk}/change/", {"note": "edited"})
    assert Crosswalk.objects.get().note == ""


def test_xlsx_and_hostile_notes_kept_as_text(editions, tmp_path):
    import tablib

    note = "<b>gone</b> \u202e"
    rows = [row if row[0] != "R.1.3" else ("R.1.3", "", "dropped", note) for row in CROSSWALK]
    sheet = tablib.Dataset(*rows, headers=["old_code", "new_code", "relation", "note"])
    assert "9 rows" in run(tmp_path, name="walk.xlsx", content=sheet.export("xlsx"))
    assert CrosswalkLink.objects.get(old_code="R.1.3").note == note
    formula = '=HYPERLINK("x")'
    rows = [row if row[0] != "R.1.3" else ("R.1.3", "", "dropped", formula) for row in CROSSWALK]
    assert "replacing" in run(tmp_path, rows, "--replace")
    assert CrosswalkLink.objects.get(old_code="R.1.3").note == formula
