"""A Redis cache that may fail: an outage costs the site its cache, never a page.

Everything this app caches can be made again (rendered sections, redlines, whole public pages), so
when Redis cannot be reached a read is a miss and a write is dropped. The first failure is logged
once; for ``CACHE_RETRY_SECONDS`` afterwards the cache is not even tried, so a stopped Redis does not
cost every request a connection timeout; then one request tries again, and recovery is logged once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")
_UNREACHABLE = (RedisConnectionError, RedisTimeoutError, OSError)


class _Breaker:
    """Whether the cache is worth trying now, shared by the threads of one process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0

    def closed(self) -> bool:
        return self._down_since is None or time.monotonic() >= self._retry_at

    def failed(self, error: BaseException) -> None:
        with self._lock:
            self._retry_at = time.monotonic() + settings.CACHE_RETRY_SECONDS
            if self._down_since is None:
                self._down_since = time.monotonic()
                logger.warning("Cache unreachable (%s); pages are rendered without it until it is back.", error)

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is not None:
                logger.warning("Cache reachable again after %.0f s.", time.monotonic() - self._down_since)
                self._down_since = None


class DegradingRedisCache(RedisCache):
    """Django's Redis cache, whose every operation answers as a miss (or does nothing) while Redis is down."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.breaker = _Breaker()

    def _soft(self, call: Callable[[], T], fallback: T) -> T:
        if not self.breaker.closed():
            return fallback
        try:
            result = call()
        except _UNREACHABLE as error:
            self.breaker.failed(error)
            return fallback
        self.breaker.succeeded()
        return result

    def get(self, key, default=None, version=None):
        return self._soft(lambda: super(DegradingRedisCache, self).get(key, default, version), default)

    def get_many(self, keys, version=None):
        return self._soft(lambda: super(DegradingRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._soft(lambda: super(DegradingRedisCache, self).has_key(key, version), False)

    def add(self, key, value, timeout=None, version=None):
        return self._soft(lambda: super(DegradingRedisCache, self).add(key, value, self._timeout(timeout), version),
                          False)

    def set(self, key, value, timeout=None, version=None):
        self._soft(lambda: super(DegradingRedisCache, self).set(key, value, self._timeout(timeout), version), None)

    def set_many(self, data, timeout=None, version=None):
        return self._soft(
            lambda: super(DegradingRedisCache, self).set_many(data, self._timeout(timeout), version), list(data)
        )

    def touch(self, key, timeout=None, version=None):
        return self._soft(lambda: super(DegradingRedisCache, self).touch(key, self._timeout(timeout), version), False)

    def delete(self, key, version=None):
        return self._soft(lambda: super(DegradingRedisCache, self).delete(key, version), False)

    def delete_many(self, keys, version=None):
        self._soft(lambda: super(DegradingRedisCache, self).delete_many(keys, version), None)

    def clear(self):
        return self._soft(lambda: super(DegradingRedisCache, self).clear(), False)

    def _timeout(self, timeout):
        """``None`` ("forever") becomes the default expiry: every entry expires (DESIGN rule 9)."""
        return self.default_timeout if timeout is None else timeout
