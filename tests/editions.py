"""Two small synthetic editions of the framework and a crosswalk between them, made through the framework's
own import (read_table → parse_rows → plan_changes → apply_plan) from CSV files written by the test.
UNESCO's revised list is not in the project; a team loads it the same way (docs/editions.md)."""

import csv
import io

from indicators.crosswalks import load_crosswalk
from indicators.loading import COLUMNS, apply_plan, parse_rows, plan_changes, read_table

OLD, NEW = "tst-2019", "tst-2025"

# (code, core) per edition; every indicator under question <category>.1 of theme <category>.A.
OLD_INDICATORS = [
    ("R.1.1", True),
    ("R.1.2", True),
    ("R.1.3", True),
    ("O.1.1", True),
    ("O.1.2", True),
    ("A.1.1", False),
    ("C.1.1", False),
]
NEW_INDICATORS = [
    ("R.1.1", True),
    ("R.1.2", True),
    ("R.1.4", True),
    ("R.2.1", True),
    ("O.1.1", True),
    ("A.1.1", False),
    ("C.1.1", False),
]
CROSSWALK = [
    ("R.1.1", "R.1.1", "same", ""),
    ("R.1.2", "R.1.2", "split", "access and affordability"),
    ("R.1.2", "R.1.4", "split", ""),
    ("R.1.3", "", "dropped", "Folded into the review of the law"),
    ("O.1.1", "O.1.1", "merged", ""),
    ("O.1.2", "O.1.1", "merged", ""),
    ("A.1.1", "A.1.1", "same", ""),
    ("C.1.1", "C.1.1", "same", ""),
    ("", "R.2.1", "new", ""),
]


def csv_bytes(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def edition_rows(indicators):
    rows = []
    for code, core in indicators:
        category, question = code[0], code.rsplit(".", 1)[0]
        contextual = category == "C"
        rows.append(
            {
                "category": category,
                "theme_code": "" if contextual else f"{category}.A",
                "theme": "" if contextual else f"Theme {category}.A",
                "question_code": "" if contextual else question,
                "question": "" if contextual else f"Question {question}?",
                "group": "economic" if contextual else "",
                "code": code,
                "indicator": f"Indicator {code} of the test edition",
                "core": "yes" if core else "no",
                "kind": "qualitative",
                "sources": "Test sources",
                "wording": "verified",
            }
        )
    return csv_bytes(COLUMNS, [[row[c] for c in COLUMNS] for row in rows])


def load_test_edition(code, indicators, year):
    meta = {
        "code": code,
        "title": f"Test edition {year}",
        "publisher": "roamx tests",
        "year": year,
        "licence": "CC BY-SA 3.0 IGO",
    }
    rows = parse_rows(read_table(edition_rows(indicators), "csv"))
    return apply_plan(plan_changes(rows, meta))


def crosswalk_bytes(rows=CROSSWALK):
    return csv_bytes(["old_code", "new_code", "relation", "note"], rows)


def make_editions(with_crosswalk=True):
    old = load_test_edition(OLD, OLD_INDICATORS, 2019)
    new = load_test_edition(NEW, NEW_INDICATORS, 2025)
    if with_crosswalk:
        load_crosswalk(OLD, NEW, crosswalk_bytes(), format="csv")
    return old, new
