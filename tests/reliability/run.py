"""`make reliability`: start Cablewise as `make serve` does and measure it under abuse; writes a report.

    python -m tests.reliability.run [--out reliability-out] [--model hash|bundled] [--seconds 6]

Steps (each a section of reliability-out/report.md and a key of report.json):

1. capacity: 8 keep-alive clients asking unique questions as fast as they are answered.
2. hold at 80 %: an open-loop rate of 0.8 x capacity: errors must be 0.
3. overload at 2 x capacity (open loop): share shed (503 with Retry-After), p99 of accepted answers, drain time.
4. slow clients: 50 connections (trickled bodies, stalled bodies, half-sent headers, idle sockets) held open
   while a normal client asks: its p99 and errors, and how long the slow ones were held.
5. framing: a chunked body over 16 KiB (413), a body that stops (408).
6. bad inputs: the table of tests/reliability/bad_inputs.py (also a test in `make test`): answers off the
   contract are counted; raw framing errors, answered by gunicorn before the app, are listed apart.
7. fuzzing: schemathesis against the live /api/v1/openapi.json, every operation, every check: cases and
   server errors.
8. worker kill: kill -9 of the gunicorn worker under load: requests lost, time until answers come back.
9. index tampering: the served index switched to damaged copies (scrambled or NaN vectors, edited or shuffled
   passages, a manifest from another kb/, an unlisted file), then the worker restarted on it: refused with a
   clear message, never served.

Not part of `make test` (a few minutes; RELIABILITY_MODEL=hash needs no model). The fast versions of 6, 7 and 9
are ordinary tests (tests/http/test_bad_input_table.py, test_openapi_fuzz.py, tests/unit/test_index_integrity.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.reliability import attacks

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

WORDS = ["TRS", "TS", "XLR", "RCA", "3.5mm", "speakON", "TRRS", "S/PDIF", "MIDI", "USB-C"]
GEAR = ["mixer", "interface", "monitors", "guitar", "laptop", "keyboard", "mic", "headphones", "recorder"]


def question(i: int) -> str:
    rnd = random.Random(i)
    a, b = rnd.sample(WORDS, 2)
    g1, g2 = rnd.sample(GEAR, 2)
    return f"is {a} to {b} from my {g1} into the {g2} balanced? (case {i})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with deploy/gunicorn.conf.py, as `make serve` runs it."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.port = port
        self.log = open(env["_LOG"], "w")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "deploy/gunicorn.conf.py", "service.app:create_app()"],
            cwd=ROOT,
            env={k: v for k, v in env.items() if not k.startswith("_")},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                status, _, _ = request(self.port, "GET", "/readyz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError("server exited during start-up; see the server log")
            time.sleep(0.3)
        raise RuntimeError("server not ready in time")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def request(port, method, path, body=None, headers=None, timeout=10.0, conn=None):
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, dict(response.getheaders()), data
    finally:
        if own:
            conn.close()


def ask_body(i: int) -> bytes:
    return json.dumps({"question": question(i)}).encode()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


# 1. capacity


def capacity(port: int, seconds: float, clients: int = 8) -> dict:
    stop = time.monotonic() + seconds
    lat: list[float] = []
    codes: dict[int, int] = {}
    counter = iter(range(10**9))
    lock = threading.Lock()

    def client():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.monotonic() < stop:
            with lock:
                i = next(counter) + 1_000_000
            t = time.perf_counter()
            try:
                status, _, _ = request(port, "POST", "/api/v1/ask", ask_body(i), JSON, conn=conn)
            except OSError:
                status = 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                codes[status] = codes.get(status, 0) + 1
                if status == 200:
                    lat.append(time.perf_counter() - t)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    return {
        "clients": clients,
        "rps": round(len(lat) / elapsed, 1),
        "p50_ms": round(pct(lat, 0.5) * 1000, 1),
        "p99_ms": round(pct(lat, 0.99) * 1000, 1),
        "statuses": codes,
    }


JSON = {"Content-Type": "application/json"}


# 2-3. open-loop load


def open_loop(port: int, rate: float, seconds: float, start_index: int) -> dict:
    """Send `rate` requests per second for `seconds`, whatever the answers; each on its own connection."""
    lat: list[float] = []
    codes: dict[int, int] = {}
    retry_after_ok = True
    lock = threading.Lock()
    total = int(rate * seconds)
    pool = ThreadPoolExecutor(max_workers=256)
    t0 = time.monotonic()

    def one(i: int):
        nonlocal retry_after_ok
        t = time.perf_counter()
        try:
            status, headers, _ = request(
                port, "POST", "/api/v1/ask", ask_body(start_index + i), JSON, timeout=60
            )
        except OSError:
            status, headers = 0, {}
        elapsed = time.perf_counter() - t
        with lock:
            codes[status] = codes.get(status, 0) + 1
            if status == 200:
                lat.append(elapsed)
            if status == 503 and (
                "Retry-After" not in headers or headers.get("Content-Type") != "application/problem+json"
            ):
                retry_after_ok = False

    futures = []
    for i in range(total):
        target = t0 + i / rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        futures.append(pool.submit(one, i))
    sent_done = time.monotonic()
    for f in futures:
        f.result()
    drained = time.monotonic()
    pool.shutdown()
    answered = codes.get(200, 0)
    return {
        "rate": round(rate, 1),
        "sent": total,
        "statuses": codes,
        "shed_share": round(codes.get(503, 0) / max(1, total), 3),
        "errors": sum(n for s, n in codes.items() if s not in (200, 503)),
        "accepted_p50_ms": round(pct(lat, 0.5) * 1000, 1),
        "accepted_p99_ms": round(pct(lat, 0.99) * 1000, 1),
        "answered": answered,
        "drain_s": round(drained - sent_done, 2),
        "retry_after_on_every_503": retry_after_ok,
    }


# 4. slow clients


def slow_clients(port: int, seconds: float, n: int = 50) -> dict:
    held: list[float] = []
    outcomes: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()
    body = ask_body(1)

    def open_sock():
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        return s

    def finish(kind, s, t):
        try:
            s.settimeout(30)
            first = s.recv(64)
            outcome = first.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
        except OSError as exc:
            outcome = type(exc).__name__
        with lock:
            held.append(time.monotonic() - t)
            key = f"{kind}: {outcome}"
            outcomes[key] = outcomes.get(key, 0) + 1
        s.close()

    def trickle_body():
        s, t = open_sock(), time.monotonic()
        s.sendall(
            b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        try:
            for byte in body:
                if stop.is_set():
                    break
                s.sendall(bytes([byte]))
                time.sleep(2)
        except OSError:
            pass
        finish("trickled body", s, t)

    def stalled_body():
        s, t = open_sock(), time.monotonic()
        s.sendall(
            b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body[:5]
        )
        finish("stalled body", s, t)

    def idle():
        s, t = open_sock(), time.monotonic()
        finish("idle connection", s, t)

    def half_headers():
        s, t = open_sock(), time.monotonic()
        s.sendall(b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\n")
        stop.wait(seconds + 2)
        finish("half-sent headers", s, t)

    kinds = (
        [trickle_body] * (n * 2 // 5)
        + [stalled_body] * (n * 2 // 5)
        + [idle] * (n // 10)
        + [half_headers] * (n // 10)
    )
    threads = [threading.Thread(target=k) for k in kinds[:n]]
    for t in threads:
        t.start()
    time.sleep(0.5)
    lat: list[float] = []
    errors = 0
    stop_at = time.monotonic() + seconds
    i = 2_000_000
    while time.monotonic() < stop_at:
        i += 1
        t = time.perf_counter()
        try:
            status, _, _ = request(port, "POST", "/api/v1/ask", ask_body(i), JSON, timeout=30)
        except OSError:
            status = 0
        if status == 200:
            lat.append(time.perf_counter() - t)
        else:
            errors += 1
        try:
            if request(port, "GET", "/healthz", timeout=5)[0] != 200:
                errors += 1
        except OSError:
            errors += 1
    stop.set()
    for t in threads:
        t.join(60)
    return {
        "slow_connections": len(threads),
        "other_client_requests": len(lat) + errors,
        "other_client_errors": errors,
        "other_client_p50_ms": round(pct(lat, 0.5) * 1000, 1),
        "other_client_p99_ms": round(pct(lat, 0.99) * 1000, 1),
        "slow_held_median_s": round(statistics.median(held), 1) if held else None,
        "slow_outcomes": outcomes,
    }


# 5. framing


def framing(port: int) -> dict:
    out = {}
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    s.sendall(
        b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    try:
        for _ in range(40):
            s.sendall(b"400\r\n" + b"a" * 1024 + b"\r\n")
        s.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    out["chunked 40 KiB"] = s.recv(64).split(b"\r\n", 1)[0].decode(errors="replace")
    s.close()
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    t = time.monotonic()
    s.sendall(
        b'POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 50\r\n\r\n{"q'
    )
    out["stalled body"] = s.recv(64).split(b"\r\n", 1)[0].decode(errors="replace")
    out["stalled body answered after s"] = round(time.monotonic() - t, 1)
    s.close()
    return out


STEPS = ("load", "slow", "bad", "fuzz", "kill", "tamper")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="reliability-out")
    parser.add_argument("--model", default=os.environ.get("CABLEWISE_MODEL", "bundled"))
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--fuzz-examples", type=int, default=100, help="schemathesis examples per operation")
    parser.add_argument(
        "--steps", default=",".join(STEPS), help=f"comma-separated subset of {','.join(STEPS)} (default: all)"
    )
    args = parser.parse_args(argv)
    steps = set(args.steps.split(","))
    if steps - set(STEPS):
        parser.error(f"unknown steps {sorted(steps - set(STEPS))}; choose from {','.join(STEPS)}")
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="cablewise-reliability-"))
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "HF_HUB_OFFLINE": "1",
        "CABLEWISE_MODEL": args.model,
        "CABLEWISE_RATE_LIMIT": "1000000/minute",
        "CABLEWISE_FEEDBACK_DB": str(work / "feedback.sqlite3"),
        "CABLEWISE_KB_RATE_LIMIT": "1000000/minute",  # the fuzzer reads many pages; the limit has its test
        "CABLEWISE_INDEX_RELOAD_INTERVAL": "0.5",
        "CABLEWISE_LOG_LEVEL": "WARNING",
        "_LOG": str(out / "server.log"),
    }
    source = work / "index"
    if args.model == "hash":  # a throwaway index, so the run needs no model and leaves var/ alone
        env["CABLEWISE_INDEX_DIR"] = str(source)
        subprocess.run([str(BIN / "cablewise"), "index", "build", "--quiet"], cwd=ROOT, env=env, check=True)
    else:
        source = ROOT / os.environ.get("CABLEWISE_INDEX_DIR", "var/index")
    # The server reads a copy behind a symlink of its own, so that tampering never touches the real index.
    served = work / "served"
    served.mkdir()
    good = served / "good"
    shutil.copytree(os.path.realpath(source), good)
    link = served / "index"
    attacks.point(link, good)
    env["CABLEWISE_INDEX_DIR"] = str(link)
    report: dict = {"model": args.model, "threads": os.environ.get("GUNICORN_THREADS", "64 (default)")}
    server = Server(env, port)
    try:
        server.wait_ready()
        if "load" in steps:
            print("capacity ...", flush=True)
            report["capacity"] = capacity(port, args.seconds)
            cap = max(report["capacity"]["rps"], 1.0)
            print("hold at 80% ...", flush=True)
            report["hold_80"] = open_loop(port, 0.8 * cap, args.seconds, 3_000_000)
            print("overload at 2x ...", flush=True)
            report["overload_2x"] = open_loop(port, 2.0 * cap, args.seconds, 4_000_000)
        if "slow" in steps:
            print("slow clients ...", flush=True)
            report["slow_clients"] = slow_clients(port, max(args.seconds, 10.0))
            print("framing ...", flush=True)
            report["framing"] = framing(port)
        if "bad" in steps:
            print("bad inputs ...", flush=True)
            report["bad_inputs"] = attacks.bad_inputs(port)
        if "fuzz" in steps:
            print("fuzzing ...", flush=True)
            report["fuzz"] = attacks.fuzz(port, args.fuzz_examples)
        if "kill" in steps:
            print("worker kill ...", flush=True)
            report["worker_kill"] = attacks.worker_kill(
                port, server.proc.pid, max(args.seconds, 9.0), ask_body
            )
            server.wait_ready()
        if "tamper" in steps:
            print("index tampering ...", flush=True)
            report["tampering"] = attacks.tampering(port, server.proc.pid, link, good, server.wait_ready, 1.5)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    (out / "report.md").write_text(render(report))
    print(render(report))
    return 0


def render(r: dict) -> str:
    c, h, o, s, f, b, z, k, t = (
        r.get(key, {})
        for key in (
            "capacity",
            "hold_80",
            "overload_2x",
            "slow_clients",
            "framing",
            "bad_inputs",
            "fuzz",
            "worker_kill",
            "tampering",
        )
    )
    lines = [
        "# Cablewise reliability report",
        "",
        f"model `{r['model']}`, gunicorn as `make serve` (deploy/gunicorn.conf.py), threads {r['threads']}",
        "",
        "| measure | result |",
        "|---|---|",
        (
            r.get("capacity"),
            f"| capacity (8 keep-alive clients, unique questions) | {c.get('rps')} req/s, p50 {c.get('p50_ms')} ms, p99 {c.get('p99_ms')} ms |",
        ),
        (
            r.get("hold_80"),
            f"| hold at 80 % ({h.get('rate')} req/s, open loop) | {h.get('errors')} errors, {h.get('statuses', {}).get(503, 0)} shed, p99 {h.get('accepted_p99_ms')} ms |",
        ),
        (
            r.get("overload_2x"),
            f"| overload at 2x ({o.get('rate')} req/s) | shed {o.get('shed_share', 0) * 100:.0f} % (503 + Retry-After: {o.get('retry_after_on_every_503')}), accepted p99 {o.get('accepted_p99_ms')} ms, drain {o.get('drain_s')} s, other errors {o.get('errors')} |",
        ),
        (
            r.get("slow_clients"),
            f"| {s.get('slow_connections')} slow clients | other client: {s.get('other_client_requests')} requests, {s.get('other_client_errors')} errors, p50 {s.get('other_client_p50_ms')} ms, p99 {s.get('other_client_p99_ms')} ms; slow ones held {s.get('slow_held_median_s')} s (median) |",
        ),
        (r.get("framing"), f"| chunked body over 16 KiB | {f.get('chunked 40 KiB')} |"),
        (
            r.get("framing"),
            f"| body that stops | {f.get('stalled body')} after {f.get('stalled body answered after s')} s |",
        ),
        (
            r.get("bad_inputs"),
            f"| bad-input table ({b.get('inputs')} inputs) | {b.get('off_contract')} answered off the contract, {b.get('server_errors')} server errors; {len(b.get('framing_by_server', {}))} framing errors answered by gunicorn |",
        ),
        (
            r.get("fuzz"),
            f"| fuzzing (schemathesis, live document) | {z.get('cases')} cases, {z.get('server_errors')} server errors, {sum(z.get('failed_checks', {}).values())} other failed checks |",
        ),
        (
            r.get("worker_kill"),
            f"| worker kill -9 under load | {k.get('lost')} of {k.get('requests')} requests lost, answers back after {k.get('answers_back_after_s')} s |",
        ),
        (
            r.get("tampering"),
            f"| index tampering ({t.get('kinds')} kinds) | {t.get('served_damaged')} served |",
        ),
        "",
        "Slow-client outcomes: "
        + ", ".join(f"{key} x{n}" for key, n in sorted(s.get("slow_outcomes", {}).items())),
        "",
        "## Bad-input table",
        "",
        "| input | status | off the contract |",
        "|---|---|---|",
        *(f"| {row['input']} | {row['status']} | {row['off_contract'] or ''} |" for row in b.get("rows", [])),
        "",
        "Framing errors, answered by gunicorn before the app: "
        + ", ".join(f"{key} -> {v}" for key, v in b.get("framing_by_server", {}).items()),
        "",
        "## Fuzzing",
        "",
        "Cases per operation: " + ", ".join(f"{key} {n}" for key, n in z.get("per_operation", {}).items()),
        "",
        *(
            f"- {key}: {n} (e.g. `{z.get('examples', {}).get(key, '')}`)"
            for key, n in z.get("failed_checks", {}).items()
        ),
        "",
        "## Index tampering",
        "",
        "| damage | running worker (hot reload) | restarted worker /readyz | its answers |",
        "|---|---|---|---|",
        *(
            f"| {row['damage']} | {row['running worker']} | {row['restarted worker /readyz']['status']}: "
            f"{row['restarted worker /readyz']['detail'][:160]} | {row['restarted worker answers']} |"
            for row in t.get("rows", [])
        ),
        "",
    ]
    # a row is (the step's result, its text): steps left out with --steps have no row
    shown = [x[1] if isinstance(x, tuple) else x for x in lines if not (isinstance(x, tuple) and not x[0])]
    return "\n".join(shown)


if __name__ == "__main__":
    raise SystemExit(main())
