"""Typed feedback columns (a real timestamp and boolean, user ids optional) and the opt-in question log.

The feedback rows are copied into the new table in id order with their timestamps parsed, then the old table
is dropped: a copy rather than ALTERs because SQLite cannot change a column's type in place, and a CAST from
ISO text to a SQLite DATETIME would turn '2026-12-02T10:00:00+00:00' into 2026.

Revision ID: 0002_question_log
Revises: 0001_feedback
Create Date: 2026-12-02
"""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_question_log"
down_revision = "0001_feedback"
branch_labels = None
depends_on = None

_OLD = sa.table(
    "feedback",
    sa.column("id", sa.Integer),
    sa.column("created_at", sa.Text),
    sa.column("channel", sa.Text),
    sa.column("user", sa.Text),
    sa.column("question", sa.Text),
    sa.column("intent", sa.Text),
    sa.column("helpful", sa.Integer),
    sa.column("answer_id", sa.Text),
)


def _timestamp(text: str | None) -> datetime:
    try:
        parsed = datetime.fromisoformat(text or "")
    except ValueError:
        return datetime(1970, 1, 1, tzinfo=UTC)  # unreadable: kept, and sorted first
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def upgrade() -> None:
    bind = op.get_bind()
    new = op.create_table(
        "feedback_v2",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("user", sa.String(64), nullable=True),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("answer_id", sa.String(64), nullable=True),
    )
    rows = bind.execute(sa.select(_OLD).order_by(_OLD.c.id)).mappings().all()
    if rows:
        # Ids are renumbered in the same order: nothing refers to them, and PostgreSQL's sequence stays right.
        op.bulk_insert(
            new,
            [
                {
                    "created_at": _timestamp(row["created_at"]),
                    "channel": (row["channel"] or "")[:32],
                    "user": row["user"] or None,
                    "question": row["question"] or "",
                    "intent": (row["intent"] or "unknown")[:64],
                    "helpful": bool(row["helpful"]),
                    "answer_id": row["answer_id"][:64] if row["answer_id"] else None,
                }
                for row in rows
            ],
        )
    op.drop_table("feedback")
    op.rename_table("feedback_v2", "feedback")
    op.create_index("ix_feedback_created_at", "feedback", ["created_at"])

    op.create_table(
        "question_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("intent", sa.String(64), nullable=False),
        sa.Column("basis", sa.String(32), nullable=False),
        sa.Column("confidence", sa.Float, nullable=False),
        sa.Column("answer_id", sa.String(64), nullable=False),
        sa.Column("user", sa.String(64), nullable=True),
    )
    op.create_index("ix_question_log_asked_at", "question_log", ["asked_at"])


def downgrade() -> None:
    op.drop_index("ix_question_log_asked_at", table_name="question_log")
    op.drop_table("question_log")
    op.drop_index("ix_feedback_created_at", table_name="feedback")
    op.rename_table("feedback", "feedback_v2")
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("intent", sa.Text, nullable=False),
        sa.Column("helpful", sa.Integer, nullable=False),
        sa.Column("answer_id", sa.Text),
    )
    bind = op.get_bind()
    old = sa.table(
        "feedback_v2",
        sa.column("created_at", sa.DateTime(timezone=True)),
        *(sa.column(c, sa.Text) for c in ("channel", "user", "question", "intent", "answer_id")),
        sa.column("helpful", sa.Boolean),
    )
    rows = bind.execute(sa.select(old)).mappings().all()
    if rows:
        op.bulk_insert(
            _OLD,
            [
                {
                    **row,
                    "created_at": (
                        row["created_at"].replace(tzinfo=UTC)
                        if row["created_at"].tzinfo is None
                        else row["created_at"]
                    ).isoformat(timespec="seconds"),
                    "user": row["user"] or "",
                    "helpful": 1 if row["helpful"] else 0,
                }
                for row in rows
            ],
        )
    op.drop_table("feedback_v2")
