"""An assessment's languages: a primary one and an optional second one, any pair of settings.LANGUAGES.

Bilingual text is stored in two columns per field: the plain field (``narrative``) holds the primary
language and ``<field>_second`` the second language. The plain name keeps meaning what it always meant
(the text the team writes first), so history, backups, imports and the PDF keep working, and any pair
of languages works without a migration per language (docs/architecture.md argues this against
django-modeltranslation's one column per language).

Apps register their bilingual fields here (reports does so in its ``ready()``), so assessments can
tell whether an assessment holds second-language text without importing the apps above it.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

SECOND = "_second"

# model label → (fields, lookup from the model to its assessment)
BILINGUAL = {}


def register_bilingual(model, fields, assessment="assessment"):
    BILINGUAL[model._meta.label] = (model, tuple(fields), assessment)


def language_choices():
    return list(settings.LANGUAGES)


def language_name(code):
    """The language's name in the reader's language ("Khmer" in English), from Django's own table; a
    language Django does not know keeps the name settings.LANGUAGES gives it."""
    try:
        info = translation.get_language_info(code)
    except KeyError:
        return str(dict(settings.LANGUAGES).get(code, code))
    if translation.get_language() == code:
        # Read in that language itself: its own name. Django's table gives Khmer's "local" name as
        # "Khmer", so the name the language switcher shows (settings.LANGUAGES, "ភាសាខ្មែរ") comes first.
        return str(dict(settings.LANGUAGES).get(code) or info["name_local"])
    return str(info["name_translated"])


def languages(assessment):
    """The assessment's languages, primary first."""
    found = [assessment.language]
    if assessment.second_language and assessment.second_language != assessment.language:
        found.append(assessment.second_language)
    return found


def column(field, assessment, language):
    """The column holding ``field`` in ``language`` for this assessment; None if it has no such language."""
    if language == assessment.language:
        return field
    if language and language == assessment.second_language:
        return field + SECOND
    return None


def text_in(obj, field, assessment, language):
    name = column(field, assessment, language)
    return (getattr(obj, name, "") or "") if name else ""


@dataclass
class Shown:
    """A text as a reader sees it: in ``language``; ``wanted`` when it had to fall back from another."""

    text: str
    language: str
    wanted: str = ""

    @property
    def fell_back(self):
        return bool(self.wanted) and self.wanted != self.language

    @property
    def note(self):
        if not self.fell_back:
            return ""
        return _("Not yet written in %(wanted)s — shown in %(shown)s.") % {
            "wanted": language_name(self.wanted),
            "shown": language_name(self.language),
        }

    def __str__(self):
        return self.text


def shown(obj, field, assessment, language):
    """The text in ``language``, else in the assessment's other language (with a note)."""
    order = languages(assessment)
    if language not in order:
        language = order[0]
    text = text_in(obj, field, assessment, language)
    if text.strip():
        return Shown(text, language)
    for other in order:
        if other != language:
            other_text = text_in(obj, field, assessment, other)
            if other_text.strip():
                return Shown(other_text, other, wanted=language)
    return Shown("", language)


def reader_language(assessment, requested=None):
    """The language a reader sees: ``requested`` (?lang=) if the assessment has it, else the active
    interface language if it has that, else its primary language."""
    order = languages(assessment)
    for candidate in (requested, translation.get_language()):
        if candidate:
            code = candidate.split("-")[0].lower()
            if code in order:
                return code
    return order[0]


def has_second_text(assessment):
    """Whether any registered bilingual field holds second-language text for this assessment."""
    for model, fields, lookup in BILINGUAL.values():
        query = Q()
        for field in fields:
            query |= ~Q(**{field + SECOND: ""})
        key = "pk" if lookup == "self" else lookup
        if model.objects.filter(query, **{key: assessment.pk}).exists():
            return True
    return False


def check_second_language(obj, fields, assessment):
    """Refuse second-language text on an assessment that has no second language (model ``clean``)."""
    if assessment is None or assessment.second_language:
        return
    errors = {
        field + SECOND: _("This assessment has no second language; set one on the assessment first.")
        for field in fields
        if (getattr(obj, field + SECOND, "") or "").strip()
    }
    if errors:
        raise ValidationError(errors)
