import csv
import io
import shutil
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from assessments import demo
from assessments.choices import Role
from assessments.demo import (
    DEMO_DUE_DATE,
    DEMO_FINDINGS,
    DEMO_ROLES,
    create_demo_users,
    fixture_rows,
    workflow,
)
from assessments.models import Assessment, Citation, DataPoint, Finding, Membership, Source
from assessments.spreadsheets import FINDING_REQUIRED, SOURCE_REQUIRED, plan_findings, plan_sources
from tests.factories import MembershipFactory


def seed():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def snapshot(assessment):
    return {
        "findings": list(
            Finding.objects.filter(assessment=assessment).values_list("pk", "version", "status", "narrative")
        ),
        "history": Finding.history.filter(assessment_id=assessment.pk).count(),
        "sources": Source.objects.filter(assessment=assessment).count(),
        "citations": Citation.objects.filter(finding__assessment=assessment).count(),
        "data_points": DataPoint.objects.filter(finding__assessment=assessment).count(),
        "members": list(
            Membership.objects.filter(assessment=assessment).values_list("user__username", "role")
        ),
    }


def test_seed_demo_creates_a_realistic_cambodia_assessment_once(framework):
    output = seed()
    assessment = Assessment.objects.get(code="khm-2023")
    assert f"{len(DEMO_FINDINGS)} of 130 findings filled in" in output
    assert (assessment.scope, assessment.phase, assessment.country_code) == ("core", "mab_review", "KHM")
    roles = dict(Membership.objects.filter(assessment=assessment).values_list("user__username", "role"))
    assert roles == {
        "researcher": Role.RESEARCHER,
        "lead": Role.LEAD,
        "reviewer": Role.MAB,
        "staff": Role.STAFF,
    }
    findings = Finding.objects.filter(assessment=assessment)
    filled = findings.exclude(status="not_started")
    assert 0.25 <= filled.count() / findings.count() <= 0.35
    assert set(filled.values_list("status", flat=True)) == {"draft", "ready", "needs_revision", "endorsed"}
    assert len(set(filled.values_list("confidence", flat=True))) == 3
    assert filled.filter(score__isnull=False).count() > 25 and filled.exclude(special_score="").exists()
    # Every filled finding cites at least one source, and the statistics are data points.
    assert not filled.filter(citations__isnull=True).exists()
    assert DataPoint.objects.get(
        finding__assessment=assessment, finding__indicator__code="A.7.1", unit="per 100 inhabitants"
    ).value == Decimal("2.01")
    assert Source.objects.filter(assessment=assessment, type="law").count() >= 6
    first = snapshot(assessment)
    seed()
    assert snapshot(assessment) == first


def test_seed_demo_leaves_work_done_in_the_demo_alone(framework):
    seed()
    assessment = Assessment.objects.get(code="khm-2023")
    edited = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    edited.narrative = "Rewritten by the researcher."
    edited.save()
    seed()
    edited.refresh_from_db()
    assert edited.narrative == "Rewritten by the researcher."


# ---- the fixture files go through the import ----------------------------------------------------------


def test_the_fixture_files_pass_the_import_with_zero_row_errors(assessment):
    """Read and planned as the admin's import page would (it raises ImportRefused on any row error)."""
    users = create_demo_users()
    for username, (role, group, _organisation) in DEMO_ROLES.items():
        MembershipFactory(assessment=assessment, user=users[username], role=role, stakeholder_group=group)
    sources = fixture_rows("sources.csv", SOURCE_REQUIRED)
    plan = plan_sources(assessment, sources, users["researcher"])
    assert len(plan.changes) == len(sources) == 15 and plan.unchanged == 0
    findings = fixture_rows("findings.csv", FINDING_REQUIRED)
    assert [cells["indicator"] for _n, cells in findings] == list(
        assessment.findings.order_by("indicator__order").values_list("indicator__code", flat=True)
    )
    first_step = [(n, {**cells, "status": workflow(cells["status"])[0]}) for n, cells in findings]
    plan = plan_findings(assessment, first_step, users["lead"])
    assert len(plan.changes) == len([c for _n, c in findings if c["assignee"]]) > len(DEMO_FINDINGS)
    assert {workflow(cells["status"])[-1] for _n, cells in findings} == {
        "not_started",
        "draft",
        "ready",
        "needs_revision",
        "endorsed",
    }
    # Each citation and data point is evidence for a finding the file fills in, from a source of the file.
    titles = {cells["title"] for _n, cells in sources}
    for name in ("citations.csv", "data_points.csv"):
        for _n, cells in fixture_rows(name):
            assert cells["indicator"] in DEMO_FINDINGS and cells["source"] in titles


def test_workflow_walks_the_transitions():
    assert workflow("draft") == ["draft"]
    assert workflow("endorsed") == ["draft", "ready", "endorsed"]
    assert workflow("needs_revision") == ["draft", "ready", "needs_revision"]
    assert workflow("not_started") == ["not_started"]
    assert workflow("finished") == ["finished"]  # left for the import to refuse


