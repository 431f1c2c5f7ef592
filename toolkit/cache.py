"""Django's Redis cache backend, made to degrade: when Redis is unreachable every read is a miss and every
write is skipped (logged once per outage), so pages render from the database instead of answering 500.

Why a subclass of the built-in backend rather than django-redis with ``IGNORE_EXCEPTIONS``: the project
already uses the built-in backend (no new dependency, same key format, so a deploy keeps its cache), and
what "degrade" means here is ten lines we can read and test. After a failure the backend does not try
Redis again for ``RETRY_SECONDS`` (an option, default 5): a request that reads several parts does not wait
for several refused connections, and Redis is used again within seconds of coming back.

Set ``socket_connect_timeout``/``socket_timeout`` in ``OPTIONS`` (roamx/settings.py does) so an address
that drops packets costs at most that long instead of hanging a worker.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class DegradingRedisCache(RedisCache):
    """``RedisCache`` whose errors are misses (reads), skipped writes, and ``False``/``0`` answers."""

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_seconds = float(options.pop("RETRY_SECONDS", 5))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0

    def _call(self, method, fallback, *args, **kwargs):
        if self._down_until and time.monotonic() < self._down_until:
            return fallback() if callable(fallback) else fallback
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except RedisError as exc:
            if not self._down_until:
                log.warning("Cache unreachable, serving without it: %s (%s)", exc, type(exc).__name__)
            self._down_until = time.monotonic() + self.retry_seconds
            return fallback() if callable(fallback) else fallback
        if self._down_until:
            log.warning("Cache reachable again")
            self._down_until = 0.0
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", dict, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", lambda: list(data), data, timeout, version)

    def incr(self, key, delta=1, version=None):
        # A miss to the caller: django-ratelimit then counts from its start value (fails open).
        def missing():
            raise ValueError(f"Key '{key}' not found (cache unreachable).")

        return self._call("incr", missing, key, delta, version)

    def clear(self):
        return self._call("clear", False)
