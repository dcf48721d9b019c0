"""Load shedding and body deadlines in the app: a bounded concurrency limit, 503 + Retry-After, 408, 413."""

from __future__ import annotations

import socket
import threading
import time
from io import BytesIO

import pytest
from flask import Flask
from flask import request

from service.adapters import admission
from service.adapters.admission import Admission
from service.adapters.admission import BodyTimeout
from service.adapters.admission import Overloaded
from service.app import create_app
from service.errors import PayloadTooLarge
from service.types import Answer
from service.types import Basis
from service.types import Intent


class SlowEngine:
    """Answers after `release` is set; counts the answers it computed."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.computed = 0

    def answer(self, question, context=None):
        if question != "is TRS to TS balanced?":  # the readiness probe passes at once
            self.entered.set()
            self.release.wait(10)
        self.computed += 1
        return Answer(question, Intent.BALANCED_CHECK, "No.", Basis.RULES)


def test_a_full_queue_sheds_at_once_and_a_slow_slot_after_the_wait():
    gate = Admission(max_active=1, max_queue=1, queue_timeout=0.2)
    with gate.slot():
        started = time.monotonic()
        with pytest.raises(Overloaded), gate.slot():
            pass
        assert 0.15 < time.monotonic() - started < 1.5  # waited for a slot, then gave up
        waiter = threading.Thread(target=lambda: pytest.raises(Overloaded, lambda: gate.slot().__enter__()))
        gate.queue_timeout = 1.0
        waiter.start()
        time.sleep(0.1)
        started = time.monotonic()
        with pytest.raises(Overloaded, match="queue full"), gate.slot():
            pass
        assert time.monotonic() - started < 0.1  # shed without waiting
        waiter.join()
    with gate.slot():  # slots come back
        pass
    assert gate.shed == 3


def test_overload_is_a_503_problem_with_retry_after(settings):
    engine = SlowEngine()
    app = create_app(settings.model_copy(update={"max_active": 1, "max_queue": 0}), engine=engine)
    results = {}

    def first():
        results["first"] = app.test_client().post("/api/v1/ask", json={"question": "is xlr balanced?"})

    thread = threading.Thread(target=first)
    thread.start()
    assert engine.entered.wait(5)
    shed = app.test_client().post("/api/v1/ask", json={"question": "is xlr balanced?"})
    engine.release.set()
    thread.join()
    assert results["first"].status_code == 200
    assert shed.status_code == 503
    assert shed.mimetype == "application/problem+json"
    assert shed.get_json()["type"] == "/problems/overloaded"
    assert int(shed.headers["Retry-After"]) >= 1
    assert app.test_client().get("/healthz").status_code == 200


class _Request:
    """The parts of a Flask request read_body uses, over a real socket like gunicorn's."""

    opened: list = []

    def __init__(self, sock, content_length=None):
        self.content_length = content_length
        self.environ = {"gunicorn.socket": sock}
        if sock is not None:
            stream = sock.makefile("rb", buffering=0)
            self.opened.append(stream)
            self.environ["wsgi.input"] = stream


@pytest.fixture()
def sockets():
    server, client = socket.socketpair()
    yield server, client
    while _Request.opened:
        _Request.opened.pop().close()
    server.close()
    client.close()


def test_a_trickled_body_is_cut_at_the_deadline(sockets):
    server, client = sockets
    req = _Request(server, content_length=100)
    app = Flask(__name__)

    def trickle():
        for _ in range(10):
            try:
                client.sendall(b"x")
            except OSError:
                return
            time.sleep(0.2)

    sender = threading.Thread(target=trickle)
    sender.start()
    started = time.monotonic()
    with app.test_request_context(), pytest.raises(BodyTimeout):
        admission.read_body(req, 16 * 1024, timeout=0.5)
    assert time.monotonic() - started < 1.0
    sender.join()


def test_a_stalled_body_is_cut_at_the_deadline(sockets):
    server, client = sockets
    client.sendall(b"12345")  # five bytes, then nothing
    req = _Request(server, content_length=50)
    with Flask(__name__).test_request_context(), pytest.raises(BodyTimeout):
        admission.read_body(req, 16 * 1024, timeout=0.3)


def test_an_undeclared_body_over_the_limit_is_413(sockets):
    server, client = sockets
    client.sendall(b"y" * 20_000)
    client.shutdown(socket.SHUT_WR)
    req = _Request(server)  # no Content-Length: a chunked body, as gunicorn decodes it
    with Flask(__name__).test_request_context(), pytest.raises(PayloadTooLarge):
        admission.read_body(req, 16 * 1024, timeout=2)


def test_a_declared_body_over_the_limit_is_413_before_reading():
    req = _Request(None, content_length=1_000_000)
    req.environ = {"wsgi.input": BytesIO(b"")}
    with pytest.raises(PayloadTooLarge):
        admission.read_body(req, 16 * 1024, timeout=1)


def test_a_whole_body_is_read(sockets):
    server, client = sockets
    client.sendall(b'{"question": "x"}')
    req = _Request(server, content_length=17)
    assert admission.read_body(req, 16 * 1024, timeout=1) == b'{"question": "x"}'


def test_a_client_that_went_away_is_detected(sockets):
    server, client = sockets
    app = Flask(__name__)
    with app.test_request_context(environ_base={"gunicorn.socket": server}):
        assert admission.client_gone(request) is False
        client.close()
        assert admission.client_gone(request) is True
