"""Gunicorn settings for `make serve` and production. Every value can be overridden from the environment."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# One worker suits a 2-core box: the model runs outside the GIL on CABLEWISE_ENCODER_THREADS threads, so one
# process with several request threads keeps both cores busy, and it has one answer cache, not one per worker
# (a repeated question lands on a worker that has seen it). On a bigger box, add workers: each holds its own
# copy of the model (~90 MB) and index, and workers x encoder threads should about match the cores.
workers = int(os.environ.get("WEB_CONCURRENCY", "1"))
threads = int(os.environ.get("GUNICORN_THREADS", "8"))
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
raw_env = ["HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1"]


def post_fork(server, worker):
    """With CABLEWISE_QUERY_ENCODER=torch, torch reads its thread count from here on import."""
    os.environ["OMP_NUM_THREADS"] = os.environ.get("CABLEWISE_ENCODER_THREADS", "2")