def test_seeding_writes_what_the_files_say_through_the_import(framework):
    seed()
    assessment = Assessment.objects.get(code="khm-2023")
    findings = {f.indicator.code: f for f in assessment.findings.select_related("indicator", "assignee")}
    for code, cells in DEMO_FINDINGS.items():
        f = findings[code]
        score = f.special_score or str(f.score)
        assert (f.status, score, f.confidence, f.assignee.username) == (
            cells["status"],
            cells["score"],
            cells["confidence"],
            cells["assignee"],
        )
        assert f.narrative.startswith(cells["narrative"].strip()) and f.due_date == DEMO_DUE_DATE
    for _n, cells in fixture_rows("findings.csv"):
        if cells["status"] == "not_started":
            f = findings[cells["indicator"]]
            assert (f.status, f.assignee.username if f.assignee else "") == ("not_started", cells["assignee"])
    # The history tells the way through the import, step by step, by the assignee.
    history = findings["R.4.1"].history.order_by("history_date", "history_id")
    assert [h.status for h in history] == [
        "not_started",
        "draft",
        "ready",
        "needs_revision",
        "needs_revision",
    ]
    assert {(h.history_change_reason, h.history_user.username) for h in history[1:4]} == {
        ("imported from findings.csv", "researcher")
    }
    assert Source.objects.filter(assessment=assessment).count() == len(fixture_rows("sources.csv"))
    assert Citation.objects.filter(finding__assessment=assessment).count() == len(
        fixture_rows("citations.csv")
    )
    assert DataPoint.objects.filter(finding__assessment=assessment).count() == len(
        fixture_rows("data_points.csv")
    )
    assert not assessment.findings.filter(status="not_started", due_date__isnull=False).exists()


# (file, row number as the import counts it (header = 1), column, bad value, the reason the import gives)
BAD_ROWS = [
    ("findings.csv", 1, "status", "state", "missing column(s): status"),  # the header renamed
    ("findings.csv", 2, "status", "finished", "unknown status “finished”"),
    ("findings.csv", 2, "score", "7", "outside the scale 1–5"),
    ("findings.csv", 2, "confidence", "certain", "unknown confidence “certain”"),
    ("findings.csv", 2, "assignee", "reviewer", "unknown assignee “reviewer”"),
    ("findings.csv", 2, "indicator", "R.99.9", "unknown indicator code “R.99.9”"),
    ("findings.csv", 3, "status", "", None),  # a blank status keeps not_started: a valid row
    ("sources.csv", 3, "url", "javascript:alert(1)", "only http:// and https:// addresses"),
    ("sources.csv", 3, "url", "ftp://ftp.example.org/law.pdf", "(this one starts with “ftp:”)"),
    ("sources.csv", 3, "url", "www.example.org/law", "starting with https://"),
    ("sources.csv", 3, "published", "23/10/2023", "is not a date (YYYY-MM-DD)"),
    ("sources.csv", 3, "type", "blog", "unknown source type “blog”"),
    ("sources.csv", 3, "title", "", "a source needs a title"),
    ("citations.csv", 4, "source", "A book nobody wrote", "unknown source “A book nobody wrote”"),
    ("citations.csv", 4, "indicator", "R.99.9", "No finding for indicator “R.99.9”"),
    ("citations.csv", 4, "source", "", "source: This field may not be null."),
    ("data_points.csv", 5, "value", "many", "value: A valid number is required."),
    ("data_points.csv", 5, "disaggregation", "caste", 'disaggregation: "caste" is not a valid choice.'),
    ("data_points.csv", 5, "year", "next year", "year: A valid integer is required."),
]


def broken_copy(tmp_path, name, row, column, value, append=None):
    """fixtures/demo/ copied to ``tmp_path`` with one cell changed (or one row appended)."""
    shutil.copytree(demo.FIXTURES, tmp_path, dirs_exist_ok=True)
    with open(tmp_path / name, encoding="utf-8", newline="") as f:
        records = list(csv.reader(f))
    if append is not None:
        records.append(records[append - 1])
    else:
        records[row - 1][records[0].index(column)] = value
    with open(tmp_path / name, "w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(records)


@pytest.mark.parametrize(("name", "row", "column", "value", "reason"), BAD_ROWS)
def test_a_bad_fixture_row_stops_the_seeding_with_file_row_and_reason(
    framework, tmp_path, monkeypatch, name, row, column, value, reason
):
    broken_copy(tmp_path, name, row, column, value)
    monkeypatch.setattr(demo, "FIXTURES", tmp_path)
    if reason is None:
        seed()
        assert Assessment.objects.filter(code="khm-2023").exists()
        return
    with pytest.raises(CommandError) as refused:
        seed()
    message = str(refused.value)
    assert f"fixtures/demo/{name} does not import" in message
    assert f"row {row}: " in message and reason in message
    # Nothing half-written: no assessment, no sources, no history.
    assert not Assessment.objects.filter(code="khm-2023").exists()
    assert not Source.objects.exists() and not Finding.history.exists()


@pytest.mark.parametrize(
    ("name", "row", "reason"), [("citations.csv", 77, "This finding already cites this source.")]
)
def test_a_repeated_evidence_row_is_refused_not_a_crash(framework, tmp_path, monkeypatch, name, row, reason):
    broken_copy(tmp_path, name, None, None, None, append=row - 1)
    monkeypatch.setattr(demo, "FIXTURES", tmp_path)
    with pytest.raises(CommandError, match=f"row {row}: source: {reason}"):
        seed()
    assert not Assessment.objects.filter(code="khm-2023").exists()


def test_seed_demo_adds_a_second_round_with_progress_once(framework, mailoutbox):
    from assessments.progress import Change, progress

    seed()
    second = Assessment.objects.get(code="khm-2027")
    assert second.previous.code == "khm-2023"
    rows = progress(second)["rows"]
    changes = {row.change for row in rows}
    assert {Change.IMPROVED, Change.DECLINED, Change.UNCHANGED, Change.PENDING} <= changes
    assert second.sources.exclude(carried_from=None).count() == second.previous.sources.count()
    assert not mailoutbox  # carried assignments mail nobody
    before, first_before = snapshot(second), snapshot(second.previous)
    output = seed()
    assert "khm-2027 carried over from khm-2023" in output
    assert snapshot(second) == before and snapshot(second.previous) == first_before
