import io
import json

import pytest
from django.core.management import CommandError, call_command

from indicators.loading import FrameworkFileError, apply_plan, parse_rows, plan_changes, read_table
from indicators.models import Category, Framework, Indicator, Question, Theme

HEADER = "category,theme_code,theme,question_code,question,group,code,indicator,core,kind,sources,wording\n"
GOOD = (
    "R,R.A,Policy,R.1,Is there a law?,,R.1.1,Existence of a law,yes,qualitative,Legal texts,reconstructed\n"
    "R,R.A,Policy,R.1,Is there a law?,,R.1.2,Evidence of enforcement,no,qualitative,Reports,verified\n"
    "C,,,,,economic,C.1.1,GDP per capita,no,quantitative,World Bank,reconstructed\n"
)

EXPECTED = {
    "R": {"themes": 6, "core": 22},
    "O": {"themes": 5, "core": 17},
    "A": {"themes": 6, "core": 34},
    "M": {"themes": 3, "core": 10},
    "X": {"themes": 5, "core": 26, "indicators": 79},
    "C": {"themes": 0, "questions": 0, "core": 0, "indicators": 21},
}


def write(tmp_path, body, name="edition.csv"):
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


def snapshot():
    return [
        list(model.objects.order_by("pk").values())
        for model in (Framework, Category, Theme, Question, Indicator)
    ]


def summary_json():
    out = io.StringIO()
    call_command("framework_summary", "iui-2019", "--json", stdout=out)
    return json.loads(out.getvalue())


def test_shipped_edition_has_unesco_counts_exactly(framework):
    data = summary_json()
    assert list(data["categories"]) == ["R", "O", "A", "M", "X", "C"]
    for code, expected in EXPECTED.items():
        for key, value in expected.items():
            assert data["categories"][code][key] == value, (code, key)
    totals = data["totals"]
    assert totals["themes"] == 25
    assert totals["questions"] == 124
    assert totals["indicators"] == 303
    assert totals["core"] == 109
    roamx = sum(data["categories"][c]["questions"] for c in "ROAMX")
    assert roamx == 124


def test_shipped_edition_structure_is_consistent(framework):
    contextual = Indicator.objects.filter(framework=framework, category__code="C")
    assert set(contextual.values_list("context_group", flat=True)) == {
        "economic",
        "demographic",
        "development",
        "equality",
        "governance",
        "ict",
    }
    assert not contextual.filter(question__isnull=False).exists()
    assert not Indicator.objects.filter(framework=framework).exclude(category__code="C").filter(question=None)
    for indicator in Indicator.objects.select_related("question__theme__category", "category").exclude(
        category__code="C"
    ):
        assert indicator.question.theme.category == indicator.category
        assert indicator.code.startswith(indicator.question.code + ".")
    assert all(
        w in ("verified", "reconstructed") for w in Indicator.objects.values_list("wording", flat=True)
    )


def test_load_twice_changes_nothing(framework):
    before = snapshot()
    out = io.StringIO()
    call_command("load_framework", stdout=out)
    assert "0 added, 0 changed, 303 unchanged" in out.getvalue()
    assert snapshot() == before


def test_load_prints_summary_per_category(framework):
    out = io.StringIO()
    call_command("load_framework", stdout=out)
    text = out.getvalue()
    assert "R Rights" in text and "C Contextual indicators" in text
    assert text.rstrip().splitlines()[-1].split()[-4:] == ["25", "124", "303", "109"]


def test_summary_command_unknown_edition_is_an_error(db):
    with pytest.raises(CommandError, match="No framework edition"):
        call_command("framework_summary", "nope-2000")


def test_small_edition_loads_then_reloads_unchanged(tmp_path, db):
    rows = parse_rows(read_table(write(tmp_path, GOOD)))
    meta = {"code": "tiny", "title": "Tiny", "publisher": "Us", "year": 2024, "licence": "CC0"}
    first = plan_changes(rows, meta)
    assert first.count("added") == 3
    apply_plan(first)
    again = plan_changes(rows, meta)
    assert again.count("unchanged") == 3
    assert not again.has_changes


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            GOOD + GOOD.splitlines(keepends=True)[0],
            "Row 5 (R.1.1): duplicate code “R.1.1” (first used on row 2)",
        ),
        (
            GOOD.replace(
                "R,R.A,Policy,R.1,Is there a law?,,R.1.2", "Q,R.A,Policy,R.1,Is there a law?,,R.1.2"
            ),
            "Row 3 (R.1.2): unknown category “Q”",
        ),
        (GOOD.replace("Evidence of enforcement", ""), "Row 3 (R.1.2): missing indicator text"),
        (GOOD.replace(",no,qualitative", ",maybe,qualitative"), "Row 3 (R.1.2): bad core flag “maybe”"),
        (GOOD.replace("economic", ""), "Row 4 (C.1.1): contextual indicator needs a group"),
        (
            GOOD.replace("R.1.2,Evidence", "R.2.2,Evidence"),
            "Row 3 (R.2.2): code “R.2.2” does not belong to question R.1",
        ),
        (GOOD.replace(",Reports,", ",,"), "Row 3 (R.1.2): missing sources"),
        (
            GOOD.replace("Policy,R.1,Is there a law?,,R.1.2", "Politics,R.1,Is there a law?,,R.1.2"),
            "Row 3 (R.1.2): theme R.A is titled differently on row 2",
        ),
        ("", "no indicator rows"),
    ],
)
def test_malformed_file_is_refused_naming_the_row_and_changes_nothing(tmp_path, framework, body, message):
    path = write(tmp_path, body)
    before = snapshot()
    with pytest.raises(CommandError) as excinfo:
        call_command("load_framework", file=str(path), stdout=io.StringIO())
    assert message in str(excinfo.value)
    assert "nothing was changed" in str(excinfo.value)
    assert snapshot() == before


def test_missing_column_is_named(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("category,code,indicator\nR,R.1.1,Text\n")
    with pytest.raises(FrameworkFileError, match=r"Row 1 \(header\): missing column\(s\) core, kind"):
        read_table(path)


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    body = GOOD.replace(",yes,", ",perhaps,").replace("economic", "")
    with pytest.raises(FrameworkFileError) as excinfo:
        parse_rows(read_table(write(tmp_path, body)))
    assert len(excinfo.value.errors) == 2


def test_contextual_core_flag_is_refused(tmp_path):
    body = GOOD.replace("GDP per capita,no", "GDP per capita,yes")
    with pytest.raises(FrameworkFileError, match="contextual indicators cannot be core"):
        parse_rows(read_table(write(tmp_path, body)))
