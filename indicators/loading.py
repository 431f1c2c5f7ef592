"""Reading a framework edition from a spreadsheet and applying it to the catalogue.

One code path serves ``load_framework`` (the shipped edition), ``import_framework`` and the admin import:
``read_table`` → ``parse_rows`` (validates everything, names the row) → ``plan_changes`` (what would be
added, changed, left or removed, per code; writes nothing) → ``apply_plan`` (one transaction).
"""

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from indicators.choices import CategoryCode, ContextGroup, IndicatorKind, Wording
from indicators.models import Category, Framework, Indicator, Question, Theme
from toolkit.tables import TableError, read_sheet

COLUMNS = [
    "category",
    "theme_code",
    "theme",
    "question_code",
    "question",
    "group",
    "code",
    "indicator",
    "core",
    "kind",
    "sources",
    "wording",
]
REQUIRED_COLUMNS = set(COLUMNS) - {"group"}
FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
TRUE_WORDS = {"yes", "true", "1", "y", "core"}
FALSE_WORDS = {"no", "false", "0", "n", ""}
THEME_CODE = re.compile(r"^([ROAMX])\.[A-Z]$")
QUESTION_CODE = re.compile(r"^([ROAMX])\.\d{1,3}$")
INDICATOR_CODE = re.compile(r"^([ROAMXC])\.\d{1,3}\.\d{1,3}$")
MODELS = {"category": Category, "theme": Theme, "question": Question, "indicator": Indicator}
FRAMEWORK_FIELDS = [
    "title",
    "publisher",
    "year",
    "licence",
    "licence_url",
    "source",
    "source_url",
    "credit",
]


class FrameworkFileError(Exception):
    """The file cannot be loaded; ``errors`` holds one message per problem, each naming its row."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


@dataclass
class IndicatorRow:
    row: int
    category: str
    theme_code: str
    theme: str
    question_code: str
    question: str
    group: str
    code: str
    text: str
    is_core: bool
    kind: str
    sources: str
    wording: str


@dataclass
class Change:
    kind: str  # "category", "theme", "question", "indicator"
    code: str
    action: str  # "added", "changed", "unchanged", "removed", "blocked"
    fields: list = field(default_factory=list)

    def __str__(self):
        detail = f" ({', '.join(self.fields)})" if self.fields and self.action != "unchanged" else ""
        return f"{self.kind} {self.code}: {self.action}{detail}"


@dataclass
class Plan:
    meta: dict
    rows: list
    changes: list
    framework_exists: bool

    def count(self, action, kind="indicator"):
        return sum(1 for c in self.changes if c.action == action and c.kind == kind)

    @property
    def blocked(self):
        return [c for c in self.changes if c.action == "blocked"]

    @property
    def has_changes(self):
        return not self.framework_exists or any(
            c.action not in ("unchanged", "left") or (c.action == "unchanged" and c.fields)
            for c in self.changes
        )


def read_table(source, format=None, required=REQUIRED_COLUMNS):
    """Rows of a CSV or XLSX file (a path, or bytes with ``format``) as dicts, with their row number."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        format = format or path.suffix.lstrip(".").lower()
        data = path.read_bytes()
    else:
        data = source
    format = (format or "csv").lower()
    try:
        rows = read_sheet(data, format, required)
    except TableError as exc:
        if exc.missing:
            raise FrameworkFileError(
                [f"Row 1 (header): missing column(s) {', '.join(exc.missing)}."]
            ) from exc
        raise FrameworkFileError([str(exc)]) from exc
    return [
        (number, {h: "" if v is None else str(v).strip() for h, v in cells.items()}) for number, cells in rows
    ]


