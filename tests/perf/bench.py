"""`make bench`: the service against the cost of one raw model call, measured in the same run.

    python -m tests.perf.bench --out bench-out [--duration 20] [--clients 8] [--reps 3]

Every figure is a ratio to a floor measured in this run on the same questions (the dev set), because absolute
times drift. The floors run as bare subprocesses (tests/perf/floor.py) that import sentence-transformers and
nothing of ours. The service runs as `make serve` starts it: gunicorn with deploy/gunicorn.conf.py on a free
127.0.0.1 port. The only setting changed is the per-client rate limit (raised: every benchmark client is
127.0.0.1, so the production limit of 60/minute would answer 429 after the first minute's worth).

Writes bench-report.md, bench-report.json, latency-cdf.png and the servers' logs to --out. Every subprocess is
started in its own process group and stopped (TERM, then KILL) on the way out, also on Ctrl-C.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

from tests.perf import report as report_mod
from tests.perf.floor import WARMUP
from tests.perf.floor import read_memory

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_QUESTIONS = ROOT.parent / "shared" / "eval" / "dev-questions.jsonl"
BIN = Path(sys.executable).parent
BENCH_RATE_LIMIT = "1000000/minute"
READY_TIMEOUT_S = 180.0
TOP_K = 4
FLOOR_THREADS = ("default", "1")


def log(message: str) -> None:
    """Progress, as it goes."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


class Children:
    """Every subprocess the bench starts, each in its own process group, so all of it can be stopped."""

    def __init__(self) -> None:
        self._procs: list[subprocess.Popen] = []

    def popen(self, cmd: list[str], **kwargs) -> subprocess.Popen:
        proc = subprocess.Popen(cmd, start_new_session=True, **kwargs)
        self._procs.append(proc)
        return proc

    def stop(self, proc: subprocess.Popen, timeout: float = 25.0) -> None:
        """TERM the process group (gunicorn's master and workers), KILL it if it does not go in time."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                pass
            try:
                proc.wait(timeout=timeout)
                break
            except subprocess.TimeoutExpired:
                continue
        for stream in (proc.stdout, proc.stderr, proc.stdin):
            if stream:
                stream.close()
        if proc in self._procs:
            self._procs.remove(proc)

    def stop_all(self) -> None:
        for proc in reversed(list(self._procs)):
            self.stop(proc, timeout=10.0)


# --- helpers ---------------------------------------------------------------------------------------------------


def load_questions(path: Path) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [row["question"] for row in rows]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"})
    return env


def index_dir() -> Path:
    return Path(os.environ.get("CABLEWISE_INDEX_DIR", ROOT / "var" / "index"))


def run_floor(children: Children, args: list[str], logs: Path, name: str) -> tuple[dict, float]:
    """Run tests.perf.floor with args; return its JSON line and the seconds from start to that line."""
    started = time.perf_counter()
    with open(logs / f"{name}.log", "wb") as err:
        proc = children.popen(
            [sys.executable, "-m", "tests.perf.floor", *args],
            cwd=ROOT,
            env=base_env(),
            stdout=subprocess.PIPE,
            stderr=err,
        )
        try:
            line = proc.stdout.readline()
            elapsed = time.perf_counter() - started
            proc.wait(timeout=120)
        finally:
            children.stop(proc)
    if not line.strip():
        raise RuntimeError(f"floor {args[0]} printed nothing; see {logs / (name + '.log')}")
    return json.loads(line), elapsed


def run_timed(children: Children, cmd: list[str], env: dict[str, str], logfile: Path) -> float:
    """Run a command to its end; return its wall time. A non-zero exit is an error."""
    started = time.perf_counter()
    with open(logfile, "wb") as out:
        proc = children.popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            code = proc.wait(timeout=600)
        finally:
            children.stop(proc)
    elapsed = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {code}; see {logfile}")
    return elapsed


class Server:
    """gunicorn as `make serve` starts it, on a free port."""

    def __init__(self, children: Children, logfile: Path, extra_env: dict[str, str] | None = None) -> None:
        self.children = children
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = base_env()
        env.update({"HOST": "127.0.0.1", "PORT": str(self.port), "CABLEWISE_RATE_LIMIT": BENCH_RATE_LIMIT})
        env.update(extra_env or {})
        gunicorn = BIN / "gunicorn"
        cmd = [str(gunicorn)] if gunicorn.exists() else [sys.executable, "-m", "gunicorn"]
        cmd += ["--config", "deploy/gunicorn.conf.py", "service.app:create_app()"]
        self.logfile = logfile
        self._log = open(logfile, "wb")
        self.started = time.perf_counter()
        self.proc = children.popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self) -> float:
        """Seconds from process start to the first 200 from /readyz."""
        deadline = self.started + READY_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}; see {self.logfile}")
            try:
                if requests.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return time.perf_counter() - self.started
            except requests.RequestException:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"server not ready after {READY_TIMEOUT_S:.0f}s; see {self.logfile}")

    def process_memory(self) -> dict:
        """VmRSS and Pss of the master and of each worker (its children), in kB."""
        master = self.proc.pid
        try:
            kids = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        except OSError:
            kids = []
        return {
            "master": {"pid": master, **read_memory(master)},
            "workers": [{"pid": int(pid), **read_memory(int(pid))} for pid in kids],
        }

    def stop(self) -> None:
        self.children.stop(self.proc)
        self._log.close()


class Client:
    """One keep-alive HTTP/1.1 connection through http.client, the leanest client in the standard library, so
    that what is timed is the server (the clients share the machine's cores with it)."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)

    def ask(self, question: str) -> tuple[float, int, dict | None]:
        body = json.dumps({"question": question}).encode()
        headers = {"content-type": "application/json"}
        started = time.perf_counter()
        try:
            self._conn.request("POST", "/api/v1/ask", body, headers)
            response = self._conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self._conn.close()  # the next request reconnects
            raise
        elapsed = time.perf_counter() - started
        return elapsed, response.status, json.loads(data) if response.status == 200 else None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc) -> None:
        self._conn.close()


