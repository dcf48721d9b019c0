"""The feedback table as service/feedback.py created it before migrations existed.

An existing SQLite file from then already has this table and no alembic_version: this revision leaves it as it
is, so the next one converts its rows (nothing is lost).

Revision ID: 0001_feedback
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_feedback"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    if sa.inspect(op.get_bind()).has_table("feedback"):
        return  # a file written by the pre-migration FeedbackStore
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Text, nullable=False),  # ISO 8601 text, as the old store wrote it
        sa.Column("channel", sa.Text, nullable=False),
        sa.Column("user", sa.Text, nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("intent", sa.Text, nullable=False),
        sa.Column("helpful", sa.Integer, sa.CheckConstraint("helpful IN (0, 1)"), nullable=False),
        sa.Column("answer_id", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("feedback")
