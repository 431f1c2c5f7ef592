"""Report text → HTML that references no resource but our own: the toolkit's sanitiser (toolkit.markup).

The report's policy (``reports.media.ReportMedia``) records each placeholder for the export page and
turns a figure ``![caption](attachment:<id>)`` of the same assessment into a ``roamx-attachment:`` key,
which the PDF worker's fetcher (``reports.pdf_worker``, the last guarantee) serves from bytes read
through Django's storage.
"""

from toolkit.markup import FIGURE_REF, Sanitiser, clean_url, css_urls, figure_ids

__all__ = ["FIGURE_REF", "Sanitiser", "clean_url", "css_urls", "figure_ids"]
