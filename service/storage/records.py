"""What the service records, built once per app from the settings: the database, feedback and the question log."""

from __future__ import annotations

from dataclasses import dataclass

from service.feedback import FeedbackStore
from service.question_log import QuestionLog
from service.storage.database import Database

EXTENSION = "cablewise.records"


@dataclass(frozen=True)
class Records:
    """One database shared by the feedback store and the question log."""

    database: Database
    feedback: FeedbackStore
    questions: QuestionLog

    @classmethod
    def from_settings(cls, settings) -> Records:
        """Build them; nothing touches the database until the first row (see Database)."""
        database = Database.from_settings(settings)
        return cls(
            database=database,
            feedback=FeedbackStore(database, keep_user_ids=settings.store_user_ids),
            questions=QuestionLog(
                database,
                enabled=settings.question_log,
                retention_days=settings.question_log_retention_days,
                keep_user_ids=settings.store_user_ids,
            ),
        )


def install(app, settings) -> Records:
    """Give the app its Records (read back by `of`)."""
    records = Records.from_settings(settings)
    app.extensions[EXTENSION] = records
    return records


def of(app) -> Records | None:
    """The app's Records, if `install` gave it some."""
    return app.extensions.get(EXTENSION)
