"""The set-if-absent store that de-duplicates Slack deliveries: memory now, Redis through the same interface."""

from __future__ import annotations

import threading

from service.adapters.dedup import MemoryKeys
from service.adapters.dedup import RedisKeys
from service.adapters.dedup import keys_from_url


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_first_add_wins_and_the_key_expires():
    clock = Clock()
    keys = MemoryKeys(clock=clock)
    assert keys.add("event:Ev1", ttl=60) is True
    assert keys.add("event:Ev1", ttl=60) is False
    clock.now += 59
    assert keys.add("event:Ev1", ttl=60) is False
    clock.now += 2
    assert keys.add("event:Ev1", ttl=60) is True  # expired: a delivery an hour later is a new one


def test_discard_lets_a_failed_attempt_be_retried():
    keys = MemoryKeys()
    assert keys.add("share:C1:1.2")
    keys.discard("share:C1:1.2")
    assert keys.add("share:C1:1.2")


def test_memory_keys_are_bounded_and_thread_safe():
    keys = MemoryKeys(size=100)
    results: list[bool] = []

    def add_all():
        results.extend(keys.add(f"k{i}") for i in range(50))

    threads = [threading.Thread(target=add_all) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(True) == 50
    for i in range(200):
        keys.add(f"other{i}")
    assert keys.add("k0") is True


class FakeRedis:
    """The two redis-py calls RedisKeys makes, with SET NX EX semantics."""

    def __init__(self) -> None:
        self.data: dict[str, tuple[bytes, int]] = {}

    def set(self, name, value, nx=False, ex=None):
        if nx and name in self.data:
            return None
        self.data[name] = (value, ex)
        return True

    def delete(self, name):
        self.data.pop(name, None)


def test_redis_keys_use_set_nx_ex_under_a_prefix():
    client = FakeRedis()
    keys = RedisKeys(client)
    assert keys.add("event:Ev1", ttl=3600) is True
    assert keys.add("event:Ev1", ttl=3600) is False
    assert client.data["cablewise:seen:event:Ev1"] == (b"1", 3600)
    keys.discard("event:Ev1")
    assert keys.add("event:Ev1", ttl=0.2) is True
    assert client.data["cablewise:seen:event:Ev1"][1] == 1  # at least one second


def test_memory_url_gives_memory_keys():
    assert isinstance(keys_from_url("memory://"), MemoryKeys)
