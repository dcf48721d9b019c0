"""The API document: served at /api/v1/openapi.json only, errors as problem+json, question lengths stated."""

from __future__ import annotations

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
