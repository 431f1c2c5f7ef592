"""Researchers' Markdown on review pages → safe HTML, and word-level diffs of a narrative."""

import difflib
import hashlib
import re

from django.core.cache import cache
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from assessments.models import Attachment
from toolkit.markup import FIGURE_REF, Sanitiser, figure_ids

IMAGE_TYPES = ("image/png", "image/jpeg")

# Words, single punctuation marks and runs of whitespace: "2015" → "2015, amended" shows only the insertion.
TOKENS = re.compile(r"\s+|\w+|[^\w\s]")
LINK_REL = "noopener noreferrer nofollow"
# Rendered HTML is kept in Django's cache (shared by every worker when the cache is Redis) under the
# digest of everything it depends on; bump when the sanitiser's output changes for the same input.
MARKDOWN_CACHE_VERSION = "1"
MARKDOWN_CACHE_SECONDS = 7 * 24 * 3600


class AttachmentFigures:
    """Figures on review pages: ``![caption](attachment:<id>)`` naming a PNG or JPEG attachment of this
    assessment shows through the members-only download URL (same origin, allowed by the CSP); every
    other image or resource stays a placeholder. ``texts`` are the page's texts: one query for all."""

    def __init__(self, assessment, texts):
        ids = figure_ids(texts)
        images = Attachment.objects.filter(
            pk__in=ids, finding__assessment=assessment, content_type__in=IMAGE_TYPES
        ).values_list("pk", flat=True)
        self.urls = {
            pk: reverse("assessments:attachment", kwargs={"code": assessment.code, "pk": pk})
            for pk in (images if ids and assessment is not None else [])
        }

    def refuse(self, where, url):
        """The placeholder says it on the page; nothing else to record."""

    def fingerprint(self):
        return repr(sorted(self.urls.items()))

    def figure(self, ref):
        match = FIGURE_REF.match(ref)
        return self.urls.get(int(match.group(1))) if match else None


def render_markdown(text, figures=None):
    """Markdown → HTML in which nothing loads but the figures ``figures`` resolves (toolkit.markup):
    researchers' text never runs as code and never makes a reader's browser request anything.

    Rendered once per version of the text: the HTML is cached under the digest of the text, the figures
    it may show, the language (placeholders are translated) and the sanitiser's version."""
    text = text or ""
    if not text:
        return mark_safe("")
    if figures is not None and not hasattr(figures, "fingerprint"):  # a policy we cannot key on
        return mark_safe(Sanitiser(figures, link_rel=LINK_REL).html(text))
    figure_part = figures.fingerprint() if figures is not None else ""
    key = hashlib.sha256(
        f"{MARKDOWN_CACHE_VERSION}\0{get_language()}\0{figure_part}\0{text}".encode()
    ).hexdigest()
    key = f"review:md:{key}"
    html = cache.get(key)
    if html is None:
        html = Sanitiser(figures, link_rel=LINK_REL).html(text)
        cache.set(key, html, MARKDOWN_CACHE_SECONDS)
    return mark_safe(html)


def normalise_newlines(text):
    """Browsers send textarea lines ending in CRLF; stored text uses LF so diffs show no phantom changes."""
    return (text or "").replace("\r\n", "\n").replace("\r", "\n")


def word_diff(old, new):
    """[(op, text)] with op in equal / insert / delete, word by word (whitespace kept).

    The template escapes every piece, so a diff can never inject markup.
    """
    a, b = TOKENS.findall(normalise_newlines(old)), TOKENS.findall(normalise_newlines(new))
    pieces = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(("equal", "".join(a[i1:i2])))
        else:
            if i2 > i1:
                pieces.append(("delete", "".join(a[i1:i2])))
            if j2 > j1:
                pieces.append(("insert", "".join(b[j1:j2])))
    return pieces
