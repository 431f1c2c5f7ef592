"""Reading an uploaded spreadsheet (CSV in UTF-8 or XLSX) into numbered rows, for every import roamx has:
the framework edition (indicators.loading) and the research team's findings and sources
(assessments.spreadsheets). Each caller turns ``TableError`` into its own row report."""

import tablib
from django.utils.translation import gettext as _


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
        cells = dict(zip(headers, values, strict=False))
        if any(str(v).strip() for v in cells.values() if v is not None):
            rows.append((number, cells))
    return rows
