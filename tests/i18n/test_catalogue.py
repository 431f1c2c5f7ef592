"""The Khmer catalogue is complete: every entry translated, none fuzzy, placeholders kept, nothing missing."""

import shutil

import polib
import pytest

from roamx.translations import LOCALES, ROOT, catalogue, incomplete, makemessages, problems

# What makemessages reads; the copy holds only these (and the catalogues), so it is quick to make.
SOURCE_SUFFIXES = {".py", ".html", ".txt", ".po"}
SKIPPED_DIRS = {".git", ".venv", "var", "test-artifacts", "__pycache__", "node_modules", "build"}


@pytest.mark.parametrize("locale", LOCALES)
def test_every_entry_is_translated_not_fuzzy_and_keeps_its_placeholders(locale):
    found = incomplete(locale)
    listing = "\n".join(f"{e.occurrences[:1]} {e.msgid!r}: {', '.join(p)}" for e, p in found)
    assert not found, f"{len(found)} entries need work (scripts/i18n-missing lists them):\n{listing}"


@pytest.mark.parametrize("locale", LOCALES)
def test_the_catalogue_says_it_is_a_draft_with_one_plural_form(locale):
    po = polib.pofile(str(catalogue(locale)))
    assert po.metadata["Language"] == locale
    assert po.metadata["Plural-Forms"] == "nplurals=1; plural=0;"
    assert "DRAFT" in po.header and "native" in po.header
    assert len(po) > 700


def entry(msgid, msgstr="", **fields):
    return polib.POEntry(msgid=msgid, msgstr=msgstr, **fields)


def test_the_check_finds_untranslated_fuzzy_and_broken_entries():
    """The check itself, on entries written to fail it (so a passing catalogue means something)."""
    assert problems(entry("Sign in")) == ["untranslated"]
    assert problems(entry("Sign in", "ចូល", flags=["fuzzy"])) == ["fuzzy"]
    assert problems(entry("Saved %(code)s.", "បានរក្សាទុក។"))[0].startswith("placeholders differ")
    assert problems(entry("Saved %(code)s.", "បានរក្សាទុក %(kod)s។"))[0].startswith("placeholders differ")
    assert problems(entry("No {value}.", "គ្មាន {valeur}។"))[0].startswith("placeholders differ")
    assert problems(entry("Score: <del>%(old)s</del>", "ពិន្ទុ៖ %(old)s"))[0].startswith("placeholders differ")
    assert problems(entry("%(p)s%% done", "%(p)s done"))[0].startswith("placeholders differ")
    plural = polib.POEntry(msgid="%(n)s row", msgid_plural="%(n)s rows", msgstr_plural={0: ""})
    assert problems(plural) == ["untranslated"]
    plural.msgstr_plural = {0: "%(n)s ជួរ"}
    assert problems(plural) == []
    assert problems(entry("Saved %(code)s.", "បានរក្សាទុក %(code)s។")) == []


def copy_sources(target):
    def ignore(directory, names):
        skipped = set()
        for name in names:
            path = ROOT.joinpath(directory, name)
            if path.is_dir():
                if name in SKIPPED_DIRS:
                    skipped.add(name)
            elif path.suffix not in SOURCE_SUFFIXES:
                skipped.add(name)
        return skipped

    shutil.copytree(ROOT, target, ignore=ignore, symlinks=False)


@pytest.mark.parametrize("locale", LOCALES)
def test_makemessages_would_add_no_msgid_the_checked_in_catalogue_lacks(locale, tmp_path):
    """Run makemessages into a copy of the sources: a string marked but not in the .po fails here."""
    checked_in = {(e.msgctxt, e.msgid) for e in polib.pofile(str(catalogue(locale))) if not e.obsolete}
    copy = tmp_path / "roamx"
    copy_sources(copy)
    makemessages(locale, root=copy)
    fresh = polib.pofile(str(catalogue(locale, copy)))
    added = sorted(
        (e.msgid, e.occurrences[:1])
        for e in fresh
        if not e.obsolete and (e.msgctxt, e.msgid) not in checked_in
    )
    assert not added, (
        f"makemessages adds {len(added)} msgids; run `make messages` and translate them "
        f"(scripts/i18n-missing lists them): {added}"
    )
    # The copy's catalogue is the one makemessages updated; the checked-in one was not touched.
    assert catalogue(locale, copy) != catalogue(locale)


def test_the_makemessages_check_notices_a_new_string(tmp_path):
    """The check above works: a new marked string in the copy is found as missing."""
    copy = tmp_path / "roamx"
    copy_sources(copy)
    (copy / "toolkit" / "i18n_probe.py").write_text(
        "from django.utils.translation import gettext_lazy as _\n\nPROBE = _('A string nobody translated yet')\n"
    )
    makemessages("km", root=copy)
    fresh = polib.pofile(str(catalogue("km", copy)))
    new = fresh.find("A string nobody translated yet")
    assert new is not None and new.msgstr == ""
    assert [p for e, p in incomplete("km", root=copy) if e.msgid == new.msgid] == [["untranslated"]]
