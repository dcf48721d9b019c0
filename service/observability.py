"""What operators see: Prometheus metrics on /metrics and one JSON log line per request.

Metrics work in one process (tests, `flask run`) and under gunicorn with several workers: when
PROMETHEUS_MULTIPROC_DIR is set (deploy/gunicorn.conf.py sets it before any worker starts), every worker writes
its samples to files there and /metrics, whichever worker serves it, adds up all of them. prometheus_client picks
that mode when it is first imported, so the variable must be set before the app is imported.

Answers are counted by wrapping the engine (`ObservedEngine`), so every channel (HTTP, widget, Slack) is counted
without the adapters knowing; request counts, latency and rate-limited requests come from Flask's request hooks.
"""

from __future__ import annotations

import contextvars
import glob
import hmac
import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import Flask
from flask import Response
from flask import g
from flask import has_request_context
from flask import request
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client import REGISTRY
from prometheus_client import CollectorRegistry
from prometheus_client import Counter
from prometheus_client import Gauge
from prometheus_client import Histogram
from prometheus_client import generate_latest
from prometheus_client import multiprocess

ACCESS_LOGGER = "cablewise.access"
METRICS_PATH = "/metrics"
_MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

# A repeated question is answered in about a millisecond, a new one in tens: buckets cover both ends.
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_CONFIDENCE_BUCKETS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0)

REQUESTS = Counter(
    "cablewise_http_requests_total",
    "HTTP requests by route, method and status.",
    ["route", "method", "status"],
)
LATENCY = Histogram(
    "cablewise_http_request_duration_seconds",
    "Time from the request's arrival in the app to its response, by route.",
    ["route"],
    buckets=_LATENCY_BUCKETS,
)
ANSWERS = Counter(
    "cablewise_answers_total", "Answers by intent and basis (every channel).", ["intent", "basis"]
)
REFUSALS = Counter("cablewise_refusals_total", "Questions refused as outside the domain.")
CONFIDENCE = Histogram(
    "cablewise_answer_confidence", "Confidence of the answers given.", buckets=_CONFIDENCE_BUCKETS
)
CACHE_HITS = Counter("cablewise_answer_cache_hits_total", "Answers served from the answer cache.")
CACHE_MISSES = Counter("cablewise_answer_cache_misses_total", "Answers computed because the cache had none.")
RATE_LIMITED = Counter(
    "cablewise_rate_limited_total", "Requests refused with 429 by a rate limit.", ["route"]
)
INDEX_INFO = Gauge(
    "cablewise_index_info",
    "The index a live worker answers from (value 1), by version, model, knowledge hash and build time.",
    ["version", "model", "kb_sha256", "built_at"],
    multiprocess_mode="livemax",
)
INDEX_RELOADS = Counter(
    "cablewise_index_reloads_total",
    "New index versions a worker saw behind CABLEWISE_INDEX_DIR: swapped in, or refused (the old one kept).",
    ["outcome"],
)
_INDEX_LABELS: dict[int, tuple[str, ...]] = {}  # what this process last reported, to retire it on a swap


# Metrics


def multiprocess_dir() -> str | None:
    """The folder gunicorn workers share their samples through, or None in a single process."""
    return os.environ.get(_MULTIPROC_ENV) or None


class _WrittenSamples:
    """The workers' sample files, added up, leaving out any still at 0 bytes.

    prometheus_client creates a worker's file before sizing it; a scrape that reads it in that moment raises and
    fails the whole /metrics answer, and a worker killed then leaves the empty file for good
    (prometheus/client_python#1199). An empty file holds no samples, so skipping it loses nothing.
    """

    def __init__(self, path: str) -> None:
        self.path = path

    def collect(self):
        return multiprocess.MultiProcessCollector.merge(
            [f for f in glob.glob(os.path.join(self.path, "*.db")) if _size(f) > 0], accumulate=True
        )


def _size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:  # removed since the glob (a worker marked dead): nothing to read
        return 0


def render_metrics() -> tuple[bytes, str]:
    """The text exposition of every metric, added up over all workers in multiprocess mode."""
    path = multiprocess_dir()
    if path:
        registry = CollectorRegistry()
        registry.register(_WrittenSamples(path))
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def index_version(manifest: Any) -> str:
    """A short name for a built index: its manifest's `version` if it has one, else its knowledge hash."""
    extra = getattr(manifest, "extra", None) or {}
    return str(
        getattr(manifest, "version", "")
        or extra.get("version")
        or (getattr(manifest, "kb_sha256", "") or "unknown")[:12]
    )


def report_index(engine: Any) -> None:
    """Set cablewise_index_info to the index the engine answers from (the previous one, if any, drops to 0)."""
    manifest = getattr(getattr(engine, "retriever", None), "manifest", None)
    if manifest is None:
        return
    labels = (
        index_version(manifest),
        str(getattr(manifest, "model_name", "")),
        str(getattr(manifest, "kb_sha256", ""))[:12],
        str(getattr(manifest, "built_at", "")),
    )
    previous = _INDEX_LABELS.get(os.getpid())
    if previous and previous != labels:
        INDEX_INFO.labels(*previous).set(0)
    INDEX_INFO.labels(*labels).set(1)
    _INDEX_LABELS[os.getpid()] = labels


