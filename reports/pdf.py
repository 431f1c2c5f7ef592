"""The report PDF: chapters rendered apart (in parallel, cached by their HTML), then joined, with the
page furniture (running header, "page x of y", draft watermark) laid over every page afterwards.

Why apart: WeasyPrint lays a document out in one Python thread, roughly 0.1 s a page. A chapter's body
does not depend on its page numbers, so chapters can be laid out independently and concurrently, and a
chapter whose HTML did not change is reused from the cache. What does depend on the page numbers — the
table of contents, the headers and footers — is rendered last, when every chapter's length is known: the
front matter with literal page numbers, and an overlay document of empty pages that carries only the
margin boxes and the watermark. pikepdf (qpdf) joins the PDFs and stamps the overlay as a form XObject,
which takes milliseconds.
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
from django.utils.translation import gettext as _

from reports import document as report_document
from reports.models import ChapterCache
from reports.pdf_worker import install_actual_text, render_html, warm_up

BASE_URL = str(report_document.APP_DIR)
_pool = None


def css_string(value):
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def margin_css(short_title):
    """Headers and footers; the same for the overlay and the one-document render."""
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


def pool():
    """Worker processes, started once per process and reused (forkserver: no inherited threads/DB)."""
    global _pool
    if _pool is None:
        workers = settings.REPORT_RENDER_PROCESSES or os.cpu_count() or 1
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["weasyprint", "reports.pdf_worker"])
        warm = render_to_string(
            "reports/pdf/document.html",
            {"css": report_document.report_css(), "body": "<p>Aa ក</p>", "body_class": "", "lang": "en"},
        )
        _pool = ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=warm_up, initargs=(warm, BASE_URL)
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


def _hash(html):
    # RENDER_VERSION: a cached chapter must not outlive a change in how HTML becomes PDF.
    return hashlib.sha256(f"{report_document.RENDER_VERSION}\0{html}".encode()).hexdigest()


def render_chapters(doc, progress=None, use_cache=True):
    """[(chapter, pdf bytes, pages, anchors)] in report order; renders only chapters not in the cache."""
    htmls = [doc.chapter_document(chapter) for chapter in doc.chapters]
    hashes = [_hash(html) for html in htmls]
    cached = {}
    if use_cache:
        cached = {
            (c.key, c.html_hash): c
            for c in ChapterCache.objects.filter(assessment=doc.assessment, html_hash__in=hashes)
        }
    results = [None] * len(htmls)
    todo = []
    for i, chapter in enumerate(doc.chapters):
        hit = cached.get((chapter.key, hashes[i]))
        if hit:
            results[i] = (bytes(hit.pdf), hit.pages, hit.anchors)
        else:
            todo.append(i)
    # Longest first, so the big annex chapters do not finish last on an otherwise idle core.
    todo.sort(key=lambda i: -len(htmls[i]))
    if len(todo) > 1:
        futures = {i: pool().submit(render_html, htmls[i], BASE_URL) for i in todo}
        for done, i in enumerate(todo, 1):
            results[i] = futures[i].result()
            if progress:
                progress(done, len(todo))
    elif todo:
        results[todo[0]] = render_html(htmls[todo[0]], BASE_URL)
        if progress:
            progress(1, 1)
    if use_cache and todo:
        ChapterCache.objects.bulk_create(
            [
                ChapterCache(
                    assessment=doc.assessment,
                    key=doc.chapters[i].key,
                    html_hash=hashes[i],
                    pdf=results[i][0],
                    pages=results[i][1],
                    anchors=results[i][2],
                )
                for i in todo
            ],
            ignore_conflicts=True,
        )
        # Keep only the versions the current report uses.
        for i in todo:
            ChapterCache.objects.filter(assessment=doc.assessment, key=doc.chapters[i].key).exclude(
                html_hash=hashes[i]
            ).delete()
    return [(doc.chapters[i], *results[i]) for i in range(len(htmls))], len(todo)


def _cached(doc, key, html, use_cache):
    """Render one document through the chapter cache (front matter, overlay)."""
    digest = _hash(html)
    if use_cache:
        hit = ChapterCache.objects.filter(assessment=doc.assessment, key=key, html_hash=digest).first()
        if hit:
            return bytes(hit.pdf), hit.pages, hit.anchors
    result = render_html(html, BASE_URL)
    if use_cache:
        ChapterCache.objects.filter(assessment=doc.assessment, key=key).delete()
        ChapterCache.objects.create(
            assessment=doc.assessment,
            key=key,
            html_hash=digest,
            pdf=result[0],
            pages=result[1],
            anchors=result[2],
        )
    return result


def _front(doc, chapter_results, front_pages, use_cache):
    numbers, offset = {}, front_pages
    for chapter, _pdf, pages, anchors in chapter_results:
        for anchor, _title, _level in chapter.toc:
            numbers[anchor] = offset + anchors.get(anchor, 0) + 1
        offset += pages
    html = render_to_string(
        "reports/pdf/document.html",
        {
            "css": doc.css,
            "body": report_document.front_html(doc, numbers),
            "body_class": "front-doc",
            "lang": "en",
        },
    )
    return _cached(doc, "~front", html, use_cache)


def render_report(doc, progress=None, use_cache=True):
    """The assembled PDF of a ``reports.document.ReportDocument``."""
    started = time.perf_counter()
    chapter_results, rendered = render_chapters(doc, progress, use_cache)
    # The front matter is a cover page and a contents page or two; its length decides every later page
    # number, so render it with a guess and once more in the rare case the guess was wrong.
    front_pages = 2
    front_pdf, pages, _anchors = _front(doc, chapter_results, front_pages, use_cache)
    if pages != front_pages:
        front_pages = pages
        front_pdf, pages, _anchors = _front(doc, chapter_results, front_pages, use_cache)

    sheets = [""] * front_pages
    for chapter, _pdf, chapter_pages, _anchors in chapter_results:
        sheets += [chapter.title] * chapter_pages
    overlay_html = render_to_string(
        "reports/pdf/overlay.html",
        {"css": doc.css + margin_css(doc.short_title), "pages": sheets, "is_draft": doc.is_draft},
    )
    overlay_pdf, overlay_pages, _anchors = _cached(doc, "~overlay", overlay_html, use_cache)
    assert overlay_pages == len(sheets), (overlay_pages, len(sheets))

    out = pikepdf.new()
    outline_items = []
    for index, part in enumerate([front_pdf] + [r[1] for r in chapter_results]):
        start = len(out.pages)
        out.pages.extend(pikepdf.open(io.BytesIO(part)).pages)
        if index:
            chapter, _pdf, _pages, anchors = chapter_results[index - 1]
            for anchor, title, level in chapter.toc:
                if level == 1:
                    outline_items.append(pikepdf.OutlineItem(title, start + anchors.get(anchor, 0)))
    overlay = pikepdf.open(io.BytesIO(overlay_pdf))
    for page, stamp in zip(out.pages, overlay.pages, strict=True):
        page.add_overlay(stamp)
    with out.open_outline() as outline:
        outline.root.extend(outline_items)
    out.docinfo["/Title"] = str(doc.front_context["title"]).replace("\u200b", "")
    out.docinfo["/Creator"] = "roamx"
    buffer = io.BytesIO()
    out.save(buffer, compress_streams=True)
    return RenderResult(
        pdf=buffer.getvalue(),
        pages=len(sheets),
        seconds=time.perf_counter() - started,
        content_hash=doc.content_hash,
        chapters_rendered=rendered,
        chapters_total=len(chapter_results),
    )


def render_single(doc):
    """The whole report in one WeasyPrint pass (table of contents by target-counter): for comparison."""
    from weasyprint import HTML

    install_actual_text()
    html = report_document.single_document(doc)
    html = html.replace("</style>", margin_css(doc.short_title) + "</style>", 1)
    document = HTML(string=html, base_url=BASE_URL).render()
    return document.write_pdf(), len(document.pages)
