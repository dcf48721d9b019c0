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
# Load the app (model, index) once in the master so workers share the pages and start at once.
preload_app = True
raw_env = ["HF_HUB_OFFLINE=1", "TRANSFORMERS_OFFLINE=1"]


def post_fork(server, worker):
    """One torch thread per worker: with several workers, more threads only fight over the cores."""
    try:
        import torch

        torch.set_num_threads(int(os.environ.get("CABLEWISE_TORCH_THREADS", "1")))
    except ImportError:  # pragma: no cover
        pass
