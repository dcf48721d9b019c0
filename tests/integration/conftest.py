"""Fixtures for the shared-state tests: a real PostgreSQL server (tests/postgres_server.py), once per session."""

from __future__ import annotations

import itertools
import os

import pytest

from tests.postgres_server import PostgresUnavailable
from tests.postgres_server import create_database
from tests.postgres_server import running_postgres

_names = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_server():
    """A superuser URL of a running PostgreSQL; skipped with the reason when there is none (failed under CI)."""
    try:
        with running_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        message = f"{exc}: PostgreSQL tests"
        if os.environ.get("CI"):
            pytest.fail(message + " cannot run in CI")
        pytest.skip(message + " skipped")


@pytest.fixture()
def postgres_url(postgres_server) -> str:
    """A fresh, empty database on that server, for one test."""
    return create_database(postgres_server, f"cablewise_test_{os.getpid()}_{next(_names)}")
