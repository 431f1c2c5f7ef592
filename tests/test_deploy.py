"""The production recipe of docs/deploy.md, run for real: the documented environment passes Django's deploy
checks, and gunicorn with gunicorn.conf.py serves the pages and whitenoise the static files, on PostgreSQL."""

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
import requests
from django.conf import settings

from tests import processes

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
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]  # systemd and sh both take "a value with spaces" without its quotes
        values[key] = value
    return values


def write_environment_file(path, env):
    """An environment file in the shipped file's format, for the scripts that source it."""
    lines = [f'{key}="{value}"' for key, value in env.items() if key not in ("PATH", "HOME")]
    path.write_text("\n".join(lines) + "\n")
    return path


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


@pytest.fixture
def postgres_databases():
    """Makes PostgreSQL databases of their own, as a deployment has (the test database may be SQLite)."""
    admin = psycopg2.connect(**PG)
    admin.autocommit = True
    made = []

    def make():
        name = f"roamx_deploy_{uuid.uuid4().hex[:10]}"
        with admin.cursor() as cursor:
            cursor.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return name

    try:
        yield make
    finally:
        with admin.cursor() as cursor:
            for name in made:
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture
def production_database(postgres_databases):
    return f"postgres://postgres@127.0.0.1:5432/{postgres_databases()}"


def wait_for(url, processes, seconds=60, **kwargs):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"{process.args[0]} exited with {process.returncode}")
        try:
            return requests.get(url, allow_redirects=False, timeout=5, **kwargs)
        except (requests.ConnectionError, requests.Timeout):  # not up yet, or slow on a busy machine
            time.sleep(0.3)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def nginx_config(tmp_path, *, upstream_port, http_port, https_port):
    """deploy/nginx/roamx.conf as shipped, on free local ports with a self-signed certificate."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1"]
        + ["-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )
    site = (ROOT / "deploy" / "nginx" / "roamx.conf").read_text()
    for old, new in {
        "server 127.0.0.1:8000": f"server 127.0.0.1:{upstream_port}",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/letsencrypt/live/roamx.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/roamx.example.org/privkey.pem": str(key),
    }.items():
        assert old in site, f"deploy/nginx/roamx.conf no longer has {old!r}"
        site = site.replace(old, new)
    (tmp_path / "site.conf").write_text(site)
    temp = {name: tmp_path / f"nginx-{name}" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for folder in temp.values():
        folder.mkdir()
    main = tmp_path / "nginx.conf"
    main.write_text(
        f"""user root; worker_processes 1; daemon off; pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log;
