"""Findings and sources to and from spreadsheets (XLSX, CSV), through tablib.

Import is two steps: ``plan_*`` reads and validates every row and writes nothing (the preview);
``apply_*`` writes the plan in one transaction, through the same services as the forms, and refuses the
whole import if any finding changed since the preview. A file with any bad row writes nothing.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import tablib
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from assessments.choices import Confidence, FindingStatus, SourceType, SpecialScore
from assessments.models import Finding, Source
from assessments.queries import evidence_members
from assessments.rules import settable_statuses
from assessments.services import EditConflict, save_finding
from assessments.timezones import show
from toolkit.tables import TableError, neutralised, read_sheet

FINDING_COLUMNS = ["indicator", "indicator_text", "status", "score", "confidence", "narrative", "assignee"]
# Written by the export for the reader, ignored by the import: when the finding last changed, in the
# assessment's time zone and the product's one date format.
FINDING_EXPORT_COLUMNS = [*FINDING_COLUMNS, "updated"]
FINDING_REQUIRED = {"indicator", "status", "score", "confidence", "narrative", "assignee"}
SOURCE_COLUMNS = ["id", "type", "title", "author", "published", "url", "accessed"]
SOURCE_REQUIRED = {"type", "title"}
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "csv": "text/csv"}


class ImportRefused(Exception):
    """The file cannot be imported; ``errors`` is a list of (row number, reason); row 1 is the header."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__("; ".join(f"row {row}: {reason}" for row, reason in errors))


@dataclass
class RowChange:
    row: int
    key: str  # indicator code, or source title
    pk: int | None
    fields: dict = field(default_factory=dict)
    version: int | None = None

    def summary(self):
        return ", ".join(self.fields) if self.fields else ""


@dataclass
class ImportPlan:
    kind: str
    changes: list
    unchanged: int

    def to_stash(self):
        return {
            "kind": self.kind,
            "unchanged": self.unchanged,
            "changes": [
                {"row": c.row, "key": c.key, "pk": c.pk, "version": c.version, "fields": _jsonable(c.fields)}
                for c in self.changes
            ],
        }


def _jsonable(fields):
    out = {}
    for name, value in fields.items():
        if isinstance(value, datetime.date):
            value = value.isoformat()
        out[name] = value
    return out


# ---- export -------------------------------------------------------------------------------------------


def export_findings(assessment):
    findings = (
        Finding.objects.filter(assessment=assessment, archived=False)
        .select_related("indicator", "assignee")
        .order_by("indicator__order")
    )
    dataset = tablib.Dataset(headers=FINDING_EXPORT_COLUMNS, title="findings")
    for f in findings:
        score = f.special_score or (f.score if f.score is not None else "")
        dataset.append(
            [
                f.indicator.code,
                f.indicator.text,
                f.status,
                score,
                f.confidence,
                f.narrative,
                f.assignee.username if f.assignee else "",
                show(f.updated, assessment),
            ]
        )
    return dataset


def export_sources(assessment):
    dataset = tablib.Dataset(headers=SOURCE_COLUMNS, title="sources")
    for s in Source.objects.filter(assessment=assessment).order_by("title", "pk"):
        dataset.append(
            [
                s.pk,
                s.type,
                s.title,
                s.author,
                s.published.isoformat() if s.published else "",
                s.url,
                s.accessed.isoformat() if s.accessed else "",
            ]
        )
    return dataset


def render(dataset, fmt):
    dataset = neutralised(dataset)
    return dataset.export(fmt).encode("utf-8") if fmt == "csv" else dataset.export(fmt)


# ---- reading ------------------------------------------------------------------------------------------


def read_rows(content, fmt, required):
    """[(row number, {column: value})] of a CSV or XLSX file; the header is row 1."""
    try:
        return read_sheet(content, fmt, required)
    except TableError as exc:
        raise ImportRefused([(1, str(exc))]) from exc


def _text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _choice(value, choices):
    """A TextChoices value from its value or its label, case-insensitive; None when unknown."""
    text = _text(value).lower()
    for choice in choices:
        if text in (choice.value.lower(), str(choice.label).lower()):
            return choice.value
    return None


def _date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    return datetime.date.fromisoformat(text)


# ---- findings -----------------------------------------------------------------------------------------


def _parse_score(value, scale):
    """(score, special_score) or raise ValueError with the reason."""
    text = _text(value)
    if not text:
        return None, ""
    special = _choice(text, SpecialScore)
    if special:
        return None, special
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or number != number.to_integral_value() or not 1 <= number <= len(scale):
        raise ValueError(
            _("score “%(v)s” is outside the scale 1–%(n)d (or not_applicable, insufficient_data)")
            % {"v": text, "n": len(scale)}
        )
    return int(number), ""


