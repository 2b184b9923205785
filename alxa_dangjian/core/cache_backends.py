"""The shared cache, degrading instead of failing: with Redis unreachable the portal computes
every figure in the request (slower, still correct) rather than answering 503.

Everything the portal caches can be computed again from the database, so a cache that cannot
be reached behaves like an empty one: reads miss, writes are dropped, and each process logs
the outage once when it starts and once when it ends. After a failure the process leaves the
cache alone for BREAK_SECONDS, so a request does not wait for one timeout per cache call.

Version bumps (alxa_dangjian.core.caching) made during the outage were lost; if Redis kept its
data, entries computed before the outage could be read again under their old versions. So
the first process that reaches the cache again bumps every topic (`caching.recovered`).
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failed call the cache is skipped this long (per process): a blackholed host would
# otherwise cost every cache call in a request its own connect timeout.
BREAK_SECONDS = 5.0


class DegradingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._lock = threading.Lock()
        self._down_until = 0.0
        self._down_since: float | None = None

    def _call(self, operation: str, default, *args, **kwargs):
        if self._down_since is not None and time.monotonic() < self._down_until:
            return default
        try:
            result = getattr(super(), operation)(*args, **kwargs)
        except UNREACHABLE as error:
            self._failed(error)
            return default
        if self._down_since is not None:
            self._recovered()
        return result

    def _failed(self, error) -> None:
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
            self._down_until = time.monotonic() + BREAK_SECONDS
        if first:
            logger.warning("cache unreachable, computing without it: %s", error)

    def _recovered(self) -> None:
        with self._lock:
            if self._down_since is None:
                return
            lasted = time.monotonic() - self._down_since
            self._down_since = None
        logger.warning("cache reachable again after %.0f s", lasted)
        from . import caching

        caching.recovered()

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, key, value, timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, key, value, timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version=version)

    def incr(self, key, delta=1, version=None):
        missing = object()
        result = self._call("incr", missing, key, delta, version=version)
        if result is missing:
            # What a missing key answers: callers already handle it (caching._bump sets it).
            raise ValueError(f"Key '{key}' not found (cache unreachable)")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version=version)

    def clear(self):
        return self._call("clear", None)
