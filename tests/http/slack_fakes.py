"""Fakes for the Slack tests: a tiny Slack Web API on 127.0.0.1, signed request builders, and a fake engine.

The fake Web API records every call (method, parameters, token) and answers like Slack would, well enough for
Bolt and slack_sdk: auth.test, chat.postMessage (kept, with metadata, so conversations.replies and
conversations.history can return it), chat.postEphemeral, and response_url posts under /response/.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl
from urllib.parse import urlencode
from urllib.parse import urlsplit

from slack_sdk.signature import SignatureVerifier

from service.types import Answer
from service.types import Basis
from service.types import Cable
from service.types import Citation
from service.types import Compatibility
from service.types import Intent
from service.types import Severity
from service.types import Verdict
from service.types import Warning

SECRET = "test-secret"
TOKEN = "xoxb-test"
BOT_USER_ID = "UBOT"
BOT_ID = "BBOT"
TEAM_ID = "T0001"


@dataclass
class Call:
    """One request the fake Web API received."""

    method: str  # "chat.postMessage", or "response/<name>" for a response_url post
    params: dict[str, Any]
    token: str | None = None


@dataclass
class FakeSlackApi:
    """A threaded HTTP server that plays the Slack Web API and response_url endpoints."""

    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # method -> Slack error code to answer with
    auth_error: str | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                fake._handle(self, dict(parse_qsl(urlsplit(self.path).query)))

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if "json" in (self.headers.get("Content-Type") or ""):
                    params = json.loads(raw or "{}")
                else:
                    params = dict(parse_qsl(raw))
                params.update(parse_qsl(urlsplit(self.path).query))
                fake._handle(self, params)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    # lifecycle

    def __enter__(self) -> FakeSlackApi:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def root(self) -> str:
        """Return http://127.0.0.1:PORT."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """Return the Web API base URL, deliberately without the trailing slash."""
        return self.root + "/api"

    def response_url(self, name: str) -> str:
        """Return a response_url that this fake records as method "response/<name>"."""
        return f"{self.root}/response/{name}"

    # inspection

    def calls_to(self, method: str) -> list[Call]:
        """Return the calls made to one method so far."""
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        """Wait (bounded) until `method` was called at least `count` times; return those calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(method)
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        raise AssertionError(
            f"{method} called {len(self.calls_to(method))} times, expected {count}: {self.calls}"
        )

    def add_message(self, channel: str, message: dict[str, Any]) -> None:
        """Seed a message (e.g. the user's question) into a channel's history."""
        with self._lock:
            self.messages.setdefault(channel, []).append(message)

    # the API

    def _handle(self, handler: BaseHTTPRequestHandler, params: dict[str, Any]) -> None:
        path = urlsplit(handler.path).path
        auth = handler.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") or params.get("token")
        if path.startswith("/response/"):
            with self._lock:
                self.calls.append(Call(path.lstrip("/"), params, token))
            self._send(handler, 200, "ok", "text/plain")
            return
        method = path.removeprefix("/api/")
        with self._lock:
            self.calls.append(Call(method, params, token))
            body = self._answer(method, params)
        self._send(handler, 200, json.dumps(body), "application/json")

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method in self.errors:
            return {"ok": False, "error": self.errors[method]}
        if method == "auth.test":
            if self.auth_error:
                return {"ok": False, "error": self.auth_error}
            return {
                "ok": True,
                "url": "https://studio.example.slack.com/",
                "team": "Studio",
                "user": "cablewise",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
            }
        if method == "chat.postMessage":
            ts = self._next_ts()
            metadata = params.get("metadata")
            message = {
                "type": "message",
                "ts": ts,
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "text": params.get("text", ""),
                "blocks": _maybe_json(params.get("blocks")),
                "metadata": _maybe_json(metadata),
            }
            if params.get("thread_ts"):
                message["thread_ts"] = params["thread_ts"]
            self.messages.setdefault(params["channel"], []).append(message)
            return {"ok": True, "channel": params["channel"], "ts": ts, "message": message}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method in ("conversations.replies", "conversations.history"):
            messages = self.messages.get(params.get("channel", ""), [])
            if method == "conversations.replies":
                root = params.get("ts")
                messages = [m for m in messages if root in (m.get("ts"), m.get("thread_ts"))]
                messages = sorted(messages, key=lambda m: float(m["ts"]))
            else:
                oldest = float(params.get("oldest") or 0)
                messages = sorted(
                    (m for m in messages if float(m["ts"]) >= oldest), key=lambda m: -float(m["ts"])
                )
            if params.get("include_all_metadata") not in ("1", "true", True):
                messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
            return {
                "ok": True,
                "messages": messages,
                "has_more": False,
                "response_metadata": {"next_cursor": ""},
            }
        return {"ok": True}

    def _next_ts(self) -> str:
        # Slack's ts is "seconds.sequence"; now-based, so conversations.history's `oldest` keeps it.
        return f"{int(time.time())}.{next(self._ts):06d}"

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: str, content_type: str) -> None:
        data = body.encode()
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


# Signed requests, as Slack sends them


def signed_headers(
    body: str, content_type: str, *, timestamp: int | None = None, secret: str = SECRET
) -> dict:
    """Return Slack's signature headers for `body` (timestamp defaults to now)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }


def event_body(event: dict[str, Any], event_id: str) -> str:
    """Return an Events API event_callback envelope as JSON text."""
    return json.dumps(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": "A0001",
            "event": event,
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
    )


_TRIGGERS = itertools.count(1)


def command_body(
    text: str,
    response_url: str,
    *,
    channel: str = "C0001",
    user: str = "U0001",
    trigger_id: str | None = None,
) -> str:
    """Return a /cable slash command payload (form-encoded)."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "studio",
            "channel_id": channel,
            "channel_name": "mixing",
            "user_id": user,
            "user_name": "sam",
            "command": "/cable",
            "text": text,
            "api_app_id": "A0001",
            "response_url": response_url,
            "trigger_id": trigger_id or f"{time.monotonic_ns()}.{next(_TRIGGERS)}.abc",
        }
    )


def action_body(
    action_id: str,
    value: str,
    response_url: str,
    *,
    message_ts: str = "1800000000.900001",
    channel: str = "C0001",
    user: str = "U0001",
    ephemeral: bool = True,
) -> str:
    """Return a block_actions payload (form-encoded `payload=` JSON) for one button click."""
    payload = {
        "type": "block_actions",
        "team": {"id": TEAM_ID, "domain": "studio"},
        "user": {"id": user, "username": "sam", "team_id": TEAM_ID},
        "api_app_id": "A0001",
        "token": "legacy-verification-token",
        "container": {
            "type": "message",
            "message_ts": message_ts,
            "channel_id": channel,
            "is_ephemeral": ephemeral,
        },
        "trigger_id": f"trigger-{time.monotonic_ns()}",
        "channel": {"id": channel, "name": "mixing"},
        "response_url": response_url,
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "cablewise_actions",
                "value": value,
                "action_ts": f"{time.time():.6f}",
            }
        ],
    }
    return urlencode({"payload": json.dumps(payload)})


# A fake engine with the real engine's answer(question, context) signature


class FakeEngine:
    """Answer from a canned table (or from `inner`), recording each call; can be slowed down or broken."""

    def __init__(self, inner: Any = None) -> None:
        self.inner = inner
        self.calls: list[tuple[str, dict[str, Any] | None]] = []
        self.delay = 0.0
        self.error: Exception | None = None
        self._lock = threading.Lock()

    def answer(self, question: str, context: dict[str, Any] | None = None) -> Answer:
        """Record the call, then answer (after `delay`, or raise `error`)."""
        with self._lock:
            self.calls.append((question, dict(context) if context is not None else None))
        if self.delay:
            time.sleep(self.delay)
        if self.error is not None:
            raise self.error
        if self.inner is not None:
            return self.inner.answer(question, context)
        return canned_answer(question, context)

    def wait_for_calls(self, count: int, timeout: float = 10.0) -> list[tuple[str, dict[str, Any] | None]]:
        """Wait (bounded) until the engine was asked `count` questions."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.calls) >= count:
                    return list(self.calls)
            time.sleep(0.02)
        raise AssertionError(f"engine called {len(self.calls)} times, expected {count}")


def canned_answer(question: str, context: dict[str, Any] | None = None) -> Answer:
    """Answer like the engine: a refusal out of domain, else a TRS-to-TS verdict; the context counts turns."""
    if "weather" in question.lower():
        return Answer(
            question=question,
            intent=Intent.OUT_OF_DOMAIN,
            text="I can only help with studio cables and connectors, for example: is TRS to TS balanced?",
            basis=Basis.NONE,
        )
    turn = int((context or {}).get("turn", 0)) + 1
    return Answer(
        question=question,
        intent=Intent.BALANCED_CHECK,
        text="No. A **TRS-to-TS** cable gives an unbalanced connection: the ring <R> & sleeve are joined.",
        basis=Basis.RULES_GUIDE,
        verdict=Verdict(
            balanced=False,
            compatibility=Compatibility.WORKS_WITH_CAVEAT,
            warnings=(
                Warning("phantom-into-unbalanced", Severity.DANGER, "Turn phantom power off <first>."),
            ),
        ),
        cable=Cable("TRS-male", "TS-male"),
        sources=(
            Citation(
                "balanced-vs-unbalanced#how-it-works",
                "Balanced vs unbalanced",
                "...",
                0.82,
                "/kb/balanced-vs-unbalanced#how-it-works",
            ),
        ),
        confidence=0.9,
        context={"turn": turn, "question": question},
    )
