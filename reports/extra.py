"""Chapters that apps above ``reports`` add to the report (the consultation's participation summary and
Validation section): ``reports`` imports none of them; they register a builder in their
``AppConfig.ready()``. A builder takes the assessment and returns a ``reports.chapters.Chapter`` or None
(nothing to add); it renders with ``reports.chapters.text``/``markdown`` like the report's own chapters.
The chapters come after the conclusion, before the annex, in their order.
"""

_builders = {}


def register_chapter(key, builder, order=100):
    """Registering a key twice replaces the first (``ready()`` may run more than once in tests)."""
    _builders[key] = (order, builder)


def extra_chapters(assessment):
    chapters = []
    for _order, builder in sorted(_builders.values(), key=lambda entry: entry[0]):
        chapter = builder(assessment)
        if chapter is not None:
            chapters.append(chapter)
    return chapters
