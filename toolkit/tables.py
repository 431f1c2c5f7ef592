"""Reading an uploaded spreadsheet (CSV in UTF-8 or XLSX) into numbered rows, for every import roamx has:
the framework edition (indicators.loading) and the research team's findings and sources
(assessments.spreadsheets). Each caller turns ``TableError`` into its own row report.

Every spreadsheet roamx writes goes through ``neutralised``, and ``read_sheet`` undoes it,
so an exported file read back in gives the same text."""

import tablib
from django.utils.translation import gettext as _

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection): user text such
# as a comment "=HYPERLINK(...)" must reach the sheet as text. openpyxl also writes "=..." as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value):
    """Text that a spreadsheet would run as a formula, prefixed with an apostrophe; anything else as is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(dataset):
    """A copy of a tablib dataset with every cell passed through ``spreadsheet_cell``, ready to export."""
    safe = tablib.Dataset(headers=dataset.headers, title=dataset.title)
    for row in dataset:
        safe.append([spreadsheet_cell(value) for value in row])
    return safe


def _unescape_cell(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class TableError(Exception):
    """The file as a whole cannot be read; ``missing`` lists required columns the header lacks."""

    def __init__(self, message, missing=()):
        self.missing = list(missing)
        super().__init__(message)


def read_sheet(content, fmt, required=()):
    """[(row number, {lower-case column: raw value})] of the non-empty rows; the header is row 1."""
    try:
        if fmt == "csv":
            dataset = tablib.Dataset().load(content.decode("utf-8-sig"), format="csv")
        elif fmt == "xlsx":
            dataset = tablib.Dataset().load(content, format="xlsx")
        else:
            raise TableError(_("Unsupported file type “%s”: use CSV or XLSX.") % fmt)
    except UnicodeDecodeError as exc:
        raise TableError(_("The file is not UTF-8 text.")) from exc
    except TableError:
        raise
    except Exception as exc:  # tablib raises several unrelated types for unreadable files
        raise TableError(_("The file cannot be read as %s.") % fmt.upper()) from exc
    headers = [str(h or "").strip().lower() for h in (dataset.headers or [])]
    missing = sorted(set(required) - set(headers))
    if missing:
        raise TableError(_("missing column(s): %s") % ", ".join(missing), missing=missing)
    rows = []
    for number, values in enumerate(dataset, start=2):
        cells = dict(zip(headers, map(_unescape_cell, values), strict=False))
        if any(str(v).strip() for v in cells.values() if v is not None):
            rows.append((number, cells))
    return rows
