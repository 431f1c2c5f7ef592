"""A crosswalk between two editions of the framework, as data: which indicator of the older edition
became which of the newer, row by row (``old_code``, ``new_code``, ``relation``, ``note``).

The same path as the edition and its translations: ``read_table`` (CSV or XLSX) → ``parse_crosswalk``
(every row checked against both editions, then the file as a whole: the shape of each relation, every
indicator of both editions covered; every problem named with its row) → ``plan_crosswalk`` (what would be
written; the dry run) → ``apply_crosswalk`` (one transaction). ``manage.py import_crosswalk`` calls it.

Relations: ``same`` (one old ↔ one new), ``split`` (one old → several new, each row marked split),
``merged`` (several old → one new, each row marked merged), ``new`` (no old code), ``dropped`` (no new
code). ``mapping`` reads a loaded crosswalk for the rounds (assessments.rounds, assessments.progress).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction

from indicators.choices import Relation
from indicators.loading import FrameworkFileError, read_table
from indicators.models import Crosswalk, CrosswalkLink, Framework, Indicator

COLUMNS = {"old_code", "new_code", "relation"}
MAX_NOTE = 1000
MAX_SHOWN = 40


def shown(value):
    """A code as it may be printed back: control characters escaped, long values cut."""
    text = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in value[:MAX_SHOWN])
    return text + ("…" if len(value) > MAX_SHOWN else "")


@dataclass
class LinkRow:
    row: int
    old_code: str | None
    new_code: str | None
    relation: str
    note: str

    def __str__(self):
        return f"{self.old_code or '–'} → {self.new_code or '–'} ({self.relation})"


@dataclass
class CrosswalkPlan:
    from_framework: Framework
    to_framework: Framework
    rows: list
    replaces: Crosswalk | None = None
    counts: dict = field(default_factory=dict)

    def summary(self):
        return ", ".join(f"{self.counts.get(r, 0)} {r}" for r in Relation.values)


def editions(from_code, to_code):
    """The two editions, or ``FrameworkFileError`` naming what is wrong with them."""
    if from_code == to_code:
        raise FrameworkFileError([f"A crosswalk joins two editions; both are “{shown(from_code)}”."])
    # A code no edition can have (PostgreSQL refuses NUL in a query at all) is looked up as missing.
    lookup = [code for code in (from_code, to_code) if "\x00" not in code]
    found = {f.code: f for f in Framework.objects.filter(code__in=lookup)}
    missing = [shown(code) for code in (from_code, to_code) if code not in found]
    if missing:
        raise FrameworkFileError(
            [f"No framework edition “{code}”: load it first (load_framework)." for code in missing]
        )
    return found[from_code], found[to_code]


def _codes(framework):
    return set(Indicator.objects.filter(framework=framework).values_list("code", flat=True))


def _check_row(number, cells, old_codes, new_codes, from_code, to_code):
    old, new = cells.get("old_code", ""), cells.get("new_code", "")
    relation, note = cells.get("relation", "").lower(), cells.get("note", "")
    problems = []
    if relation not in Relation.values:
        problems.append(
            f"unknown relation “{shown(relation)}” (expected one of: {', '.join(Relation.values)})"
        )
    elif relation == Relation.NEW and old:
        problems.append("a new indicator has no old code")
    elif relation == Relation.DROPPED and new:
        problems.append("a dropped indicator has no new code")
    if relation in Relation.values and relation != Relation.NEW and not old:
        problems.append("no old code (only a new indicator has none)")
    if relation in Relation.values and relation != Relation.DROPPED and not new:
        problems.append("no new code (only a dropped indicator has none)")
    if old and old not in old_codes:
        problems.append(f"{shown(old)} is not an indicator of {from_code}")
    if new and new not in new_codes:
        problems.append(f"{shown(new)} is not an indicator of {to_code}")
    if len(note) > MAX_NOTE:
        problems.append(f"the note is longer than {MAX_NOTE} characters")
    return problems, LinkRow(number, old or None, new or None, relation, note)


def _check_side(problems, by_code, relation, several, single):
    """One side of the file (old codes with ``split``, new codes with ``merged``): a code on several rows
    has ``relation`` on each; a code on one row does not."""
    for code, links in by_code.items():
        rows = ", ".join(str(link.row) for link in links)
        if len(links) > 1:
            for link in links:
                if link.relation != relation:
                    problems[link.row].append(f"{shown(code)} is on rows {rows}: {several}")
        elif links[0].relation == relation:
            problems[links[0].row].append(f"{shown(code)} {single}")


def _check_shapes(parsed):
    """The file as a whole: an old code on several rows is a split on each, a new code on several rows
    a merge on each; a split has at least two new codes, a merge two old ones. {row: [problems]}."""
    problems = defaultdict(list)
    by_old, by_new = defaultdict(list), defaultdict(list)
    for link in parsed:
        if link.old_code:
            by_old[link.old_code].append(link)
        if link.new_code:
            by_new[link.new_code].append(link)
    _check_side(
        problems,
        by_old,
        Relation.SPLIT,
        "an old code on several rows must be split on each",
        "is split into one indicator only (say same)",
    )
    _check_side(
        problems,
        by_new,
        Relation.MERGED,
        "a new code on several rows must be merged on each",
        "is merged from one indicator only (say same)",
    )
    return problems, by_old, by_new


def parse_crosswalk(rows, from_framework, to_framework):
    """Validate every row and the file as a whole; ``LinkRow``s or ``FrameworkFileError`` listing all."""
    old_codes, new_codes = _codes(from_framework), _codes(to_framework)
    errors, parsed, seen, bad = {}, [], {}, set()
    for number, cells in rows:
        problems, link = _check_row(
            number, cells, old_codes, new_codes, from_framework.code, to_framework.code
        )
        key = (link.old_code, link.new_code)
        if key in seen:
            problems.append(f"the same link as row {seen[key]}")
        else:
            seen[key] = number
        if problems:
            errors[number] = problems
            bad.update(code for code in key if code)
        else:
            parsed.append(link)
    shapes, by_old, by_new = _check_shapes(parsed)
    for number, problems in shapes.items():
        errors.setdefault(number, []).extend(problems)
    messages = [f"Row {number}: " + "; ".join(errors[number]) + "." for number in sorted(errors)]
    # Codes named on a refused row are not reported again as uncovered.
    covered_old, covered_new = set(by_old) | bad, set(by_new) | bad
    messages += [
        f"{code} of {from_framework.code} is not on any row (say same, split, merged or dropped)."
        for code in sorted(old_codes - covered_old, key=_code_key)
    ]
    messages += [
        f"{code} of {to_framework.code} is not on any row (say same, split, merged or new)."
        for code in sorted(new_codes - covered_new, key=_code_key)
    ]
    if not rows:
        messages.insert(0, "The file holds no crosswalk rows.")
    if messages:
        raise FrameworkFileError(messages)
    return parsed


def _code_key(code):
    head, *numbers = code.split(".")
    return (head, *(int(n) if n.isdigit() else 0 for n in numbers))


def plan_crosswalk(from_framework, to_framework, parsed, replace=False):
    existing = Crosswalk.objects.filter(from_framework=from_framework, to_framework=to_framework).first()
    if existing is not None and not replace:
        raise FrameworkFileError(
            [
                f"A crosswalk from {from_framework.code} to {to_framework.code} is already loaded "
                f"({existing.links.count()} rows); use --replace to replace it as a whole."
            ]
        )
    plan = CrosswalkPlan(from_framework, to_framework, parsed, replaces=existing)
    for link in parsed:
        plan.counts[link.relation] = plan.counts.get(link.relation, 0) + 1
    return plan


@transaction.atomic
def apply_crosswalk(plan, source="", licence="", note=""):
    """Write the plan in one transaction; a replaced crosswalk's rows go, all of them."""
    crosswalk, _created = Crosswalk.objects.update_or_create(
        from_framework=plan.from_framework,
        to_framework=plan.to_framework,
        defaults={"source": source, "licence": licence, "note": note},
    )
    crosswalk.links.all().delete()
    CrosswalkLink.objects.bulk_create(
        [
            CrosswalkLink(
                crosswalk=crosswalk,
                old_code=link.old_code,
                new_code=link.new_code,
                relation=link.relation,
                note=link.note,
                order=order,
            )
            for order, link in enumerate(plan.rows)
        ]
    )
    return crosswalk


