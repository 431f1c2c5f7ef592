"""Set the status of one category's findings from a spreadsheet, through the roamx API.

    ROAMX_URL=https://roamx.example.org ROAMX_TOKEN=<your token> \
        python update_status_from_csv.py khm-2023 R statuses.csv

statuses.csv has a header row and two columns, ``indicator`` and ``status``:

    indicator,status
    R.1.1,draft
    R.1.2,ready

Rows outside the category are skipped. Each finding is updated with the version just read, so a
finding someone changed in the meantime is reported (409), never overwritten. Exit status 1 if any
row failed.
"""

import csv
import os
import sys

import requests


def fetch_findings(session, base, assessment, category):
    """Every finding of the category, following the pages."""
    url = f"{base}/api/assessments/{assessment}/findings/"
    params = {"category": category, "page_size": 200}
    findings = {}
    while url:
        response = session.get(url, params=params, timeout=30)
        response.raise_for_status()
        page = response.json()
        findings.update({finding["indicator"]: finding for finding in page["results"]})
        url, params = page["next"], None  # "next" already carries the query
    return findings


def main(assessment, category, csv_path):
    base = os.environ.get("ROAMX_URL", "http://127.0.0.1:8000").rstrip("/")
    session = requests.Session()
    session.headers["Authorization"] = f"Token {os.environ['ROAMX_TOKEN']}"

    findings = fetch_findings(session, base, assessment, category)
    print(f"{len(findings)} findings in category {category}")
    updated = unchanged = skipped = failed = 0
    with open(csv_path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code, status = row["indicator"].strip(), row["status"].strip()
            finding = findings.get(code)
            if finding is None:
                print(f"{code}: not in category {category}, skipped")
                skipped += 1
                continue
            if finding["status"] == status:
                unchanged += 1
                continue
            response = session.patch(
                f"{base}/api/assessments/{assessment}/findings/{code}/",
                json={"status": status, "version": finding["version"]},
                timeout=30,
            )
            if response.status_code == 200:
                print(f"{code}: {finding['status']} -> {status}")
                updated += 1
            elif response.status_code == 409:
                print(f"{code}: changed by someone else meanwhile, not updated: {response.json()['detail']}")
                failed += 1
            else:
                print(f"{code}: refused ({response.status_code}): {response.json()}")
                failed += 1
    print(f"updated {updated}, unchanged {unchanged}, skipped {skipped}, failed {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
