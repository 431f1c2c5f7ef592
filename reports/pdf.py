"""The report PDF: chapters rendered apart (in parallel, cached by their HTML), then joined, with the
page furniture (running header, "page x of y", draft watermark) laid over every page afterwards.

Why apart: WeasyPrint lays a document out in one Python thread, roughly 0.1 s a page. A chapter's body
does not depend on its page numbers, so chapters can be laid out independently and concurrently, and a
chapter whose HTML did not change is reused from the cache. What does depend on the page numbers — the
table of contents, the headers and footers — is rendered last, when every chapter's length is known: the
front matter with literal page numbers, and an overlay of empty pages that carries only the margin boxes
(with literal page numbers too) and the watermark, in as many parts as there are render processes. pikepdf (qpdf) joins the PDFs, stamps the overlay as a form XObject, and
restores what a one-document render would have had: named destinations for every anchor, the contents'
links to their pages, and bookmarks — all from the positions the workers report (pdf_worker.render_html).

All WeasyPrint work happens in the worker pool, never in the calling process (the task worker), so that
process stays small: it only builds HTML and joins bytes.
"""

import hashlib
import io
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import pikepdf
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from reports import document as report_document
from reports.models import ChapterCache
from reports.pdf_worker import render_html, warm_up
from reports.sanitise import clean_url

_pool = None


def css_string(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def margin_css(short_title, footer=None):
    """Headers and footers; the same for the overlay and the one-document render. ``footer``: the CSS
    content of the page-number footer (default: "Page x of y" by the page counters)."""
    if footer is None:
        page_label = _("Page %(page)s of %(pages)s")
        before, _sep, rest = page_label.partition("%(page)s")
        middle, _sep, after = rest.partition("%(pages)s")
        footer = f"{css_string(before)} counter(page) {css_string(middle)} counter(pages) {css_string(after)}"
    return (
        f"@page {{ @top-left {{ content: {css_string(short_title)}; font-size: 7.5pt; color: #5b6578; }}"
        " @top-right { content: string(chapter); font-size: 7.5pt; color: #5b6578; }"
        f" @bottom-center {{ content: {footer}; font-size: 7.5pt; color: #5b6578; }} }}"
        " @page cover { @top-left { content: none; } @top-right { content: none; }"
        " @bottom-center { content: none; } }"
    )


def workers():
    return settings.REPORT_RENDER_PROCESSES or os.cpu_count() or 1


def pool():
    """Worker processes, started once per process and reused (forkserver: no inherited threads/DB).

    The forkserver preloads only ``reports.pdf_worker`` (no WeasyPrint): each worker imports WeasyPrint
    and loads the fonts itself, once, in ``warm_up``. Preloading WeasyPrint would make each worker's
    start a little faster but keep another process of WeasyPrint's size (the forkserver) alive next to
    them for as long as the task worker runs.
    """
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["reports.pdf_worker"])
        warm = render_to_string(
            "reports/pdf/document.html",
            {"css": report_document.report_css(), "body": "<p>Aa ក</p>", "body_class": "", "lang": "en"},
        )
        _pool = ProcessPoolExecutor(
            max_workers=workers(), mp_context=context, initializer=warm_up, initargs=(warm,)
        )
    return _pool


def shutdown_pool():
    global _pool
    if _pool is not None:
        _pool.shutdown()
        _pool = None


@dataclass
class RenderResult:
    pdf: bytes
    pages: int
    seconds: float
    content_hash: str
    chapters_rendered: int
    chapters_total: int
    refused: list  # [{"where", "url"}]: what the text asked to load, left out (placeholders in the PDF)


def _hash(html):
    # RENDER_VERSION: a cached chapter must not outlive a change in how HTML becomes PDF.
    return hashlib.sha256(f"{report_document.RENDER_VERSION}\0{html}".encode()).hexdigest()


@dataclass
class Rendered:
    """One rendered document (a chapter, the front matter or the overlay)."""

    pdf: bytes
    pages: int
    layout: dict  # see pdf_worker.render_html

    def page_of(self, anchor):
        return self.layout["anchors"].get(anchor, [0])[0]