def plan_findings(assessment, rows, user):
    findings = {
        f.indicator.code: f
        for f in Finding.objects.filter(assessment=assessment, archived=False).select_related(
            "indicator", "assignee"
        )
    }
    members = {u.username: u for u in evidence_members(assessment)}
    errors, changes, unchanged, seen = [], [], 0, {}
    for number, cells in rows:
        problems = []
        code = _text(cells.get("indicator"))
        finding = findings.get(code)
        if finding is None:
            problems.append(_("unknown indicator code “%s” (not in this assessment's scope)") % code)
        elif code in seen:
            problems.append(
                _("indicator %(code)s already appears in row %(row)d") % {"code": code, "row": seen[code]}
            )
        seen.setdefault(code, number)
        status = _choice(cells.get("status"), FindingStatus) if _text(cells.get("status")) else None
        if _text(cells.get("status")) and status is None:
            problems.append(_("unknown status “%s”") % _text(cells.get("status")))
        try:
            score, special = _parse_score(cells.get("score"), assessment.scale)
        except ValueError as exc:
            problems.append(str(exc))
            score, special = None, ""
        confidence = _choice(cells.get("confidence"), Confidence) if _text(cells.get("confidence")) else ""
        if confidence is None:
            problems.append(_("unknown confidence “%s” (low, medium, high)") % _text(cells.get("confidence")))
        username = _text(cells.get("assignee"))
        assignee = members.get(username) if username else None
        if username and assignee is None:
            problems.append(_("unknown assignee “%s” (not a researcher of this assessment)") % username)
        if (
            finding is not None
            and status
            and status != finding.status
            and status not in settable_statuses(user, assessment, finding.status)
        ):
            problems.append(
                _("impossible status change from “%(old)s” to “%(new)s”")
                % {"old": finding.status, "new": status}
            )
        if problems:
            errors.extend((number, p) for p in problems)
            continue
        wanted = {
            "status": status or finding.status,
            "score": score,
            "special_score": special,
            "confidence": confidence or "",
            "narrative": _text(cells.get("narrative")).replace("\r\n", "\n"),
            "assignee": assignee.pk if assignee else None,
        }
        current = {
            "status": finding.status,
            "score": finding.score,
            "special_score": finding.special_score,
            "confidence": finding.confidence,
            "narrative": finding.narrative,
            "assignee": finding.assignee_id,
        }
        diff = {k: v for k, v in wanted.items() if v != current[k]}
        if diff:
            changes.append(RowChange(number, code, finding.pk, diff, finding.version))
        else:
            unchanged += 1
    if errors:
        raise ImportRefused(errors)
    return ImportPlan("findings", changes, unchanged)


@transaction.atomic
def apply_findings(assessment, stash, user, filename):
    users = get_user_model().objects.in_bulk(
        [c["fields"]["assignee"] for c in stash["changes"] if c["fields"].get("assignee")]
    )
    findings = Finding.objects.filter(assessment=assessment).in_bulk([c["pk"] for c in stash["changes"]])
    for change in stash["changes"]:
        finding = findings.get(change["pk"])
        fields = dict(change["fields"])
        if "assignee" in fields:
            fields["assignee"] = users.get(fields["assignee"])
        finding._change_reason = f"imported from {filename}"[:100]
        try:
            save_finding(finding, by=user, expected_version=change["version"], fields=fields)
        except EditConflict as exc:
            raise ImportRefused(
                [
                    (
                        change["row"],
                        _("%(code)s was changed since the preview: %(why)s")
                        % {"code": change["key"], "why": exc},
                    )
                ]
            ) from exc
        except ValidationError as exc:
            raise ImportRefused([(change["row"], "; ".join(exc.messages))]) from exc
    return len(stash["changes"])


# ---- sources ------------------------------------------------------------------------------------------


def plan_sources(assessment, rows, user):
    existing = {s.pk: s for s in Source.objects.filter(assessment=assessment)}
    url_field = Source._meta.get_field("url")
    errors, changes, unchanged, seen = [], [], 0, {}
    for number, cells in rows:
        problems = []
        raw_id = _text(cells.get("id"))
        source = None
        if raw_id:
            source = existing.get(int(raw_id)) if raw_id.isdigit() else None
            if source is None:
                problems.append(_("unknown source id “%s” in this assessment") % raw_id)
            elif raw_id in seen:
                problems.append(
                    _("source %(id)s already appears in row %(row)d") % {"id": raw_id, "row": seen[raw_id]}
                )
            seen.setdefault(raw_id, number)
        type_ = _choice(cells.get("type"), SourceType)
        if type_ is None:
            problems.append(_("unknown source type “%s”") % _text(cells.get("type")))
        title = _text(cells.get("title"))
        if not title:
            problems.append(_("a source needs a title"))
        url = _text(cells.get("url"))
        try:
            url = url_field.clean(url, None)  # the model field's own rule (assessments.fields)
        except ValidationError as exc:
            shown = "".join(ch if ch.isprintable() else "?" for ch in url)
            shown = shown if len(shown) <= 80 else shown[:79] + "…"
            problems.append(_("url “%(v)s”: %(why)s") % {"v": shown, "why": " ".join(exc.messages)})
        dates = {}
        for column in ("published", "accessed"):
            try:
                dates[column] = _date(cells.get(column))
            except ValueError:
                problems.append(
                    _("%(col)s “%(v)s” is not a date (YYYY-MM-DD)")
                    % {"col": column, "v": _text(cells.get(column))}
                )
        if problems:
            errors.extend((number, p) for p in problems)
            continue
        wanted = {
            "type": type_,
            "title": title[:500],
            "author": _text(cells.get("author"))[:300],
            "url": url,
            **dates,
        }
        if source is None:
            changes.append(RowChange(number, title, None, wanted))
            continue
        diff = {k: v for k, v in wanted.items() if getattr(source, k) != v}
        if diff:
            changes.append(RowChange(number, title, source.pk, diff))
        else:
            unchanged += 1
    if errors:
        raise ImportRefused(errors)
    return ImportPlan("sources", changes, unchanged)


@transaction.atomic
def apply_sources(assessment, stash, user, filename):
    for change in stash["changes"]:
        fields = dict(change["fields"])
        for column in ("published", "accessed"):
            if fields.get(column):
                fields[column] = datetime.date.fromisoformat(fields[column])
        if change["pk"]:
            source = Source.objects.get(assessment=assessment, pk=change["pk"])
            for name, value in fields.items():
                setattr(source, name, value)
        else:
            source = Source(assessment=assessment, **fields)
        source._change_reason = f"imported from {filename}"[:100]
        source._history_user = user
        source.full_clean()
        source.save()
    return len(stash["changes"])
