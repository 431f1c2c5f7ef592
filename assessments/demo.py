"""Demo data for `make run`: accounts a newcomer can sign in with and the Cambodia assessment. Never for a
production database.

The assessment's content lives in ``fixtures/demo/`` as CSV files in the layout of the findings and sources
import (see its README) and goes in through the doors users use: findings and sources through the
spreadsheet import (``assessments.spreadsheets``: read, plan, apply — the admin's import page), citations
and data points through the API's serializers, due dates through ``save_finding``. A fixture row the import
would refuse stops the seeding with the file, row number and reason, and writes nothing.
"""

import datetime
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from assessments.api.serializers import CitationSerializer, DataPointSerializer
from assessments.choices import TRANSITIONS, FindingStatus, Phase, Role, Scope, StakeholderGroup
from assessments.models import Assessment, Finding, Membership, Source
from assessments.rounds import start_round
from assessments.services import create_assessment, save_finding
from assessments.spreadsheets import (
    FINDING_REQUIRED,
    SOURCE_REQUIRED,
    ImportRefused,
    apply_findings,
    apply_sources,
    plan_findings,
    plan_sources,
    read_rows,
)
from indicators.models import Framework

DEMO_PASSWORD = "roamx-demo"
# username: (first name, last name, is_staff (admin access), is_superuser)
DEMO_USERS = {
    "researcher": ("Sokha", "Chan", True, False),
    "lead": ("Dara", "Kim", True, False),
    "reviewer": ("Maly", "Sok", False, False),
    "staff": ("Vanna", "Lim", True, False),
    "admin": ("Admin", "", True, True),
}
# username: (role, stakeholder group, organisation) in the demo assessment
DEMO_ROLES = {
    "researcher": (Role.RESEARCHER, "", "CADT"),
    "lead": (Role.LEAD, "", "CADT"),
    "reviewer": (Role.MAB, StakeholderGroup.CIVIL_SOCIETY, "Open Development Cambodia"),
    "staff": (Role.STAFF, "", "UNESCO Phnom Penh Office"),
}
DEMO_CODE = "khm-2023"
DEMO_ROUND_CODE = "khm-2027"  # the second round, carried over from the first
DEMO_DUE_DATE = datetime.date(2023, 9, 15)  # of every finding the team has started
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "demo"


class DemoRefused(Exception):
    pass


def ensure_demo_allowed():
    if not (settings.DEBUG or settings.TESTING):
        raise DemoRefused(
            "Demo accounts are only created with DEBUG on (the demo database), never in production."
        )


def create_demo_users():
    """Create (or reset) the demo accounts; returns them by username."""
    ensure_demo_allowed()
    User = get_user_model()
    users = {}
    for username, (first, last, is_staff, is_superuser) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.org"},
        )
        user.is_staff, user.is_superuser = is_staff, is_superuser
        if created or not user.has_usable_password():
            user.set_password(DEMO_PASSWORD)
        user.save()
        users[username] = user
    return users


def fixture_rows(name, required=()):
    """[(row number, {column: text})] of ``fixtures/demo/<name>``, read as the import reads an upload."""
    return read_rows((FIXTURES / name).read_bytes(), "csv", required)


def cell(cells, column):
    return (cells.get(column) or "").strip()


def __getattr__(name):
    """``DEMO_FINDINGS``: {code: row} of the findings the demo team has started (the other rows of
    findings.csv only share out the work). Read when asked for, so a broken file is reported by
    ``seed_demo`` as a row error rather than breaking the module's import."""
    if name == "DEMO_FINDINGS":
        return {
            cell(cells, "indicator"): cells
            for _number, cells in fixture_rows("findings.csv", FINDING_REQUIRED)
            if cell(cells, "status") != FindingStatus.NOT_STARTED
        }
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def workflow(status):
    """The statuses a new finding passes through to ``status``: the shortest way TRANSITIONS allows."""
    paths, queue = {FindingStatus.NOT_STARTED.value: []}, [FindingStatus.NOT_STARTED]
    while queue:
        current = queue.pop(0)
        for following in sorted(TRANSITIONS.get(current, ())):
            if following.value not in paths:
                paths[following.value] = [*paths[current.value], following.value]
                queue.append(following)
    return paths.get(status) or [status]  # an unknown status goes to the import, which reports it


def create_demo_assessment(users):
    """The Cambodia assessment with the demo accounts as members and about a third of it filled in.

    Idempotent: only what is missing is imported — findings nobody has touched, sources whose title the
    assessment lacks — so a second run, or work done in the demo since, is left as it is.
    """
    ensure_demo_allowed()
    framework = Framework.objects.filter(code="iui-2019").first()
    if framework is None:
        return None
    with transaction.atomic():
        assessment = Assessment.objects.filter(code=DEMO_CODE).first() or _create(framework, users["admin"])
        for username, (role, group, organisation) in DEMO_ROLES.items():
            Membership.objects.get_or_create(
                assessment=assessment,
                user=users[username],
                defaults={"role": role, "stakeholder_group": group, "organisation": organisation},
            )
        _import("sources.csv", _import_sources, assessment, users)
        filled = _import("findings.csv", _import_findings, assessment, users)
        _import("citations.csv", _add_evidence, assessment, filled, "citations.csv")
        _import("data_points.csv", _add_evidence, assessment, filled, "data_points.csv")
    return assessment


