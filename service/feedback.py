"""Answer feedback ("Helpful" / "Not helpful") kept in a small SQLite file.

One short connection per call, so any thread may record; SQLite's own locking (WAL, busy timeout) serialises
writers across threads and worker processes.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from contextlib import closing
from datetime import UTC
from datetime import datetime
from pathlib import Path

log = logging.getLogger("cablewise.feedback")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at TEXT NOT NULL,
    channel TEXT NOT NULL,
    user TEXT NOT NULL,
    question TEXT NOT NULL,
    intent TEXT NOT NULL,
    helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    answer_id TEXT
)
"""
# Long enough to outwait another writer, short enough to stay well inside Slack's 3-second window.
_BUSY_TIMEOUT_S = 2.0
MAX_QUESTION_CHARS = 1000


class FeedbackStore:
    """Record and count feedback on answers in the SQLite file at `path`.

    The parent folder and the table are created on first use, not at construction, so building the store never
    touches the disk.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._init_lock = threading.Lock()
        self._initialised = False

    def record(
        self,
        channel: str,
        user: str,
        question: str,
        intent: str,
        helpful: bool,
        answer_id: str | None = None,
    ) -> None:
        """Store one vote.

        :param channel: the client it came from (`slack`, `widget`, `api`), as in the contract's `channel`.
        :param user: the client's user id (a Slack user id); may be empty.
        """
        self._ensure_schema()
        row = (
            datetime.now(UTC).isoformat(timespec="seconds"),
            channel,
            user or "",
            question[:MAX_QUESTION_CHARS],
            intent,
            1 if helpful else 0,
            answer_id,
        )
        with closing(self._connect()) as conn, conn:
            conn.execute(
                "INSERT INTO feedback (created_at, channel, user, question, intent, helpful, answer_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                row,
            )
        log.info(
            "feedback channel=%s intent=%s helpful=%s answer_id=%s",
            channel,
            intent,
            helpful,
            answer_id or "-",
        )

    def counts(self) -> dict[str, int]:
        """Return the number of helpful and not-helpful votes so far."""
        self._ensure_schema()
        with closing(self._connect()) as conn:
            rows = dict(conn.execute("SELECT helpful, COUNT(*) FROM feedback GROUP BY helpful").fetchall())
        return {"helpful": rows.get(1, 0), "not_helpful": rows.get(0, 0)}

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=_BUSY_TIMEOUT_S)

    def _ensure_schema(self) -> None:
        if self._initialised:
            return
        with self._init_lock:
            if self._initialised:
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as conn, conn:
                # WAL lets readers (counts, reports) run while a vote is being written.
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute(_SCHEMA)
            self._initialised = True
