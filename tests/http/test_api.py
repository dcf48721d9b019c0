"""The HTTP contract (../shared/api/contract.md): the answer shape and every error as problem+json."""

from __future__ import annotations

import json

import pytest

from service.app import create_app
from service.settings import Settings

PROBLEM = "application/problem+json"


def ask(client, body, **kwargs):
    return client.post(
        "/api/v1/ask",
        data=body if isinstance(body, bytes | str) else json.dumps(body),
        content_type=kwargs.pop("content_type", "application/json"),
        **kwargs,
    )


def test_trs_to_ts_is_answered_as_the_contract_example(client):
    response = ask(client, {"question": "is TRS-to-TS balanced?"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["intent"] == "balanced_check"
    assert body["verdict"]["balanced"] is False
    assert body["verdict"]["compatibility"] == "works_with_caveat"
    assert body["answer"].startswith("No")
    assert body["sources"], "at least one cited guide passage"
    assert all(s["url"].startswith("/kb/") for s in body["sources"])
    assert {e["id"] for e in body["entities"]} >= {"TRS-male", "TS-male"}
    assert body["cable"]["name"] == "TRS-male to TS-male"
    assert body["basis"] == "rules+guide"
    assert 0 <= body["confidence"] <= 1
    assert isinstance(body["context"], dict)
    assert response.headers["X-Request-ID"]


def test_every_contract_field_is_present(client):
    body = ask(
        client, {"question": "which cable from my interface outputs to my monitors' XLR inputs?"}
    ).get_json()
    assert set(body) >= {
        "question",
        "intent",
        "answer",
        "basis",
        "verdict",
        "cable",
        "entities",
        "facts",
        "sources",
        "confidence",
        "context",
    }
    assert body["cable"]["name"] == "TRS-male to XLR-male"
    assert body["cable"]["from"] == "TRS-male" and body["cable"]["to"] == "XLR-male"
    assert {"from": "tip", "to": "pin 2"} in body["cable"]["wiring"]
    assert all(set(f) == {"id", "text", "sources"} and f["sources"] for f in body["facts"])


def test_follow_up_uses_the_context_sent_back(client):
    first = ask(client, {"question": "is TRS-to-TS balanced?"}).get_json()
    follow = ask(client, {"question": "and with XLR?", "context": first["context"]}).get_json()
    assert follow["intent"] == "balanced_check"
    assert follow["verdict"]["balanced"] is None  # TRS to XLR: balanced only if the gear is
    assert "XLR" in follow["cable"]["name"]


def test_out_of_domain_is_a_polite_200(client):
    response = ask(client, {"question": "what's the weather in Paris tomorrow?"})
    body = response.get_json()
    assert response.status_code == 200
    assert body["intent"] == "out_of_domain"
    assert body["verdict"] is None
    assert "out of scope" in body["answer"].lower() and "cables" in body["answer"]


def test_health_and_readiness(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").status_code == 200


def test_openapi_document_is_generated_from_the_models(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.1")
    assert "/api/v1/ask" in doc["paths"]
    schemas = json.dumps(doc)
    assert "AskRequest" in schemas and "AskResponse" in schemas


BAD_INPUTS = [
    ("no body", b"", "application/json", 400, "/problems/bad-request"),
    ("invalid JSON", b'{"question": ', "application/json", 400, "/problems/bad-request"),
    ("a JSON array", b'["is TRS balanced?"]', "application/json", 400, "/problems/bad-request"),
    ("missing question", b'{"context": null}', "application/json", 422, "/problems/validation"),
    ("empty question", b'{"question": "   "}', "application/json", 422, "/problems/validation"),
    ("question not a string", b'{"question": 42}', "application/json", 422, "/problems/validation"),
    (
        "5,000-character question",
        json.dumps({"question": "x" * 5000}).encode(),
        "application/json",
        422,
        "/problems/validation",
    ),
    (
        "wrong content type",
        b"question=hi",
        "application/x-www-form-urlencoded",
        415,
        "/problems/unsupported-media-type",
    ),
    (
        "1 MB body",
        json.dumps({"question": "a" * 1_000_000}).encode(),
        "application/json",
        413,
        "/problems/payload-too-large",
    ),
    (
        "non-UTF-8 bytes",
        b'{"question": "\xff\xfe caf\xe9"}',
        "application/json",
        400,
        "/problems/bad-request",
    ),
    (
        "context of the wrong type",
        b'{"question": "is xlr balanced?", "context": 3}',
        "application/json",
        422,
        "/problems/validation",
    ),
]


@pytest.mark.parametrize(
    ("case", "body", "content_type", "status", "problem_type"),
    BAD_INPUTS,
    ids=[case[0] for case in BAD_INPUTS],
)
def test_bad_input_gets_a_problem_body(client, case, body, content_type, status, problem_type):
    response = client.post("/api/v1/ask", data=body, content_type=content_type)
    assert response.status_code == status, response.data[:200]
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == status
    assert problem["type"] == problem_type
    assert problem["title"] and problem["detail"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_validation_errors_name_the_field(client):
    problem = ask(client, {"question": ""}).get_json()
    assert problem["detail"].startswith("question:")
    assert problem["errors"][0]["loc"] == ["question"]


def test_rate_limit_says_when_to_come_back(settings, engine):
    app = create_app(settings.model_copy(update={"rate_limit": "2/minute"}), engine=engine)
    client = app.test_client()
    statuses = [ask(client, {"question": "is xlr balanced?"}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = ask(client, {"question": "is xlr balanced?"})
    assert limited.mimetype == PROBLEM
    assert int(limited.headers["Retry-After"]) > 0


def test_missing_index_means_503_until_built(tmp_path):
    settings = Settings(_env_file=None, index_dir=tmp_path / "nothing", model="hash")
    client = create_app(settings).test_client()
    assert client.get("/healthz").status_code == 200
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.headers["Retry-After"]
    assert "cablewise index build" in ready.get_json()["detail"]
    response = ask(client, {"question": "is xlr balanced?"})
    assert response.status_code == 503 and response.mimetype == PROBLEM


def test_a_bug_is_a_generic_500_with_a_request_id(settings):
    class BrokenEngine:
        def answer(self, question, context=None):
            if question != "is TRS to TS balanced?":
                raise RuntimeError("secret internals")
            from service.types import Answer
            from service.types import Basis
            from service.types import Intent

            return Answer(question, Intent.BALANCED_CHECK, "No.", Basis.RULES)

    client = create_app(settings, engine=BrokenEngine()).test_client()
    response = ask(client, {"question": "boom"}, headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500
    assert response.mimetype == PROBLEM
    assert "secret internals" not in response.get_data(as_text=True)
    assert response.headers["X-Request-ID"] == "req-123"
    assert "req-123" in response.get_json()["detail"]


def test_unknown_route_is_a_problem_too(client):
    response = client.get("/nope")
    assert response.status_code == 404 and response.mimetype == PROBLEM