def create_demo_round(first, users):
    """The second Cambodian round, ``khm-2027``, carried over from the first (everything: members,
    sources, narratives as a starting draft, citations, data points, assignees) through the lead's service,
    with new scores on most of the first round's scored indicators — some higher, some lower, some the
    same — so the dashboard and the progress page show change. Idempotent: carrying again duplicates
    nothing, and only findings nobody has touched since the carry get a demo score."""
    ensure_demo_allowed()
    with transaction.atomic():
        new = start_round(
            first,
            by=users["lead"],
            code=DEMO_ROUND_CODE,
            title="Assessing Internet Development in Cambodia: second round",
            period_start=datetime.date(2026, 9, 1),
            period_end=datetime.date(2027, 8, 31),
        ).assessment
        if new.phase != Phase.DATA_GATHERING:
            new.phase = Phase.DATA_GATHERING
            new.save(update_fields=["phase", "updated"])
        then = dict(
            first.findings.filter(score__isnull=False)
            .order_by("indicator__order")
            .values_list("indicator__code", "score")
        )
        # Each scored indicator's change by its place in the first round: up, down, same, up, not yet.
        steps = {code: (1, -1, 0, 1, None)[n % 5] for n, code in enumerate(then)}
        untouched = (
            new.findings.filter(
                status=FindingStatus.NOT_STARTED, score__isnull=True, indicator__code__in=then
            )
            .select_related("assessment", "indicator")
            .order_by("indicator__order")
        )
        for finding in untouched:
            step = steps[finding.indicator.code]
            if step is None:
                continue  # not scored yet in this round
            score = min(max(then[finding.indicator.code] + step, 1), len(new.scale))
            finding._change_reason = "demo score of the second round"
            save_finding(
                finding,
                by=users["lead"],
                expected_version=finding.version,
                fields={"status": FindingStatus.DRAFT, "score": score},
            )
    return new


def _create(framework, admin):
    return create_assessment(
        code=DEMO_CODE,
        title="Assessing Internet Development in Cambodia",
        country_code="KHM",
        country_name="Cambodia",
        framework=framework,
        scope=Scope.CORE,
        phase=Phase.MAB_REVIEW,
        period_start=datetime.date(2022, 5, 1),
        period_end=datetime.date(2023, 8, 31),
        created_by=admin,
    )


def _import(name, step, *args):
    try:
        return step(*args)
    except ImportRefused as exc:
        raise DemoRefused(f"fixtures/demo/{name} does not import: {exc}") from exc


def _import_sources(assessment, users):
    have = set(Source.objects.filter(assessment=assessment).values_list("title", flat=True))
    rows = [row for row in fixture_rows("sources.csv", SOURCE_REQUIRED) if cell(row[1], "title") not in have]
    plan = plan_sources(assessment, rows, users["researcher"])
    apply_sources(assessment, plan.to_stash(), users["researcher"], "sources.csv")


def _import_findings(assessment, users):
    """Each member imports the rows assigned to them, once per workflow step (draft, then ready, then
    endorsed), as the import refuses a jump the workflow does not allow. Returns the codes filled in.
    Rows of findings someone has touched are left out; any other row goes to the import, which judges it."""
    touched = _touched_codes(assessment)
    rows = [
        row
        for row in fixture_rows("findings.csv", FINDING_REQUIRED)
        if cell(row[1], "indicator") not in touched
    ]
    steps = {number: workflow(cell(cells, "status")) for number, cells in rows}
    for step in range(max((len(path) for path in steps.values()), default=0)):
        by_user = defaultdict(list)
        for number, cells in rows:
            if step < len(steps[number]):
                importer = cell(cells, "assignee") or "lead"  # nobody is notified of their own import
                by_user[importer].append((number, {**cells, "status": steps[number][step]}))
        for username, batch in by_user.items():
            plan = plan_findings(assessment, batch, users[username])
            apply_findings(assessment, plan.to_stash(), users[username], "findings.csv")
    filled = {
        cell(cells, "indicator") for _n, cells in rows if cell(cells, "status") != FindingStatus.NOT_STARTED
    }
    _set_due_dates(assessment, filled)
    return filled


def _touched_codes(assessment):
    findings = Finding.objects.filter(assessment=assessment)
    untouched = findings.filter(version=1, status=FindingStatus.NOT_STARTED)
    return set(findings.exclude(pk__in=untouched.values("pk")).values_list("indicator__code", flat=True))


def _set_due_dates(assessment, codes):
    started = (
        Finding.objects.filter(assessment=assessment, indicator__code__in=codes)
        .select_related("assignee", "updated_by")
        .order_by("indicator__order")  # the order of "Recently changed" on the dashboard
    )
    for finding in started:
        by = finding.assignee or finding.updated_by
        finding._change_reason = "due date of the demo's first round"
        save_finding(finding, by=by, expected_version=finding.version, fields={"due_date": DEMO_DUE_DATE})


def _add_evidence(assessment, codes, name):
    """The rows of citations.csv or data_points.csv for the findings filled in this run (``codes``), each
    validated and written by the API's serializer, as a POST to /api/…/citations/ would be. A source is
    named by its title. A row naming a finding the assessment lacks goes to the serializer, which
    refuses it."""
    serializer_class = {"citations.csv": CitationSerializer, "data_points.csv": DataPointSerializer}[name]
    sources = dict(Source.objects.filter(assessment=assessment).values_list("title", "pk"))
    others = set(assessment.findings.values_list("indicator__code", flat=True)) - codes
    errors = []
    for number, cells in fixture_rows(name, ["indicator", "source"]):
        if cell(cells, "indicator") in others:
            continue
        data = {column: cell(cells, column) for column in cells}
        title = data.pop("source")
        if title and title not in sources:
            errors.append((number, f"unknown source “{title}” (no such title in sources.csv)"))
            continue
        data["source"] = sources.get(title)
        serializer = serializer_class(data=data, context={"assessment": assessment})
        if serializer.is_valid():
            serializer.save()
        else:
            errors.extend(
                (number, f"{field}: {' '.join(map(str, problems))}")
                for field, problems in serializer.errors.items()
            )
    if errors:
        raise ImportRefused(errors)
