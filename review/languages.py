"""Which language a reader sees an assessment's bilingual text in, and the switch between its languages.

The reader's choice (``?lang=``) wins, then the interface language, then the assessment's primary one
(assessments.languages.reader_language); a text not yet written in that language is shown in the other
with a note. Comments are shown as written: they are not bilingual.
"""

from django.http import QueryDict

from assessments.languages import language_name, languages, reader_language, shown


def reading_language(request, assessment):
    """(language, switch): the language shown and, for a bilingual assessment, a link per language."""
    language = reader_language(assessment, request.GET.get("lang"))
    codes = languages(assessment)
    switch = []
    if len(codes) > 1:
        for code in codes:
            query = QueryDict(mutable=True)
            query["lang"] = code
            switch.append(
                {
                    "code": code,
                    "name": language_name(code),
                    "current": code == language,
                    "query": query.urlencode(),
                }
            )
    return language, switch


def show_in(objects, field, assessment, language):
    """Set ``obj.shown`` (assessments.languages.Shown) on each object: its ``field`` in ``language``."""
    for obj in objects:
        obj.shown = shown(obj, field, assessment, language)
    return objects
