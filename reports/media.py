"""The images a report may show, and the ones it refused.

The PDF worker fetches nothing by URL or path: a document carries the bytes of its own images, under
keys only this module makes — ``roamx-logo:<field>/<digest>`` for the cover's logos and
``roamx-attachment:<id>/<digest>`` for figures (``![caption](attachment:<id>)``). Both are read through
the file field's storage, and only for the assessment the report belongs to: a figure must name an
attachment of a finding of that assessment whose content is PNG or JPEG. The digest is of the bytes, so
a replaced file changes the chapter's HTML and the chapter cache renders it again.
"""

import base64
import hashlib
import io

from assessments.models import Attachment
from assessments.uploads import sniff
from reports.sanitise import FIGURE_REF, Sanitiser, figure_ids

IMAGE_TYPES = {"png": "image/png", "jpeg": "image/jpeg"}


def _image(field_file):
    """(content type, bytes) of a stored image, read through its storage; None unless PNG or JPEG."""
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            data = handle.read()
    except (OSError, ValueError):
        return None
    kind = sniff(io.BytesIO(data))
    return (IMAGE_TYPES[kind], data) if kind in IMAGE_TYPES else None


class ReportMedia:
    """Resolves one assessment's figures and logos into keys the PDF worker serves, and records refusals.

    ``texts`` are all the report's Markdown texts: the attachments they may name are loaded in one query.
    """

    def __init__(self, assessment, texts):
        ids = figure_ids(texts)
        self.attachments = (
            {a.pk: a for a in Attachment.objects.filter(pk__in=ids, finding__assessment=assessment)}
            if ids and assessment is not None
            else {}
        )
        self.resources = {}  # key → (content type, bytes)
        self.refused = []  # [{"where": …, "url": …}], in document order
        self.figures = 0  # figures numbered so far: "Figure N" runs across the report, in document order

    def number_figure(self):
        self.figures += 1
        return self.figures

    def refuse(self, where, url):
        item = {"where": str(where), "url": url}
        if item not in self.refused:
            self.refused.append(item)

    def _key(self, prefix, image):
        key = f"{prefix}/{hashlib.sha256(image[1]).hexdigest()[:20]}"
        self.resources[key] = image
        return key

    def figure(self, ref):
        """The key of the figure ``attachment:<id>``, or None if it is not an image of this assessment."""
        match = FIGURE_REF.match(ref)
        attachment = self.attachments.get(int(match.group(1))) if match else None
        image = _image(attachment.file) if attachment and attachment.file else None
        return self._key(f"roamx-attachment:{attachment.pk}", image) if image else None

    def logo(self, field_file, where):
        if not field_file:
            return ""
        image = _image(field_file)
        if image is None:
            self.refuse(where, field_file.name.rsplit("/", 1)[-1])
            return ""
        return self._key(f"roamx-logo:{field_file.field.name}", image)

    def markdown(self, text, where):
        """Markdown → safe HTML; what it may not load becomes a placeholder and is recorded."""
        return Sanitiser(self, where).html(text) if text else ""

    def used_by(self, html):
        """The resources one HTML document refers to (what its render needs, and nothing more)."""
        return {key: value for key, value in self.resources.items() if key in html}

    def inline(self, html):
        """For the browser (the HTML preview): our keys become data: URIs of the same checked bytes."""
        for key, (content_type, data) in self.resources.items():
            html = html.replace(key, f"data:{content_type};base64,{base64.b64encode(data).decode()}")
        return html
