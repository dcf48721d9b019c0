"""Two replicas, one Redis, one PostgreSQL: what several Cablewise servers must share, shown with real processes.

Two gunicorn servers (as `make serve` runs them, each its own process tree and port) run against one real Redis
(rate limits, Slack de-duplication) and one real PostgreSQL (feedback, question log), and one fake Slack Web API
(tests/http/slack_fakes.py):

- the rate limit on /api/v1/ask counts requests to both;
- a Slack event answered by one replica and retried by Slack to the other is answered once;
- feedback clicked through both lands in one table, and the question log holds the questions both answered.

Uses the hash embedder's index (no model). Skipped with a message when redis-server or PostgreSQL is missing.
"""

from __future__ import annotations

import http.client
import json
import time

import pytest
import sqlalchemy as sa

from service.adapters import slack_render
from service.adapters.slack_render import ACTION_HELPFUL
from service.adapters.slack_render import ACTION_NOT_HELPFUL
from service.storage import tables
from service.storage.database import Database
from service.storage.database import database_url
from tests.gunicorn_server import environment
from tests.gunicorn_server import free_port
from tests.gunicorn_server import start
from tests.gunicorn_server import stop
from tests.gunicorn_server import wait_ready
from tests.http.slack_fakes import BOT_USER_ID
from tests.http.slack_fakes import SECRET
from tests.http.slack_fakes import TOKEN
from tests.http.slack_fakes import FakeSlackApi
from tests.http.slack_fakes import action_body
from tests.http.slack_fakes import event_body
from tests.http.slack_fakes import signed_headers
from tests.integration.test_shared_redis import fresh_redis  # noqa: F401 - fixture
from tests.integration.test_shared_redis import redis_url  # noqa: F401 - fixture

QUESTION = "is TRS to TS balanced?"


