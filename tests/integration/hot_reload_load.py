"""Hot reload under load: gunicorn answers a client loop while the index is rebuilt and switched.

    python -m tests.integration.hot_reload_load [--seconds 30] [--rebuild build|copy] [--out hot-reload-out]

Starts gunicorn as `make serve` does (deploy/gunicorn.conf.py, two workers) on a throwaway index built with the
hash embedder (no model), sends questions from several client threads for `--seconds`, and meanwhile publishes a
new index version: `build` runs `cablewise index build` (embedding and reader training, ~30 s of CPU on a
2-core machine, competing with the server), `copy` re-publishes the current index with every passage title
marked (tests/integration/index_versions.py; instant, so the answers visibly change). It reports the requests,
the failures (anything but 200, or no response), when the symlink moved, when the first answer came from the
new version and when the last one came from the old, and what /readyz said. The loop is extended, at most 30 s
past the rebuild, until every answer comes from the new version.

`tests/integration/test_hot_reload_gunicorn.py` runs a short `copy` variant in `make test`; `make hot-reload`
runs this 30-s `build` variant and writes hot-reload-out/report.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from index import store
from tests.gunicorn_server import COMMAND as GUNICORN_COMMAND

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 4
QUESTIONS = (
    "is TRS to TS balanced?",
    "which cable from my interface outputs to my monitors' XLR inputs?",
    "can I plug my guitar into a mic input?",
    "why do my monitors hum?",
    "is plug-in power the same as phantom power?",
    "RCA to XLR into a mic input with phantom on?",
)
MARK = "[revised]"
SETTLE_S = 30  # the longest the loop goes on after the rebuild, waiting for every worker to switch


@dataclass
class Result:
    """One request of the loop."""

    at: float  # seconds since the loop started
    status: int  # 0: no response (connection refused, reset, timeout)
    version: str
    revised: bool = False


@dataclass
class Report:
    """What one run measured; `switched_at` and the answer times are seconds since the loop started."""

    seconds: float
    rebuild: str
    old_version: str
    new_version: str = ""
    requests: int = 0
    failures: int = 0
    failure_samples: list[str] = field(default_factory=list)
    rebuild_started_at: float = 0.0
    switched_at: float | None = None
    first_new_answer_at: float | None = None
    last_old_answer_at: float | None = None
    readyz_versions: list[str] = field(default_factory=list)
    answers_by_version: dict[str, int] = field(default_factory=dict)
    revised_answers: int = 0
    index_info_metric: dict[str, float] = field(default_factory=dict)  # cablewise_index_info by version
    reloads_metric: dict[str, float] = field(default_factory=dict)  # cablewise_index_reloads_total by outcome
    settled: bool = (
        False  # the loop's last second of answers all came from the new version: every worker switched
    )

    @property
    def switch_s(self) -> float | None:
        """From the symlink's switch to the last answer from the old version (every worker switched); None when
        the new version never answered."""
        if self.switched_at is None or self.first_new_answer_at is None:
            return None
        return round(max(0.0, (self.last_old_answer_at or self.switched_at) - self.switched_at), 3)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, body: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


class Server:
    """gunicorn with deploy/gunicorn.conf.py, two workers, the hash embedder and `index_dir`."""

    def __init__(self, index_dir: Path, work: Path) -> None:
        self.port = free_port()
        self.log_path = work / "server.log"
        env = {
            **os.environ,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "8",
            "CABLEWISE_MODEL": "hash",
            "CABLEWISE_KB_DIR": str(ROOT / "kb"),
            "CABLEWISE_INDEX_DIR": str(index_dir),
            "CABLEWISE_FEEDBACK_DB": str(work / "feedback.sqlite3"),
            "CABLEWISE_RATE_LIMIT": "100000/minute",
            "CABLEWISE_MAX_QUEUE": "64",
            "CABLEWISE_QUEUE_TIMEOUT": "20",
            "CABLEWISE_LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(work / "metrics"),
        }
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            list(GUNICORN_COMMAND),
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, _, body = request(self.port, "GET", "/readyz")
                if status == 200:
                    return json.loads(body)
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not become ready:\n" + self.log_path.read_text())
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def build_index(index_dir: Path) -> None:
    """`cablewise index build` with the hash embedder into `index_dir`, as an operator would run it."""
    env = {
        **os.environ,
        "CABLEWISE_MODEL": "hash",
        "CABLEWISE_INDEX_DIR": str(index_dir),
        "CABLEWISE_KB_DIR": str(ROOT / "kb"),
    }
    subprocess.run(
        [sys.executable, "-m", "service.cli", "index", "build", "--quiet"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def mark_titles(passage):
    return dataclasses.replace(passage, title=f"{passage.title} {MARK}")


def run(index_dir: Path, work: Path, *, seconds: float, rebuild: str, rebuild_at: float = 0.25) -> Report:
    """Serve `index_dir`, loop clients for `seconds` (extended until every answer is new), rebuild at `rebuild_at`
    of the way; return what was measured."""
    from tests.integration.index_versions import publish_copy

    server = Server(index_dir, work)
    try:
        ready = server.wait_ready()
        report = Report(seconds=seconds, rebuild=rebuild, old_version=ready["index"]["version"])
        old_target = store.current_version(index_dir)
        results: list[Result] = []
        lock = threading.Lock()
        started = time.monotonic()
        stop = threading.Event()

        def now() -> float:
            return time.monotonic() - started

        def client(n: int) -> None:
            i = n
            while not stop.is_set():
                question = QUESTIONS[i % len(QUESTIONS)] + ("" if i % 3 else f" #{i}")  # repeats and new ones
                i += CLIENTS
                sample = ""
                try:
                    status, headers, body = request(
                        server.port, "POST", "/api/v1/ask", {"question": question}
                    )
                    version = headers.get("X-Index-Version", "")
                    revised = status == 200 and MARK in body.decode()
                    result = Result(now(), status, version, revised)
                    if status != 200:
                        sample = f"{status} {body[:200]!r}"
                except OSError as exc:
                    result, sample = Result(now(), 0, ""), f"no response: {exc!r}"
                with lock:
                    results.append(result)
                    if result.status != 200 and len(report.failure_samples) < 5:
                        report.failure_samples.append(sample)

        def watch() -> None:
            while not stop.is_set():
                if report.switched_at is None and store.current_version(index_dir) != old_target:
                    report.switched_at = round(now(), 3)
                try:
                    status, _, body = request(server.port, "GET", "/readyz")
                    version = json.loads(body)["index"]["version"] if status == 200 else f"status {status}"
                except (OSError, ValueError, KeyError) as exc:
                    version = f"error {exc!r}"
                if not report.readyz_versions or report.readyz_versions[-1] != version:
                    report.readyz_versions.append(version)
                time.sleep(0.1)

        threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
        threads.append(threading.Thread(target=watch, daemon=True))
        for thread in threads:
            thread.start()
        time.sleep(seconds * rebuild_at)
        report.rebuild_started_at = round(now(), 3)
        if rebuild == "copy":
            report.new_version = publish_copy(index_dir, index_dir, edit=mark_titles)
        else:
            build_index(index_dir)
            report.new_version = store.current_version(index_dir).name
        # Run out the loop; then keep going (at most SETTLE_S after the switch) until the last second's answers
        # all come from the new version.
        rebuilt_at = now()
        while now() < seconds or (
            now() < rebuilt_at + SETTLE_S and not _all_new_lately(results, lock, report)
        ):
            time.sleep(0.2)
        report.settled = _all_new_lately(results, lock, report)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        report.seconds = round(now(), 3)
        _summarise(report, results)
        _read_metrics(server.port, report)
        return report
    finally:
        server.stop()


def _read_metrics(port: int, report: Report, timeout: float = 10.0) -> None:
    """The index metrics, summed over the workers; waits (bounded) until they name the new version only."""
    deadline = time.monotonic() + timeout
    while True:
        _, _, body = request(port, "GET", "/metrics")
        info, reloads = {}, {}
        for family in text_string_to_metric_families(body.decode()):
            for sample in family.samples:
                if sample.name == "cablewise_index_info":
                    info[sample.labels["version"]] = sample.value
                elif sample.name == "cablewise_index_reloads_total":
                    reloads[sample.labels["outcome"]] = sample.value
        report.index_info_metric, report.reloads_metric = info, reloads
        settled = info.get(report.new_version) == 1 and not any(
            v for k, v in info.items() if k != report.new_version
        )
        if settled or time.monotonic() > deadline:
            return
        time.sleep(0.5)


def _all_new_lately(results: list[Result], lock: threading.Lock, report: Report, window: float = 1.0) -> bool:
    with lock:
        if not results:
            return False
        end = results[-1].at
        recent = [r for r in results if r.at >= end - window]
    return bool(recent) and all(r.version == report.new_version for r in recent if r.status == 200)


def _summarise(report: Report, results: list[Result]) -> None:
    report.requests = len(results)
    report.failures = sum(1 for r in results if r.status != 200)
    for r in results:
        report.answers_by_version[r.version] = report.answers_by_version.get(r.version, 0) + 1
    new = [r.at for r in results if r.version == report.new_version]
    old = [r.at for r in results if r.version == report.old_version]
    report.first_new_answer_at = round(min(new), 3) if new else None
    report.last_old_answer_at = round(max(old), 3) if old else None
    report.revised_answers = sum(1 for r in results if r.revised)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rebuild", choices=("build", "copy"), default="build")
    parser.add_argument("--out", type=Path, default=ROOT / "hot-reload-out")
    args = parser.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory(prefix="cablewise-hot-reload-") as tmp:
        work = Path(tmp)
        index_dir = work / "index"
        print("building the first index (hash embedder) ...", flush=True)
        build_index(index_dir)
        report = run(index_dir, work, seconds=args.seconds, rebuild=args.rebuild)
    body = {**dataclasses.asdict(report), "switch_s": report.switch_s}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(json.dumps(body, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(body, indent=2))
    return 0 if report.failures == 0 and report.switch_s is not None else 1


if __name__ == "__main__":
    sys.exit(main())
