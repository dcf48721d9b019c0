"""The question endpoint's per-client limits (service/adapters/rate_limit.py)."""

from __future__ import annotations

import pytest

from service.adapters.rate_limit import RateLimit
from service.errors import RateLimited


def test_each_client_has_its_own_count():
    limit = RateLimit("2/minute", "memory://", scope="ask")
    limit.hit("10.0.0.1")
    limit.hit("10.0.0.1")
    limit.hit("10.0.0.2")  # another client is not affected
    with pytest.raises(RateLimited) as caught:
        limit.hit("10.0.0.1")
    assert caught.value.http_status == 429
    assert 1 <= caught.value.retry_after <= 60
    assert "2 per 1 minute" in caught.value.detail and "retry after" in caught.value.detail


def test_every_limit_in_the_spec_counts():
    limit = RateLimit("100/minute;3/hour", "memory://", scope="ask")
    for _ in range(3):
        limit.hit("client")
    with pytest.raises(RateLimited) as caught:
        limit.hit("client")
    assert "3 per 1 hour" in caught.value.detail
    assert 60 < caught.value.retry_after <= 3600


def test_a_bad_spec_fails_at_start():
    with pytest.raises(ValueError):
        RateLimit("sixty a minute", "memory://", scope="ask")


def test_behind_a_trusted_proxy_each_forwarded_client_is_counted(settings, engine):
    from service.app import create_app

    app = create_app(
        settings.model_copy(update={"rate_limit": "1/minute", "trusted_proxies": 1}), engine=engine
    )
    client = app.test_client()

    def ask_from(address: str) -> int:
        body = {"question": "is xlr balanced?"}
        return client.post("/api/v1/ask", json=body, headers={"X-Forwarded-For": address}).status_code

    assert [ask_from("203.0.113.7"), ask_from("198.51.100.2"), ask_from("203.0.113.7")] == [200, 200, 429]


def test_without_trusted_proxies_a_forwarded_header_changes_nothing(settings, engine):
    from service.app import create_app

    client = create_app(settings.model_copy(update={"rate_limit": "1/minute"}), engine=engine).test_client()
    body = {"question": "is xlr balanced?"}
    statuses = [
        client.post("/api/v1/ask", json=body, headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
        for n in range(2)
    ]
    assert statuses == [200, 429]  # a client cannot dodge the limit by inventing a header


def test_counting_after_a_pause_starts_no_thread(monkeypatch):
    """limits' stock memory storage started a sweeping thread on a hit after 10 ms idle: a cost per request."""
    import threading
    import time

    limit = RateLimit("1000/minute", "memory://", scope="ask")
    started = []
    real_start = threading.Thread.start
    monkeypatch.setattr(threading.Thread, "start", lambda self: (started.append(self), real_start(self))[1])
    for _ in range(5):
        limit.hit("client")
        time.sleep(0.02)
    assert started == []


def test_an_expired_window_counts_afresh_and_is_swept():
    import time

    from service.adapters.rate_limit import _SweptMemoryStorage

    limit = RateLimit("1/second", "memory://", scope="ask")
    limit.hit("client")
    with pytest.raises(RateLimited):
        limit.hit("client")
    time.sleep(1.05)
    limit.hit("client")  # a new window
    storage = limit._limiter.storage
    assert isinstance(storage, _SweptMemoryStorage)
    time.sleep(1.05)
    storage._next_sweep = 0.0
    limit.hit("other")  # the sweep runs on this hit and drops the expired key of "client"
    assert not any("client" in key for key in storage.storage)
