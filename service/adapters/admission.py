"""Overload and slow-client protection inside the app: a bounded concurrency limit, body deadlines, gone clients.

gunicorn's gthread worker (deploy/gunicorn.conf.py) gives each request a thread once its first bytes arrive
(idle connections wait in its poller, not in a thread). Three things are then bounded here:

- **Body deadline**: the whole body must arrive within CABLEWISE_BODY_TIMEOUT seconds (each read waits at most
  the time left), else 408 problem+json and the connection is closed. A client trickling a byte every two
  seconds, or stopping after five bytes, holds a thread for that long and no longer.
- **Concurrency limit with a bounded queue**: at most CABLEWISE_MAX_ACTIVE answers are computed at once (the
  model and rules are CPU-bound: more would only share the cores more thinly). Up to CABLEWISE_MAX_QUEUE more
  requests wait for a slot, each at most CABLEWISE_QUEUE_TIMEOUT seconds; beyond that the request is shed at
  once with 503 problem+json and `Retry-After`, so an overload is answered quickly instead of queued for
  tens of seconds.
- **Gone clients**: after waiting for a slot, a request whose client has closed the connection is dropped
  before any work is done.
"""

from __future__ import annotations

import logging
import math
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Request

from service.errors import CablewiseError
from service.errors import PayloadTooLarge

log = logging.getLogger("cablewise.admission")

EXTENSION = "cablewise.admission"
READ_CHUNK = 8192


class Overloaded(CablewiseError):
    """More requests than the service can answer in time: shed with 503 and Retry-After."""

    http_status = 503
    problem_type = "/problems/overloaded"
    title = "Service overloaded"

    def __init__(self, detail: str, *, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class BodyTimeout(CablewiseError):
    """The body did not arrive within the deadline."""

    http_status = 408
    problem_type = "/problems/request-timeout"
    title = "Request timeout"


class ClientGone(CablewiseError):
    """The client closed the connection while the request waited; nothing is computed for it."""

    http_status = 499
    problem_type = "/problems/client-closed-request"
    title = "Client closed request"


class Admission:
    """At most `max_active` requests inside at once; `max_queue` more may wait up to `queue_timeout` seconds."""

    def __init__(self, max_active: int, max_queue: int, queue_timeout: float) -> None:
        self.max_active = max_active
        self.max_queue = max_queue
        self.queue_timeout = queue_timeout
        self._slots = threading.BoundedSemaphore(max_active)
        self._lock = threading.Lock()
        self.waiting = 0
        self.shed = 0

    @contextmanager
    def slot(self, *, deadline: float | None = None) -> Iterator[None]:
        """Hold one slot for the body of the with-block.

        :raises Overloaded: (503) the queue is full, or no slot came free within the wait allowed.
        """
        if not self._slots.acquire(blocking=False):
            with self._lock:
                if self.waiting >= self.max_queue:
                    self.shed += 1
                    raise Overloaded(f"too many requests in progress ({self.max_active} running, queue full)")
                self.waiting += 1
            try:
                wait = self.queue_timeout
                if deadline is not None:
                    wait = max(0.0, min(wait, deadline - time.monotonic()))
                acquired = self._slots.acquire(timeout=wait)
            finally:
                with self._lock:
                    self.waiting -= 1
            if not acquired:
                with self._lock:
                    self.shed += 1
                raise Overloaded(f"no capacity within {wait:.1f} s")
        try:
            yield
        finally:
            self._slots.release()


def install(app: Any, max_active: int, max_queue: int, queue_timeout: float, body_timeout: float) -> None:
    """Give the app its Admission and body deadline (read back by `of` and `body_timeout`)."""
    app.extensions[EXTENSION] = (Admission(max_active, max_queue, queue_timeout), body_timeout)


def of(app: Any) -> Admission:
    """The app's Admission."""
    return app.extensions[EXTENSION][0]


def body_timeout(app: Any) -> float:
    """Seconds a request body may take to arrive."""
    return app.extensions[EXTENSION][1]


def read_body(req: Request, max_bytes: int, timeout: float) -> bytes:
    """Read the whole body within `timeout` seconds and `max_bytes` bytes, chunked or not.

    Under gunicorn each read waits at most the time left (a socket timeout); the Flask test client has no
    socket and is read at once.

    :raises BodyTimeout: (408) the body did not arrive in time; the connection is closed after the answer.
    :raises PayloadTooLarge: (413) more than `max_bytes` were declared or sent.
    """
    cached = getattr(req, "_cablewise_body", None)
    if cached is not None:
        return cached
    declared = req.content_length
    if declared is not None and declared > max_bytes:
        raise PayloadTooLarge(f"body is larger than {max_bytes // 1024} KiB")
    sock: socket.socket | None = req.environ.get("gunicorn.socket")
    stream = req.environ["wsgi.input"]
    deadline = time.monotonic() + timeout
    previous = sock.gettimeout() if sock is not None else None
    chunks: list[bytes] = []
    size = 0
    limit = declared if declared is not None else max_bytes + 1
    try:
        while size < limit:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _timed_out(timeout)
            if sock is not None:
                sock.settimeout(left)
            try:
                chunk = stream.read(min(READ_CHUNK, limit - size))
            except TimeoutError:
                raise _timed_out(timeout) from None
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if size > max_bytes:
                _close_after(req)
                raise PayloadTooLarge(f"body is larger than {max_bytes // 1024} KiB")
    finally:
        if sock is not None:
            try:
                sock.settimeout(previous)
            except OSError:
                pass
    body = b"".join(chunks)
    req._cablewise_body = body  # type: ignore[attr-defined]
    return body


def _timed_out(timeout: float) -> BodyTimeout:
    from flask import request

    _close_after(request)
    return BodyTimeout(f"the request body did not arrive within {math.ceil(timeout)} s")


def _close_after(req: Request) -> None:
    """Part of the body is still unread (or still coming): stop reading, so the server closes the connection.

    gunicorn ignores a Connection header from the app and drains an unread body (for up to five more seconds)
    before reusing a connection; after shutdown(SHUT_RD) that drain ends at once and the connection is closed.
    """
    sock: socket.socket | None = req.environ.get("gunicorn.socket")
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass


def client_gone(req: Request) -> bool:
    """True when the client has closed its connection (a zero-byte peek); False if unknown or still there."""
    sock: socket.socket | None = req.environ.get("gunicorn.socket")
    if sock is None:
        return False
    try:
        data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return False  # nothing to read: the client is waiting for its answer
    except OSError:
        return True  # reset
    return data == b""
