"""Seen-once keys for de-duplicating Slack deliveries: set-if-absent with a time to live.

Slack redelivers an event it believes lost (X-Slack-Retry-Num) and a replayed request carries the same ids, so
each event is answered once by its `event_id`, and each slash command by its `trigger_id`. A retry whose first
delivery never arrived is therefore answered, and one whose first delivery did arrive is not.

`MemoryKeys` serves one process. With several workers or replicas the store must be shared: `RedisKeys` is the
same interface over Redis (`SET key 1 NX EX ttl`), chosen by `keys_from_url` when the shared storage URL
(CABLEWISE_RATE_LIMIT_STORAGE) is `redis://` or `rediss://`.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from typing import Protocol

DEFAULT_TTL_S = 3600.0  # Slack retries for about five minutes; keep an hour to be safe


class SeenKeys(Protocol):
    """A set of keys that expire; `add` is atomic."""

    def add(self, key: str, ttl: float = DEFAULT_TTL_S) -> bool:
        """Remember `key` for `ttl` seconds; return False if it was already remembered (and unexpired)."""
        ...

    def discard(self, key: str) -> None:
        """Forget `key`, so that a failed attempt may be tried again."""
        ...


class MemoryKeys:
    """In-process SeenKeys: bounded (the oldest are forgotten first), thread-safe, expiring."""

    def __init__(self, size: int = 4096, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._keys: OrderedDict[str, float] = OrderedDict()  # key -> expiry, in insertion order
        self._size = size
        self._clock = clock
        self._lock = threading.Lock()

    def add(self, key: str, ttl: float = DEFAULT_TTL_S) -> bool:
        """Remember `key` for `ttl` seconds; return False if it was already remembered."""
        now = self._clock()
        with self._lock:
            expiry = self._keys.get(key)
            if expiry is not None and expiry > now:
                return False
            self._keys.pop(key, None)
            self._keys[key] = now + ttl
            while len(self._keys) > self._size:
                self._keys.popitem(last=False)
            return True

    def discard(self, key: str) -> None:
        """Forget `key`."""
        with self._lock:
            self._keys.pop(key, None)


class RedisKeys:
    """SeenKeys shared by every worker and replica, over a redis-py client."""

    def __init__(self, client: Any, *, prefix: str = "cablewise:seen:") -> None:
        self._client = client
        self._prefix = prefix

    def add(self, key: str, ttl: float = DEFAULT_TTL_S) -> bool:
        """SET key 1 NX EX ttl: True only for the first caller."""
        return bool(self._client.set(self._prefix + key, b"1", nx=True, ex=max(1, math.ceil(ttl))))

    def discard(self, key: str) -> None:
        """DEL key."""
        self._client.delete(self._prefix + key)


def keys_from_url(url: str) -> SeenKeys:
    """RedisKeys for a redis:// or rediss:// URL (needs the `redis` package), MemoryKeys otherwise."""
    if url.startswith(("redis://", "rediss://")):
        import redis  # optional: pip install 'cablewise[redis]'

        return RedisKeys(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2))
    return MemoryKeys()
