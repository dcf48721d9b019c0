"""Follow-up contexts that cannot be forged: the API signs the context it returns and checks it on the way back.

The core (`service.core`) builds the context of an answer and reads it back for a follow-up; its inner shape is
the core's business and may change. At the edge it is an opaque JSON object: this module only wraps it in a
signed envelope, size-limits it and checks it.

What a client sees and echoes back unchanged:

    {"v": 1, "token": "<itsdangerous URL-safe token>"}

The token carries `{"c": <the core's context>, "kb": <knowledge fingerprint>}`, signed with HMAC-SHA256 under
`CABLEWISE_CONTEXT_SECRET` (itsdangerous, as Flask signs its sessions). A context that is not that envelope (the
pydantic model), whose signature does not verify, that was issued under another knowledge base (its ids may be
gone), or that the core cannot read is ignored: the question is answered as a fresh one and the answer carries a
`note`. None of these is ever a 500.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from typing import Literal

from itsdangerous import BadSignature
from itsdangerous import URLSafeSerializer
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import ValidationError

from service.core.cache import LRUCache
from service.core.pipeline import context_key

log = logging.getLogger("cablewise.context")

ENVELOPE_VERSION = 1
# The request body is capped at 16 KiB, so a context must leave room for the question.
MAX_TOKEN_CHARS = 12 * 1024
TOKEN_CACHE_SIZE = 1024
SALT = "cablewise.context.v1"
DEV_SECRET = "cablewise-dev-context-secret-change-me"

NOTE_UNSIGNED = (
    "context ignored: it was not issued by this service or was altered; answered as a new question"
)
NOTE_STALE = "context ignored: the knowledge base changed since that answer; answered as a new question"
NOTE_UNREADABLE = "context ignored: it could not be used; answered as a new question"
NOTE_TOO_LARGE = "context ignored: the answer's context was too large to carry"


class SealedContext(BaseModel):
    """The envelope a client sends back: exactly the two fields this module wrote."""

    model_config = ConfigDict(extra="forbid", strict=True)

    v: Literal[1]
    token: str = Field(min_length=1, max_length=MAX_TOKEN_CHARS, pattern=r"^[A-Za-z0-9_\-.]+$")


class _Payload(BaseModel):
    """What the token carries once its signature verified."""

    model_config = ConfigDict(extra="ignore", strict=True)

    c: dict[str, Any]
    kb: str


@dataclass(frozen=True)
class Opened:
    """The core's context to answer with (None for a fresh question) and the note to show, if any."""

    context: dict[str, Any] | None
    note: str | None = None


class ContextSeal:
    """Signs and checks contexts for one knowledge base."""

    def __init__(self, secret: str, kb_fingerprint: str) -> None:
        self._serializer = URLSafeSerializer(
            secret, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256}
        )
        self.kb = kb_fingerprint
        self._secret = secret  # kept to seal again under a new fingerprint (follow_knowledge)
        # A repeated question comes back with the same context: its token is kept rather than compressed and
        # signed again (a quarter of a cached answer's time).
        self._tokens: LRUCache[str] = LRUCache(TOKEN_CACHE_SIZE)

    def seal(self, context: Mapping[str, Any]) -> dict[str, Any]:
        """Wrap the core's context in a signed envelope (an empty one when it is too large to carry)."""
        if not context:
            return {}
        key = context_key(context)
        token = self._tokens.get(key) if key else None
        if token is None:
            token = self._serializer.dumps({"c": dict(context), "kb": self.kb})
            if key:
                self._tokens.put(key, token)
        if len(token) > MAX_TOKEN_CHARS:
            log.warning("context of %d chars not sealed: over %d", len(token), MAX_TOKEN_CHARS)
            return {}
        return {"v": ENVELOPE_VERSION, "token": token}

    def open(self, sent: Mapping[str, Any] | None) -> Opened:
        """Check a context sent back by a client; never raises."""
        if not sent:
            return Opened(None)
        try:
            envelope = SealedContext.model_validate(sent)
        except ValidationError:
            return Opened(None, NOTE_UNSIGNED)
        try:
            raw = self._serializer.loads(envelope.token)
        except BadSignature:
            return Opened(None, NOTE_UNSIGNED)
        except Exception:  # a verified token is our own JSON; anything else is a damaged token
            log.warning("signed context could not be decoded", exc_info=True)
            return Opened(None, NOTE_UNREADABLE)
        try:
            payload = _Payload.model_validate(raw)
        except ValidationError:
            return Opened(None, NOTE_UNREADABLE)
        if payload.kb != self.kb:
            return Opened(None, NOTE_STALE)
        return Opened(payload.c)


def answer_with_context(
    engine: Any, question: str, context: Mapping[str, Any] | None
) -> tuple[Any, str | None]:
    """Answer `question` as a follow-up to `context`; if the core fails on that context, answer it fresh.

    A context may name ids the knowledge base no longer has, or be of a shape an older core wrote. The core
    is not asked to defend against that: any exception it raises while a context is given is logged and the
    question is answered again without one (with a note). An exception without a context is a real bug and
    propagates.
    """
    if not context:
        return engine.answer(question, None), None
    try:
        return engine.answer(question, context), None
    except Exception:
        log.warning("answering with the sent context failed; answering without it", exc_info=True)
        return engine.answer(question, None), NOTE_UNREADABLE


EXTENSION = "cablewise.context_seal"


def install(app: Any, secret: str, kb_fingerprint: str) -> None:
    """Give the app its ContextSeal (read back by `of`); warn when the development key is in use."""
    if secret == DEV_SECRET:
        log.warning("CABLEWISE_CONTEXT_SECRET is the development default: set it in production")
    app.extensions[EXTENSION] = ContextSeal(secret, kb_fingerprint)


def follow_knowledge(app: Any, kb_fingerprint: str) -> None:
    """After a hot reload from a changed kb/: seal under the new fingerprint, so older contexts read as stale."""
    current = of(app)
    if current.kb != kb_fingerprint:
        app.extensions[EXTENSION] = ContextSeal(current._secret, kb_fingerprint)


def of(app: Any) -> ContextSeal:
    """The seal `install` gave the app."""
    return app.extensions[EXTENSION]
