"""API keys on /api/v1/: off by default, per-key limits instead of the per-client one, 401 for a bad key, and
required only where the operator says so, with the widget's browser calls still answered."""

from __future__ import annotations

import hashlib

import pytest

from service import cli
from service.adapters import api_keys
from service.adapters.api_keys import ApiKeysInvalid
from service.app import create_app
from service.settings import Settings

ASK = "/api/v1/ask"
QUESTION = {"question": "is TRS to TS balanced?"}


def app_with(settings, engine, **update):
    return create_app(settings.model_copy(update=update), engine=engine)


@pytest.fixture()
def key_line():
    key, line = api_keys.make_key("shop-a")
    return key, line


def test_without_keys_the_api_is_as_before(settings, engine):
    client = app_with(settings, engine).test_client()
    assert client.post(ASK, json=QUESTION).status_code == 200
    assert client.post(ASK, json=QUESTION, headers={"X-API-Key": "anything"}).status_code == 200


def test_a_key_has_its_own_limit_and_leaves_the_client_limit_alone(settings, engine, key_line, tmp_path):
    key, line = key_line
    keys_file = tmp_path / "api-keys"
    keys_file.write_text(f"# shops\n\n{line}:2/minute\n", encoding="utf-8")
    client = app_with(settings, engine, api_keys_file=keys_file, rate_limit="2/minute").test_client()
    keyed = {"X-API-Key": key}
    assert [client.post(ASK, json=QUESTION, headers=keyed).status_code for _ in range(2)] == [200, 200]
    limited = client.post(ASK, json=QUESTION, headers=keyed)
    assert limited.status_code == 429 and "2 per 1 minute" in limited.get_json()["detail"]
    # The same client without the key still has its whole per-client allowance.
    assert [client.post(ASK, json=QUESTION).status_code for _ in range(3)] == [200, 200, 429]


def test_the_default_key_limit_applies_when_the_line_sets_none(settings, engine, key_line):
    key, line = key_line
    client = app_with(settings, engine, api_keys=[line], api_key_rate_limit="1/minute").test_client()
    statuses = [client.post(ASK, json=QUESTION, headers={"X-API-Key": key}).status_code for _ in range(2)]
    assert statuses == [200, 429]


@pytest.mark.parametrize("sent", ["cw_not-a-key", "", "x" * 5000])
def test_an_unknown_key_is_401_problem_json(settings, engine, key_line, sent):
    _, line = key_line
    client = app_with(settings, engine, api_keys=[line]).test_client()
    response = client.post(ASK, json=QUESTION, headers={"X-API-Key": sent})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["type"].endswith("/problems/unauthorized") and "X-API-Key" in body["detail"]
    assert response.headers["X-Request-ID"]
    plan = client.post(
        "/api/v1/plan", json={"source": "mixer", "destination": "speaker"}, headers={"X-API-Key": sent}
    )
    assert plan.status_code == 401  # every /api/v1/ operation


def test_required_keys_refuse_anonymous_calls_but_not_the_widget(settings, engine, key_line):
    key, line = key_line
    client = app_with(settings, engine, api_keys=[line], require_api_key=True).test_client()
    refused = client.post(ASK, json=QUESTION)
    assert refused.status_code == 401 and "needs a key" in refused.get_json()["detail"]
    assert client.post(ASK, json=QUESTION, headers={"Origin": "https://evil.example"}).status_code == 401
    assert client.post(ASK, json=QUESTION, headers={"X-API-Key": key}).status_code == 200
    # The widget on a listed shop, and on the service's own /demo page (same origin), keeps working.
    assert client.post(ASK, json=QUESTION, headers={"Origin": "https://shop.example"}).status_code == 200
    assert client.post(ASK, json=QUESTION, headers={"Origin": "http://localhost"}).status_code == 200
    # Neither the API's description nor the health checks need a key.
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200


def test_a_bad_key_line_stops_start_up_naming_the_line(settings, engine, tmp_path):
    keys_file = tmp_path / "api-keys"
    keys_file.write_text("shop-a:" + "ab" * 32 + "\nshop-b:abc123\n", encoding="utf-8")
    with pytest.raises(ApiKeysInvalid, match=r"api-keys line 2 \(shop-b\): expected name:sha256"):
        app_with(settings, engine, api_keys_file=keys_file)
    with pytest.raises(ApiKeysInvalid, match="cannot be read"):
        app_with(settings, engine, api_keys_file=tmp_path / "missing")
    twice = ["a:" + "ab" * 32, "a:" + "cd" * 32]
    with pytest.raises(ApiKeysInvalid, match="configured twice: a"):
        app_with(settings, engine, api_keys=twice)
    with pytest.raises(ApiKeysInvalid, match="limits 'lots' are not like"):
        app_with(settings, engine, api_keys=["a:" + "ab" * 32 + ":lots"])


def test_identify_finds_the_one_key_among_several():
    keys = [api_keys.make_key(name) for name in ("a", "b", "c")]
    checker = api_keys.ApiKeys(
        api_keys.parse_lines([line for _, line in keys], "test"),
        default_limits="10/minute",
        storage_uri="memory://",
        required=False,
    )
    assert [checker.identify(key).name for key, _ in keys] == ["a", "b", "c"]
    assert checker.identify(keys[0][0] + "x") is None


def test_the_environment_gives_comma_separated_lines(monkeypatch):
    monkeypatch.setenv("CABLEWISE_API_KEYS", f"a:{'ab' * 32}, b:{'cd' * 32}:5/second")
    assert Settings(_env_file=None).api_keys == [f"a:{'ab' * 32}", f"b:{'cd' * 32}:5/second"]


def test_the_cli_prints_a_working_key_once_and_the_line_to_store(capsys, settings, engine):
    assert cli.main(["apikey", "new", "studio-group"]) == 0
    out = capsys.readouterr().out.splitlines()
    key = out[0].rsplit(" ", 1)[1]
    line = out[-1]
    assert line == f"studio-group:{hashlib.sha256(key.encode()).hexdigest()}" and key not in line
    client = app_with(settings, engine, api_keys=[line], require_api_key=True).test_client()
    assert client.post(ASK, json=QUESTION, headers={"X-API-Key": key}).status_code == 200
    assert cli.main(["apikey", "new", "no spaces"]) == 2


def test_the_openapi_document_describes_the_optional_key(settings, engine):
    doc = app_with(settings, engine).test_client().get("/api/v1/openapi.json").get_json()
    scheme = doc["components"]["securitySchemes"]["ApiKey"]
    assert scheme["type"] == "apiKey" and scheme["in"] == "header" and scheme["name"] == "X-API-Key"
    ask = doc["paths"]["/api/v1/ask"]["post"]
    assert ask["security"] == [{}, {"ApiKey": []}]
    assert "401" in ask["responses"]
