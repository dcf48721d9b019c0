"""/metrics (Prometheus text) and the one JSON log line per request."""

from __future__ import annotations

import copy
import json
import logging

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from service import observability
from service.app import create_app
from service.core.cache import LRUCache

ASK = "/api/v1/ask"


def samples(client, **headers) -> dict[tuple[str, tuple], float]:
    """Every sample of the /metrics page, keyed by (name, sorted labels)."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.content_type.startswith("text/plain")
    out = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(metrics, name, **labels) -> float:
    return metrics.get((name, tuple(sorted(labels.items()))), 0.0)


def ask(client, question, **kwargs):
    return client.post(ASK, json={"question": question}, **kwargs)


@pytest.fixture()
def cached_app(settings, engine):
    """An app whose engine keeps an answer cache, as the service does."""
    cached = copy.copy(engine)
    cached.answers = LRUCache(16)
    return create_app(settings, engine=cached)


def test_requests_answers_and_confidence_are_counted(cached_app):
    client = cached_app.test_client()
    before = samples(client)
    assert ask(client, "is XLR to TRS balanced?").status_code == 200  # not the start-up probe: not cached
    assert ask(client, "how do I bake sourdough bread?").status_code == 200
    assert client.get("/healthz").status_code == 200
    after = samples(client)

    def delta(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("cablewise_http_requests_total", route=ASK, method="POST", status="200") == 2
    assert delta("cablewise_http_requests_total", route="/healthz", method="GET", status="200") == 1
    assert delta("cablewise_http_request_duration_seconds_count", route=ASK) == 2
    assert (
        delta("cablewise_answers_total", intent="balanced_check", basis="rules+guide")
        + delta("cablewise_answers_total", intent="balanced_check", basis="rules")
        == 1
    )
    assert delta("cablewise_answers_total", intent="out_of_domain", basis="none") == 1
    assert delta("cablewise_refusals_total") == 1
    assert delta("cablewise_answer_confidence_count") == 2
    assert delta("cablewise_answer_cache_misses_total") == 2


def test_a_repeated_question_counts_a_cache_hit(cached_app):
    client = cached_app.test_client()
    ask(client, "which cable from my interface outputs to my monitors' XLR inputs?")
    before = samples(client)
    ask(client, "which cable from my interface outputs to my monitors' XLR inputs?")
    after = samples(client)
    hits = "cablewise_answer_cache_hits_total"
    assert value(after, hits) - value(before, hits) == 1


def test_the_probe_question_at_start_is_not_counted(settings, engine):
    client = create_app(settings, engine=engine).test_client()
    before = samples(client)
    client = create_app(settings, engine=engine).test_client()  # a second start answers the probe again
    after = samples(client)
    assert value(after, "cablewise_answer_confidence_count") == value(
        before, "cablewise_answer_confidence_count"
    )


def test_rate_limited_requests_are_counted(settings, engine):
    client = create_app(settings.model_copy(update={"rate_limit": "1/minute"}), engine=engine).test_client()
    before = samples(client)
    assert ask(client, "is TRS to TS balanced?").status_code == 200
    assert ask(client, "is TRS to TS balanced?").status_code == 429
    after = samples(client)
    assert (
        value(after, "cablewise_rate_limited_total", route=ASK)
        - value(before, "cablewise_rate_limited_total", route=ASK)
        == 1
    )
    assert (
        value(after, "cablewise_http_requests_total", route=ASK, method="POST", status="429")
        - value(before, "cablewise_http_requests_total", route=ASK, method="POST", status="429")
        == 1
    )


def test_the_index_version_is_reported(client, engine):
    metrics = samples(client)
    manifest = engine.retriever.manifest
    labels = {
        "version": observability.index_version(manifest),
        "model": manifest.model_name,
        "kb_sha256": manifest.kb_sha256[:12],
        "built_at": manifest.built_at,
    }
    assert value(metrics, "cablewise_index_info", **labels) == 1


def test_unknown_paths_share_one_route_label(client):
    client.get("/no/such/page/12345")
    metrics = samples(client)
    assert (
        value(metrics, "cablewise_http_requests_total", route="<unmatched>", method="GET", status="404") >= 1
    )
    assert not any("12345" in str(labels) for _, labels in metrics)


def test_metrics_token_is_required_when_set(settings, engine):
    client = create_app(
        settings.model_copy(update={"metrics_token": SecretStr("s3cret")}), engine=engine
    ).test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert samples(client, Authorization="Bearer s3cret")


def test_one_json_log_line_per_request_with_the_answer(client, caplog):
    with caplog.at_level(logging.INFO, logger=observability.ACCESS_LOGGER):
        response = ask(client, "is TRS to TS balanced?", headers={"X-Request-ID": "req-42"})
    records = [r for r in caplog.records if r.name == observability.ACCESS_LOGGER]
    assert len(records) == 1
    line = observability.JsonFormatter().format(records[0])
    assert "\n" not in line
    entry = json.loads(line)
    body = response.get_json()
    assert entry["request_id"] == "req-42" == response.headers["X-Request-ID"]
    assert entry["route"] == ASK and entry["status"] == 200 and entry["method"] == "POST"
    assert entry["latency_ms"] >= 0
    assert entry["intent"] == body["intent"] == "balanced_check"
    assert entry["basis"] == body["basis"]
    assert entry["confidence"] == pytest.approx(body["confidence"], abs=0.01)
    assert entry["level"] == "INFO" and entry["logger"] == "cablewise.access" and entry["ts"].endswith("Z")


def test_error_responses_are_logged_without_an_answer(client, caplog):
    with caplog.at_level(logging.INFO, logger=observability.ACCESS_LOGGER):
        client.post(ASK, data="not json", content_type="text/plain")
    (record,) = [r for r in caplog.records if r.name == observability.ACCESS_LOGGER]
    entry = json.loads(observability.JsonFormatter().format(record))
    assert entry["status"] == 415 and "intent" not in entry and len(entry["request_id"]) == 32


def test_other_log_lines_inside_a_request_carry_its_id(app):
    formatter = observability.JsonFormatter()
    with app.test_request_context("/api/v1/ask"):
        from flask import g

        g.request_id = "abc"
        record = logging.getLogger("cablewise.api").makeRecord(
            "cablewise.api", logging.WARNING, __file__, 1, "something %s", ("odd",), None
        )
        entry = json.loads(formatter.format(record))
    assert entry == {**entry, "request_id": "abc", "msg": "something odd", "level": "WARNING"}


def test_text_format_keeps_the_fields():
    record = logging.makeLogRecord(
        {"name": "cablewise.access", "msg": "GET /healthz 200", "levelno": 20, "levelname": "INFO"}
    )
    record.request_id, record.status = "r1", 200
    line = observability.TextFormatter(observability.TEXT_FORMAT).format(record)
    assert line.endswith("GET /healthz 200 request_id=r1 status=200")


def test_a_workers_sample_file_still_at_zero_bytes_does_not_fail_the_scrape(tmp_path, monkeypatch):
    # prometheus_client creates a worker's file before sizing it (prometheus/client_python#1199)
    (tmp_path / "counter_4242.db").write_bytes(b"")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    body, content_type = observability.render_metrics()
    assert content_type.startswith("text/plain")
    assert isinstance(body, bytes)
