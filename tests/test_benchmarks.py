"""`make bench` on a fresh machine: the in-process benchmark (benchmarks/profile.sh) makes its own PostgreSQL
database with the full-scope demo, measures the pages it is asked for and drops the database again. (It
once ran benchmarks/profile_pages.py against a database that did not exist, and `make bench` stopped.)"""

import os
import re
import subprocess
from pathlib import Path

import psycopg2
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
LINE = re.compile(r"^(\w+)\s+(\d+\.\d) ms CPU/request \(median batch\s+\d+\.\d\)\s+(\d+) queries", re.M)


def profile_databases():
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE 'roamx_profile_%%'")
            return {row[0] for row in cursor.fetchall()}
    finally:
        conn.close()


def test_the_profile_benchmark_runs_on_a_fresh_machine_and_leaves_no_database():
    before = profile_databases()
    # The environment of a plain shell: no database or settings of the test run.
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_", "DJANGO_"))}
    env.update(PROFILE_N="5")
    result = subprocess.run(
        ["bash", "benchmarks/profile.sh", "healthz", "dashboard"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    measured = {name: (float(cpu), int(queries)) for name, cpu, queries in LINE.findall(result.stdout)}
    assert set(measured) == {"healthz", "dashboard"}, result.stdout
    assert all(cpu > 0 for cpu, _ in measured.values())
    # The dashboard's queries do not depend on the demo's 303 findings (tests/assessments/test_dashboard.py).
    assert measured["healthz"][1] == 3 and measured["dashboard"][1] <= 6
    assert "load average" in result.stdout
    assert profile_databases() == before
