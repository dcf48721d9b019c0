"""The table of hostile and malformed requests, and what the contract says each must get.

One table, two runners: tests/http/test_bad_input_table.py sends it in-process in `make test`, and
`make reliability` sends it to the live server (plus raw framing errors that only a real socket can carry).
A response is *off-contract* when its status is not one the contract allows for that input, when an error is not
`application/problem+json` with the RFC 9457 fields, when an answer does not validate as the contract's answer, or
when it lacks `X-Request-ID`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field

from pydantic import ValidationError

from service.adapters.schemas import AskResponse

ASK = "/api/v1/ask"
JSON = {"Content-Type": "application/json"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


@dataclass(frozen=True)
class BadInput:
    """One request and the statuses the contract allows for it."""

    name: str
    body: bytes = b""
    expect: frozenset[int] = frozenset({400})
    method: str = "POST"
    path: str = ASK
    headers: dict[str, str] = field(default_factory=lambda: dict(JSON))


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


def _ask(name: str, payload: object, *expect: int) -> BadInput:
    return BadInput(name, _json(payload), frozenset(expect))


FORGED_CONTEXT = {"v": 1, "intent": "balanced_check", "links": [{"cable": {"ends": ["nope", "ts"]}}]}

TABLE: list[BadInput] = [
    # bodies that are not a JSON object
    BadInput("not JSON", b"{oops"),
    BadInput("a JSON array", b"[1]"),
    BadInput("a JSON string", b'"is xlr balanced?"'),
    BadInput("empty body", b""),
    BadInput("white space only", b"  \n "),
    BadInput("invalid UTF-8", b'{"question": "is \xff\xfe balanced?"}'),
    BadInput("UTF-16 body", '{"question": "is xlr balanced?"}'.encode("utf-16")),
    BadInput("trailing garbage", b'{"question": "x"} {"question": "y"}'),
    # parsing limits
    BadInput("nested 1000 deep", b'{"question": "x", "context": ' + b"[" * 1000 + b"]" * 1000 + b"}"),
    BadInput("nested 40 deep in an object", b'{"question": "x", "c": ' + b'{"a":' * 40 + b"1" + b"}" * 41),
    BadInput("integer of 4300 digits", b'{"question": "x", "context": {"n": ' + b"9" * 4300 + b"}}"),
    BadInput("NaN", b'{"question": "x", "n": NaN}'),
    BadInput("Infinity", b'{"question": "x", "n": -Infinity}'),
    BadInput("lone surrogate in the question", b'{"question": "is xlr \\ud800 balanced?"}'),
    BadInput("lone surrogate in a key", b'{"question": "x", "\\udfff": 1}'),
    BadInput("body over 16 KiB", _json({"question": "x" * 17_000}), frozenset({413})),
    # media types
    BadInput("text/plain", b'{"question": "x"}', frozenset({415}), headers={"Content-Type": "text/plain"}),
    BadInput("no Content-Type", b'{"question": "x"}', frozenset({415}), headers={}),
    BadInput(
        "a form",
        b"question=is+xlr+balanced",
        frozenset({415}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    ),
    # fields
    _ask("question missing", {"context": None}, 422),
    _ask("question null", {"question": None}, 422),
    _ask("question a number", {"question": 5}, 422),
    _ask("question a list", {"question": ["is", "xlr", "balanced"]}, 422),
    _ask("question empty", {"question": ""}, 422),
    _ask("question white space", {"question": " \t\n "}, 422),
    _ask("question of 1001 characters", {"question": "x" * 1001}, 422),
    _ask("channel unknown", {"question": "is xlr balanced?", "channel": "sms"}, 422),
    _ask("context a string", {"question": "and with XLR?", "context": "abc"}, 422),
    _ask("context a list", {"question": "and with XLR?", "context": [1, 2]}, 422),
    # accepted, and answered as the contract says (forged contexts are ignored with a note)
    _ask("forged inner context", {"question": "and with XLR?", "context": FORGED_CONTEXT}, 200),
    _ask("forged envelope", {"question": "and with XLR?", "context": {"v": 1, "token": "abc.def"}}, 200),
    _ask("context of 12 KiB", {"question": "is that safe?", "context": {"pad": "x" * 12_000}}, 200),
    _ask("script in the question", {"question": "<script>alert(1)</script> is XLR balanced?"}, 200),
    _ask("NUL and control characters", {"question": "is\u0000 XLR\u0007 balanced\u001b?"}, 200),
    _ask("emoji only", {"question": "\U0001f50c\U0001f3a4\U0001f3a7"}, 200),
    _ask("right-to-left override", {"question": "is \u202excl\u202c balanced?"}, 200),
    BadInput("duplicate keys", b'{"question": "a", "question": "is xlr balanced?"}', frozenset({200})),
    BadInput(
        "hostile X-Request-ID",
        _json({"question": "is xlr balanced?"}),
        frozenset({200}),
        headers={**JSON, "X-Request-ID": "<script>alert(1)</script>"},
    ),
    # methods and paths
    BadInput("GET on the ask route", method="GET", expect=frozenset({405})),
    BadInput("DELETE on the ask route", method="DELETE", expect=frozenset({405})),
    BadInput("unknown API route", _json({"question": "x"}), frozenset({404}), path="/api/v1/nope"),
    BadInput(
        "path traversal in /kb", method="GET", path="/kb/..%2f..%2fetc%2fpasswd", expect=frozenset({404})
    ),
    BadInput("NUL in a /kb id", method="GET", path="/kb/a%00b", expect=frozenset({404})),
    BadInput("a /kb id of 2000 characters", method="GET", path="/kb/" + "a" * 2000, expect=frozenset({404})),
    # Slack: verified before anything parses the body (404 where Slack is not configured)
    BadInput(
        "unsigned non-JSON to /slack/events",
        b"{not json",
        frozenset({401, 404}),
        path="/slack/events",
    ),
]


def off_contract(item: BadInput, status: int, headers: dict[str, str], body: bytes) -> str | None:
    """Why a response breaks the contract for this input, or None when it keeps it."""
    headers = {k.lower(): v for k, v in headers.items()}
    if status not in item.expect:
        return f"status {status}, expected {sorted(item.expect)}"
    if not _REQUEST_ID.match(headers.get("x-request-id", "")):
        return f"X-Request-ID missing or unsafe: {headers.get('x-request-id')!r}"
    content_type = headers.get("content-type", "").split(";")[0].strip()
    if status >= 400:
        if content_type != "application/problem+json":
            return f"error as {content_type or 'no content type'}, not application/problem+json"
        try:
            problem = json.loads(body)
        except ValueError:
            return "problem body is not JSON"
        missing = {"type", "title", "status", "detail"} - set(problem)
        if missing or problem.get("status") != status:
            return f"problem body lacks {sorted(missing)} or names another status"
        if "Traceback" in problem.get("detail", "") or "/work/" in problem.get("detail", ""):
            return "problem detail shows server internals"
        return None
    if item.path == ASK:
        if content_type != "application/json":
            return f"answer as {content_type}"
        try:
            AskResponse.model_validate_json(body)
        except ValidationError as exc:
            return f"answer does not validate: {exc.errors()[0]['msg']}"
    return None
