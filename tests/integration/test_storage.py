"""Feedback and the question log through SQLAlchemy and the Alembic migrations, on SQLite and a real PostgreSQL.

Every test runs on both backends; the PostgreSQL runs skip with a message when no server can be started
(tests/postgres_server.py). The migration of a SQLite file written by the store before migrations existed is
tested with a file made the way that store made it.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import pytest
import sqlalchemy as sa

from service.feedback import FeedbackStore
from service.question_log import QuestionLog
from service.question_log import answer_id
from service.question_log import count
from service.storage import tables
from service.storage.database import Database
from service.storage.database import SchemaNotReady
from service.storage.database import database_url
from service.types import Answer
from service.types import Basis
from service.types import Intent
from tests.conftest import ROOT

# The schema service/feedback.py created before migrations (commit 45fbf7f), verbatim.
LEGACY_SCHEMA = """
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


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    """An empty database of each kind (nothing created until first use)."""
    if request.param == "sqlite":
        db = Database(database_url(None, tmp_path / "nested" / "cablewise.sqlite3"))
    else:
        db = Database(database_url(request.getfixturevalue("postgres_url"), tmp_path))
    yield db
    db.dispose()


def make_answer(question: str, intent: Intent = Intent.CONCEPT, confidence: float = 0.9) -> Answer:
    return Answer(
        question=question, intent=intent, text=f"about {question}", basis=Basis.GUIDE, confidence=confidence
    )


def test_first_use_migrates_to_the_tables_the_code_uses(database):
    assert database.status().current is None
    FeedbackStore(database).counts()
    status = database.status()
    assert status.up_to_date and status.current == status.head
    inspector = sa.inspect(database.engine)
    for table in tables.metadata.sorted_tables:
        columns = {c["name"]: c for c in inspector.get_columns(table.name)}
        assert set(columns) == set(table.columns.keys()), table.name
        for column in table.columns:
            assert columns[column.name]["nullable"] == column.nullable, (table.name, column.name)
        indexed = {tuple(i["column_names"]) for i in inspector.get_indexes(table.name)}
        assert {tuple(i.columns.keys()) for i in table.indexes} <= indexed


def test_feedback_is_counted_and_user_ids_are_kept_only_when_opted_in(database):
    private, keeping = FeedbackStore(database), FeedbackStore(database, keep_user_ids=True)
    private.record("slack", "U0001", "is TRS to TS balanced?", "balanced_check", helpful=True, answer_id="a1")
    keeping.record("widget", "U0002", "x" * 5000, "concept", helpful=False)
    assert private.counts() == {"helpful": 1, "not_helpful": 1}
    with database.engine.connect() as conn:
        rows = conn.execute(sa.select(tables.feedback).order_by(tables.feedback.c.id)).mappings().all()
    assert [(r["channel"], r["user"], r["helpful"], r["answer_id"]) for r in rows] == [
        ("slack", None, True, "a1"),
        ("widget", "U0002", False, None),
    ]
    assert len(rows[1]["question"]) == tables.MAX_QUESTION_CHARS
    assert all(abs(_utc(r["created_at"]) - datetime.now(UTC)) < timedelta(minutes=1) for r in rows)


def test_concurrent_first_use_migrates_once_and_loses_no_vote(database):
    stores = [FeedbackStore(Database(database.url)) for _ in range(4)]  # four "workers", one database

    def vote(i: int) -> None:
        for j in range(5):
            stores[i % 4].record("slack", f"U{i}", "q", "concept", helpful=(i + j) % 2 == 0)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert FeedbackStore(database).counts() == {"helpful": 20, "not_helpful": 20}
    for store in stores:
        store.database.dispose()


def test_question_log_is_off_by_default_and_records_when_enabled(database):
    off = QuestionLog(database, enabled=False, retention_days=30)
    off.record(make_answer("what is phantom power?"), channel="api")
    on = QuestionLog(database, enabled=True, retention_days=30)
    answer = make_answer("what is phantom power?", confidence=0.42)
    on.record(answer, channel="widget", user="U0001")  # no user id: not opted in
    assert on.flush()
    keeping = QuestionLog(database, enabled=True, retention_days=30, keep_user_ids=True)
    keeping.record(make_answer("hello?", Intent.OUT_OF_DOMAIN, 0.1), channel="slack", user="U0002")
    assert off.flush() and on.flush() and keeping.flush()
    with database.engine.connect() as conn:
        rows = (
            conn.execute(sa.select(tables.question_log).order_by(tables.question_log.c.id)).mappings().all()
        )
    assert [
        (
            r["channel"],
            r["question"],
            r["intent"],
            r["basis"],
            round(r["confidence"], 2),
            r["answer_id"],
            r["user"],
        )
        for r in rows
    ] == [
        ("widget", "what is phantom power?", "concept", "guide", 0.42, answer_id(answer), None),
        (
            "slack",
            "hello?",
            "out_of_domain",
            "guide",
            0.1,
            answer_id(make_answer("hello?", Intent.OUT_OF_DOMAIN)),
            "U0002",
        ),
    ]


def test_question_log_prunes_rows_past_retention(database):
    log = QuestionLog(database, enabled=True, retention_days=7)
    log.record(
        make_answer("new"), channel="api"
    )  # the writer's first batch prunes (nothing yet), then inserts
    assert log.flush()
    now = datetime.now(UTC)
    with database.begin() as conn:
        conn.execute(
            tables.question_log.insert(),
            [
                {**_log_row("old"), "asked_at": now - timedelta(days=8)},
                {**_log_row("recent"), "asked_at": now - timedelta(days=6)},
            ],
        )
    assert log.prune() == 1
    with database.engine.connect() as conn:
        left = sorted(conn.execute(sa.select(tables.question_log.c.question)).scalars())
    assert left == ["new", "recent"]


