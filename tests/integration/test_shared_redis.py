"""Rate limits shared between replicas through a real Redis (CABLEWISE_RATE_LIMIT_STORAGE=redis://...).

Starts its own redis-server on a free loopback port (Debian's redis-server package; .ci/run installs it). Without
the binary the tests are skipped with a message, except under CI, where they fail.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from service.app import create_app
from tests.gunicorn_server import environment
from tests.gunicorn_server import free_port
from tests.gunicorn_server import start
from tests.gunicorn_server import stop
from tests.gunicorn_server import wait_ready

REDIS_SERVER = shutil.which("redis-server")


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if REDIS_SERVER is None:
        message = (
            "redis-server is not installed (apt-get install redis-server; .ci/run does): shared-state tests"
        )
        if os.environ.get("CI"):
            pytest.fail(message + " cannot run in CI")
        pytest.skip(message + " skipped")
    import redis

    port = free_port()
    workdir = tmp_path_factory.mktemp("redis")
    proc = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if client.ping():
                    break
            except redis.ConnectionError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("redis-server did not start")
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        client.close()
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture()
def fresh_redis(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url


def ask(client, question="is TRS to TS balanced?"):
    return client.post("/api/v1/ask", json={"question": question})


def test_two_apps_share_one_limit_in_redis(settings, engine, fresh_redis):
    shared = settings.model_copy(update={"rate_limit": "3/minute", "rate_limit_storage": fresh_redis})
    first, second = (
        create_app(shared, engine=engine).test_client(),
        create_app(shared, engine=engine).test_client(),
    )
    assert [ask(first).status_code, ask(first).status_code, ask(second).status_code] == [200, 200, 200]
    refused = ask(second)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert ask(first).status_code == 429


def test_an_api_keys_limit_is_shared_through_redis_too(settings, engine, fresh_redis):
    from service.adapters.api_keys import make_key

    key, line = make_key("shop-a")
    shared = settings.model_copy(
        update={"api_keys": [f"{line}:2/minute"], "rate_limit": "1/minute", "rate_limit_storage": fresh_redis}
    )
    first, second = (create_app(shared, engine=engine).test_client() for _ in range(2))
    keyed = {"X-API-Key": key}
    statuses = [
        c.post("/api/v1/ask", json={"question": "is TRS to TS balanced?"}, headers=keyed).status_code
        for c in (first, second, first)
    ]
    # One count for the key across both replicas (memory storage would allow the third), and not the per-client
    # 1/minute (which would refuse the second).
    assert statuses == [200, 200, 429]


def test_memory_storage_is_per_process_by_contrast(settings, engine):
    alone = settings.model_copy(update={"rate_limit": "1/minute", "rate_limit_storage": "memory://"})
    first, second = (
        create_app(alone, engine=engine).test_client(),
        create_app(alone, engine=engine).test_client(),
    )
    assert [ask(first).status_code, ask(second).status_code] == [200, 200]


def request(port: int, method: str, path: str, body: dict | None = None) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def test_two_server_processes_share_one_limit(tmp_path, hash_index_dir, fresh_redis):
    """Two gunicorn servers (two replicas) against one Redis: the limit counts requests to both."""
    procs, ports = [], []
    try:
        for n in range(2):
            port = free_port()
            env = environment(
                port,
                hash_index_dir,
                CABLEWISE_FEEDBACK_DB=str(tmp_path / f"feedback-{n}.sqlite3"),
                CABLEWISE_RATE_LIMIT="4/minute",
                CABLEWISE_RATE_LIMIT_STORAGE=fresh_redis,
                PROMETHEUS_MULTIPROC_DIR=str(tmp_path / f"metrics-{n}"),
            )
            procs.append(start(env))
            ports.append(port)
        for port, proc in zip(ports, procs, strict=True):
            wait_ready(port, proc)
        body = {"question": "is TRS to TS balanced?"}
        statuses = [request(ports[i % 2], "POST", "/api/v1/ask", body) for i in range(6)]
        assert statuses == [200, 200, 200, 200, 429, 429]  # 4 in all, whichever replica took them
    finally:
        stop(*procs)


def test_slack_delivery_ids_are_seen_once_across_replicas(fresh_redis):
    """The Slack de-duplication store (service/adapters/dedup.py) over the same real Redis: an event retried to
    another replica is answered once."""
    from service.adapters.dedup import RedisKeys
    from service.adapters.dedup import keys_from_url

    first, second = keys_from_url(fresh_redis), keys_from_url(fresh_redis)  # one per replica
    assert isinstance(first, RedisKeys) and isinstance(second, RedisKeys)
    with ThreadPoolExecutor(max_workers=8) as pool:  # the same delivery racing on many threads of both
        wins = list(pool.map(lambda i: (first, second)[i % 2].add("event:Ev01"), range(16)))
    assert wins.count(True) == 1
    second.discard("event:Ev01")  # a failed answer lets the retry through, wherever it lands
    assert first.add("event:Ev01") is True
    assert second.add("event:Ev02", ttl=1) is True
    time.sleep(2.1)
    assert first.add("event:Ev02") is True  # expired