def parse_rows(rows):
    """Validate every row; return ``IndicatorRow``s or raise ``FrameworkFileError`` listing all problems."""
    errors = []
    parsed = []
    seen_codes = {}
    themes = {}
    questions = {}
    categories = set(CategoryCode.values)
    for number, cells in rows:
        problems = []
        code = cells.get("code", "")
        where = f"Row {number}" + (f" ({code})" if code else "")
        category = cells.get("category", "").upper()
        if category not in categories:
            problems.append(
                f"unknown category “{cells.get('category', '')}” (expected one of R, O, A, M, X, C)"
            )
        if not code:
            problems.append("missing indicator code")
        elif not INDICATOR_CODE.match(code):
            problems.append(f"malformed indicator code “{code}” (expected e.g. R.1.1)")
        elif category in categories and code[0] != category:
            problems.append(f"code “{code}” does not belong to category {category}")
        elif code in seen_codes:
            problems.append(f"duplicate code “{code}” (first used on row {seen_codes[code]})")
        if code and code not in seen_codes:
            seen_codes[code] = number
        text = cells.get("indicator", "")
        if not text:
            problems.append("missing indicator text")
        core_word = cells.get("core", "").lower()
        if core_word in TRUE_WORDS:
            is_core = True
        elif core_word in FALSE_WORDS:
            is_core = False
        else:
            is_core = False
            problems.append(f"bad core flag “{cells.get('core', '')}” (expected yes or no)")
        kind = cells.get("kind", "").lower()
        if kind not in IndicatorKind.values:
            problems.append(f"bad kind “{cells.get('kind', '')}” (expected quantitative or qualitative)")
        wording = cells.get("wording", "").lower()
        if wording not in Wording.values:
            problems.append(f"bad wording “{cells.get('wording', '')}” (expected verified or reconstructed)")
        sources = cells.get("sources", "")
        if not sources:
            problems.append("missing sources and means of verification")
        theme_code, theme = cells.get("theme_code", ""), cells.get("theme", "")
        question_code, question = cells.get("question_code", ""), cells.get("question", "")
        group = cells.get("group", "").lower()
        if category == CategoryCode.CONTEXTUAL:
            if group not in ContextGroup.values:
                problems.append(
                    f"contextual indicator needs a group, one of {', '.join(ContextGroup.values)}"
                )
            if theme_code or question_code:
                problems.append("contextual indicators have no theme or question")
            if is_core:
                problems.append("contextual indicators cannot be core")
        elif category in categories:
            if group:
                problems.append("only contextual indicators have a group")
            match = THEME_CODE.match(theme_code)
            if not match or match.group(1) != category:
                problems.append(f"bad theme code “{theme_code}” (expected {category}.A, {category}.B, …)")
            elif not theme:
                problems.append("missing theme title")
            elif themes.setdefault(theme_code, (theme, number))[0] != theme:
                problems.append(f"theme {theme_code} is titled differently on row {themes[theme_code][1]}")
            match = QUESTION_CODE.match(question_code)
            if not match or match.group(1) != category:
                problems.append(f"bad question code “{question_code}” (expected {category}.1, …)")
            elif not question:
                problems.append("missing question text")
            else:
                first = questions.setdefault(question_code, (question, theme_code, number))
                if first[:2] != (question, theme_code):
                    problems.append(f"question {question_code} differs from row {first[2]} (text or theme)")
            if code and question_code and not code.startswith(question_code + "."):
                problems.append(f"code “{code}” does not belong to question {question_code}")
        if problems:
            errors.extend(f"{where}: {p}." for p in problems)
            continue
        parsed.append(
            IndicatorRow(
                row=number,
                category=category,
                theme_code=theme_code,
                theme=theme,
                question_code=question_code,
                question=question,
                group=group if category == CategoryCode.CONTEXTUAL else "",
                code=code,
                text=text,
                is_core=is_core,
                kind=kind,
                sources=sources,
                wording=wording,
            )
        )
    if not rows:
        errors.append("The file holds no indicator rows.")
    if errors:
        raise FrameworkFileError(errors)
    return parsed


def read_meta(edition):
    """The shipped edition's metadata (title, publisher, licence, category names)."""
    path = FIXTURES_DIR / edition / "framework.json"
    try:
        meta = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise FrameworkFileError([f"No edition “{edition}” under {FIXTURES_DIR}."]) from exc
    except json.JSONDecodeError as exc:
        raise FrameworkFileError([f"{path.name}: not valid JSON ({exc})."]) from exc
    meta["code"] = edition
    return meta


def meta_from_framework(framework):
    meta = {name: getattr(framework, name) for name in FRAMEWORK_FIELDS}
    meta["code"] = framework.code
    meta["categories"] = {
        c.code: {"name": c.name, "description": c.description} for c in framework.categories.all()
    }
    return meta


def _desired(rows, meta):
    """The catalogue the file describes, as {kind: {code: field values}} in file order."""
    category_names = meta.get("categories", {})
    desired = {"category": {}, "theme": {}, "question": {}, "indicator": {}}
    for order, value in enumerate(CategoryCode.values):
        info = category_names.get(value, {})
        desired["category"][value] = {
            "name": info.get("name", CategoryCode(value).label),
            "description": info.get("description", ""),
            "order": order,
        }
    for order, row in enumerate(rows):
        if row.theme_code and row.theme_code not in desired["theme"]:
            desired["theme"][row.theme_code] = {
                "title": row.theme,
                "order": len(desired["theme"]),
                "category": row.category,
            }
        if row.question_code and row.question_code not in desired["question"]:
            desired["question"][row.question_code] = {
                "text": row.question,
                "wording": row.wording,
                "order": len(desired["question"]),
                "theme": row.theme_code,
            }
        elif row.question_code and row.wording == Wording.RECONSTRUCTED:
            # A question is only as verified as the least verified of its rows.
            desired["question"][row.question_code]["wording"] = Wording.RECONSTRUCTED
        desired["indicator"][row.code] = {
            "text": row.text,
            "is_core": row.is_core,
            "kind": row.kind,
            "sources": row.sources,
            "wording": row.wording,
            "order": order,
            "context_group": row.group,
            "category": row.category,
            "question": row.question_code or None,
        }
    return desired


