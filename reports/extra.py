"""Chapters that apps above ``reports`` add to the report (the consultation's participation summary and
Validation section): ``reports`` imports none of them; they register a builder in their
``AppConfig.ready()``. A builder takes the assessment and returns a ``reports.chapters.Chapter`` or None
(nothing to add); it renders with ``reports.chapters.text``/``markdown`` like the report's own chapters.
The chapters come after the conclusion, before the annex, in their order.

``reads`` (the assessment → querysets of every row the builder reads) feeds the quick unchanged-content
check (reports/fingerprint.py); a chapter registered without it turns that check off.
"""

_builders = {}


def register_chapter(key, builder, order=100, reads=None):
    """Registering a key twice replaces the first (``ready()`` may run more than once in tests)."""
    _builders[key] = (order, builder, reads)


def chapter_reads():
    """``[(key, reads)]`` of the registered chapters (``reads`` None: not declared)."""
    return [(key, entry[2]) for key, entry in sorted(_builders.items())]


def extra_chapters(assessment):
    chapters = []
    for _order, builder, _reads in sorted(_builders.values(), key=lambda entry: entry[0]):
        chapter = builder(assessment)
        if chapter is not None:
            chapters.append(chapter)
    return chapters
