"""The opt-in question log: what was asked and how it was answered, so coverage gaps can be found.

Off unless CABLEWISE_QUESTION_LOG is on. A row holds the question (its first 1000 characters), the intent, the
basis, the confidence, the answer id, the channel and the time; the user id only if the operator also turns on
CABLEWISE_STORE_USER_IDS (the API never has one; Slack does). Rows older than
CABLEWISE_QUESTION_LOG_RETENTION_DAYS are deleted: when the log is first used in a process, then at most hourly.

Recording never fails an answer: a database error is logged and the row is dropped.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from service.storage.database import Database
from service.storage.database import SchemaNotReady
from service.storage.tables import MAX_QUESTION_CHARS
from service.storage.tables import question_log
from service.types import Answer

log = logging.getLogger("cablewise.question_log")

PRUNE_EVERY_S = 3600.0


def answer_id(answer: Answer) -> str:
    """A short stable id for an answer (question + text); Slack's feedback buttons carry the same id."""
    return hashlib.sha256(f"{answer.question}\n{answer.text}".encode()).hexdigest()[:16]


class QuestionLog:
    """Records answers in `question_log` when enabled; a no-op otherwise."""

    def __init__(
        self,
        database: Database,
        *,
        enabled: bool,
        retention_days: int,
        keep_user_ids: bool = False,
        clock=time.monotonic,
    ) -> None:
        self.database = database
        self.enabled = enabled
        self.retention = timedelta(days=retention_days)
        self.keep_user_ids = keep_user_ids
        self._clock = clock
        self._next_prune = 0.0
        self._prune_lock = threading.Lock()

    def record(self, answer: Answer, *, channel: str, user: str | None = None) -> None:
        """Log one answer (if enabled); errors are logged, never raised."""
        if not self.enabled:
            return
        row = {
            "asked_at": datetime.now(UTC),
            "channel": (channel or "api")[:32],
            "question": answer.question[:MAX_QUESTION_CHARS],
            "intent": answer.intent.value,
            "basis": answer.basis.value,
            "confidence": float(answer.confidence),
            "answer_id": answer_id(answer),
            "user": (user or None) if self.keep_user_ids else None,
        }
        try:
            self._prune_if_due()
            with self.database.begin() as conn:
                conn.execute(question_log.insert().values(**row))
        except (SQLAlchemyError, SchemaNotReady, OSError) as exc:
            log.error(
                "question log: could not store a row in %s (%s: %s); the answer was sent; check the database",
                self.database.describe(),
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
            )

    def prune(self, now: datetime | None = None) -> int:
        """Delete rows older than the retention; return how many went."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        with self.database.begin() as conn:
            deleted = conn.execute(question_log.delete().where(question_log.c.asked_at < cutoff)).rowcount
        if deleted:
            log.info("question log: pruned %d rows older than %s days", deleted, self.retention.days)
        return deleted or 0

    def _prune_if_due(self) -> None:
        now = self._clock()
        if now < self._next_prune or not self._prune_lock.acquire(blocking=False):
            return
        try:
            self._next_prune = now + PRUNE_EVERY_S
            self.prune()
        finally:
            self._prune_lock.release()


def count(database: Database) -> int:
    """Rows in the log (for tests and `cablewise db upgrade`'s summary)."""
    with database.begin() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(question_log)).scalar_one()
