"""Answer feedback ("Helpful" / "Not helpful") in the service's database (service/storage).

One short transaction per vote, so any thread may record. The database is the SQLite file
CABLEWISE_FEEDBACK_DB by default (WAL and a busy timeout serialise writers across threads and worker processes)
or the PostgreSQL database CABLEWISE_DATABASE_URL names, shared by every replica.
"""

from __future__ import annotations

import logging
from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from service.storage.database import Database
from service.storage.database import database_url
from service.storage.tables import MAX_QUESTION_CHARS
from service.storage.tables import feedback

log = logging.getLogger("cablewise.feedback")

__all__ = ["MAX_QUESTION_CHARS", "FeedbackStore"]


class FeedbackStore:
    """Record and count feedback on answers.

    :param database: the service's Database, or the path of a SQLite file (made, with its folder and schema, on
        first use: building the store never touches the disk).
    :param keep_user_ids: store the client's user id with each vote (CABLEWISE_STORE_USER_IDS); off, NULL.
    """

    def __init__(self, database: Database | Path | str, *, keep_user_ids: bool = False) -> None:
        if not isinstance(database, Database):
            database = Database(database_url(None, Path(database)))
        self.database = database
        self.keep_user_ids = keep_user_ids

    @property
    def path(self) -> Path | None:
        """The SQLite file, when the database is one."""
        return (
            Path(self.database.url.database)
            if self.database.is_sqlite and self.database.url.database
            else None
        )

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
        :param user: the client's user id (a Slack user id); may be empty; kept only with keep_user_ids.
        :raises sqlalchemy.exc.SQLAlchemyError: the database cannot be reached or refused the row.
        """
        row = {
            "created_at": datetime.now(UTC),
            "channel": channel[:32],
            "user": (user or None) if self.keep_user_ids else None,
            "question": question[:MAX_QUESTION_CHARS],
            "intent": intent[:64],
            "helpful": bool(helpful),
            "answer_id": answer_id[:64] if answer_id else None,
        }
        with self.database.begin() as conn:
            conn.execute(feedback.insert().values(**row))
        log.info(
            "feedback channel=%s intent=%s helpful=%s answer_id=%s",
            channel,
            intent,
            helpful,
            answer_id or "-",
        )

    def counts(self) -> dict[str, int]:
        """Return the number of helpful and not-helpful votes so far."""
        query = sa.select(feedback.c.helpful, sa.func.count()).group_by(feedback.c.helpful)
        with self.database.begin() as conn:
            rows = {bool(helpful): n for helpful, n in conn.execute(query)}
        return {"helpful": rows.get(True, 0), "not_helpful": rows.get(False, 0)}