def _existing(framework):
    if framework is None:
        return {"category": {}, "theme": {}, "question": {}, "indicator": {}}
    return {
        "category": {c.code: c for c in Category.objects.filter(framework=framework)},
        "theme": {t.code: t for t in Theme.objects.filter(framework=framework).select_related("category")},
        "question": {q.code: q for q in Question.objects.filter(framework=framework).select_related("theme")},
        "indicator": {
            i.code: i
            for i in Indicator.objects.filter(framework=framework).select_related("category", "question")
        },
    }


def _current_value(obj, name):
    value = getattr(obj, name)
    if name in ("category", "theme", "question"):
        return value.code if value is not None else None
    return value


def _indicators_in_use(indicators):
    """Codes of indicators that other apps' rows refer to (e.g. an assessment's findings)."""
    ids = {i.pk: i.code for i in indicators}
    used = set()
    if not ids:
        return used
    for relation in Indicator._meta.related_objects:
        model = relation.related_model
        if model._meta.app_label == Indicator._meta.app_label:
            continue
        name = relation.field.name
        used.update(model._default_manager.filter(**{f"{name}__in": ids}).values_list(name, flat=True))
    return {ids[pk] for pk in used}


def plan_changes(rows, meta, prune=False):
    """What applying ``rows`` would do, per code; writes nothing."""
    framework = Framework.objects.filter(code=meta["code"]).first()
    desired = _desired(rows, meta)
    existing = _existing(framework)
    changes = []
    for kind in ("category", "theme", "question", "indicator"):
        for code, values in desired[kind].items():
            current = existing[kind].get(code)
            if current is None:
                changes.append(Change(kind, code, "added"))
                continue
            changed = [n for n, v in values.items() if _current_value(current, n) != v]
            # A row that only moved (another was added or dropped before it) is not a change to report,
            # but its new position is still written.
            action = "changed" if set(changed) - {"order"} else "unchanged"
            changes.append(Change(kind, code, action, changed))
        missing = [obj for code, obj in existing[kind].items() if code not in desired[kind]]
        if kind == "indicator" and missing:
            in_use = _indicators_in_use(missing) if prune else set()
            for obj in missing:
                if not prune:
                    changes.append(Change(kind, obj.code, "left", ["not in file; kept"]))
                elif obj.code in in_use:
                    changes.append(Change(kind, obj.code, "blocked", ["used by an assessment"]))
                else:
                    changes.append(Change(kind, obj.code, "removed"))
        elif missing:
            for obj in missing:
                changes.append(Change(kind, obj.code, "left", ["not in file; kept"]))
    return Plan(meta=meta, rows=rows, changes=changes, framework_exists=framework is not None)


@transaction.atomic
def apply_plan(plan):
    """Write the plan in one transaction. Refuses a plan that would remove an indicator in use."""
    if plan.blocked:
        raise FrameworkFileError(
            [f"Indicator {c.code} is used by an assessment and cannot be removed." for c in plan.blocked]
        )
    meta = plan.meta
    framework, _ = Framework.objects.update_or_create(
        code=meta["code"], defaults={name: meta.get(name, "") for name in FRAMEWORK_FIELDS}
    )
    desired = _desired(plan.rows, meta)
    actions = {(c.kind, c.code): c.action for c in plan.changes}
    fields_changed = {(c.kind, c.code): c.fields for c in plan.changes}
    existing = _existing(framework)
    saved = {"category": {}, "theme": {}, "question": {}}
    now = timezone.now()
    for kind, model in MODELS.items():
        to_create, to_update, update_fields = [], [], {"updated"}
        for code, values in desired[kind].items():
            values = dict(values)
            for ref in ("category", "theme", "question"):
                if ref in values:
                    values[ref] = saved[ref][values[ref]] if values[ref] else None
            obj = existing[kind].get(code)
            if actions[(kind, code)] == "added":
                obj = model(framework=framework, code=code, **values)
                to_create.append(obj)
            elif fields_changed[(kind, code)]:
                for name, value in values.items():
                    setattr(obj, name, value)
                obj.updated = now
                to_update.append(obj)
                update_fields.update(values)
            if kind in saved:
                saved[kind][code] = obj
        model.objects.bulk_create(to_create)
        if to_update:
            model.objects.bulk_update(to_update, sorted(update_fields))
    removed = [c.code for c in plan.changes if c.kind == "indicator" and c.action == "removed"]
    if removed:
        Indicator.objects.filter(framework=framework, code__in=removed).delete()
    return framework


def load_edition(edition, prune=False, dry_run=False, path=None):
    """Load a shipped edition (``fixtures/<edition>/indicators.csv``) or ``path`` under its metadata."""
    meta = read_meta(edition)
    rows = parse_rows(read_table(path or FIXTURES_DIR / edition / "indicators.csv"))
    plan = plan_changes(rows, meta, prune=prune)
    if not dry_run and plan.has_changes:
        apply_plan(plan)
    return plan
