"""Render one HTML document to PDF. Runs in worker processes, so it imports WeasyPrint and nothing of
Django: arguments and results are plain strings and bytes."""

from functools import lru_cache

ANCHOR_PREFIXES = ("sec-", "rec-", "annex-")


@lru_cache(maxsize=1)
def _font_config():
    # One per process: the @font-face fonts are registered with fontconfig once, not per chapter.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def render_html(html, base_url):
    """PDF bytes, page count, and the page index (0-based) of each heading anchor."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url).render(font_config=_font_config())
    anchors = {}
    for index, page in enumerate(document.pages):
        for name in page.anchors:
            if name.startswith(ANCHOR_PREFIXES):
                anchors.setdefault(name, index)
    return document.write_pdf(), len(document.pages), anchors


def warm_up(html, base_url):
    """Pool initializer: the first render in a process loads fontconfig and the fonts (~0.5 s)."""
    render_html(html, base_url)
