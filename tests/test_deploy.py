"""The production recipe of docs/deploy.md, run for real: the documented environment passes Django's deploy
checks, and gunicorn with gunicorn.conf.py serves the pages and whitenoise the static files, on PostgreSQL."""

import os
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
ENV_EXAMPLE = ROOT / "deploy" / "roamx.env.example"
PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "dbname": "postgres"}


def documented_environment():
    """deploy/roamx.env.example as a dict: KEY=VALUE lines, comments and blank lines skipped."""
    values = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        values[key] = value
    return values


def production_environment(tmp_path, **overrides):
    """The documented environment with its secret files and directories made real under tmp_path."""
    env = documented_environment()
    (tmp_path / "secret_key").write_text(os.urandom(32).hex() + "\n")
    (tmp_path / "smtp_password").write_text("smtp-password-from-a-file\n")
    env.update(
        SECRET_KEY_FILE=str(tmp_path / "secret_key"),
        EMAIL_HOST_PASSWORD_FILE=str(tmp_path / "smtp_password"),
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
    )
    env.update(overrides)
    return {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), **env}


def manage(env, *args, timeout=300):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_documented_environment_holds_no_secret():
    env = documented_environment()
    assert "SECRET_KEY" not in env and "EMAIL_HOST_PASSWORD" not in env
    assert env["SECRET_KEY_FILE"].startswith("/etc/roamx/")
    assert env["DEBUG"] == "0"


def test_check_deploy_with_documented_environment_reports_nothing(tmp_path):
    result = manage(production_environment(tmp_path), "check", "--deploy", "--fail-level", "DEBUG")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_without_hsts_warns(tmp_path):
    """The check is real: leave HSTS out of the documented environment and it is reported."""
    env = production_environment(tmp_path, SECURE_HSTS_SECONDS="0")
    result = manage(env, "check", "--deploy")
    assert "security.W004" in result.stdout + result.stderr


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def production_database():
    """A PostgreSQL database of its own, as a deployment has (the test database may be SQLite)."""
    name = f"roamx_deploy_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(**PG)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def wait_for(url, process, headers, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        try:
            return requests.get(url, headers=headers, allow_redirects=False, timeout=5)
        except requests.ConnectionError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def test_gunicorn_serves_pages_and_static_files_on_postgresql(tmp_path, production_database):
    port = free_port()
    env = production_environment(
        tmp_path,
        DATABASE_URL=production_database,
        ALLOWED_HOSTS="127.0.0.1",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_ACCESS_LOG=str(tmp_path / "access.log"),
    )
    # First-time setup, as docs/deploy.md gives it.
    for step in (("migrate", "--noinput"), ("collectstatic", "--noinput")):
        result = manage(env, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    https = {"X-Forwarded-Proto": "https"}  # what the reverse proxy adds
    try:
        login = wait_for(f"{base}/accounts/login/", server, https)
        assert login.status_code == 200, login.text[:500]
        assert "Sign in to roamx" in login.text
        # Security headers the deploy check asks for, on a real response.
        assert login.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert login.headers["X-Content-Type-Options"] == "nosniff"
        assert "Secure" in login.headers["Set-Cookie"]  # the CSRF cookie

        # Plain HTTP is sent to HTTPS.
        plain = requests.get(f"{base}/accounts/login/", allow_redirects=False, timeout=5)
        assert plain.status_code == 301
        assert plain.headers["Location"] == f"https://127.0.0.1:{port}/accounts/login/"

        # The page links the hashed stylesheet, which whitenoise serves compressed and cached for good.
        stylesheet = re.search(r'href="(/static/roamx\.[0-9a-f]{12}\.css)"', login.text)
        assert stylesheet, "the login page does not link a hashed roamx.css"
        css = requests.get(
            base + stylesheet.group(1), headers={**https, "Accept-Encoding": "gzip"}, timeout=5
        )
        assert css.status_code == 200
        assert css.headers["Content-Encoding"] == "gzip"
        assert "immutable" in css.headers["Cache-Control"]
        assert "max-age=315360000" in css.headers["Cache-Control"]
        assert css.text == (ROOT / "static" / "roamx.css").read_text()

        # Pages that need a database answer from it (an anonymous visitor is sent to sign in).
        home = requests.get(f"{base}/", headers=https, allow_redirects=False, timeout=5)
        assert home.status_code == 302 and "/accounts/login/" in home.headers["Location"]
        admin = requests.get(f"{base}/admin/login/", headers=https, timeout=5)
        assert admin.status_code == 200

        # Two web workers, as WEB_CONCURRENCY asked.
        children = subprocess.run(
            ["pgrep", "-P", str(server.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert len(children) == 2
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=40)
    assert server.returncode == 0, output
    assert "GET /accounts/login/" in (tmp_path / "access.log").read_text()