def load_crosswalk(from_code, to_code, file, format=None, dry_run=False, replace=False, **meta):
    """Read, check and (unless ``dry_run``) apply a crosswalk file; all or nothing."""
    from_framework, to_framework = editions(from_code, to_code)
    parsed = parse_crosswalk(read_table(file, format, COLUMNS), from_framework, to_framework)
    plan = plan_crosswalk(from_framework, to_framework, parsed, replace=replace)
    if not dry_run:
        apply_crosswalk(plan, **meta)
    return plan


@dataclass
class Mapping:
    """A loaded crosswalk read for a round: ``targets[old_code]`` and ``origins[new_code]`` are lists of
    links in file order."""

    crosswalk: Crosswalk
    targets: dict
    origins: dict

    @property
    def from_code(self):
        return self.crosswalk.from_framework.code

    @property
    def to_code(self):
        return self.crosswalk.to_framework.code


def mapping(from_framework, to_framework):
    """The crosswalk between the two editions as a ``Mapping`` (two queries), or None when none is
    loaded."""
    crosswalk = (
        Crosswalk.objects.select_related("from_framework", "to_framework")
        .filter(from_framework=from_framework, to_framework=to_framework)
        .first()
    )
    if crosswalk is None:
        return None
    targets, origins = defaultdict(list), defaultdict(list)
    for link in crosswalk.links.order_by("order"):
        if link.old_code:
            targets[link.old_code].append(link)
        if link.new_code:
            origins[link.new_code].append(link)
    return Mapping(crosswalk, dict(targets), dict(origins))


def successors(framework):
    """The editions a crosswalk leads to from ``framework``."""
    return Framework.objects.filter(crosswalks_in__from_framework=framework).order_by("-year", "code")
