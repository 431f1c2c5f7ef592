"""With REDIS_URL set and Redis unreachable, pages render from the database (the cache's reads are misses,
its writes are skipped) and pressing Export says the queue is down instead of answering 500. Tested
against a real redis-server started here on a free port and then killed."""

import re
import subprocess

import pytest
import redis

from reports.choices import ExportStatus
from reports.models import QUEUE_DOWN, ReportExport
from tests import processes
from toolkit.cache import DegradingRedisCache

from .conftest import csrf_post, gunicorn, settings_value, signed_in


def redis_keys(port, pattern="roamx:*"):
    with redis.Redis(port=port, socket_timeout=2) as client:
        return client.keys(pattern)


def start_redis(tmp_path, port):
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )

    def up():
        try:
            with redis.Redis(port=port, socket_timeout=1) as client:
                return client.ping()
        except redis.ConnectionError:
            assert server.poll() is None, "redis-server exited"
            return False

    processes.wait_for(up, 20, interval=0.1, what="redis-server")
    return server


def kill(server):
    server.kill()
    server.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own (so killing it disturbs nobody): yields (port, server)."""
    port = processes.free_port()
    server = start_redis(tmp_path, port)
    box = {"server": server}
    yield port, box
    if box["server"].poll() is None:
        kill(box["server"])


def disconnect(cache):
    """Close the backend's sockets (Django keeps its pools for the process's life)."""
    for pool in cache._cache._pools.values():
        pool.disconnect()


def backend(port, retry=0):
    return DegradingRedisCache(
        f"redis://127.0.0.1:{port}/0",
        {"KEY_PREFIX": "t", "OPTIONS": {"RETRY_SECONDS": retry, "socket_connect_timeout": 0.5}},
    )


def test_the_settings_use_the_degrading_backend_with_timeouts(redis_url):
    caches = "settings.CACHES['default']"
    assert settings_value(f"{caches}['BACKEND']", REDIS_URL=redis_url) == "toolkit.cache.DegradingRedisCache"
    assert settings_value(f"{caches}['OPTIONS']", REDIS_URL=redis_url) == (
        "{'socket_connect_timeout': 0.5, 'socket_timeout': 1.0}"
    )
    assert settings_value("settings.CACHES['ratelimit']['BACKEND']", CONSULTATION_CACHE_URL=redis_url) == (
        "toolkit.cache.DegradingRedisCache"
    )


def test_errors_are_misses_and_skipped_writes_and_redis_is_used_again_when_back(own_redis, tmp_path, caplog):
    port, box = own_redis
    cache = backend(port)
    cache.set("part", "<p>cached</p>", 60)
    assert cache.get("part") == "<p>cached</p>"
    assert cache.add("counter", 1) and cache.incr("counter") == 2

    kill(box["server"])
    assert cache.get("part") is None
    assert cache.get("part", "default") == "default"
    assert cache.get_many(["part", "other"]) == {}
    assert cache.has_key("part") is False
    assert cache.set("part", "<p>new</p>", 60) is None  # skipped, no exception
    assert cache.add("x", 1) is False
    assert cache.delete("part") is False
    assert cache.get_or_set("computed", lambda: "from the database") == "from the database"
    with pytest.raises(ValueError):  # a missing key to django-ratelimit: it counts from its start value
        cache.incr("counter")
    assert "Cache unreachable, serving without it" in caplog.text
    # Logged once per outage, not once per call.
    assert caplog.text.count("Cache unreachable") == 1

    box["server"] = start_redis(tmp_path, port)
    cache.set("part", "<p>again</p>", 60)
    assert cache.get("part") == "<p>again</p>"
    assert "Cache reachable again" in caplog.text
    disconnect(cache)


def test_after_a_failure_redis_is_not_tried_again_for_retry_seconds(own_redis, tmp_path):
    port, box = own_redis
    cache = backend(port, retry=300)
    kill(box["server"])
    assert cache.get("part") is None
    box["server"] = start_redis(tmp_path, port)
    with redis.Redis(port=port) as client:
        client.set(cache.make_and_validate_key("part"), b"7")
    # Within the retry window the backend does not ask Redis: still a miss, no connection attempt.
    assert cache.get("part") is None
    cache._down_until = 0.0
    assert cache.get("part") == 7
    disconnect(cache)


@pytest.mark.django_db(transaction=True)
def test_pages_render_and_export_says_so_when_redis_is_down(report, members, own_redis, tmp_path):
    port, box = own_redis
    env = {"REDIS_URL": f"redis://127.0.0.1:{port}/0", "TASKS_BACKEND": "django_tasks_rq.RQBackend"}
    with gunicorn(tmp_path / "gunicorn.log", workers=1, **env) as web:
        session = signed_in(web, "staffer")
        dashboard = f"{web}/a/{report.code}/"
        report_page = f"{web}/a/{report.code}/report/"
        review = f"{web}/a/{report.code}/review/"
        assert session.get(dashboard, timeout=30).status_code == 200
        assert redis_keys(port), "the dashboard cached nothing in Redis"

        kill(box["server"])
        page = session.get(dashboard, timeout=30)
        assert page.status_code == 200 and report.title in page.text
        assert session.get(report_page, timeout=30).status_code == 200
        assert session.get(review, timeout=30).status_code == 200

        before = ReportExport.objects.count()
        response = csrf_post(session, report_page, f"{web}/a/{report.code}/report/export/")
        assert response.status_code == 302, response.text[:500]
        shown = session.get(report_page, timeout=30)
        assert shown.status_code == 200
        assert "The report queue is not reachable right now" in shown.text
        export = ReportExport.objects.get()
        assert ReportExport.objects.count() == before + 1
        assert export.status == ExportStatus.FAILED and export.error.startswith(QUEUE_DOWN)
        assert not export.task_id

        # The API says the same with a 503, and a second press is not handed the failed export.
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown.text).group(1)
        api = session.post(
            f"{web}/api/assessments/{report.code}/report-exports/",
            json={"format": "pdf"},
            headers={"X-CSRFToken": token, "Referer": report_page},
            timeout=30,
        )
        assert api.status_code == 503, api.text[:500]
        assert "The report queue is not reachable right now" in api.json()["detail"]
        assert ReportExport.objects.filter(status=ExportStatus.FAILED).count() == 2

        # Redis back: the cache fills again (within the backend's retry window) and Export queues.
        box["server"] = start_redis(tmp_path, port)
        processes.wait_for(
            lambda: (
                session.get(dashboard, timeout=30).status_code == 200
                and redis.Redis(port=port).keys("roamx:*")
            ),
            30,
            interval=1,
            what="the dashboard cached in Redis again",
        )
        assert csrf_post(session, report_page, f"{web}/a/{report.code}/report/export/").status_code == 302
        assert ReportExport.objects.filter(status=ExportStatus.QUEUED).exclude(task_id="").count() == 1
