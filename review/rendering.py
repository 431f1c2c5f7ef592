"""Narrative Markdown → safe HTML, and word-level diffs of a narrative."""

import difflib
import re

import markdown
import nh3
from django.utils.safestring import mark_safe

# Words, single punctuation marks and runs of whitespace: "2015" → "2015, amended" shows only the insertion.
TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


def render_markdown(text):
    """Markdown rendered, then cleaned by nh3 (an allow-list): researchers' text never runs as code."""
    html = markdown.markdown(text or "", extensions=["sane_lists", "tables"], output_format="html")
    return mark_safe(nh3.clean(html, link_rel="noopener noreferrer nofollow"))


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
