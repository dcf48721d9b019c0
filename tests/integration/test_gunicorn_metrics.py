"""gunicorn as `make serve` runs it, with two workers: /metrics adds up both, and every request logs one JSON line.

Uses the hash embedder's index (no model), so it takes a few seconds.
"""

from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.gunicorn_server import environment
from tests.gunicorn_server import free_port
from tests.gunicorn_server import start
from tests.gunicorn_server import stop
from tests.gunicorn_server import wait_ready

ASKS = 30


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        headers = {"Content-Type": "application/json", "Connection": "close"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


@pytest.fixture()
def server(tmp_path, hash_index_dir):
    port = free_port()
    env = environment(
        port,
        hash_index_dir,
        WEB_CONCURRENCY="2",
        GUNICORN_THREADS="4",
        CABLEWISE_FEEDBACK_DB=str(tmp_path / "feedback.sqlite3"),
        CABLEWISE_RATE_LIMIT="1000/minute",
        CABLEWISE_LOG_FORMAT="json",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        proc = start(env, output=log)
    try:
        wait_ready(port, proc, why=log_path.read_text)
        yield port, log_path, tmp_path / "metrics"
    finally:
        stop(proc)


def scrape(port: int) -> dict[tuple[str, tuple], float]:
    status, body = request(port, "GET", "/metrics")
    assert status == 200
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body.decode())
        for s in family.samples
    }


def test_two_workers_report_one_sum_and_log_json_lines(server):
    port, log_path, metrics_dir = server
    questions = [f"is TRS to TS balanced? #{i}" for i in range(ASKS)]
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(lambda q: request(port, "POST", "/api/v1/ask", {"question": q})[0], questions)
        )
    assert statuses == [200] * ASKS

    ask_key = (
        "cablewise_http_requests_total",
        (("method", "POST"), ("route", "/api/v1/ask"), ("status", "200")),
    )
    for _ in range(4):  # whichever worker serves /metrics, it reports both workers' counts
        metrics = scrape(port)
        assert metrics[ask_key] == ASKS
        assert (
            metrics[("cablewise_answers_total", (("basis", "rules+guide"), ("intent", "balanced_check")))]
            + (
                metrics.get(
                    ("cablewise_answers_total", (("basis", "rules"), ("intent", "balanced_check"))), 0
                )
            )
            == ASKS
        )
        assert metrics[("cablewise_answer_confidence_count", ())] == ASKS
        index_info = [k for k in metrics if k[0] == "cablewise_index_info" and metrics[k] == 1]
        assert len(index_info) == 1, index_info  # one version, however many workers serve it

    time.sleep(0.5)  # let the last lines reach the file
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    asks = [entry for entry in lines if entry.get("route") == "/api/v1/ask"]
    assert len(asks) == ASKS
    for entry in asks:
        assert entry["status"] == 200 and entry["intent"] == "balanced_check"
        assert len(entry["request_id"]) == 32 and entry["latency_ms"] > 0 and 0 <= entry["confidence"] <= 1
    workers = {entry["pid"] for entry in asks}
    assert {p.name.split("_")[-1].removesuffix(".db") for p in metrics_dir.glob("counter_*.db")} >= {
        str(pid) for pid in workers
    }