def warm_up(server: Server) -> None:
    """The same warm-up sentences the floor gets, over fresh connections so that every worker sees some."""
    for _ in range(4):
        for text in WARMUP:
            with Client(server.url) as client:
                client.ask(text)


def latency_pass(server: Server, questions: list[str]) -> tuple[list[float], list[dict]]:
    """One question at a time over one keep-alive connection."""
    times, bodies = [], []
    with Client(server.url) as client:
        for question in questions:
            elapsed, status, body = client.ask(question)
            if status != 200:
                raise RuntimeError(f"/api/v1/ask answered {status} for {question!r}")
            times.append(elapsed)
            bodies.append(body)
    return times, bodies


def throughput(server: Server, questions: list[str], clients: int, duration: float) -> dict:
    """`clients` threads, each with its own keep-alive session, cycling through the questions for `duration` s."""
    barrier = threading.Barrier(clients + 1)
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []
    stop_at = [0.0]

    def client(offset: int) -> None:
        done: list[float] = []
        bad: list[str] = []
        with Client(server.url) as session:
            barrier.wait()
            i = offset
            while time.perf_counter() < stop_at[0]:
                question = questions[i % len(questions)]
                i += 1
                try:
                    elapsed, status, _ = session.ask(question)
                except (OSError, http.client.HTTPException) as exc:
                    bad.append(type(exc).__name__)
                    continue
                if status == 200:
                    done.append(elapsed)
                else:
                    bad.append(str(status))
        with lock:
            latencies.extend(done)
            errors.extend(bad)

    threads = [
        threading.Thread(target=client, args=(n * len(questions) // clients,), daemon=True)
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    stop_at[0] = time.perf_counter() + duration
    started = time.perf_counter()
    barrier.wait()
    for thread in threads:
        thread.join(timeout=duration + 60)
    elapsed = time.perf_counter() - started
    return {
        "clients": clients,
        "duration_s": elapsed,
        "requests": len(latencies),
        "errors": len(errors),
        "error_kinds": sorted(set(errors)),
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "latencies": latencies,
    }


def kb_passage_texts() -> list[str]:
    """The texts `cablewise index build` embeds: guide sections plus ontology passages."""
    from index.chunking import article_passages
    from index.chunking import read_articles
    from service.kb import load_ontology
    from service.kb import ontology_passages
    from service.settings import Settings

    settings = Settings()
    ontology = load_ontology(settings.kb_dir)
    passages = [
        p for article in read_articles(settings.kb_dir / "articles") for p in article_passages(article)
    ]
    passages += list(ontology_passages(ontology))
    return [p.search_text() for p in passages]


# --- the run ---------------------------------------------------------------------------------------------------


def run(args: argparse.Namespace, children: Children) -> dict:
    out: Path = args.out
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cablewise-bench-"))
    questions = load_questions(args.questions)
    if not (index_dir() / "manifest.json").exists():
        raise SystemExit(f"no index at {index_dir()}: run `make index` first")
    questions_file = work / "questions.json"
    questions_file.write_text(json.dumps(questions), encoding="utf-8")
    result: dict = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "env": {
            "cores": os.cpu_count(),
            "usable_cores": len(os.sched_getaffinity(0)),
            "loadavg_before": os.getloadavg(),
            "python": platform.python_version(),
            "machine": platform.machine(),
            "questions": len(questions),
            "questions_file": str(args.questions),
            "clients": args.clients,
            "duration_s": args.duration,
            "reps": args.reps,
            "rate_limit": BENCH_RATE_LIMIT,
            "git": _git_rev(),
        },
    }
    cores = result["env"]["usable_cores"]
    log(f"{len(questions)} questions, {cores} cores, load average {os.getloadavg()[0]:.2f}")

    # 1. the query floor, before the server exists: a plain script with torch's default threads, and with one
    #    thread (the default spins two threads that lose badly when anything else runs); the faster is the floor
    floor_cmd = ["query", str(questions_file), str(index_dir()), str(TOP_K)]
    floors: dict[str, dict] = {}
    for threads in FLOOR_THREADS:
        log(
            f"floor: encode + FAISS search of each question in a bare process, torch threads {threads} (run 1)"
        )
        got, _ = run_floor(children, [*floor_cmd, threads], logs, f"floor-{threads}-1")
        floors[threads] = {"run1": got["times"], "torch_threads": got["torch_threads"]}
        log(f"  p50 {report_mod.pct(got['times'], 50) * 1000:.1f} ms")

    # 2. the server: cold start, latency, repeated, throughput, memory
    log("server: starting gunicorn (cold start 1)")
    cold_server, cold_bare, bare_memory = [], [], []
    bare, bare_s = run_floor(children, ["cold"], logs, "cold-bare-1")
    cold_bare.append(bare_s)
    bare_memory.append(bare)
    server = Server(children, logs / "server-1.log")
    try:
        cold_server.append(server.wait_ready())
        log(f"  ready after {cold_server[-1]:.2f} s (bare model process: {bare_s:.2f} s)")
        warm_up(server)
        log("latency: each question once, one at a time, keep-alive")
        first, first_bodies = latency_pass(server, questions)
        log(f"  p50 {report_mod.pct(first, 50) * 1000:.1f} ms")
        log("latency: the same questions again")
        second, second_bodies = latency_pass(server, questions)
        log(f"  p50 {report_mod.pct(second, 50) * 1000:.2f} ms")
        same = sum(a == b for a, b in zip(first_bodies, second_bodies, strict=True))
        log(f"throughput: {args.clients} clients for {args.duration:.0f} s")
        tput = throughput(server, questions, args.clients, args.duration)
        log(f"  {tput['rps']:.1f} req/s, {tput['errors']} errors")
        memory = server.process_memory()
    finally:
        server.stop()
    result["latency"] = {"first": first, "repeated": second, "repeated_identical": same, "n": len(questions)}
    result["throughput"] = tput
    result["memory"] = memory

    # 3. the query floors again, now that the server is gone: the two runs bound the drift
    for threads in FLOOR_THREADS:
        log(f"floor: torch threads {threads} (run 2)")
        got, _ = run_floor(children, [*floor_cmd, threads], logs, f"floor-{threads}-2")
        floors[threads]["run2"] = got["times"]
        log(f"  p50 {report_mod.pct(got['times'], 50) * 1000:.1f} ms")
    chosen = min(floors, key=lambda t: report_mod.pct(floors[t]["run1"] + floors[t]["run2"], 50))
    result["floor"] = {**floors[chosen], "chosen": chosen, "variants": floors}

    # 4. more cold starts, alternating with the bare process; the second server has its caches off and gives an
    #    uncached throughput figure (information, not a target)
    uncached = None
    for rep in range(2, args.reps + 1):
        bare, bare_s = run_floor(children, ["cold"], logs, f"cold-bare-{rep}")
        cold_bare.append(bare_s)
        bare_memory.append(bare)
        extra = {"CABLEWISE_ANSWER_CACHE_SIZE": "0"} if rep == 2 else None
        server = Server(children, logs / f"server-{rep}.log", extra)
        try:
            cold_server.append(server.wait_ready())
            log(f"cold start {rep}: server {cold_server[-1]:.2f} s, bare {bare_s:.2f} s")
            if rep == 2:
                log(
                    f"throughput with the caches off (information): {args.clients} clients, {args.duration / 2:.0f} s"
                )
                uncached = throughput(server, questions, args.clients, args.duration / 2)
                log(f"  {uncached['rps']:.1f} req/s, {uncached['errors']} errors")
        finally:
            server.stop()
    result["cold_start"] = {"server": cold_server, "bare": cold_bare}
    result["bare_memory"] = bare_memory
    result["throughput_uncached"] = uncached

    # 5. what `make serve` runs before gunicorn: `cablewise index build --if-stale` on a fresh index (information)
    cablewise = str(BIN / "cablewise")
    if_stale = run_timed(
        children,
        [cablewise, "index", "build", "--if-stale", "--quiet"],
        base_env(),
        logs / "index-if-stale.log",
    )
    log(f"`cablewise index build --if-stale` with a fresh index: {if_stale:.2f} s")
    result["index_if_stale_s"] = if_stale

    # 6. index build of the whole kb/ into a temp dir, against encoding the same passages in a bare process
    texts_file = work / "passages.json"
    texts = kb_passage_texts()
    texts_file.write_text(json.dumps(texts), encoding="utf-8")
    build_s, encode_s = [], []
    for rep in range(1, args.reps + 1):
        env = base_env()
        env["CABLEWISE_INDEX_DIR"] = str(work / f"index-{rep}")
        build_s.append(
            run_timed(children, [cablewise, "index", "build", "--quiet"], env, logs / f"build-{rep}.log")
        )
        started = time.perf_counter()
        encoded, _ = run_floor(children, ["encode", str(texts_file)], logs, f"encode-{rep}")
        encode_s.append(time.perf_counter() - started)
        log(
            f"index build {rep}: {build_s[-1]:.2f} s; bare encode of {encoded['count']} passages: {encode_s[-1]:.2f} s"
        )
    result["index_build"] = {"build": build_s, "bare": encode_s, "passages": len(texts)}
    log("planner: each pair planned in this process, first with its links not judged yet, then again")
    result["planner"] = planner_times()
    log(f"  p50 first {report_mod.pct(result['planner']['first'], 50) * 1000:.1f} ms")
    result["env"]["loadavg_after"] = os.getloadavg()
    return result


# Our own pairs for the connection planner (products, classes and ports), not sentences of an evaluation set.
PLANNER_PAIRS = (
    ("Scarlett 2i2", "Yamaha HS5"),
    ("turntable", "Scarlett 2i2"),
    ("SM58", "iPhone 15"),
    ("Behringer X32", "DXR12"),
    ("Korg microKORG MIDI out", "USB-only laptop"),
    ("guitar", "a mic input"),
    ("Elektron Digitakt", "mixer"),
    ("keyboard", "powered speaker"),
    ("laptop", "studio monitors"),
    ("speaker output", "line input"),
)


def planner_times() -> dict:
    """Seconds per plan_between call: each pair once with a fresh ontology (its hops never judged before, as for a
    pair nobody asked yet), then the same pairs again (the judged links are cached per ontology)."""
    from service.core.planner import plan_between
    from service.kb import load_ontology

    ontology = load_ontology(ROOT / "kb")
    first, repeated = [], []
    for times in (first, repeated):
        for source, dest in PLANNER_PAIRS:
            started = time.perf_counter()
            plan_between(source, dest, ontology)
            times.append(time.perf_counter() - started)
    return {"first": first, "repeated": repeated, "pairs": len(PLANNER_PAIRS)}


def _git_rev() -> str:
    try:
        rev = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
        return rev + ("+uncommitted" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.perf.bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, required=True, help="folder for the report, the plot and the logs"
    )
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of the throughput run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the throughput run")
    parser.add_argument(
        "--reps", type=int, default=3, help="repetitions of the cold-start and index-build runs"
    )
    parser.add_argument(
        "--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSON Lines with 'question'"
    )
    args = parser.parse_args(argv)
    args.reps = max(1, args.reps)

    def on_term(signum, frame):  # TERM from outside: unwind through the finally below like Ctrl-C does
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    children = Children()
    try:
        result = run(args, children)
    except KeyboardInterrupt:
        log("interrupted: stopping every subprocess")
        return 130
    finally:
        children.stop_all()
    summary = report_mod.write(result, args.out)
    print(summary, flush=True)
    log(f"wrote {args.out / 'bench-report.md'}, bench-report.json and latency-cdf.png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
