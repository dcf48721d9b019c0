"""The Dockerfile and docker-compose.yml say what the issue asks, and agree with the code (no engine runs here:
tests/deploy/test_runtime_install.py runs the Dockerfile's steps themselves)."""

from __future__ import annotations

import re

import yaml

from service.settings import Settings
from tests.conftest import ROOT

DOCKERFILE = (ROOT / "Dockerfile").read_text()
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def stages() -> dict[str, str]:
    """Each stage's instructions (continuation lines joined), by name."""
    text = re.sub(r"\\\n", " ", DOCKERFILE)
    parts = re.split(r"^FROM\s+", text, flags=re.MULTILINE)[1:]
    out = {}
    for part in parts:
        header, _, body = part.partition("\n")
        name = header.split(" AS ")[-1].strip() if " AS " in header else header.strip()
        out[name] = body
    return out


def instructions(body: str, keyword: str) -> list[str]:
    return [
        line.strip()[len(keyword) :].strip()
        for line in body.splitlines()
        if line.strip().startswith(keyword + " ")
    ]


def test_two_stages_build_then_runtime():
    assert list(stages()) == ["build", "runtime"]


def test_the_build_stage_makes_wheels_and_builds_the_index():
    runs = " ".join(instructions(stages()["build"], "RUN"))
    assert "deploy/image.sh wheels" in runs and "deploy/image.sh build-tools" in runs
    assert "deploy/image.sh index" in runs


def test_the_runtime_stage_has_no_torch_no_compiler_and_runs_gunicorn_as_non_root():
    runtime = stages()["runtime"]
    runs = " ".join(instructions(runtime, "RUN"))
    assert "image runtime /wheels /opt/venv" in runs
    for forbidden in ("torch", "build-essential", "gcc", "apt-get install", "[build]"):
        assert forbidden not in runtime, forbidden
    (user,) = instructions(runtime, "USER")
    assert user.split(":")[0] not in ("root", "0")
    (cmd,) = instructions(runtime, "CMD")
    assert cmd.startswith('["gunicorn", "--config"') and "service.app:create_app()" in cmd
    assert "COPY --from=build /out /app/var" in runtime  # the index and the ONNX encoder built in stage one
    assert instructions(runtime, "HEALTHCHECK")


def test_runtime_settings_in_the_image_are_real_settings():
    envs = " ".join(instructions(stages()["runtime"], "ENV"))
    names = set(re.findall(r"(CABLEWISE_[A-Z_]+)=", envs))
    known = {f"CABLEWISE_{n.upper()}" for n in Settings.model_fields}
    assert names and names <= known, names - known


def test_the_dockerignore_keeps_the_context_small_but_has_what_the_build_copies():
    ignored = {line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()}
    assert {".git", ".venv", "var", "tests"} <= ignored
    copied = {
        src for line in instructions(DOCKERFILE, "COPY") for src in line.split()[:-1] if "--" not in src
    }
    assert not copied & ignored


def test_compose_runs_cablewise_redis_and_postgres_with_health_checks():
    services = COMPOSE["services"]
    assert set(services) == {"cablewise", "redis", "postgres"}
    for name, service in services.items():
        assert service["healthcheck"]["test"], name
    depends = services["cablewise"]["depends_on"]
    assert depends == {
        "redis": {"condition": "service_healthy"},
        "postgres": {"condition": "service_healthy"},
    }
    env = services["cablewise"]["environment"]
    assert env["CABLEWISE_RATE_LIMIT_STORAGE"].startswith("redis://redis:6379")
    assert "readyz" in " ".join(services["cablewise"]["healthcheck"]["test"])
    assert services["cablewise"]["read_only"] is True


def test_compose_sets_only_known_settings():
    env = COMPOSE["services"]["cablewise"]["environment"]
    known = {f"CABLEWISE_{n.upper()}" for n in Settings.model_fields} | {
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "WEB_CONCURRENCY",
        "GUNICORN_THREADS",
    }
    assert set(env) <= known, set(env) - known
