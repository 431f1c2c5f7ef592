"""The database goes away under a running server and comes back: a real gunicorn (2 workers, DEBUG off)
against the test database, which is taken away for real — on PostgreSQL its connections are terminated
and new ones refused (the persistent connections of the workers die with them); on SQLite its file is
moved away. Users get the 503 page, the API a JSON 503, /healthz/ a 503; once the database is back the
same server answers normally again, without a restart."""

import os
import sys
from pathlib import Path

import psycopg2
import pytest
import requests
from django.db import connection

from assessments.models import Finding
from tests import processes

MESSAGE = "The database is not reachable right now; your last change may not have been saved"


class Database:
    """Takes the test database away from every process, and brings it back."""

    def __init__(self):
        self.settings = dict(connection.settings_dict)
        self.sqlite = self.settings["ENGINE"] == "django.db.backends.sqlite3"

    def _admin(self, sql, params=()):
        db = self.settings
        admin = psycopg2.connect(
            dbname="postgres",
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
        )
        admin.autocommit = True
        try:
            with admin.cursor() as cursor:
                cursor.execute(sql, params)
        finally:
            admin.close()

    def take_away(self):
        connection.close()  # this test's own connection too
        name = self.settings["NAME"]
        if self.sqlite:
            os.rename(name, f"{name}.away")
            os.mkdir(name)  # root opens any file whatever its mode; SQLite cannot open a directory
        else:
            quoted = connection.ops.quote_name(name)
            self._admin(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS false")
            self._terminate()

    def restart(self):
        """PostgreSQL restarted while nobody looked: every connection is cut, new ones are accepted.
        (SQLite has no server and no connection to cut.)"""
        if not self.sqlite:
            connection.close()
            self._terminate()

    def bring_back(self):
        name = self.settings["NAME"]
        if self.sqlite:
            if os.path.isdir(name):
                os.rmdir(name)
            if os.path.exists(f"{name}.away"):
                os.rename(f"{name}.away", name)
        else:
            quoted = connection.ops.quote_name(name)
            self._admin(f"ALTER DATABASE {quoted} ALLOW_CONNECTIONS true")

    def _terminate(self):
        sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s"
        self._admin(sql, [self.settings["NAME"]])


@pytest.fixture
def server(tmp_path):
    port = processes.free_port()
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    process = processes.start(
        [gunicorn, "roamx.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}", "--timeout", "30"],
        tmp_path / "gunicorn.log",
        DEBUG="0",
        # Persistent connections on PostgreSQL, the case that must recover by itself; SQLite connects per
        # request (a kept connection would go on reading the moved file).
        DB_CONN_MAX_AGE="0" if connection.vendor == "sqlite" else "600",
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(f"{base}/healthz/", timeout=2).status_code == 200
        except requests.Timeout:
            return False  # a worker still starting on a busy machine: ask again
        except requests.ConnectionError:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            return False

    try:
        processes.wait_for(up, 30, interval=0.2, what="gunicorn")
        yield base
    finally:
        processes.stop(process)


def sign_in(base, username, password):
    session = requests.Session()
    response = processes.sign_in(session, base, username, password)
    assert response.status_code == 302 and "sessionid" in session.cookies, response.text[:500]
    return session


@pytest.mark.django_db(transaction=True)
def test_database_away_gives_clean_errors_and_the_server_recovers(server, assessment, members):
    finding = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
    session = sign_in(server, "researcher", "pw-test-1")
    dashboard = f"{server}/a/{assessment.code}/"
    api = f"{server}/api/assessments/{assessment.code}/findings/"
    change = f"{server}/admin/assessments/finding/{finding.pk}/change/"
    # Enough requests that both workers hold a (persistent) connection before it is cut.
    for _ in range(6):
        assert session.get(dashboard, timeout=10).status_code == 200
    database = Database()
    database.take_away()
    try:
        for _ in range(4):  # both workers
            page = session.get(dashboard, timeout=10)
            assert page.status_code == 503 and page.headers["Retry-After"] == "60"
            assert page.headers["Content-Type"].startswith("text/html")
            assert MESSAGE in page.text and "roamx.css" in page.text and 'class="topbar"' in page.text
            assert "Traceback" not in page.text and "Server Error" not in page.text
            answer = session.get(api, timeout=10)
            assert answer.status_code == 503 and MESSAGE in answer.json()["detail"]
            health = requests.get(f"{server}/healthz/", timeout=10)
            assert health.status_code == 503 and health.text == "database unreachable\n"
        # A save in flight when the database went away: the same page, which says it may be lost.
        token = session.cookies["csrftoken"]
        saved = session.post(change, data={"csrfmiddlewaretoken": token, "narrative": "x"}, timeout=10)
        assert saved.status_code == 503 and MESSAGE in saved.text
    finally:
        database.bring_back()

    # Back: the same server, the same session, no restart.
    for _ in range(6):
        page = session.get(dashboard, timeout=10)
        assert page.status_code == 200 and "Cambodia" in page.text
        assert (
            session.get(api, timeout=10).json()["count"] == assessment.findings.filter(archived=False).count()
        )
        assert requests.get(f"{server}/healthz/", timeout=10).text == "ok\n"

    # A restart between two requests: the workers' kept connections are dead, and are replaced
    # before the request runs (CONN_HEALTH_CHECKS), so not even the first request fails.
    database.restart()
    for _ in range(6):
        assert session.get(dashboard, timeout=10).status_code == 200