def _render_all(doc, items, use_cache, progress=None):
    """Render ``[(key, html)]`` through the chapter cache; the misses in parallel in the worker pool.

    Everything WeasyPrint renders runs in the pool: the process that joins the PDF (the task worker)
    then never holds a layout in memory. Returns ``([Rendered], number rendered)`` in ``items`` order.
    """
    hashes = [_hash(html) for _key, html in items]
    # Each language caches on its own: a Khmer render never evicts the English chapters, nor reuses them.
    items = [(f"{doc.language}:{key}", html) for key, html in items]
    cached = {}
    if use_cache:
        cached = {
            (c.key, c.html_hash): c
            for c in ChapterCache.objects.filter(assessment=doc.assessment, html_hash__in=hashes)
        }
    results = [None] * len(items)
    todo = []
    for i, (key, _html) in enumerate(items):
        hit = cached.get((key, hashes[i]))
        if hit:
            results[i] = Rendered(bytes(hit.pdf), hit.pages, hit.anchors)
        else:
            todo.append(i)
    # Longest first, so the big annex chapters do not finish last on an otherwise idle core.
    todo.sort(key=lambda i: -len(items[i][1]))
    futures = {i: pool().submit(render_html, items[i][1], doc.resources_for(items[i][1])) for i in todo}
    for done, i in enumerate(todo, 1):
        results[i] = Rendered(*futures.pop(i).result())
        if progress:
            progress(done, len(todo))
    if use_cache and todo:
        ChapterCache.objects.bulk_create(
            [
                ChapterCache(
                    assessment=doc.assessment,
                    key=items[i][0],
                    html_hash=hashes[i],
                    pdf=results[i].pdf,
                    pages=results[i].pages,
                    anchors=results[i].layout,
                )
                for i in todo
            ],
            ignore_conflicts=True,
        )
        # Keep only the versions the current report uses.
        for i in todo:
            ChapterCache.objects.filter(assessment=doc.assessment, key=items[i][0]).exclude(
                html_hash=hashes[i]
            ).delete()
    return results, len(todo)


def render_chapters(doc, progress=None, use_cache=True):
    """[Rendered] per chapter, in report order; renders only chapters not in the cache."""
    items = [(chapter.key, doc.chapter_document(chapter)) for chapter in doc.chapters]
    return _render_all(doc, items, use_cache, progress)


def _front_html(doc, chapters, front_pages):
    numbers, offset = {}, front_pages
    for chapter, rendered in zip(doc.chapters, chapters, strict=True):
        for anchor, _title, _level in chapter.toc:
            numbers[anchor] = offset + rendered.page_of(anchor) + 1
        offset += rendered.pages
    return front_document(doc, numbers)


def front_document(doc, numbers=None):
    """The cover and contents as a document of their own (``numbers``: anchor → page number)."""
    return render_to_string(
        "reports/pdf/document.html",
        {
            "css": doc.css,
            "body": report_document.front_html(doc, numbers),
            "body_class": "front-doc",
            "lang": doc.language,
        },
    )


# The overlay (every page's header, footer and watermark) is laid out in parts, one per render process, so
# that it does not run on one core after the chapters while the others wait. Each part prints its page
# numbers literally; a part shorter than this is not worth a process's set-up.
OVERLAY_MIN_PART = 24


