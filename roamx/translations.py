"""The interface's translations as files: where makemessages looks, and what makes a catalogue incomplete.

Used by ``scripts/i18n-missing`` (after adding strings: which msgids still need a translation) and by
``tests/i18n/test_catalogue.py`` (``make test`` fails on an untranslated, fuzzy or mistranslated entry,
and when ``makemessages`` would add a msgid the checked-in catalogue lacks). Imports no app.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
# Every shipped language but English, whose strings are the msgids themselves.
LOCALES = ["km"]
# Not the product's strings: the virtualenv, tests, their output, benchmarks, local data.
IGNORE = [".venv/*", "tests/*", "test-artifacts/*", "var/*", "benchmarks/*", "docs/*", "build/*"]

# What must survive translation unchanged: %-placeholders (named or not, and %%), {placeholders},
# HTML tags and entities. A translation that drops or renames one breaks the page or raises.
PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|%%|\{\w*\}|</?[a-zA-Z][^<>]*>|&\w+;")


def catalogue(locale, root=ROOT):
    return Path(root) / "locale" / locale / "LC_MESSAGES" / "django.po"


def placeholders(text):
    return sorted(PLACEHOLDER.findall(text))


def problems(entry):
    """Why one entry of a catalogue is not usable, or an empty list."""
    if entry.obsolete:
        return []
    found = []
    if entry.fuzzy:
        found.append("fuzzy")
    translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    if not all(t.strip() for t in translations):
        found.append("untranslated")
        return found
    wanted = placeholders(entry.msgid)
    for text in translations:
        if placeholders(text) != wanted:
            found.append(f"placeholders differ: msgid has {wanted}, translation {placeholders(text)}")
            break
    return found


def incomplete(locale, root=ROOT):
    """(entry, problems) for every entry of the locale's catalogue that needs work."""
    po = polib.pofile(str(catalogue(locale, root)))
    return [(entry, found) for entry in po if (found := problems(entry))]


def makemessages(locale, root=ROOT):
    """Run makemessages for ``locale`` in ``root`` (a checkout), updating its catalogue in place."""
    ignore = [arg for pattern in IGNORE for arg in ("-i", pattern)]
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", locale, *ignore],
        cwd=root,
        env={**os.environ, "DEBUG": "1"},
        check=True,
        capture_output=True,
        text=True,
    )
