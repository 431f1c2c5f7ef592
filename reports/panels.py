"""Panels that apps above ``reports`` add beside the report workspace's editor.

``review`` sits above ``reports`` (reports never imports it), yet the editor shows the open MAB comments
on the section being written. So review registers a panel here in its ``AppConfig.ready()``, as it
registers its links with ``assessments.links``; without review installed the workspace shows none.
A panel is ``render(request, assessment, section)`` → safe HTML or "" (``section`` may be unsaved).
"""

from collections.abc import Callable

_section_panels: dict[str, Callable] = {}


def register_section_panel(key, render):
    """Registering a key twice replaces the first (``ready()`` may run more than once in tests)."""
    _section_panels[key] = render


def section_panels(request, assessment, section):
    return [
        html
        for key in sorted(_section_panels)
        if (html := _section_panels[key](request, assessment, section))
    ]


# The same for the follow-up page (reports.followup_views): review adds each item's MAB comment thread.
# A renderer is ``render(request, assessment, follow_ups, bound=None)`` → ``{follow-up pk: safe HTML}``,
# for every item at once (a fixed number of queries, however many items).
_follow_up_panels: dict[str, Callable] = {}


def register_follow_up_panel(key, render):
    _follow_up_panels[key] = render


def follow_up_panels(request, assessment, follow_ups):
    """``{pk: [html, …]}`` for the page's follow-ups."""
    found = {}
    for key in sorted(_follow_up_panels):
        for pk, html in _follow_up_panels[key](request, assessment, follow_ups).items():
            if html:
                found.setdefault(pk, []).append(html)
    return found
