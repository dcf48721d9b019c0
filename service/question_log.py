"""The opt-in question log: what was asked and how it was answered, so coverage gaps can be found.

Off unless CABLEWISE_QUESTION_LOG is on. A row holds the question (its first 1000 characters), the intent, the
basis, the confidence, the answer id, the channel and the time; the user id only if the operator also turns on
CABLEWISE_STORE_USER_IDS (the API never has one; Slack does). Rows older than
CABLEWISE_QUESTION_LOG_RETENTION_DAYS are deleted: when the log is first used in a process, then at most hourly.

Recording never fails or slows an answer: rows are written by a background thread, and a database error is
logged and the rows dropped.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import os
import queue
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
    """Records answers in `question_log` when enabled; a no-op otherwise.

    `record` only queues the row (microseconds): a writer thread, started in each process on first use, inserts
    queued rows in batches, so the database's latency (a SQLite commit, a PostgreSQL round trip) is never on an
    answer's path. Up to MAX_PENDING rows wait; beyond that new rows are dropped and counted in the log.
    """

    MAX_PENDING = 10_000
    BATCH = 200

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
        self.dropped = 0
        self._clock = clock
        self._next_prune = 0.0
        self._start_lock = threading.Lock()
        self._queue: queue.Queue[dict] = queue.Queue(self.MAX_PENDING)
        self._writer_pid = 0  # the process whose writer thread drains the queue (none after a fork)

    def record(self, answer: Answer, *, channel: str, user: str | None = None) -> None:
        """Queue one answer for the log (if enabled); never raises, never waits for the database."""
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
        self._start_writer()
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self.dropped += 1
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                log.error(
                    "question log: %d rows dropped, %d waiting for %s; is the database slow or down?",
                    self.dropped,
                    self.MAX_PENDING,
                    self.database.describe(),
                )

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued row is written (or dropped after an error); False if `timeout` ran out."""
        deadline = time.monotonic() + timeout
        with self._queue.all_tasks_done:
            while self._queue.unfinished_tasks:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._queue.all_tasks_done.wait(left)
        return True

    def prune(self, now: datetime | None = None) -> int:
        """Delete rows older than the retention; return how many went."""
        cutoff = (now or datetime.now(UTC)) - self.retention
        with self.database.begin() as conn:
            deleted = conn.execute(question_log.delete().where(question_log.c.asked_at < cutoff)).rowcount
        if deleted:
            log.info("question log: pruned %d rows older than %s days", deleted, self.retention.days)
        return deleted or 0

    def _start_writer(self) -> None:
        pid = os.getpid()
        if self._writer_pid == pid:
            return
        with self._start_lock:
            if self._writer_pid == pid:
                return
            if self._writer_pid:  # forked: the parent's thread and queue state did not come along
                self._queue = queue.Queue(self.MAX_PENDING)
            threading.Thread(target=self._write_forever, name="question-log-writer", daemon=True).start()
            atexit.register(self.flush, 2.0)  # a worker that exits cleanly writes what it queued
            self._writer_pid = pid

    def _write_forever(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.BATCH:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            finally:
                for _ in batch:
                    self._queue.task_done()

    def _write(self, rows: list[dict]) -> None:
        try:
            if self._clock() >= self._next_prune:
                self._next_prune = self._clock() + PRUNE_EVERY_S
                self.prune()
            with self.database.begin() as conn:
                conn.execute(question_log.insert(), rows)
        except (SQLAlchemyError, SchemaNotReady, OSError) as exc:
            log.error(
                "question log: could not store %d rows in %s (%s: %s); the answers were sent; check the database",
                len(rows),
                self.database.describe(),
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
            )


def count(database: Database) -> int:
    """Rows in the log (for tests and `cablewise db upgrade`'s summary)."""
    with database.begin() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(question_log)).scalar_one()
