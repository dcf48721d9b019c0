"""The API document: served at /api/v1/openapi.json only, errors as problem+json, question lengths stated."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize(
    "path", ["/apidoc/swagger/", "/apidoc/redoc/", "/apidoc/scalar/", "/apidoc/openapi.json"]
)
def test_no_cdn_backed_doc_pages_are_served(client, path):
    assert client.get(path).status_code == 404


def test_errors_are_documented_as_problem_json(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    responses = doc["paths"]["/api/v1/ask"]["post"]["responses"]
    assert set(responses["200"]["content"]) == {"application/json"}
    for status in ("400", "413", "415", "422", "429", "503"):
        assert set(responses[status]["content"]) == {"application/problem+json"}, status


def test_question_length_is_in_the_schema(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    [name] = [n for n in schemas if n.startswith("AskRequest")]
    question = schemas[name]["properties"]["question"]
    assert question["minLength"] == 1 and question["maxLength"] == 1000


def test_every_route_is_documented_with_its_responses(app, client):
    """Each route the app serves (but /static, Flask's own) is in the document, with at least one 2xx."""
    doc = client.get("/api/v1/openapi.json").get_json()
    served = {
        (re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {(path, method.upper()) for path, ops in doc["paths"].items() for method in ops}
    assert served <= documented
    for path, ops in doc["paths"].items():
        for method, operation in ops.items():
            statuses = set(operation["responses"])
            assert any(s.startswith("2") for s in statuses), (
                f"{method} {path} documents no success: {statuses}"
            )


def test_pages_are_documented_as_what_they_send(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/demo"]["get"]["responses"]["200"]["content"]) == {"text/html"}
    assert set(paths["/kb/{article_id}"]["get"]["responses"]) == {"200", "404", "429"}
    assert set(paths["/widget.js"]["get"]["responses"]["200"]["content"]) == {"text/javascript"}
    assert "422" not in paths["/healthz"]["get"]["responses"]  # spectree's default; /healthz takes no input


def test_retry_after_and_request_id_are_documented(client):
    responses = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/ask"]["post"]["responses"]
    assert "Retry-After" in responses["429"]["headers"] and "Retry-After" in responses["503"]["headers"]
    assert all("X-Request-ID" in r["headers"] for r in responses.values())


def test_the_question_pattern_is_exactly_what_trimming_keeps():
    """The schema's pattern and the server's str.strip() agree on every character (schemathesis found U+0085)."""
    import sys

    from service.adapters.schemas import NOT_ONLY_SPACE

    pattern = re.compile(NOT_ONLY_SPACE)
    disagree = [c for c in range(sys.maxunicode + 1) if bool(pattern.search(chr(c))) == chr(c).isspace()]
    assert disagree == []
