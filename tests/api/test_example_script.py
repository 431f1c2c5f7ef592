"""docs/examples/update_status_from_csv.py, run as documented against the live server."""

import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from assessments.models import Finding
from assessments.services import save_finding

SCRIPT = Path(__file__).resolve().parents[2] / "docs" / "examples" / "update_status_from_csv.py"


@pytest.mark.django_db(transaction=True)
def test_status_update_script(live_server, members, assessment, tmp_path):
    token = Token.objects.create(user=members["researcher"])
    save_finding(
        Finding.objects.get(assessment=assessment, indicator__code="M.3.1"),
        by=members["lead"],
        expected_version=1,
        fields={"status": "draft"},
    )
    csv_file = tmp_path / "statuses.csv"
    csv_file.write_text(
        "indicator,status\n"
        "M.1.1,draft\n"
        "M.2.1,draft\n"
        "M.3.1,draft\n"  # already draft: unchanged
        "M.4.1,endorsed\n"  # not an allowed transition from not started: refused, reported
        "R.1.1,draft\n"  # another category: skipped
        "M.1.1,ready\n"  # saved above since the script read it: a conflict, reported, not overwritten
    )
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "khm-2023", "M", str(csv_file)],
        capture_output=True,
        text=True,
        timeout=120,
        env={"ROAMX_URL": live_server.url, "ROAMX_TOKEN": token.key, "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "10 findings in category M" in result.stdout
    assert "updated 2, unchanged 1, skipped 1, failed 2" in result.stdout
    assert "M.4.1: refused (400)" in result.stdout and "cannot go from" in result.stdout
    assert "M.1.1: changed by someone else meanwhile" in result.stdout
    statuses = dict(
        Finding.objects.filter(
            assessment=assessment, indicator__code__in=["M.1.1", "M.2.1", "M.4.1", "R.1.1"]
        ).values_list("indicator__code", "status")
    )
    assert statuses == {"M.1.1": "draft", "M.2.1": "draft", "M.4.1": "not_started", "R.1.1": "not_started"}
