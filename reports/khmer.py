"""Khmer word segmentation, so Khmer paragraphs wrap between words.

Khmer writes no spaces between words, and the PDF's line breaker (Pango, through WeasyPrint) has no
Khmer dictionary: a Khmer paragraph would be one unbreakable run and overflow the page. We segment each
run of Khmer script with khmer-nltk (a CRF model shipped inside the package, so it works offline) and
insert ZERO WIDTH SPACE (U+200B) between words: a break opportunity that prints nothing.
"""

import logging
import re
from functools import lru_cache

ZWSP = "\u200b"
KHMER_RUN = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+")


@lru_cache(maxsize=1)
def _tokenizer():
    from khmernltk import word_tokenize

    # khmer-nltk sets up its own DEBUG logger on import and logs each model load; keep logs quiet.
    logging.getLogger("khmer-nltk").setLevel(logging.WARNING)

    return word_tokenize


@lru_cache(maxsize=4096)
def _segment_run(run):
    words = _tokenizer()(run, return_tokens=True)
    return ZWSP.join(word for word in words if word.strip())


def segment(text):
    """``text`` with U+200B between Khmer words; other text is untouched. Idempotent."""
    if not text or not KHMER_RUN.search(text):
        return text
    return KHMER_RUN.sub(lambda m: _segment_run(m.group(0)), text.replace(ZWSP, ""))