events {{ worker_connections 64; }}
http {{
    access_log {tmp_path}/nginx-access.log;
    {"".join(f"{name}_temp_path {folder}; " for name, folder in temp.items())}
    include {tmp_path}/site.conf;
}}
"""
    )
    return main, cert


def https_session(cert):
    session = requests.Session()
    session.verify = str(cert)
    session.trust_env = False  # a CA bundle named in the environment would replace our certificate
    return session


def test_behind_nginx_gunicorn_serves_pages_and_static_files_on_postgresql(tmp_path, production_database):
    port, http_port, https_port = processes.free_port(), processes.free_port(), processes.free_port()
    site = f"https://127.0.0.1:{https_port}"
    env = production_environment(
        tmp_path,
        DATABASE_URL=production_database,
        ALLOWED_HOSTS="127.0.0.1",
        CSRF_TRUSTED_ORIGINS=site,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
        GUNICORN_ACCESS_LOG=str(tmp_path / "access.log"),
        DJANGO_SUPERUSER_PASSWORD="a-long-admin-passphrase-42",
    )
    # First-time setup, as docs/deploy.md gives it.
    for step in (
        ("migrate", "--noinput"),
        ("collectstatic", "--noinput"),
        ("createsuperuser", "--noinput", "--username", "admin", "--email", "admin@example.org"),
    ):
        result = manage(env, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    config, cert = nginx_config(tmp_path, upstream_port=port, http_port=http_port, https_port=https_port)
    tested = subprocess.run(["nginx", "-t", "-c", str(config)], capture_output=True, text=True)
    assert tested.returncode == 0, tested.stderr
    gunicorn = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--config", "gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    nginx = subprocess.Popen(["nginx", "-c", str(config)], stderr=subprocess.PIPE, text=True)
    browser = https_session(cert)
    try:
        # gunicorn first (nginx answers 502 until it listens), by the health check load balancers use.
        health = wait_for(f"http://127.0.0.1:{port}/healthz/", [gunicorn, nginx])
        assert (health.status_code, health.text) == (200, "ok\n")
        login = wait_for(f"{site}/accounts/login/", [gunicorn, nginx], verify=str(cert))
        assert login.status_code == 200, login.text[:500]
        assert "Sign in to roamx" in login.text
        # The security headers the deploy check asks for, on a real response through the proxy.
        assert login.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
        assert login.headers["X-Content-Type-Options"] == "nosniff"
        assert "Secure" in login.headers["Set-Cookie"]  # the CSRF cookie

        # Plain HTTP: the proxy sends it to HTTPS; straight to gunicorn without the proxy's header, so does Django.
        plain = requests.get(
            f"http://127.0.0.1:{http_port}/accounts/login/", allow_redirects=False, timeout=5
        )
        assert plain.status_code == 301 and plain.headers["Location"].startswith("https://127.0.0.1")
        direct = requests.get(f"http://127.0.0.1:{port}/accounts/login/", allow_redirects=False, timeout=5)
        assert direct.status_code == 301
        assert direct.headers["Location"] == f"https://127.0.0.1:{port}/accounts/login/"

        # The page links the hashed stylesheet, which whitenoise serves compressed and cached for good.
        stylesheet = re.search(r'href="(/static/roamx\.[0-9a-f]{12}\.css)"', login.text)
        assert stylesheet, "the login page does not link a hashed roamx.css"
        css = browser.get(site + stylesheet.group(1), headers={"Accept-Encoding": "gzip"}, timeout=5)
        assert css.status_code == 200
        assert css.headers["Content-Encoding"] == "gzip"
        assert "immutable" in css.headers["Cache-Control"]
        assert "max-age=315360000" in css.headers["Cache-Control"]
        # The stylesheet as written, except that collectstatic points its url()s at the hashed copies.
        assert (
            re.sub(r"\.[0-9a-f]{12}(\.woff2)", r"\1", css.text) == (ROOT / "static" / "roamx.css").read_text()
        )
        font = re.search(r'url\("(fonts/NotoSansKhmer-Regular\.[0-9a-f]{12}\.woff2)"\)', css.text)
        assert font, "the stylesheet does not point at the hashed Khmer font"
        served = browser.get(f"{site}/static/{font.group(1)}", timeout=5)
        assert served.status_code == 200 and served.content[:4] == b"wOF2"

        # Signing in works through the proxy over HTTPS, and the session holds across both web workers.
        signed_in = processes.sign_in(browser, site, "admin", "a-long-admin-passphrase-42")
        assert signed_in.status_code == 302, signed_in.text[:500]
        assert "Secure" in signed_in.headers["Set-Cookie"] and "HttpOnly" in signed_in.headers["Set-Cookie"]
        for _ in range(6):
            admin = browser.get(f"{site}/admin/", allow_redirects=False, timeout=10)
            assert admin.status_code == 200 and "Research workspace" in admin.text

        # Sign-in throttling sees the client's address through the proxy, and a forged X-Forwarded-For
        # does not escape it: five failures lock the account for this client, right password or not.
        attacker = https_session(cert)
        for attempt in range(6):
            password = "a-long-admin-passphrase-42" if attempt == 5 else "wrong"
            refused = processes.sign_in(
                attacker, site, "admin", password, **{"X-Forwarded-For": f"203.0.113.{attempt}"}
            )
        assert refused.status_code == 429, refused.status_code
        assert browser.get(f"{site}/admin/", timeout=10).status_code == 200  # signed-in sessions carry on

        # Two web workers, as WEB_CONCURRENCY asked.
        children = subprocess.run(
            ["pgrep", "-P", str(gunicorn.pid)], capture_output=True, text=True, check=True
        ).stdout.split()
        assert len(children) == 2
    finally:
        nginx.terminate()
        gunicorn.terminate()
        output, _ = gunicorn.communicate(timeout=40)
        nginx.communicate(timeout=10)
    assert gunicorn.returncode == 0, output
    assert "GET /accounts/login/" in (tmp_path / "access.log").read_text()


def test_systemd_units_are_valid(tmp_path):
    """systemd's own checker reads every unit, with the app's paths pointing at this checkout."""
    units = []
    for unit in sorted((ROOT / "deploy" / "systemd").iterdir()):
        text = unit.read_text().replace("/srv/roamx/app", str(ROOT))
        text = text.replace("/usr/local/bin/roamx-backup", str(ROOT / "deploy" / "roamx-backup"))
        name = unit.name.replace("@.", "@1.")  # a template is checked as one of its instances
        (tmp_path / name).write_text(text)
        units.append(str(tmp_path / name))
    assert {Path(u).name for u in units} >= {"roamx-web.service", "roamx-worker@1.service"}
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True, cwd=tmp_path
    )
    assert result.returncode == 0 and result.stdout + result.stderr == "", result.stdout + result.stderr


def test_nightly_backup_script_writes_a_checked_backup_that_restores(tmp_path, postgres_databases):
    """deploy/roamx-backup as the timer runs it: dump, media, one archive per assessment, checksums,
    old folders pruned; and the dump restores with pg_restore into a new database (docs/backups.md)."""
    source = postgres_databases()
    env = production_environment(tmp_path, DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{source}")
    create = (
        "from assessments.services import create_assessment; from indicators.models import Framework; "
        "create_assessment(code='tst-2026', title='Test', country_code='KHM', country_name='Cambodia', "
        "framework=Framework.objects.get(code='iui-2019'))"
    )
    for step in (("migrate", "--noinput"), ("load_framework",), ("shell", "-c", create)):
        result = manage(env, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    evidence = Path(env["MEDIA_ROOT"]) / "attachments" / "evidence.pdf"
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 evidence kept on disk")
    backups = tmp_path / "backups"
    old = backups / "20200101T000000Z"
    old.mkdir(parents=True)
    os.utime(old, (time.time() - 40 * 86400,) * 2)
    unrelated = backups / "keep-me"
    unrelated.mkdir()
    os.utime(unrelated, (time.time() - 40 * 86400,) * 2)

    result = subprocess.run(
        [str(ROOT / "deploy" / "roamx-backup")],
        env={
            "PATH": os.environ["PATH"],
            "ROAMX_ENV_FILE": str(write_environment_file(tmp_path / "roamx.env", env)),
            "ROAMX_APP": str(ROOT),
            "BACKUP_DIR": str(backups),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not old.exists() and unrelated.exists()  # only backup folders past KEEP_DAYS are pruned
    (folder,) = [p for p in backups.iterdir() if p != unrelated]
    names = sorted(p.name for p in folder.iterdir())
    assert names[:2] == ["SHA256SUMS", "media.tar.gz"] and "roamx.dump" in names
    assert any(re.fullmatch(r"tst-2026-.*\.roamx\.zip", name) for name in names)
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    checked = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=folder, capture_output=True, text=True)
    assert checked.returncode == 0 and checked.stdout.count(": OK") == len(names) - 1, checked.stdout
    media = subprocess.run(["tar", "-tzf", "media.tar.gz"], cwd=folder, capture_output=True, text=True)
    assert "./attachments/evidence.pdf" in media.stdout.split()

    # The restore route: pg_restore into a new database, which then holds the same assessment.
    restored = postgres_databases()
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", "-h", "127.0.0.1", "-U", "postgres"]
        + ["--dbname", restored, str(folder / "roamx.dump")],
        check=True,
        capture_output=True,
    )
    counts = []
    for name in (source, restored):
        with psycopg2.connect(**{**PG, "dbname": name}) as connection, connection.cursor() as cursor:
            cursor.execute(
                "SELECT a.code, count(f.id) FROM assessments_assessment a "
                "JOIN assessments_finding f ON f.assessment_id = a.id GROUP BY a.code"
            )
            counts.append(cursor.fetchall())
        connection.close()
    assert counts[0] == counts[1] == [("tst-2026", 130)]
