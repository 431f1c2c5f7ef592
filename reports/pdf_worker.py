"""Render one HTML document to PDF. Runs in worker processes, so it imports WeasyPrint and nothing of
Django: arguments and results are plain strings and bytes."""

import re
from functools import lru_cache

ANCHOR_PREFIXES = ("sec-", "rec-", "annex-")
# Scripts whose shaped glyphs do not map one-to-one, in logical order, onto characters.
COMPLEX_SCRIPT = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
ZWSP = "\u200b"


@lru_cache(maxsize=1)
def _font_config():
    # One per process: the @font-face fonts are registered with fontconfig once, not per chapter.
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=1)
def install_actual_text():
    """Make Khmer text extract intact: wrap each line of Khmer text in an ``/ActualText`` span.

    Why: a PDF maps text back to characters glyph by glyph (the font's ToUnicode CMap), but a shaped
    Khmer cluster is several glyphs in visual order — a pre-base vowel drawn before its consonant, a
    subscript consonant that is one glyph for two characters. WeasyPrint gives the whole cluster's text to
    the cluster's last glyph and nothing to the others, and a glyph keeps the text of the first cluster
    it was seen in, so "ខ្មែរ" in one place makes the glyph of "រ" read "ែរ" everywhere else. No
    per-glyph map can get this right. PDF's answer is marked content with ``/ActualText``: readers
    (poppler's pdftotext, Acrobat, MuPDF) take the span's text instead of the glyphs'. WeasyPrint draws
    every line fragment of text through ``weasyprint.draw.draw_text`` and offers no hook, so we wrap that
    function; the glyphs drawn are unchanged. tests/reports/test_pdf.py reads the Khmer back strictly, so
    a WeasyPrint upgrade that moves this function fails loudly instead of silently.
    """
    import pydyf
    from weasyprint import draw

    original = draw.draw_text

    def draw_text(stream, textbox, *args, **kwargs):
        text = textbox.text
        if not COMPLEX_SCRIPT.search(text):
            return original(stream, textbox, *args, **kwargs)
        # U+200B is ours (line-break opportunities between Khmer words), not the author's.
        actual = pydyf.String(text.replace(ZWSP, ""))
        stream.begin_marked_content("Span", pydyf.Dictionary({"ActualText": actual}))
        try:
            return original(stream, textbox, *args, **kwargs)
        finally:
            stream.end_marked_content()

    draw.draw_text = draw_text


def render_html(html, base_url):
    """PDF bytes, page count, and the page index (0-based) of each heading anchor."""
    from weasyprint import HTML

    install_actual_text()
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
