"""Khmer word segmentation, so Khmer paragraphs wrap between words.

Khmer writes no spaces between words, and the PDF's line breaker (Pango, through WeasyPrint) has no
Khmer dictionary: a Khmer paragraph would be one unbreakable run and overflow the page. We segment each
run of Khmer script with khmer-nltk's word model (a CRF shipped inside the package, so it works offline)
and insert ZERO WIDTH SPACE (U+200B) between words: a break opportunity that prints nothing.

Memory: khmer-nltk's own ``word_tokenize`` unpickles its model as a scikit-learn estimator, which
imports scikit-learn, SciPy and NumPy — about 120 MB in every process that builds a report, for one
``Tagger.tag`` call. The pickle holds the CRFsuite model file itself, so we read those bytes out with an
unpickler that builds no foreign classes and hand them to ``pycrfsuite`` directly (~15 MB); the
features and the reading of the tags are khmer-nltk's, unchanged. tests/reports/test_pdf.py checks that
the result equals khmer-nltk's.
"""

import logging
import pickle
import re
from functools import lru_cache
from pathlib import Path

ZWSP = "\u200b"
KHMER_RUN = re.compile(r"[\u1780-\u17ff\u19e0-\u19ff]+")
# The classes khmer-nltk's model pickle names; each is read back as a plain attribute holder.
MODEL_CLASSES = {
    ("sklearn_crfsuite.estimator", "CRF"),
    ("sklearn_crfsuite._fileresource", "FileResource"),
    ("pycrfsuite._logparser", "TrainLogParser"),
}


class _Attributes:
    def __setstate__(self, state):
        self.__dict__.update(state)


class _ModelUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in MODEL_CLASSES:
            return _Attributes
        if module == "builtins" and name in {"dict", "list", "set", "tuple"}:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"unexpected class in the Khmer word model: {module}.{name}")


# khmer-nltk and pycrfsuite are imported inside the functions below: importing khmernltk sets up its
# logging and reads its data, which a process that never meets Khmer text need not pay for.


def model_path():
    import khmernltk

    return Path(khmernltk.__file__).parent / "word_tokenize" / "sklearn_crf_ner_10000.sav"


@lru_cache(maxsize=1)
def _tagger():
    import pycrfsuite

    # khmer-nltk sets up its own DEBUG logger on import; keep logs quiet.
    logging.getLogger("khmer-nltk").setLevel(logging.WARNING)
    with model_path().open("rb") as fh:
        estimator = _ModelUnpickler(fh).load()
    model = estimator.modelfile.__dict__["__FILE_RESOURCE_DATA__"]
    tagger = pycrfsuite.Tagger()
    # CRFsuite reads the model in place, without a copy: the bytes must live as long as the tagger.
    tagger.open_inmemory(model)
    return tagger, model


def word_tokenize(text):
    """The words of ``text``, as khmer-nltk's ``word_tokenize(text, return_tokens=True)`` gives them."""
    from khmernltk.utils.data import cleanup_str, seg_kcc
    from khmernltk.word_tokenize.features import create_kcc_features

    features = create_kcc_features(seg_kcc(cleanup_str(text)))
    tokens = []
    for i, (feature, label) in enumerate(zip(features, _tagger()[0].tag(features), strict=True)):
        if label == "1" or i == 0:
            tokens.append(feature["kcc"])
        else:
            tokens[-1] += feature["kcc"]
    return tokens


@lru_cache(maxsize=4096)
def _segment_run(run):
    return ZWSP.join(word for word in word_tokenize(run) if word.strip())


def segment(text):
    """``text`` with U+200B between Khmer words; other text is untouched. Idempotent."""
    if not text or not KHMER_RUN.search(text):
        return text
    return KHMER_RUN.sub(lambda m: _segment_run(m.group(0)), text.replace(ZWSP, ""))
