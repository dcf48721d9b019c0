"""Per-client rate limits on the question endpoint, with the `limits` library.

`limits` is the engine inside flask-limiter; calling it directly costs about 20 µs a request where flask-limiter's
per-request bookkeeping (exemption scopes, blueprint and route resolution) cost 0.2 ms: a third of answering a
repeated question. The storage is any `limits` storage URI (memory://, redis://...).
"""

from __future__ import annotations

import math
import time

from flask import g
from flask import has_request_context
from limits import parse_many
from limits.storage import MemoryStorage
from limits.storage import Storage
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from service.errors import RateLimited


class _SweptMemoryStorage(MemoryStorage):
    """limits' memory storage, whose expired keys are swept by the request that finds a sweep due.

    The stock storage starts a timer thread to sweep them whenever its last one has ended, which is after 10 ms:
    so nearly every request after a pause started a thread (about a tenth of answering a repeated question, far
    more on a busy machine). Counting is unchanged: `get` already drops an expired key when it reads it; the
    sweep only frees memory of clients that went away.
    """

    SWEEP_EVERY_S = 1.0

    def __init__(self, uri: str | None = None, **options) -> None:
        super().__init__(uri, **options)
        self.timer.cancel()
        self._next_sweep = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # noqa: N802 - replaces the stock (name-mangled) hook
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + self.SWEEP_EVERY_S
            self._MemoryStorage__expire_events()


def _storage(uri: str) -> Storage:
    return _SweptMemoryStorage(uri) if uri.startswith("memory://") else storage_from_string(uri)


class RateLimit:
    """The limits in `spec` ("60/minute;1000/hour"), each counted per client in a fixed window."""

    def __init__(self, spec: str, storage_uri: str, *, scope: str) -> None:
        self._items = parse_many(spec)
        self._limiter = FixedWindowRateLimiter(_storage(storage_uri))
        self._scope = scope

    def hit(self, client: str) -> None:
        """Count one request from client; a request that came with a valid API key is not counted here (it was
        counted against its key's own limits, service/adapters/api_keys.py).

        :raises RateLimited: (429) a limit is reached; it says which, and in how many seconds to come back.
        """
        if has_request_context() and g.get("cablewise_api_key"):
            return
        for item in self._items:
            if not self._limiter.hit(item, self._scope, client):
                reset_at = self._limiter.get_window_stats(item, self._scope, client).reset_time
                raise RateLimited(
                    f"rate limit reached ({item})", retry_after=math.ceil(reset_at - time.time())
                )


def install(app, spec: str, storage_uri: str) -> None:
    """Give the app the question endpoint's limit (read back by `of`)."""
    app.extensions["cablewise.rate_limit"] = RateLimit(spec, storage_uri, scope="ask")


def of(app) -> RateLimit:
    """The limit `install` gave the app."""
    return app.extensions["cablewise.rate_limit"]
