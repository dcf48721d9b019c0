"""Gunicorn settings for `make serve` and production. Every value can be overridden from the environment."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Each worker holds the model (~90 MB) and the index; two workers suit a 2-core box.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
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
    """One torch thread per worker (torch reads this on import), for when queries are encoded with torch: with
    several workers, more threads only fight over the cores."""
    os.environ["OMP_NUM_THREADS"] = os.environ.get("CABLEWISE_TORCH_THREADS", "1")
