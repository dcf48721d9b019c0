"""Parsing limits on POST /api/v1/ask: depth, number size and unpaired surrogates are 400s, never 500s."""

from __future__ import annotations

import pytest

PROBLEM = "application/problem+json"

CASES = [
    (
        "context nested 1,000 deep",
        b'{"question": "is xlr balanced?", "context": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    ),
    (
        "context nested 7,000 deep",
        b'{"question": "is xlr balanced?", "context": ' + b"[" * 7000 + b"]" * 7000 + b"}",
    ),
    ("context nested 40 deep", b'{"question": "x", "context": {"a": ' + b"[" * 40 + b"]" * 40 + b"}}"),
    ("integer of 4,300 digits", b'{"question": "is xlr balanced?", "context": {"n": ' + b"9" * 4300 + b"}}"),
    ("integer of 5,000 digits", b'{"question": "is xlr balanced?", "n": ' + b"1" * 5000 + b"}"),
    ("NaN", b'{"question": "is xlr balanced?", "context": {"n": NaN}}'),
    ("lone high surrogate in the question", b'{"question": "is xlr \\ud800 balanced?"}'),
    ("lone low surrogate in the question", b'{"question": "\\udfff"}'),
    ("lone surrogate in a context key", b'{"question": "is xlr balanced?", "context": {"\\ud83d": 1}}'),
]


@pytest.mark.parametrize("body", [c[1] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_json_is_a_problem_not_a_500(client, body):
    response = client.post("/api/v1/ask", data=body, content_type="application/json")
    assert response.status_code in (400, 422), response.data[:300]
    assert response.mimetype == PROBLEM
    problem = response.get_json()
    assert problem["status"] == response.status_code and problem["detail"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_a_paired_surrogate_escape_is_an_ordinary_character(client):
    response = client.post(
        "/api/v1/ask",
        data=b'{"question": "is xlr balanced? \\ud83c\\udfa4"}',
        content_type="application/json",
    )
    assert response.status_code == 200


def test_modest_nesting_and_numbers_are_fine(client):
    body = b'{"question": "is xlr balanced?", "channel": "api", "n": 12345678901234567890, "x": [[[[1]]]]}'
    assert client.post("/api/v1/ask", data=body, content_type="application/json").status_code == 200
