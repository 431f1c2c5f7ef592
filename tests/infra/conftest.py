"""Real servers for the tests of a layout that grows past one machine: the machine's Redis (DB 7, or a
redis-server started here when none answers) and an S3-compatible object store (moto's server, which
speaks S3's HTTP API: every storage call below goes over a socket as it would to AWS or MinIO)."""

import contextlib
import re
import subprocess
import sys
import uuid
from pathlib import Path

import boto3
import pytest
import redis
import requests
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.cache.utils import make_template_fragment_key
from django.core.files.storage import storages

from assessments.queries import dashboard_fingerprint
from tests import processes
from tests.reports.conftest import report  # noqa: F401 (the demo report, a fixture these tests use)
from toolkit.environment import deploy_stamp

REDIS_DB = 7  # infra's database on the shared Redis (HELPERS.md)
S3_KEYS = {
    "S3_ACCESS_KEY_ID": "roamx-test",
    "S3_SECRET_ACCESS_KEY": "roamx-test-secret",
    "S3_REGION": "us-east-1",
}


def _answers(url):
    try:
        return redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.ConnectionError:
        return False


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    """redis://…/7 on the machine's Redis, or on a redis-server started for the session when it is down."""
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    if _answers(url):
        yield url
        return
    port = processes.free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"redis://127.0.0.1:{port}/{REDIS_DB}"
    try:
        processes.wait_for(lambda: _answers(url), 20, interval=0.1, what="redis-server")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_server):
    """Our Redis database, empty before and after the test."""
    client = redis.Redis.from_url(redis_server)
    client.flushdb()
    yield redis_server
    client.flushdb()


@pytest.fixture
def redis_cache(redis_url, settings):
    """This process's cache on Redis, as REDIS_URL sets it (roamx/settings.py)."""
    settings.CACHES = {
        "default": {
            "BACKEND": "toolkit.cache.DegradingRedisCache",
            "LOCATION": redis_url,
            # As roamx/settings.py names the keys: the prefix and this checkout's deploy stamp.
            "KEY_PREFIX": f"roamx:{deploy_stamp(django_settings.BASE_DIR)}",
        }
    }
    yield caches["default"]
    caches["default"].close()


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """An S3-compatible server (moto_server) on a free port, for the session."""
    port = processes.free_port()
    log = tmp_path_factory.mktemp("s3") / "moto.log"
    log_file = log.open("wb")
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(port)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    endpoint = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(f"{endpoint}/moto-api/", timeout=2).status_code == 200
        except requests.ConnectionError:
            assert server.poll() is None, log.read_text()
            return False

    try:
        processes.wait_for(up, 30, interval=0.2, what="moto_server")
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)
        log_file.close()


@pytest.fixture
def s3_env(s3_endpoint):
    """The environment that puts media in a new, empty bucket of that server (roamx/settings.py)."""
    bucket = f"roamx-{uuid.uuid4().hex[:12]}"
    env = {"S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_endpoint, **S3_KEYS}
    s3_client(env).create_bucket(Bucket=bucket)
    return env


def s3_client(env):
    return boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        aws_access_key_id=env["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=env["S3_SECRET_ACCESS_KEY"],
        region_name=env["S3_REGION"],
    )


def s3_objects(env):
    """{key: bytes} of every object in the bucket, read straight from the server."""
    client = s3_client(env)
    listing = client.list_objects_v2(Bucket=env["S3_BUCKET"]).get("Contents", [])
    return {
        item["Key"]: client.get_object(Bucket=env["S3_BUCKET"], Key=item["Key"])["Body"].read()
        for item in listing
    }


@pytest.fixture
def s3_storage(s3_env, settings):
    """This process's default storage on the bucket, configured as the settings do from S3_* variables."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": s3_env["S3_BUCKET"],
                "endpoint_url": s3_env["S3_ENDPOINT_URL"],
                "region_name": s3_env["S3_REGION"],
                "access_key": s3_env["S3_ACCESS_KEY_ID"],
                "secret_key": s3_env["S3_SECRET_ACCESS_KEY"],
                "default_acl": "private",
                "querystring_auth": True,
                "file_overwrite": False,
            },
        },
    }
    assert type(storages["default"]).__name__ == "S3Storage"
    return s3_env


@contextlib.contextmanager
def gunicorn(log_path, workers=2, **env):
    """A gunicorn (roamx.wsgi, production settings but plain HTTP) on a free port; yields its base URL."""
    port = processes.free_port()
    process = processes.start(
        [str(Path(sys.executable).with_name("gunicorn")), "roamx.wsgi", "-w", str(workers)]
        + ["-b", f"127.0.0.1:{port}", "--timeout", "60"],
        log_path,
        DEBUG="0",
        **env,
    )
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return requests.get(f"{base}/healthz/", timeout=5).status_code == 200
        except requests.Timeout:
            return False
        except requests.ConnectionError:
            assert process.poll() is None, Path(log_path).read_text()
            return False

    try:
        processes.wait_for(up, 60, interval=0.2, what="gunicorn")
        yield base
    finally:
        processes.stop(process)


def signed_in(base, username, password="pw-test-1"):
    session = requests.Session()
    response = processes.sign_in(session, base, username, password)
    assert response.status_code == 302 and "sessionid" in session.cookies, response.text[:500]
    return session


def settings_value(expression, **env):
    """``expression`` of the settings as a fresh process reads them from this environment."""
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env=processes.django_env(**env),
        cwd=processes.ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip()


def csrf_post(session, page_url, post_url, **data):
    """POST a form as the browser does after loading ``page_url``: with the page's CSRF token."""
    page = session.get(page_url, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    return session.post(
        post_url, data={"csrfmiddlewaretoken": token, **data}, allow_redirects=False, timeout=30
    )


def export_through(session, base, code):
    """Press Export on the report page of the server at ``base``; returns the new export's id."""
    report_page = f"{base}/a/{code}/report/"
    response = csrf_post(session, report_page, f"{base}/a/{code}/report/export/")
    assert response.status_code == 302, response.text[:500]
    ids = re.findall(rf"/a/{code}/report/exports/(\d+)/", session.get(report_page, timeout=30).text)
    assert ids, "the report page lists no export"
    return max(int(pk) for pk in ids)


def wait_for_pdf(session, base, code, pk, timeout=240):
    """Poll the export's status as the page does until it is finished; returns the downloaded PDF."""
    status_url = f"{base}/a/{code}/report/exports/{pk}/status/"

    def finished():
        status = session.get(status_url, timeout=30).json()
        return status if status["finished"] else None

    status = processes.wait_for(finished, timeout, interval=0.5, what="the export")
    assert status["status"] == "done", status
    response = session.get(f"{base}/a/{code}/report/exports/{pk}/download/", timeout=60)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/pdf"
    return response.content


def figures_key(assessment):
    assessment.refresh_from_db()
    return make_template_fragment_key("dashboard_figures", [dashboard_fingerprint(assessment), "en"])
