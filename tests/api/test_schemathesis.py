"""schemathesis against the live app's own schema, signed in as a researcher: no server errors, and
every response matches the schema (status code, content type, headers, body)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

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
"""
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# Bounded: a fixed seed and a few examples per operation keep the run to about a minute on 2 cores.
MAX_EXAMPLES = 12


@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_schema(live_server, members, assessment, evidence, tmp_path):
    token = Token.objects.create(user=members["researcher"])
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(**{kind: obj.pk for kind, obj in evidence.items()}))
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
    # Every generated case passed every check, and every operation of the schema was exercised.
    counts = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert counts and counts.group(1) == counts.group(2) and int(counts.group(1)) > 500, report
    operations = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", result.stdout)
    assert operations and operations.group(1) == operations.group(2) == operations.group(3), report