class ObservedEngine:
    """The engine, counting what it answers; everything else is passed through to it.

    The answer cache's hits and misses are read from the engine's own counters after each answer and added to
    the Prometheus counters as deltas, so no cache code changes and threads cannot double-count.
    """

    def __init__(self, engine: Any) -> None:
        self._engine = engine
        self._lock = threading.Lock()
        cache = getattr(engine, "answers", None)
        self._seen = (getattr(cache, "hits", 0), getattr(cache, "misses", 0))

    @property
    def inner(self) -> Any:
        """The wrapped engine."""
        return self._engine

    def answer(self, question: str, context: Mapping[str, Any] | None = None):
        """Answer through the engine, then count the answer and remember it for the request's log line."""
        answer = self._engine.answer(question, context)
        record_answer(answer)
        self._sync_cache_counts()
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def _sync_cache_counts(self) -> None:
        cache = getattr(self._engine, "answers", None)
        if cache is None:
            return
        with self._lock:
            hits, misses = getattr(cache, "hits", 0), getattr(cache, "misses", 0)
            if hits > self._seen[0]:
                CACHE_HITS.inc(hits - self._seen[0])
            if misses > self._seen[1]:
                CACHE_MISSES.inc(misses - self._seen[1])
            self._seen = (hits, misses)


def observed(engine: Any) -> Any:
    """Wrap engine in an ObservedEngine (once) and report its index."""
    if engine is None or isinstance(engine, ObservedEngine):
        return engine
    report_index(engine)
    return ObservedEngine(engine)


def record_answer(answer: Any) -> None:
    """Count one answer; inside a request, keep it for that request's log line."""
    intent = getattr(getattr(answer, "intent", None), "value", "unknown")
    basis = getattr(getattr(answer, "basis", None), "value", "unknown")
    confidence = float(getattr(answer, "confidence", 0.0) or 0.0)
    ANSWERS.labels(intent, basis).inc()
    CONFIDENCE.observe(confidence)
    if intent == "out_of_domain":
        REFUSALS.inc()
    if has_request_context():
        g.cablewise_answer = (intent, basis, round(confidence, 3))


# Logs

# The id of the request being handled, for log lines written where Flask's `g` is out of reach: in a thread the
# request's work was handed to (ContextThreadPoolExecutor copies it there), such as Slack's answering.
_REQUEST_ID: contextvars.ContextVar[str | None] = contextvars.ContextVar("cablewise_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this log line belongs to: the request being handled, or the one that handed this
    thread its work."""
    if has_request_context():
        request_id = getattr(g, "request_id", None)
        if request_id:
            return request_id
    return _REQUEST_ID.get()


class ContextThreadPoolExecutor(ThreadPoolExecutor):
    """A thread pool whose tasks run in a copy of the submitting thread's context variables, so work done in
    the background for a request logs that request's id."""

    def submit(self, fn, /, *args, **kwargs):
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, the request id when there is one, and extras."""

    _RESERVED = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in self._RESERVED and not key.startswith("_"):
                entry[key] = value
        if "request_id" not in entry:
            request_id = current_request_id()
            if request_id:
                entry["request_id"] = request_id
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


class TextFormatter(logging.Formatter):
    """The plain format, with a record's extra fields (the request line's) appended as key=value."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [
            f"{key}={value}"
            for key, value in vars(record).items()
            if key not in JsonFormatter._RESERVED and not key.startswith("_")
        ]
        if not hasattr(record, "request_id") and (request_id := current_request_id()):
            extras.append(f"request_id={request_id}")
        return f"{line} {' '.join(extras)}" if extras else line


def configure_logging(level: str, fmt: str) -> None:
    """Log to stderr as JSON lines (fmt "json") or plain text ("text"), unless logging is already set up."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter(TEXT_FORMAT))
        root.addHandler(handler)
    root.setLevel(level.upper())


# Flask


def install(app: Flask, *, metrics_token: str | None = None) -> None:
    """Time and count every request, log one line for it, and serve /metrics (behind a bearer token if given)."""
    access = logging.getLogger(ACCESS_LOGGER)

    @app.before_request
    def start_timer() -> None:
        g.cablewise_started = time.perf_counter()
        # Also where `g` cannot be seen: in threads this request hands work to (see ContextThreadPoolExecutor).
        g.cablewise_request_id_token = _REQUEST_ID.set(getattr(g, "request_id", None))

    @app.teardown_request
    def forget_request_id(_exc: BaseException | None) -> None:
        token = g.pop("cablewise_request_id_token", None)
        if token is not None:
            try:
                _REQUEST_ID.reset(token)
            except ValueError:  # torn down in another context than it was set in: the value dies with it
                pass

    @app.after_request
    def observe_request(response: Response) -> Response:
        started = getattr(g, "cablewise_started", None)
        elapsed = time.perf_counter() - started if started is not None else 0.0
        route = request.url_rule.rule if request.url_rule is not None else "<unmatched>"
        status = response.status_code
        REQUESTS.labels(route, request.method, str(status)).inc()
        LATENCY.labels(route).observe(elapsed)
        if status == 429:
            RATE_LIMITED.labels(route).inc()
        if route != METRICS_PATH:
            fields: dict[str, Any] = {
                "request_id": getattr(g, "request_id", ""),
                "method": request.method,
                "route": route,
                "path": request.path,
                "status": status,
                "latency_ms": round(elapsed * 1000, 2),
                "client": request.remote_addr or "",
            }
            answered = getattr(g, "cablewise_answer", None)
            if answered is not None:
                fields["intent"], fields["basis"], fields["confidence"] = answered
            access.info("%s %s %s", request.method, route, status, extra=fields)
        return response

    @app.get(METRICS_PATH)
    def metrics() -> Response:
        if metrics_token:
            supplied = request.headers.get("Authorization", "")
            if not hmac.compare_digest(supplied.encode(), f"Bearer {metrics_token}".encode()):
                return Response(
                    "metrics need Authorization: Bearer <CABLEWISE_METRICS_TOKEN>\n",
                    401,
                    {"WWW-Authenticate": "Bearer", "Content-Type": "text/plain"},
                )
        body, content_type = render_metrics()
        return Response(body, 200, {"Content-Type": content_type, "Cache-Control": "no-store"})
