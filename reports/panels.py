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
