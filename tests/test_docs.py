"""The README stays true: every setting is documented, and both set-up commands are shown."""

from __future__ import annotations

from pathlib import Path

from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
ENV_EXAMPLE = (ROOT / "deploy" / "env.example").read_text()


def env_names():
    for name, field in Settings.model_fields.items():
        alias = getattr(field.validation_alias, "choices", None)
        yield alias[0] if alias else f"CABLEWISE_{name.upper()}"


def test_every_setting_is_in_the_readme_and_env_example():
    for env in env_names():
        assert f"`{env}`" in README, f"{env} missing from README settings table"
        assert f"{env}=" in ENV_EXAMPLE, f"{env} missing from deploy/env.example"


def test_readme_shows_the_two_commands():
    assert "make serve" in README and "make test" in README


def test_ci_runs_what_a_new_user_runs():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
