"""A throwaway PostgreSQL server on a free loopback port, for the tests that need a real one.

Uses Debian's `postgresql` package (initdb and postgres under /usr/lib/postgresql/<version>/bin; .ci/run installs
it). PostgreSQL refuses to run as root, so under root the server runs as the `postgres` user. Set
CABLEWISE_TEST_POSTGRES_URL (a superuser URL, e.g. postgresql://postgres@127.0.0.1:5432/postgres) to use a
running server instead.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

INSTALL_HINT = "apt-get install postgresql; .ci/run does"


class PostgresUnavailable(Exception):
    """No PostgreSQL can be started or reached here; the message says why."""


def _bin_dir() -> Path | None:
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    return Path(versions[-1]).parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_postgres() -> Iterator[str]:
    """Yield a superuser URL (`postgresql://...`) of a running server; stop it (if started here) afterwards.

    :raises PostgresUnavailable: not installed, or it would not start.
    """
    external = os.environ.get("CABLEWISE_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise PostgresUnavailable(f"PostgreSQL is not installed ({INSTALL_HINT})")
    as_user = None
    if os.geteuid() == 0:
        try:
            as_user = pwd.getpwnam("postgres")
        except KeyError:
            raise PostgresUnavailable(
                "running as root and there is no `postgres` user to run the server"
            ) from None
    # Not under pytest's tmp folder: that one is private to the current user, and the server may run as another.
    workdir = Path(tempfile.mkdtemp(prefix="cablewise-pg-"))
    data = workdir / "data"
    log_path = workdir / "server.log"
    if as_user is not None:
        os.chown(workdir, as_user.pw_uid, as_user.pw_gid)
    run_as = {"user": as_user.pw_uid, "group": as_user.pw_gid} if as_user else {}
    port = _free_port()
    proc = None
    try:
        subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=workdir,
            **run_as,
        )
        with open(log_path, "wb") as log:
            proc = subprocess.Popen(
                [
                    str(bin_dir / "postgres"),
                    "-D",
                    str(data),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-k",
                    str(workdir),  # its Unix socket stays in the throwaway folder
                    "-c",
                    "fsync=off",  # a test server: durability is not the point, speed is
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=workdir,
                **run_as,
            )
        url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        _wait_until_up(url, proc, log_path)
        yield url
    except subprocess.CalledProcessError as exc:
        raise PostgresUnavailable(f"initdb failed: {exc.stderr.decode(errors='replace')[-500:]}") from None
    finally:
        if proc is not None:
            proc.send_signal(signal.SIGINT)  # "fast" shutdown: ends open sessions instead of waiting for them
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(workdir, ignore_errors=True)


def _wait_until_up(url: str, proc: subprocess.Popen, log_path: Path) -> None:
    import psycopg

    deadline = time.monotonic() + 30
    while True:
        try:
            psycopg.connect(url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise PostgresUnavailable(
                    "postgres did not start: " + log_path.read_text(errors="replace")[-800:]
                ) from None
            time.sleep(0.1)


def create_database(admin_url: str, name: str) -> str:
    """Create an empty database `name` on the server and return its URL."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    head, _, _ = admin_url.rpartition("/")
    return f"{head}/{name}"