def test_a_failing_database_never_fails_the_answer(tmp_path, caplog):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the database's folder should be")
    log = QuestionLog(Database(database_url(None, blocked / "db.sqlite3")), enabled=True, retention_days=30)
    log.record(make_answer("anything"), channel="api")  # logged, not raised
    assert log.flush()
    assert "question log: could not store 1 rows" in caplog.text and "the answers were sent" in caplog.text


def test_migrations_off_refuse_a_behind_schema_with_the_fix(tmp_path):
    db = Database(database_url(None, tmp_path / "db.sqlite3"), migrate=False)
    with pytest.raises(SchemaNotReady, match="cablewise db upgrade"):
        FeedbackStore(db).counts()
    db.upgrade()
    assert FeedbackStore(db).counts() == {"helpful": 0, "not_helpful": 0}


def test_a_schema_from_a_newer_release_is_left_alone(database, caplog):
    database.upgrade()
    with database.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999_future'"))
    fresh = Database(database.url)
    assert fresh.upgrade().current == "9999_future"
    assert FeedbackStore(fresh).counts() == {"helpful": 0, "not_helpful": 0}  # usable: migrations only add
    assert "does not know" in caplog.text or "unknown revision" in caplog.text
    fresh.dispose()


def test_a_sqlite_file_from_before_migrations_keeps_its_rows(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(LEGACY_SCHEMA)
        conn.executemany(
            "INSERT INTO feedback (created_at, channel, user, question, intent, helpful, answer_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    "2026-11-30T09:15:02+00:00",
                    "slack",
                    "U0001",
                    "is TRS to TS balanced?",
                    "balanced_check",
                    1,
                    "a1",
                ),
                (
                    "2026-12-01T18:00:00+00:00",
                    "slack",
                    "",
                    "why do my monitors hum?",
                    "troubleshooting",
                    0,
                    None,
                ),
            ],
        )
    conn.close()
    store = FeedbackStore(path)
    assert store.counts() == {"helpful": 1, "not_helpful": 1}  # first use migrated the file
    store.record("slack", "U0003", "and with XLR?", "cable_recommendation", helpful=True)
    with store.database.engine.connect() as conn:
        rows = conn.execute(sa.select(tables.feedback).order_by(tables.feedback.c.id)).mappings().all()
    assert [(r["question"], r["user"], r["helpful"], r["answer_id"]) for r in rows] == [
        ("is TRS to TS balanced?", "U0001", True, "a1"),  # its user id came with it
        ("why do my monitors hum?", None, False, None),
        ("and with XLR?", None, True, None),
    ]
    assert _utc(rows[0]["created_at"]) == datetime(2026, 11, 30, 9, 15, 2, tzinfo=UTC)
    assert store.database.status().up_to_date
    store.database.dispose()


def test_db_upgrade_command_migrates_and_reports(tmp_path):
    path = tmp_path / "feedback.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(LEGACY_SCHEMA)
        conn.execute(
            "INSERT INTO feedback (created_at, channel, user, question, intent, helpful) "
            "VALUES ('2026-11-30T09:15:02+00:00', 'slack', 'U1', 'q', 'concept', 1)"
        )
    conn.close()
    env = {"CABLEWISE_FEEDBACK_DB": str(path), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "service.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
        )

    assert cli("db", "status").returncode == 1  # behind
    upgraded = cli("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "empty -> 0002_question_log" in upgraded.stdout
    assert "already at 0002_question_log" in cli("db", "upgrade").stdout
    status = cli("db", "status")
    assert status.returncode == 0 and "up to date" in status.stdout
    assert FeedbackStore(path).counts() == {"helpful": 1, "not_helpful": 0}


def test_postgres_url_selects_psycopg3():
    assert database_url("postgresql://u:secret@db/cablewise", tmp := ROOT).drivername == "postgresql+psycopg"
    assert database_url("postgres://u@db/cablewise", tmp).drivername == "postgresql+psycopg"
    assert "secret" not in Database(database_url("postgresql://u:secret@db/x", tmp)).describe()
    assert database_url(None, ROOT / "f.sqlite3").render_as_string() == f"sqlite:///{ROOT / 'f.sqlite3'}"


def test_recording_does_not_wait_for_the_database(database):
    log = QuestionLog(database, enabled=True, retention_days=30)
    log.record(make_answer("warm up"), channel="api")  # starts the writer; first use migrates
    assert log.flush()
    started = time.perf_counter()
    for n in range(200):
        log.record(make_answer(f"question {n}"), channel="api")
    queued_ms = (time.perf_counter() - started) * 1000 / 200
    assert log.flush() and count(database) == 201
    assert queued_ms < 0.5, f"{queued_ms:.3f} ms per record: the database is on the answer's path"


def test_question_log_count_helper(database):
    log = QuestionLog(database, enabled=True, retention_days=1)
    log.record(make_answer("q"), channel="api")
    assert log.flush() and count(database) == 1


def _log_row(question: str) -> dict:
    return {
        "channel": "api",
        "question": question,
        "intent": "concept",
        "basis": "guide",
        "confidence": 0.9,
        "answer_id": "x",
        "user": None,
    }


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
