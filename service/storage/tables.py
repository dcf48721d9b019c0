"""The tables the service reads and writes, as the latest migration leaves them.

The migrations in `migrations/versions/` own the schema and spell their columns out themselves (a migration
must not change when this file does); `tests/unit/test_storage.py` checks that upgrading gives these tables.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

# Text caps: a question is at most this long in a row (the API accepts longer bodies; the start is enough to
# recognise it, and rows stay small).
MAX_QUESTION_CHARS = 1000

feedback = sa.Table(
    "feedback",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    # The client's user id (a Slack user id); NULL unless CABLEWISE_STORE_USER_IDS is on.
    sa.Column("user", sa.String(64), nullable=True),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("intent", sa.String(64), nullable=False),
    sa.Column("helpful", sa.Boolean, nullable=False),
    sa.Column("answer_id", sa.String(64), nullable=True),
)

question_log = sa.Table(
    "question_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False, index=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("question", sa.Text, nullable=False),
    sa.Column("intent", sa.String(64), nullable=False),
    sa.Column("basis", sa.String(32), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("answer_id", sa.String(64), nullable=False),
    sa.Column("user", sa.String(64), nullable=True),
)
