"""The steps of `make reliability` that attack a live server: fuzzing, the bad-input table, a worker kill and
index tampering. tests/reliability/run.py starts the server and calls them; each returns a JSON-able dict.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import faiss
import numpy as np

from tests.reliability.bad_inputs import TABLE
from tests.reliability.bad_inputs import off_contract

JSON = {"Content-Type": "application/json"}


def _request(port, method, path, body=None, headers=None, timeout=10.0):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


# fuzzing: schemathesis against the live OpenAPI document

# Operations whose schema-valid body may name nothing the knowledge base knows: a 422 is their answer.
LOOKUPS = {"/api/v1/plan"}


class _Findings:
    """What the fuzzer saw: cases sent, server errors, failed checks by kind with one example each."""

    def __init__(self) -> None:
        self.cases = 0
        self.server_errors = 0
        self.failures: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.per_operation: Counter[str] = Counter()

    def check(self, case, base: str, label: str, excluded: list) -> None:
        self.cases += 1
        self.per_operation[label] += 1
        try:
            response = case.call(base_url=base, timeout=30)
        except Exception as exc:  # noqa: BLE001 - a dropped connection is a finding, not a crash
            self.failures[f"no response ({type(exc).__name__}) ({label})"] += 1
            return
        if response.status_code >= 500:
            self.server_errors += 1
        try:
            case.validate_response(response, excluded_checks=excluded)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - a group of check failures
            for failure in getattr(exc, "exceptions", [exc]):
                key = f"{getattr(failure, 'title', type(failure).__name__)} ({label})"
                self.failures[key] += 1
                self.examples.setdefault(key, f"{response.status_code} {case.as_curl_command()[:300]}")


def fuzz(port: int, examples: int) -> dict:
    """Every documented operation, schema-valid and (where there is a body) schema-invalid requests, all checks.

    Unlike a test, it does not stop at the first failure: it counts every case.
    """
    import schemathesis
    from schemathesis import GenerationMode

    base = f"http://127.0.0.1:{port}"
    schema = schemathesis.openapi.from_url(f"{base}/api/v1/openapi.json")
    findings = _Findings()
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if mode is GenerationMode.NEGATIVE and not operation.body:
                continue  # a path or query string of any value cannot be made invalid
            _fuzz_operation(operation, mode, examples, base, findings)
    return {
        "cases": findings.cases,
        "server_errors": findings.server_errors,
        "failed_checks": dict(findings.failures),
        "examples": findings.examples,
        "per_operation": dict(findings.per_operation),
    }


def _fuzz_operation(operation, mode, examples: int, base: str, findings: _Findings) -> None:
    from hypothesis import HealthCheck
    from hypothesis import given
    from hypothesis import settings
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    label = f"{operation.method.upper()} {operation.path}"
    excluded = [positive_data_acceptance] if operation.path in LOOKUPS else []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def one(case):
        findings.check(case, base, label, excluded)

    one()


# the bad-input table, plus framing errors that only a socket can send


FRAMING = {
    "Content-Length not a number": b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
    "Content-Length and chunked together": (
        b"POST /api/v1/ask HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    ),
    "header line without a colon": b"GET /healthz HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n",
    "request line of 10 KiB": b"GET /" + b"a" * 10_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "not HTTP at all": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n",
}


def bad_inputs(port: int) -> dict:
    """Send the table; count answers off the contract. Framing errors are answered by gunicorn before the app."""
    rows = []
    for item in TABLE:
        try:
            status, headers, body = _request(port, item.method, item.path, item.body, item.headers)
            reason = off_contract(item, status, headers, body)
        except (OSError, http.client.HTTPException) as exc:
            status, reason = 0, f"no response ({type(exc).__name__})"
        rows.append({"input": item.name, "status": status, "off_contract": reason})
    framing = {}
    for name, raw in FRAMING.items():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                s.sendall(raw)
                framing[name] = s.recv(64).split(b"\r\n", 1)[0].decode(errors="replace") or "closed"
        except OSError as exc:
            framing[name] = type(exc).__name__
    return {
        "inputs": len(rows),
        "off_contract": sum(1 for r in rows if r["off_contract"]),
        "server_errors": sum(1 for r in rows if r["status"] >= 500),
        "rows": rows,
        "framing_by_server": framing,
    }


# a worker killed under load


def worker_pids(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def worker_kill(port: int, master: int, seconds: float, ask_body, clients: int = 4) -> dict:
    """Closed-loop load; one third in, kill -9 the worker. Lost requests, and time until answers come back."""
    stop = time.monotonic() + seconds
    kill_at = time.monotonic() + seconds / 3
    killed: dict[str, float] = {}
    lock = threading.Lock()
    codes: Counter[int] = Counter()
    first_back: list[float] = []
    counter = iter(range(10**9))

    def client():
        while time.monotonic() < stop:
            with lock:
                i = next(counter) + 6_000_000
            started = time.monotonic()
            try:
                status, _, _ = _request(port, "POST", "/api/v1/ask", ask_body(i), JSON, timeout=30)
            except (OSError, http.client.HTTPException):  # reset, or cut mid-answer by the kill
                status = 0
            with lock:
                codes[status] += 1
                if status == 200 and "at" in killed and started > killed["at"]:
                    first_back.append(time.monotonic())

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, kill_at - time.monotonic()))
    pids = worker_pids(master)
    if pids:
        os.kill(pids[0], signal.SIGKILL)
        killed["at"] = time.monotonic()
    for t in threads:
        t.join()
    back = round(min(first_back) - killed["at"], 2) if first_back and "at" in killed else None
    return {
        "requests": sum(codes.values()),
        "lost": sum(n for s, n in codes.items() if s != 200),
        "statuses": dict(codes),
        "killed_pid": pids[0] if pids else None,
        "answers_back_after_s": back,
        "new_worker": (worker_pids(master) or [None])[0],
    }


# tampering with the running index


def _scramble_vectors(folder: Path) -> None:
    index = faiss.read_index(str(folder / "vectors.faiss"))
    vectors = index.reconstruct_n(0, index.ntotal)
    out = faiss.IndexFlatIP(index.d)
    out.add(np.ascontiguousarray(vectors[np.random.default_rng(0).permutation(len(vectors))]))
    faiss.write_index(out, str(folder / "vectors.faiss"))


def _nan_vectors_with_matching_checksum(folder: Path) -> None:
    # An attacker (or a broken disk tool) who also rewrites the manifest: only the content check can catch it.
    index = faiss.read_index(str(folder / "vectors.faiss"))
    vectors = index.reconstruct_n(0, index.ntotal)
    vectors[: len(vectors) // 2] = np.nan
    out = faiss.IndexFlatIP(index.d)
    out.add(vectors)
    faiss.write_index(out, str(folder / "vectors.faiss"))
    _rewrite_checksum(folder, "vectors.faiss")


def _edit_passage(folder: Path) -> None:
    path = folder / "passages.jsonl"
    lines = path.read_text().splitlines()
    first = json.loads(lines[0])
    first["text"] = "TRS to TS is always balanced. " + str(first.get("text", ""))
    lines[0] = json.dumps(first)
    path.write_text("\n".join(lines) + "\n")


def _shuffle_passages(folder: Path) -> None:
    path = folder / "passages.jsonl"
    lines = path.read_text().splitlines()
    lines.reverse()
    path.write_text("\n".join(lines) + "\n")


def _stale_knowledge(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["kb_sha256"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def _unlisted_file(folder: Path) -> None:
    (folder / "extra.pkl").write_bytes(b"\x80\x04not a pickle you want to load")


def _rewrite_checksum(folder: Path, name: str) -> None:
    from index.store import file_sha256

    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = file_sha256(folder / name)
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


TAMPERS = {
    "scrambled vectors": _scramble_vectors,
    "NaN vectors, checksum rewritten": _nan_vectors_with_matching_checksum,
    "edited passage": _edit_passage,
    "shuffled passages": _shuffle_passages,
    "manifest from another kb/": _stale_knowledge,
    "unlisted file added": _unlisted_file,
}


def point(link: Path, target: Path) -> None:
    """Switch the index symlink in one rename, as `cablewise index build` does."""
    tmp = link.with_name(link.name + ".switch")
    if tmp.is_symlink():
        tmp.unlink()
    tmp.symlink_to(target)
    os.replace(tmp, link)


def tampering(port: int, master: int, link: Path, good: Path, wait_ready, reload_wait: float) -> dict:
    """For each kind of damage: switch the served index to a damaged copy, then restart the worker.

    While the worker runs, its hot reload must refuse the damaged version and keep answering from the good one;
    a worker started on it must stay not ready (503, /readyz saying why) and answer nothing from it.
    """
    rows = []
    good_version = json.loads((good / "manifest.json").read_text()).get("version", "")
    for name, damage in TAMPERS.items():
        bad = good.with_name(f"tampered-{name.split()[0].lower()}-{len(rows)}")
        shutil.copytree(good, bad)
        damage(bad)
        _relabel(bad, good_version + "-tampered")  # so X-Index-Version tells which one answered
        point(link, bad)
        time.sleep(reload_wait)
        live = Counter()
        for i in range(8):
            status, headers, _ = _request(port, "POST", "/api/v1/ask", _q(i), JSON)
            served = headers.get("X-Index-Version", "")
            live["good index" if status == 200 and served == good_version else f"{status} {served}"] += 1
            time.sleep(0.1)
        for pid in worker_pids(master):
            os.kill(pid, signal.SIGKILL)
        ready = _first_readyz(port)
        asks = Counter(_request(port, "POST", "/api/v1/ask", _q(99), JSON)[0] for _ in range(5))
        rows.append(
            {
                "damage": name,
                "running worker": dict(live),
                "restarted worker /readyz": ready,
                "restarted worker answers": dict(asks),
                "served": asks.get(200, 0) > 0
                or ready.get("status") == 200
                or any(key.endswith("-tampered") for key in live),
            }
        )
        point(link, good)
        for pid in worker_pids(master):
            os.kill(pid, signal.SIGKILL)
        wait_ready()
        shutil.rmtree(bad, ignore_errors=True)
    return {"kinds": len(rows), "served_damaged": sum(1 for r in rows if r["served"]), "rows": rows}


def _relabel(folder: Path, version: str) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["version"] = version
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def _q(i: int) -> bytes:
    return json.dumps({"question": f"is TRS to XLR balanced? (tamper check {i})"}).encode()


def _first_readyz(port: int, timeout: float = 60) -> dict:
    """The first /readyz answer of a new worker (retrying while the port has no worker)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            status, _, body = _request(port, "GET", "/readyz", timeout=5)
            detail = json.loads(body).get("detail", "") if body else ""
            return {"status": status, "detail": detail}
        except (OSError, http.client.HTTPException, ValueError):
            time.sleep(0.2)
    return {"status": 0, "detail": "no answer"}
