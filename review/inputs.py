"""Inputs from outside the MAB that the comment-response matrix shows beside the MAB's comments.

``review`` imports no app above it: an app that collects inputs (``consultation``) registers a source
here in its ``AppConfig.ready()``, and the matrix reads every registered source. A source is a function
``rows(assessment, filters)`` returning ``InputRow``s in one or a few queries, whatever their number.

A source also says what its rows are read from (``fingerprint``: a function of the assessment giving
``(aggregate SQL, parameters)`` pairs, each one row, that change whenever one of its rows could): the
matrix caches its table under them. A source without one switches that cache off.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass
class InputRow:
    source: str  # shown as is: "Workshop", "Online" (a lazy translation)
    category: str
    label: str
    url: str
    author: str
    stakeholder_group: str  # the group's label
    date: datetime
    text: str
    status: str
    disposition: str  # the value, as Disposition names it (the matrix filters on it)
    reason: str
    resolved_by: str
    resolved_at: datetime | None
    disposition_label: str = ""
    kind: str = "report"  # "findings" or "report": the matrix's item filter


_sources: dict[str, Callable] = {}
_fingerprints: dict[str, Callable | None] = {}


def register_input_source(key, rows, fingerprint=None):
    """Registering a key twice replaces the first (``ready()`` may run more than once in tests)."""
    _sources[key] = rows
    _fingerprints[key] = fingerprint


def fingerprint_parts(assessment):
    """Every registered source's fingerprint parts, or None when a source gave none (nothing may then be
    cached: its rows could change unseen)."""
    parts = []
    for key in sorted(_sources):
        fingerprint = _fingerprints.get(key)
        if fingerprint is None:
            return None
        parts += fingerprint(assessment)
    return parts


def input_rows(assessment, *, status="", disposition="", category="", commenter="", item=""):
    """Every registered source's rows, narrowed by the matrix's filters (a commenter is a MAB member:
    with one chosen, no outside input matches)."""
    if commenter:
        return []
    rows = []
    for source in _sources.values():
        for row in source(assessment):
            if item and row.kind != item:
                continue
            if category and row.category != category:
                continue
            if disposition and row.disposition != disposition:
                continue
            if status == "open" and row.disposition or status == "resolved" and not row.disposition:
                continue
            rows.append(row)
    return rows
