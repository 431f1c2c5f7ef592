"""schemathesis against the live app's own schema, signed in as a researcher: no server errors, and
every response matches the schema (status code, content type, headers, body)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

from reports.models import Recommendation, ReportExport
from review import services

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
# Real objects for the path parameters, so most requests reach the code behind the 404s; random values
# are still tried for deletion (and tests/api/test_bad_input.py covers odd URLs).
CONFIG = """
[parameters]
"path.code" = "khm-2023"
"path.edition" = "iui-2019"
"path.indicator" = "R.1.1"
"path.kind" = "executive_summary"

# Starting an export would queue a PDF render per generated case; tests/api/test_reports_api.py tests it
# directly, with the real worker.
[[operations]]
include-name = "POST /api/assessments/{{code}}/report-exports/"
enabled = false

[[operations]]
include-path = "/api/assessments/{{code}}/sources/{{id}}/"
include-method-regex = "GET|PATCH"
parameters = {{ "path.id" = {source} }}

[[operations]]
include-path = "/api/assessments/{{code}}/citations/{{id}}/"
include-method-regex = "GET|PATCH"
parameters = {{ "path.id" = {citation} }}

[[operations]]
include-path = "/api/assessments/{{code}}/data-points/{{id}}/"
include-method-regex = "GET|PATCH"
parameters = {{ "path.id" = {data_point} }}

[[operations]]
include-path-regex = "/comments/"
parameters = {{ "path.id" = {comment} }}

[[operations]]
include-path-regex = "/recommendations/"
include-method-regex = "GET|PATCH"
parameters = {{ "path.id" = {recommendation} }}

[[operations]]
include-path-regex = "/report-exports/"
parameters = {{ "path.id" = {export} }}
"""
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Bounded: a fixed seed and a few examples per operation keep the run to about two minutes on 2 cores (the coverage phase is most of it).
MAX_EXAMPLES = 6


@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_schema(live_server, members, report_targets, evidence, tmp_path):
    token = Token.objects.create(user=members["researcher"])
    objects = {kind: obj.pk for kind, obj in evidence.items()}
    finding = evidence["finding"]
    objects["comment"] = services.add_comment(finding, by=members["researcher"], body="Check @mab.").pk
    objects["recommendation"] = Recommendation.objects.filter(assessment=report_targets).first().pk
    # A queued export (no worker runs here): status and download (404 until rendered) are exercised.
    objects["export"] = ReportExport.objects.create(
        assessment=report_targets, requested_by=members["lead"], content_hash="0" * 64
    ).pk
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(**objects))
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "run",
        f"{live_server.url}/api/schema/",
        "--header",
        f"Authorization: Token {token.key}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        "20240501",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
        "--no-color",
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "schemathesis.txt").write_text(result.stdout + result.stderr)
    report = result.stdout[-8000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    # Every generated case passed every check, and every operation of the schema but one (starting an
    # export, see CONFIG) was exercised.
    counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert counts and counts.group(1) == counts.group(2) and int(counts.group(1)) > 500, report
    operations = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", result.stdout)
    assert operations, report
    selected, total, tested = map(int, operations.groups())
    assert selected == tested == total - 1, report
