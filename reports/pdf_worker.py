"""Render one HTML document to PDF. Runs in worker processes, so it imports WeasyPrint and nothing of
Django: arguments and results are plain strings and bytes.

WeasyPrint fetches what a document's HTML and CSS point at. Every document roamx renders goes through
``render_html`` and its fetcher, an allow-list: ``roamx-asset:fonts/<name>`` for our shipped fonts, and
the keys of the ``resources`` the caller passed (our images, read through Django's storage by
``reports.media``). Everything else — http(s), file, data, ftp, absolute or relative paths — is refused
without being opened, and returned in ``layout["refused"]``.
"""

import atexit
import re
from functools import lru_cache
from pathlib import Path

# WeasyPrint is imported inside the functions: reports.pdf imports this module in the task worker to
# hand its functions to the render pool, and that process must not load WeasyPrint (nor hold a layout).

# Scripts whose shaped glyphs do not map one-to-one, in logical order, onto characters.
COMPLEX_SCRIPT = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]")
ZWSP = "\u200b"
ASSET = "roamx-asset:"
FONT_DIR = Path(__file__).resolve().parent / "fonts"
# The base URL of every document: no file or web location for a relative reference to resolve against.
BASE_URL = ASSET


@lru_cache(maxsize=1)
def _assets():
    """Our own files the fetcher serves, by exact name: the fonts shipped in reports/fonts."""
    return {f"{ASSET}fonts/{path.name}": ("font/ttf", path) for path in FONT_DIR.glob("*.ttf")}


def fetcher(resources, refused):
    """A WeasyPrint URL fetcher that serves our fonts and ``resources`` (key → (type, bytes)) only;
    every other URL is appended to ``refused`` and fails."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AllowListFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url in resources:
                content_type, data = resources[url]
                return URLFetcherResponse(url, bytes(data), {"Content-Type": content_type})
            asset = _assets().get(url)
            if asset:
                return URLFetcherResponse(url, asset[1].read_bytes(), {"Content-Type": asset[0]})
            if url not in refused:
                refused.append(url)
            raise ValueError(f"roamx renders only its own resources; refused {url[:200]!r}")

    return AllowListFetcher()


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


def _split_style(html, resources, refused):
    """The document without its stylesheet (the first ``<style>`` of its head: ours, from
    reports/pdf/document.html), and that stylesheet parsed — once per process for each distinct text.
    Every chapter carries the same stylesheet; parsing it for each was about 7 % of a chapter's time.
    What the stylesheet asked for and was refused is added to ``refused`` on every render, as before; a
    stylesheet that names one of ``resources`` stays in the document (its fetcher serves them)."""
    start = html.find("<style>")
    end = html.find("</style>", start)
    head_end = html.find("</head>")
    if start < 0 or end < 0 or (head_end >= 0 and end > head_end):
        return html, []
    css = html[start + len("<style>") : end]
    if any(key in css for key in resources):
        return html, []
    sheet, css_refused = _stylesheet(css)
    refused.extend(url for url in css_refused if url not in refused)
    return html[:start] + html[end + len("</style>") :], [sheet]


@lru_cache(maxsize=8)
def _stylesheet(css):
    """``(the parsed stylesheet, the URLs it was refused)``, with the process's font configuration."""
    from weasyprint import CSS

    refused = []
    sheet = CSS(string=css, base_url=BASE_URL, url_fetcher=fetcher({}, refused), font_config=_font_config())
    return sheet, tuple(refused)


@atexit.register
def _drop_caches():
    # Before the interpreter tears its modules down: WeasyPrint's FontConfiguration frees its fontconfig
    # objects in __del__, which fails once the modules it calls are gone.
    _stylesheet.cache_clear()
    _font_config.cache_clear()


def render_html(html, resources=None):
    """Render ``html``: PDF bytes, page count, and where things are, for joining documents later.

    ``resources`` (key → (content type, bytes)) are the only things besides our fonts the document may
    load; ``layout["refused"]`` lists the URLs it asked for and did not get.

    Returns ``(pdf, pages, layout)``. ``layout["anchors"]`` maps each element id to ``[page index, x,
    y]`` (PDF points, origin bottom left): the headings' pages feed the table of contents, the positions
    the bookmarks and link targets. ``layout["links"]`` lists ``[page index, anchor, x1, y1, x2, y2]``
    for links to anchors this document does not have (the table of contents points into chapters
    rendered apart): WeasyPrint would drop them with an error, so we take them out and the joined PDF
    gets them back as link annotations to the right page.
    """
    from weasyprint import HTML

    install_actual_text()
    refused = []
    url_fetcher = fetcher(resources or {}, refused)
    html, stylesheets = _split_style(html, resources or {}, refused)
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=url_fetcher).render(
        stylesheets=stylesheets, font_config=_font_config()
    )
    anchors = {}
    for index, page in enumerate(document.pages):
        for name, (x, y, _x2, _y2) in page.anchors.items():
            anchors.setdefault(name, [index, *_to_pdf(page, x, y)])
    known = set(anchors)
    areas = {}  # (page, target) → CSS-pixel box; a link's block and its inline children each report one
    for index, page in enumerate(document.pages):
        kept = []
        for link in page.links:
            link_type, target, (x1, y1, x2, y2), _box = link
            if link_type == "internal" and target not in known:
                area = areas.setdefault((index, target), [x1, y1, x2, y2])
                area[:] = [min(area[0], x1), min(area[1], y1), max(area[2], x2), max(area[3], y2)]
            else:
                kept.append(link)
        page.links[:] = kept
    links = [
        [index, target, *_to_pdf(document.pages[index], x1, y2), *_to_pdf(document.pages[index], x2, y1)]
        for (index, target), (x1, y1, x2, y2) in areas.items()
    ]
    pdf = document.write_pdf()
    return pdf, len(document.pages), {"anchors": anchors, "links": links, "refused": refused}


def _to_pdf(page, x, y):
    """CSS pixels from the page's top left → PDF points from its bottom left."""
    return [round(x * 0.75, 2), round((page.height - y) * 0.75, 2)]


def warm_up(html):
    """Pool initializer: the first render in a process loads fontconfig and the fonts (~0.5 s)."""
    render_html(html)
