"""With REDIS_URL set, the caches live in Redis: a dashboard part computed by one process is what another
serves, and an edit made anywhere invalidates it everywhere (tested against the real Redis, DB 7)."""

import pytest
from django.core.cache.backends.redis import RedisCache

from assessments.models import Finding
from assessments.services import save_finding

from .conftest import figures_key, gunicorn, settings_value, signed_in


def test_redis_url_puts_every_cache_in_redis(redis_url):
    backend = "settings.CACHES['default']['BACKEND']"
    # Django's Redis backend, made to treat an unreachable Redis as misses (tests/infra/test_redis_down.py).
    assert settings_value(backend, REDIS_URL=redis_url) == "toolkit.cache.DegradingRedisCache"
    assert settings_value(backend, REDIS_URL="") == "django.core.cache.backends.locmem.LocMemCache"


@pytest.mark.django_db(transaction=True)
def test_two_processes_share_a_dashboard_part_and_its_invalidation(
    redis_cache, redis_url, assessment, members, tmp_path
):
    assert isinstance(redis_cache, RedisCache)
    with gunicorn(tmp_path / "gunicorn.log", REDIS_URL=redis_url) as web:
        session = signed_in(web, "researcher")
        dashboard = f"{web}/a/{assessment.code}/"
        page = session.get(dashboard, timeout=30)
        assert page.status_code == 200
        # The part the web process computed is in Redis, where this process reads it.
        key = figures_key(assessment)
        part = redis_cache.get(key)
        assert part, "the dashboard's figures were not cached in Redis"
        assert part in page.text

        # What this process puts there is what every web worker serves: they read Redis, not their memory.
        redis_cache.set(key, part + '<p id="planted">written by another process</p>', 600)
        for _ in range(4):  # both gunicorn workers
            assert "written by another process" in session.get(dashboard, timeout=30).text

        # An edit made elsewhere (here, this process) changes the fingerprint: every worker recomputes.
        target = Finding.objects.get(assessment=assessment, indicator__code="R.1.1")
        save_finding(
            target,
            by=members["researcher"],
            expected_version=target.version,
            fields={"narrative": "Changed elsewhere."},
        )
        for _ in range(4):
            assert "written by another process" not in session.get(dashboard, timeout=30).text
        new_key = figures_key(assessment)
        assert new_key != key and redis_cache.get(new_key)
