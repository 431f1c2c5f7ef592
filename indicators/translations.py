"""The catalogue in another language: category names, theme titles, question and indicator texts as data.

A translation file sits beside the edition's ``indicators.csv`` as ``indicators.<language>.csv`` (e.g.
``indicators.km.csv``) with the columns ``code``, ``text`` and ``provenance`` (``draft`` or ``verified``).
The code says what an item is: ``R`` a category, ``R.A`` a theme, ``R.1`` a question, ``R.1.1`` an
indicator. The same path as the edition itself: ``read_table`` → ``parse_translation`` (every row checked,
every problem named with its row) → ``plan_translation`` (added, changed, unchanged; writes nothing: the
dry run) → ``apply_translation`` (one transaction). ``load_framework`` loads the shipped files;
``import_catalogue_translation`` a team's own. Items left out keep showing in English.
"""

import re
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from indicators.choices import CatalogueKind, TranslationProvenance
from indicators.loading import FIXTURES_DIR, FrameworkFileError, read_table
from indicators.models import CatalogueTranslation, Category, Indicator, Question, Theme

COLUMNS = {"code", "text", "provenance"}
KIND_OF_CODE = [
    (re.compile(r"^[ROAMXC]$"), CatalogueKind.CATEGORY),
    (re.compile(r"^[ROAMX]\.[A-Z]$"), CatalogueKind.THEME),
    (re.compile(r"^[ROAMX]\.\d{1,3}$"), CatalogueKind.QUESTION),
    (re.compile(r"^[ROAMXC]\.\d{1,3}\.\d{1,3}$"), CatalogueKind.INDICATOR),
]
MODELS = {
    CatalogueKind.CATEGORY: Category,
    CatalogueKind.THEME: Theme,
    CatalogueKind.QUESTION: Question,
    CatalogueKind.INDICATOR: Indicator,
}
MAX_TEXT = 2000


def kind_of(code):
    for pattern, kind in KIND_OF_CODE:
        if pattern.match(code):
            return kind
    return None


def translation_languages():
    """The languages a catalogue can be translated into: the site's, but English (the edition's own)."""
    return [code for code, _name in settings.LANGUAGES if code != "en"]


def translation_path(edition, language):
    return FIXTURES_DIR / edition / f"indicators.{language}.csv"


@dataclass
class TranslationRow:
    row: int
    kind: str
    code: str
    text: str
    provenance: str


@dataclass
class TranslationPlan:
    framework: object
    language: str
    rows: list
    added: list = field(default_factory=list)
    changed: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)

    @property
    def has_changes(self):
        return bool(self.added or self.changed)

    def summary(self):
        return f"{len(self.added)} added, {len(self.changed)} changed, {len(self.unchanged)} unchanged"


def check_language(language):
    if language not in translation_languages():
        raise FrameworkFileError(
            [f"Language “{language}” is not one of this site's: {', '.join(translation_languages())}."]
        )


def parse_translation(rows, framework):
    """Validate every row against the framework's codes; ``TranslationRow``s or ``FrameworkFileError``."""
    known = {
        kind: set(model.objects.filter(framework=framework).values_list("code", flat=True))
        for kind, model in MODELS.items()
    }
    errors, parsed, seen = [], [], {}
    for number, cells in rows:
        code, text = cells.get("code", ""), cells.get("text", "")
        provenance = cells.get("provenance", "").lower() or TranslationProvenance.DRAFT
        problems = []
        kind = kind_of(code)
        if not code:
            problems.append("no code")
        elif kind is None:
            problems.append(f"“{code}” is not a category, theme, question or indicator code")
        elif code not in known[kind]:
            problems.append(f"{kind} {code} is not in {framework.code}")
        elif code in seen:
            problems.append(f"{code} is translated twice (also row {seen[code]})")
        if not text:
            problems.append("no text")
        elif len(text) > MAX_TEXT:
            problems.append(f"the text is longer than {MAX_TEXT} characters")
        if provenance not in TranslationProvenance.values:
            problems.append(f"provenance “{provenance}” is not one of: draft, verified")
        if problems:
            errors.append(f"Row {number}: " + "; ".join(problems) + ".")
            continue
        seen[code] = number
        parsed.append(TranslationRow(number, kind, code, text, provenance))
    if errors:
        raise FrameworkFileError(errors)
    return parsed


def plan_translation(framework, language, parsed):
    check_language(language)
    existing = {
        (t.kind, t.code): t
        for t in CatalogueTranslation.objects.filter(framework=framework, language=language)
    }
    plan = TranslationPlan(framework, language, parsed)
    for row in parsed:
        current = existing.get((row.kind, row.code))
        if current is None:
            plan.added.append(row)
        elif (current.text, current.provenance) != (row.text, row.provenance):
            plan.changed.append(row)
        else:
            plan.unchanged.append(row)
    return plan


@transaction.atomic
def apply_translation(plan):
    now = timezone.now()
    CatalogueTranslation.objects.bulk_create(
        [
            CatalogueTranslation(
                framework=plan.framework,
                language=plan.language,
                kind=row.kind,
                code=row.code,
                text=row.text,
                provenance=row.provenance,
            )
            for row in plan.added
        ]
    )
    if plan.changed:
        existing = {
            (t.kind, t.code): t
            for t in CatalogueTranslation.objects.filter(framework=plan.framework, language=plan.language)
        }
        updated = []
        for row in plan.changed:
            obj = existing[(row.kind, row.code)]
            obj.text, obj.provenance, obj.updated = row.text, row.provenance, now
            updated.append(obj)
        CatalogueTranslation.objects.bulk_update(updated, ["text", "provenance", "updated"])
    return plan


def load_translation(framework, language, source, format=None, dry_run=False):
    """Read, check and (unless ``dry_run``) apply one translation file; all or nothing."""
    check_language(language)
    plan = plan_translation(
        framework, language, parse_translation(read_table(source, format, COLUMNS), framework)
    )
    if not dry_run and plan.has_changes:
        apply_translation(plan)
    return plan


def shipped_translations(edition):
    """[(language, path)] of the translation files shipped beside the edition."""
    return [
        (language, translation_path(edition, language))
        for language in translation_languages()
        if translation_path(edition, language).exists()
    ]


@dataclass
class Local:
    """An item's text in the reader's language, with the translation's provenance."""

    text: str
    provenance: str
    language: str

    @property
    def is_draft(self):
        return self.provenance == TranslationProvenance.DRAFT


def active_translation_language():
    """The active interface language when the catalogue can be translated into it; else None (English)."""
    language = (translation.get_language() or "en").split("-")[0].lower()
    return language if language in translation_languages() else None


def localise(framework, groups, language=None):
    """Set ``obj.local`` (a ``Local`` or None: show the English) on the catalogue objects, in one query.

    ``groups`` is ``[(kind, objects)]``; ``language`` defaults to the active one. Per item: a missing
    translation leaves that item in English.
    """
    language = language or active_translation_language()
    texts = {}
    if language:
        texts = {
            (t.kind, t.code): Local(t.text, t.provenance, language)
            for t in CatalogueTranslation.objects.filter(framework=framework, language=language).only(
                "kind", "code", "text", "provenance"
            )
        }
    for kind, objects in groups:
        for obj in objects:
            obj.local = texts.get((kind, obj.code))
    return language
