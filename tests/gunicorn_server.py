"""Real server processes for integration tests: gunicorn as `make serve` runs it, on the hash embedder's index.

One place for what every multi-process test repeats: a free port, the environment, the command, waiting for
/readyz, and stopping.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

from tests.conftest import KB_DIR
from tests.conftest import ROOT

COMMAND = [
    sys.executable,
    "-m",
    "gunicorn",
    "--config",
    "deploy/gunicorn.conf.py",
    "service.app:create_app()",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(port: int, index_dir: Path, **settings: str) -> dict[str, str]:
    """The process environment of one server: the hash model, the project's kb/, `index_dir`, then `settings`."""
    return {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "CABLEWISE_MODEL": "hash",
        "CABLEWISE_KB_DIR": str(KB_DIR),
        "CABLEWISE_INDEX_DIR": str(index_dir),
        **settings,
    }


def start(env: dict[str, str], *, output: IO[bytes] | int = subprocess.DEVNULL) -> subprocess.Popen:
    """Start gunicorn with `env`; stdout and stderr both go to `output`."""
    return subprocess.Popen(COMMAND, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT)


def ready(port: int) -> bool:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/readyz")
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60, why: Callable[[], str] = str) -> None:
    """Return once /readyz answers 200; fail with `why()` (e.g. the server's log) if the process dies or times out."""
    deadline = time.monotonic() + timeout
    while not ready(port):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"gunicorn on port {port} did not become ready\n{why()}")
        time.sleep(0.2)


def stop(*procs: subprocess.Popen) -> None:
    """SIGTERM (gunicorn's graceful stop), then kill whatever is still running after 30 s."""
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
