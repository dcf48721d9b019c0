"""`cablewise plan "A" "B"`: readable text, the API's JSON with --json, exit 2 with the reason for unknown gear."""

from __future__ import annotations

import json

from service.cli import main


def test_prints_the_parts_of_the_best_plan(capsys):
    assert main(["plan", "Scarlett 2i2", "Yamaha HS5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Focusrite Scarlett 2i2 → Yamaha HS5")
    assert "Plan 1: works, balanced, stereo pair" in out
    assert "2 × TRS-male to TRS-male" in out


def test_json_is_the_api_body(capsys):
    assert main(["plan", "guitar", "a mic input", "--json", "--phantom", "on"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["safe"] is True
    assert [p["kind"] for p in body["plans"][0]["parts"]] == ["cable", "device", "cable"]


def test_unknown_gear_exits_2_with_the_reason(capsys):
    assert main(["plan", "my cat", "Yamaha HS5"]) == 2
    assert "no gear, port or connector recognised" in capsys.readouterr().err