def _overlay_htmls(doc, chapters, front_pages):
    """The overlay as ``[html]`` in page order, and its page count."""
    sheets = [""] * front_pages
    for chapter, rendered in zip(doc.chapters, chapters, strict=True):
        sheets += [chapter.title] * rendered.pages
    total = len(sheets)
    label = _("Page %(page)s of %(pages)s")
    pages = [
        {"chapter": title, "footer": label % {"page": n, "pages": total}, "first": n == 1}
        for n, title in enumerate(sheets, 1)
    ]
    parts = max(1, min(workers(), total // OVERLAY_MIN_PART))
    size = -(-total // parts)
    css = doc.css + margin_css(doc.short_title, footer="string(footer)")
    htmls = [
        render_to_string(
            "reports/pdf/overlay.html",
            {"css": css, "pages": pages[start : start + size], "is_draft": doc.is_draft},
        )
        for start in range(0, total, size)
    ]
    return htmls, total


def _join(doc, front, chapters, overlays):
    """One PDF: the parts' pages, the overlay stamped on each, named destinations for every anchor,
    the table of contents' links, and bookmarks for the headings."""
    out = pikepdf.new()
    sources, dests = [], {}
    for part in [front, *chapters]:
        start = len(out.pages)
        source = pikepdf.open(io.BytesIO(part.pdf))
        sources.append(source)  # page contents are copied from it lazily, on save
        out.pages.extend(source.pages)
        for name, (page, x, y) in part.layout["anchors"].items():
            dests.setdefault(name, (start + page, x, y))
    stamps = []
    for overlay in overlays:
        source = pikepdf.open(io.BytesIO(overlay.pdf))
        sources.append(source)
        stamps.extend(source.pages)
    for page, stamp in zip(out.pages, stamps, strict=True):
        page.add_overlay(stamp)

    def destination(name):
        page, x, y = dests[name]
        return pikepdf.Array([out.pages[page].obj, pikepdf.Name.XYZ, x, y, 0])

    # Named destinations: links inside a chapter (they name their anchor) keep working once joined.
    names = pikepdf.NameTree.new(out)
    for name in dests:
        names[name] = destination(name)
    out.Root.Names = pikepdf.Dictionary(Dests=names.obj)
    for page, name, x1, y1, x2, y2 in front.layout["links"]:
        if name not in dests:
            continue
        annotation = out.make_indirect(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Annot,
                Subtype=pikepdf.Name.Link,
                Rect=[x1, y1, x2, y2],
                Border=[0, 0, 0],
                Dest=destination(name),
            )
        )
        target = out.pages[page].obj
        if "/Annots" not in target:
            target.Annots = out.make_indirect(pikepdf.Array())
        target.Annots.append(annotation)

    with out.open_outline() as outline:
        parent = None
        for anchor, title, level in doc.toc_entries():
            if anchor not in dests:
                continue
            page, x, y = dests[anchor]
            item = pikepdf.OutlineItem(
                str(title).replace("\u200b", ""), page, pikepdf.PageLocation.XYZ, left=x, top=y
            )
            if level == 1 or parent is None:
                outline.root.append(item)
                parent = item
            else:
                parent.children.append(item)
    out.docinfo["/Title"] = str(doc.front_context["title"]).replace("\u200b", "")
    out.docinfo["/Creator"] = "roamx"
    buffer = io.BytesIO()
    out.save(buffer, compress_streams=True)
    return buffer.getvalue(), len(out.pages)


def render_report(doc, progress=None, use_cache=True):
    """The assembled PDF of a ``reports.document.ReportDocument``, its labels in the document's language."""
    with translation.override(doc.language):
        return _render_report(doc, progress, use_cache)


def _render_report(doc, progress, use_cache):
    started = time.perf_counter()
    chapters, rendered = render_chapters(doc, progress, use_cache)
    # The front matter (cover, contents) decides every later page number by its length, and the overlay
    # needs the page count: render both at once, guessing two front pages, and again in the rare case
    # the guess was wrong.
    front_pages = 2
    for _attempt in range(3):
        overlay_htmls, sheets = _overlay_htmls(doc, chapters, front_pages)
        parts = [("~front", _front_html(doc, chapters, front_pages))]
        parts += [(f"~overlay-{n}", html) for n, html in enumerate(overlay_htmls)]
        (front, *overlays), _n = _render_all(doc, parts, use_cache)
        if front.pages == front_pages:
            break
        front_pages = front.pages
    stamped = sum(o.pages for o in overlays)
    assert stamped == sheets == front.pages + sum(c.pages for c in chapters), (stamped, sheets)
    pdf_bytes, pages = _join(doc, front, chapters, overlays)
    refused = list(doc.refused)
    for part in [front, *chapters, *overlays]:
        # The fetcher's own refusals: none while the sanitiser catches everything; listed if not.
        for url in part.layout.get("refused", []):
            item = {"where": _("PDF renderer"), "url": clean_url(url)}
            if item not in refused:
                refused.append(item)
    return RenderResult(
        pdf=pdf_bytes,
        pages=pages,
        seconds=time.perf_counter() - started,
        content_hash=doc.content_hash,
        chapters_rendered=rendered,
        chapters_total=len(chapters),
        refused=refused,
    )


def single_html(doc):
    """The whole report as one document for one WeasyPrint pass (contents by target-counter, margin boxes
    in the page): the benchmark's reference for what the chapter split saves."""
    html = report_document.single_document(doc)
    return html.replace("</style>", margin_css(doc.short_title) + "</style>", 1)
