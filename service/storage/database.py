"""One database (SQLite file or PostgreSQL) and its schema, migrated by Alembic.

The engine is made on first use in each process, never at construction: gunicorn forks workers after the app
is built, and a connection pool must not cross a fork. The schema is brought to the latest revision on first use
too (with CABLEWISE_DB_MIGRATE=auto), under a lock that every process and replica respects: PostgreSQL's
advisory lock, or a lock file beside the SQLite file.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import URL
from sqlalchemy.engine import Engine
from sqlalchemy.engine import make_url

log = logging.getLogger("cablewise.storage")

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# Any fixed 64-bit number; every Cablewise process takes the same advisory lock before migrating.
_PG_LOCK_KEY = 0x6361626C6577
# SQLite: long enough to outwait another writer, short enough to stay inside Slack's 3-second window.
_SQLITE_BUSY_TIMEOUT_S = 2.0
_WAL_RETRY_S = 0.02


def _use_wal(dbapi_connection) -> None:
    """Put the database file in WAL mode (it stays so). Switching needs the file to itself and SQLite answers
    "database is locked" at once, without waiting, while another connection switches it too: several workers
    opening a new database together. So wait and retry, within the usual busy timeout."""
    deadline = time.monotonic() + _SQLITE_BUSY_TIMEOUT_S
    while True:
        try:
            if dbapi_connection.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                dbapi_connection.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_S)


_PG_CONNECT_TIMEOUT_S = 3


class SchemaNotReady(RuntimeError):
    """The database is behind this release and migrations are off (CABLEWISE_DB_MIGRATE=off)."""


@dataclass(frozen=True)
class SchemaStatus:
    """Where a database stands: its revision and the latest this release knows."""

    current: str | None
    head: str
    known: bool  # the current revision is one of this release's (False: a newer release migrated it)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    @property
    def safe_to_upgrade(self) -> bool:
        """Behind, from a revision this release knows: upgrading only adds what is missing."""
        return not self.up_to_date and (self.current is None or self.known)


def database_url(configured: str | None, sqlite_path: Path) -> URL:
    """The SQLAlchemy URL: `configured` if set, else the SQLite file. `postgresql://` means psycopg 3."""
    if not configured:
        return URL.create("sqlite", database=str(sqlite_path))
    url = make_url(configured)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


class Database:
    """A database URL, its engine (one per process) and its migrations."""

    def __init__(self, url: URL | str, *, migrate: bool = True) -> None:
        self.url = make_url(url) if isinstance(url, str) else url
        self.migrate = migrate
        self._engine: Engine | None = None
        self._engine_pid = 0
        self._engine_lock = threading.Lock()
        self._schema_lock = threading.Lock()
        self._schema_checked = False

    @classmethod
    def from_settings(cls, settings) -> Database:
        """The database named by CABLEWISE_DATABASE_URL, or the SQLite file CABLEWISE_FEEDBACK_DB."""
        configured = settings.database_url.get_secret_value() if settings.database_url else None
        return cls(database_url(configured, settings.feedback_db), migrate=settings.db_migrate == "auto")

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    def describe(self) -> str:
        """The URL with any password hidden, for logs and messages."""
        return self.url.render_as_string(hide_password=True)

    @property
    def engine(self) -> Engine:
        """This process's engine, made on first use (and again in a forked child)."""
        pid = os.getpid()
        if self._engine is None or self._engine_pid != pid:
            with self._engine_lock:
                if self._engine is None or self._engine_pid != pid:
                    if self._engine is not None:
                        self._engine.dispose(close=False)  # the parent's connections stay the parent's
                    self._engine = self._make_engine()
                    self._engine_pid = pid
        return self._engine

    def _make_engine(self) -> Engine:
        if self.is_sqlite:
            if self.url.database:
                Path(self.url.database).parent.mkdir(parents=True, exist_ok=True)
            engine = sa.create_engine(self.url, connect_args={"timeout": _SQLITE_BUSY_TIMEOUT_S})

            @sa.event.listens_for(engine, "connect")
            def _wal(dbapi_connection, _record) -> None:
                # WAL lets readers (counts, reports) run while a vote is being written, from any process.
                _use_wal(dbapi_connection)
                # In WAL mode NORMAL cannot corrupt the file; a power cut may lose the last rows, which for
                # votes and a question log is worth not waiting for a disk flush on every row (8 ms -> 0.65 ms).
                dbapi_connection.execute("PRAGMA synchronous=NORMAL")

            return engine
        connect_args = (
            {"connect_timeout": _PG_CONNECT_TIMEOUT_S} if self.url.get_backend_name() == "postgresql" else {}
        )
        return sa.create_engine(self.url, pool_pre_ping=True, connect_args=connect_args)

    @contextmanager
    def begin(self) -> Iterator[sa.Connection]:
        """A connection in a transaction, on a schema that is up to date (migrated first if allowed).

        :raises SchemaNotReady: the schema is behind and migrations are off.
        :raises sqlalchemy.exc.SQLAlchemyError: the database cannot be reached or refused the work.
        """
        self.ensure_schema()
        with self.engine.begin() as conn:
            yield conn

    def ensure_schema(self) -> None:
        """Upgrade the schema once per process when it is behind and that is safe; check it otherwise."""
        if self._schema_checked:
            return
        with self._schema_lock:
            if self._schema_checked:
                return
            status = self.status()
            if status.safe_to_upgrade and self.migrate:
                self.upgrade()
            elif status.safe_to_upgrade:
                raise SchemaNotReady(
                    f"the database {self.describe()} is at revision {status.current or 'none'}, this release "
                    f"needs {status.head}; run `cablewise db upgrade` (or set CABLEWISE_DB_MIGRATE=auto)"
                )
            elif not status.known:
                log.warning(
                    "database %s is at revision %s, which this release does not know (a newer one migrated "
                    "it); using it without migrating",
                    self.describe(),
                    status.current,
                )
            self._schema_checked = True

    def status(self) -> SchemaStatus:
        """The database's current revision against this release's latest."""
        script = ScriptDirectory.from_config(_alembic_config())
        with self.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
        known = current is None or _is_known(script, current)
        return SchemaStatus(current=current, head=script.get_current_head() or "", known=known)

    def upgrade(self) -> SchemaStatus:
        """Apply every missing migration, holding the migration lock; return the new status.

        Safe to call from many processes at once: the second waits for the first, then finds nothing to do.
        A database at a revision this release does not know is left alone.
        """
        before = self.status()
        if not before.known:
            log.warning(
                "database %s is at unknown revision %s; not migrating", self.describe(), before.current
            )
            return before
        with self._migration_lock(), self.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                # Held until this transaction ends; PostgreSQL runs the whole upgrade in it (transactional DDL).
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            config = _alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        after = self.status()
        if after.current != before.current:
            log.info(
                "database %s migrated from %s to %s", self.describe(), before.current or "none", after.current
            )
        return after

    @contextmanager
    def _migration_lock(self) -> Iterator[None]:
        if not (self.is_sqlite and self.url.database):
            yield  # PostgreSQL: the advisory lock inside the transaction
            return
        lock_path = Path(self.url.database + ".migrate-lock")
        with open(lock_path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def dispose(self) -> None:
        """Close this process's pooled connections (tests, and the CLI before it exits)."""
        if self._engine is not None and self._engine_pid == os.getpid():
            self._engine.dispose()
        self._engine = None


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _is_known(script: ScriptDirectory, revision: str) -> bool:
    try:
        return script.get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False
