"""Strings that makemessages cannot see: xgettext does not look inside f-strings, so a ``_("…")`` written
in one is never extracted and stays English in every language (the category chart's labels did)."""

import ast
from pathlib import Path

from django.utils import translation

from assessments.chart import category_chart

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".venv", "tests", "var", "benchmarks", "node_modules", ".git"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def gettext_in_fstrings(source):
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.JoinedStr):
            for sub in ast.walk(node):
                if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name) and sub.func.id in GETTEXT:
                    found.append(sub.lineno)
    return found


def test_the_check_finds_gettext_in_an_fstring():
    assert gettext_in_fstrings("x = f'{_(\"Hello\")} there'\ny = _('fine')\n") == [1]


def test_no_gettext_call_sits_inside_an_fstring():
    offenders = []
    for path in ROOT.rglob("*.py"):
        if SKIP & set(path.relative_to(ROOT).parts):
            continue
        offenders += [f"{path.relative_to(ROOT)}:{line}" for line in gettext_in_fstrings(path.read_text())]
    assert offenders == []


def test_the_category_chart_speaks_khmer():
    row = {"code": "R", "name": "Rights", "in_scope": 3, "with_evidence": 1, "scored": 0, "mean_score": None}
    with translation.override("km"):
        svg = category_chart([row], 4)
    for english in ("Coverage", "Mean score", "not scored", "by category"):
        assert english not in svg
