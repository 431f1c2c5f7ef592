"""Researchers' Markdown on review pages is rendered once per version of the text, through Django's
cache (shared by every worker when the cache is Redis): the same text, figures and language give the
same HTML from the cache; a change to any of them renders again."""

from django.core.cache import cache
from django.utils import translation

from review import rendering


class Figures:
    """A figure policy like AttachmentFigures: which attachment ids show, and where."""

    def __init__(self, urls):
        self.urls = urls

    def refuse(self, where, url):
        pass

    def figure(self, ref):
        return rendering.AttachmentFigures.figure(self, ref)

    def fingerprint(self):
        return repr(sorted(self.urls.items()))


def sanitiser_runs(monkeypatch):
    calls = []
    original = rendering.Sanitiser.html

    def counted(self, text):
        calls.append(text)
        return original(self, text)

    monkeypatch.setattr(rendering.Sanitiser, "html", counted)
    return calls


def test_the_same_text_renders_once(monkeypatch):
    calls = sanitiser_runs(monkeypatch)
    first = rendering.render_markdown("**Coverage** grew <script>x</script>")
    again = rendering.render_markdown("**Coverage** grew <script>x</script>")
    assert first == again and "<strong>Coverage</strong>" in first and "<script" not in first
    assert len(calls) == 1
    rendering.render_markdown("**Coverage** grew further")
    assert len(calls) == 2
    cache.clear()
    assert rendering.render_markdown("**Coverage** grew <script>x</script>") == first
    assert len(calls) == 3


def test_figures_and_language_are_part_of_the_key(monkeypatch):
    calls = sanitiser_runs(monkeypatch)
    text = "![Map](attachment:7)"
    shown = rendering.render_markdown(text, Figures({7: "/a/x/attachments/7/"}))
    hidden = rendering.render_markdown(text, Figures({}))
    assert 'src="/a/x/attachments/7/"' in shown and "<img" not in hidden
    with translation.override("fr"):
        rendering.render_markdown(text, Figures({}))
    assert len(calls) == 3
    assert rendering.render_markdown(text, Figures({7: "/a/x/attachments/7/"})) == shown
    assert len(calls) == 3