def call(port: int, method: str, path: str, body: str | None = None, headers: dict | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


@pytest.fixture()
def replicas(tmp_path, hash_index_dir, fresh_redis, postgres_url):  # noqa: F811 - fixture
    """Two servers sharing Redis and PostgreSQL; yields their ports, the fake Slack and the database URL."""
    procs, ports = [], []
    with FakeSlackApi() as slack:
        try:
            for n in range(2):
                port = free_port()
                env = environment(
                    port,
                    hash_index_dir,
                    CABLEWISE_FEEDBACK_DB=str(tmp_path / f"unused-{n}.sqlite3"),  # must stay unused
                    CABLEWISE_DATABASE_URL=postgres_url,
                    CABLEWISE_QUESTION_LOG="true",
                    CABLEWISE_RATE_LIMIT="4/minute",
                    CABLEWISE_RATE_LIMIT_STORAGE=fresh_redis,
                    SLACK_BOT_TOKEN=TOKEN,
                    SLACK_SIGNING_SECRET=SECRET,
                    SLACK_API_URL=slack.api_url,
                    PROMETHEUS_MULTIPROC_DIR=str(tmp_path / f"metrics-{n}"),
                )
                with open(tmp_path / f"replica-{n}.log", "wb") as log:  # the child keeps its own copy
                    procs.append(start(env, output=log))
                ports.append(port)
            for n, (port, proc) in enumerate(zip(ports, procs, strict=True)):
                wait_ready(port, proc, why=(tmp_path / f"replica-{n}.log").read_text)
            yield ports, slack, postgres_url
        finally:
            stop(*procs)


def mention(event_id: str, ts: str, text: str = QUESTION) -> str:
    event = {"type": "app_mention", "user": "U0001", "text": f"<@{BOT_USER_ID}> {text}", "ts": ts}
    event.update(channel="C0001", event_ts=ts)
    return event_body(event, event_id)


def slack_post(port: int, body: str, content_type: str, **extra_headers: str):
    return call(port, "POST", "/slack/events", body, {**signed_headers(body, content_type), **extra_headers})


def test_two_replicas_share_limits_slack_retries_and_feedback(replicas, tmp_path):
    (a, b), slack, pg_url = replicas
    database = Database(database_url(pg_url, tmp_path))
    assert database.status().up_to_date  # gunicorn's master migrated it at start, before any request

    # 1. One rate limit (4/minute) across both replicas.
    ask = json.dumps({"question": QUESTION, "channel": "widget"})
    statuses = [
        call((a, b)[i % 2], "POST", "/api/v1/ask", ask, {"Content-Type": "application/json"})[0]
        for i in range(6)
    ]
    assert statuses == [200, 200, 200, 200, 429, 429]

    # 2. A Slack event delivered to A, then retried by Slack to B: answered once.
    first = mention("Ev2REPLICA01", "1800000000.000100")
    assert slack_post(a, first, "application/json")[0] == 200
    [answer] = slack.wait_for("chat.postMessage", timeout=20)
    status, headers, _ = slack_post(
        b, first, "application/json", **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    )
    assert status == 200 and headers.get("x-slack-no-retry") == "1"  # B saw A's delivery id in Redis
    sentinel = mention("Ev2REPLICA02", "1800000000.000200", "what is phantom power?")
    assert slack_post(b, sentinel, "application/json")[0] == 200  # a new event is still answered by B
    posts = slack.wait_for("chat.postMessage", count=2, timeout=20)
    assert len(posts) == 2 and len(slack.calls_to("chat.postMessage")) == 2
    assert "phantom" in json.dumps(posts[1].params).lower()

    # 3. Feedback on that answer clicked through A and through B: one PostgreSQL table holds both.
    blocks = answer.params["blocks"]
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks  # form-encoded calls carry JSON text
    value = next(
        element["value"]
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"] == ACTION_HELPFUL
    )
    for port, action, user, name in (
        (a, ACTION_HELPFUL, "U0001", "fa"),
        (b, ACTION_NOT_HELPFUL, "U0002", "fb"),
    ):
        body = action_body(action, value, slack.response_url(name), user=user)
        assert slack_post(port, body, "application/x-www-form-urlencoded")[0] == 200
        slack.wait_for(f"response/{name}", timeout=20)

    try:
        deadline = time.monotonic() + 10  # each replica's question log writes in the background
        while time.monotonic() < deadline:
            with database.engine.connect() as conn:
                if (
                    conn.execute(sa.select(sa.func.count()).select_from(tables.question_log)).scalar_one()
                    >= 6
                ):
                    break
            time.sleep(0.1)
        with database.engine.connect() as conn:
            votes = conn.execute(
                sa.select(
                    tables.feedback.c.channel, tables.feedback.c.question, tables.feedback.c.helpful
                ).order_by(tables.feedback.c.helpful.desc())
            ).all()
            logged = conn.execute(
                sa.select(tables.question_log.c.channel, sa.func.count())
                .group_by(tables.question_log.c.channel)
                .order_by(tables.question_log.c.channel)
            ).all()
    finally:
        database.dispose()
    assert [tuple(v) for v in votes] == [("slack", QUESTION, True), ("slack", QUESTION, False)]
    assert slack_render.decode_value(value)["q"] == QUESTION
    # Four answers through the API (two per replica) and two Slack answers, one from each replica.
    assert [tuple(row) for row in logged] == [("slack", 2), ("widget", 4)]
    assert not (tmp_path / "unused-0.sqlite3").exists() and not (tmp_path / "unused-1.sqlite3").exists()


def test_a_server_starts_and_answers_while_its_database_is_down(tmp_path, hash_index_dir):
    """The master's migration at start fails, says so, and does not keep the server from answering."""
    port = free_port()
    env = environment(
        port,
        hash_index_dir,
        CABLEWISE_DATABASE_URL="postgresql://cablewise:secret@127.0.0.1:1/cablewise",  # nothing listens
        CABLEWISE_QUESTION_LOG="true",
        CABLEWISE_LOG_FORMAT="text",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        proc = start(env, output=log)
    try:
        wait_ready(port, proc, why=log_path.read_text)
        ask = json.dumps({"question": QUESTION})
        assert call(port, "POST", "/api/v1/ask", ask, {"Content-Type": "application/json"})[0] == 200
    finally:
        stop(proc)
    text = log_path.read_text()
    assert "database migration at start failed" in text and "cablewise db upgrade" in text
    assert "secret" not in text  # the URL is logged without its password
