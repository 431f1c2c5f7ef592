"""Real processes (db_worker, gunicorn) started by fault tests against the test database."""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url():
    """The test database as a DATABASE_URL, so a subprocess sees the rows a transactional test commits."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def django_env(**extra):
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "roamx.settings_test",
        "DATABASE_URL": database_url(),
        **extra,
    }


def start(command, log_path, **env):
    """Start a process in its own session, so it and every child it forks can be killed together."""
    log = open(log_path, "wb")  # noqa: SIM115 (closed with the process, in stop)
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=django_env(**env),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log = log
    return process


def manage(*args):
    return [sys.executable, str(ROOT / "manage.py"), *args]


def session_pids(process):
    """The process and its descendants (same session), alive now."""
    result = subprocess.run(
        ["ps", "-o", "pid=,stat=", "-s", str(process.pid)], capture_output=True, text=True, check=False
    )
    rows = (line.split() for line in result.stdout.splitlines() if line.strip())
    return {int(pid) for pid, stat in rows if not stat.startswith("Z")}  # zombies are dead


def kill_session(process):
    """SIGKILL the process and its children: nothing runs an exception handler or a finally block."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while session_pids(process) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.log.close()


def stop(process):
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    process.log.close()


def wait_for(condition, timeout, interval=0.05, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(session, site, username, password, **headers):
    """The sign-in form as a browser posts it to a running server: its CSRF token, and the Referer that
    HTTPS requires. Returns the answer to the POST, not following its redirect."""
    form = session.get(f"{site}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    return session.post(
        f"{site}/accounts/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{site}/accounts/login/", **headers},
        allow_redirects=False,
        timeout=10,
    )
