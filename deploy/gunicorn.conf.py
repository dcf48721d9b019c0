"""Gunicorn settings for `make serve` and production. Every value can be overridden from the environment."""

import os
import tempfile

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# One worker suits a 2-core box: the model runs outside the GIL on CABLEWISE_ENCODER_THREADS threads, so one
# process with several request threads keeps both cores busy, and it has one answer cache, not one per worker
# (a repeated question lands on a worker that has seen it). On a bigger box, add workers: each holds its own
# copy of the model (~90 MB) and index, and workers x encoder threads should about match the cores.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
# Request threads are cheap while they wait, and a slow client holds one until its body deadline
# (CABLEWISE_BODY_TIMEOUT) cuts it off; 64 keep 50 slow or stalled clients from starving everyone else. The CPU
# work is bounded separately, in the app: CABLEWISE_MAX_ACTIVE answers at once, a queue of CABLEWISE_MAX_QUEUE,
# and a 503 with Retry-After beyond that (service/adapters/admission.py). Idle connections wait in gthread's
# poller, not in a thread, and are closed after `keepalive` seconds.
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("CABLEWISE_LOG_LEVEL", "info").lower()
# Each worker loads the app itself, after the fork: onnxruntime (the query encoder) is not fork-safe, and a
# worker that inherited the master's runtime aborts when it exits. A worker that encodes with onnxruntime never
# imports torch, so it loads in about a second and holds a small footprint of its own.
preload_app = False
# One BLAS thread: a request's numpy work is small matrix-vector products (classifier, FAQ and nearest-examples
# matches) right after the encoder ran on the same cores; a BLAS thread pool there only waits for them (first-pass
# p50 in process went from about 16 ms to 8 ms on 2 cores).
raw_env = ["HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1", "OPENBLAS_NUM_THREADS=1"]


def post_fork(server, worker):
    """With CABLEWISE_QUERY_ENCODER=torch, torch reads its thread count from here on import."""
    os.environ["OMP_NUM_THREADS"] = os.environ.get("CABLEWISE_ENCODER_THREADS", "2")

# Metrics: with several workers, prometheus_client keeps each worker's samples in files in one folder and /metrics
# adds them up (service/observability.py). The variable must be set before a worker imports the app, so here; a
# folder left by an earlier run is emptied when the master starts, and a dead worker's live gauges are dropped.
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR",
    os.path.join(tempfile.gettempdir(), f"cablewise-metrics-{os.environ.get('PORT', '8000')}"),
)
# The request log is Cablewise's own JSON line (with the request id, intent and confidence): no second access log.
if os.environ.get("CABLEWISE_LOG_FORMAT", "json").lower() == "json":
    accesslog = None


def on_starting(server):
    """Start with an empty metrics folder: samples of a previous run's workers are not this run's."""
    os.makedirs(_metrics_dir, exist_ok=True)
    for name in os.listdir(_metrics_dir):
        if name.endswith(".db"):
            os.unlink(os.path.join(_metrics_dir, name))
    _migrate_database(server)


def _migrate_database(server):
    """Bring the feedback / question-log schema up to date once, before any worker starts, when that is safe:
    CABLEWISE_DB_MIGRATE=auto, and never a schema a newer release migrated (service/storage/database.py). An
    unreachable database does not stop the server (answers do not need it); workers try again on first use."""
    try:
        from service.settings import Settings
        from service.storage.database import Database

        settings = Settings()
        if settings.db_migrate != "auto":
            return
        database = Database.from_settings(settings)
        try:
            database.upgrade()  # no connection is left open for the workers to inherit
        finally:
            database.dispose()
    except Exception as exc:  # any failure here must not keep the server down
        server.log.error(
            "database migration at start failed (%s: %s); workers retry on first use; "
            "`cablewise db status` and `cablewise db upgrade` say more",
            type(exc).__name__,
            exc,
        )


def child_exit(server, worker):
    """A worker that exited no longer reports live gauges (the index it served)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _metrics_dir)
