"""POST /api/v1/feedback: votes from the widget (or any API client) on an answer, in the feedback table."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from service.app import create_app
from service.storage import records as stored_records

SHOP = "https://shop.example"  # in the settings fixture's CORS origins


def ask(client, question="is TRS to TS balanced?"):
    response = client.post("/api/v1/ask", json={"question": question, "channel": "widget"})
    assert response.status_code == 200
    return response.get_json()


def vote(answer: dict, helpful: bool) -> dict:
    return {
        "answer_id": answer["answer_id"],
        "question": answer["question"],
        "intent": answer["intent"],
        "helpful": helpful,
        "channel": "widget",
    }


@pytest.fixture()
def records(app):
    records = stored_records.of(app)
    yield records
    records.database.dispose()


def test_every_answer_carries_its_id_and_a_vote_on_it_is_stored(client, records):
    answer = ask(client)
    assert len(answer["answer_id"]) == 16 and ask(client)["answer_id"] == answer["answer_id"]  # stable
    response = client.post("/api/v1/feedback", json=vote(answer, helpful=False))
    assert response.status_code == 204 and response.data == b""
    assert records.feedback.counts() == {"helpful": 0, "not_helpful": 1}


def test_a_repeated_vote_counts_once_and_another_answer_counts_again(client, records):
    first, second = ask(client), ask(client, "why do my monitors hum?")
    for _ in range(3):
        assert client.post("/api/v1/feedback", json=vote(first, helpful=True)).status_code == 204
    assert client.post("/api/v1/feedback", json=vote(second, helpful=True)).status_code == 204
    assert records.feedback.counts() == {"helpful": 2, "not_helpful": 0}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"answer_id": "not-an-id"}, "answer_id"),
        ({"helpful": "yes"}, "helpful"),
        ({"intent": "gossip"}, "intent"),
        ({"question": ""}, "question"),
        ({"channel": "fax"}, "channel"),
    ],
)
def test_a_bad_vote_is_422_naming_the_field_and_stores_nothing(client, records, change, field):
    body = {**vote(ask(client), helpful=True), **change}
    response = client.post("/api/v1/feedback", json=body)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["loc"] == [field]
    assert records.feedback.counts() == {"helpful": 0, "not_helpful": 0}


def test_not_json_is_415_and_broken_json_is_400(client):
    assert client.post("/api/v1/feedback", data="helpful", content_type="text/plain").status_code == 415
    assert client.post("/api/v1/feedback", data="{", content_type="application/json").status_code == 400


def test_the_widget_may_vote_from_a_shop_page(client):
    preflight = client.options(
        "/api/v1/feedback", headers={"Origin": SHOP, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == SHOP
    answer = ask(client)
    voted = client.post("/api/v1/feedback", json=vote(answer, helpful=True), headers={"Origin": SHOP})
    assert voted.headers["Access-Control-Allow-Origin"] == SHOP
    other = client.post(
        "/api/v1/feedback", json=vote(answer, helpful=True), headers={"Origin": "https://evil.example"}
    )
    assert "Access-Control-Allow-Origin" not in other.headers


def test_votes_are_rate_limited_per_client(settings, engine):
    app = create_app(settings.model_copy(update={"rate_limit": "2/minute"}), engine=engine)
    client = app.test_client()
    body = {"answer_id": "0123456789abcdef", "question": "q", "intent": "concept", "helpful": True}
    assert [client.post("/api/v1/feedback", json=body).status_code for _ in range(3)] == [204, 204, 429]
    stored_records.of(app).database.dispose()


def test_an_unreachable_database_is_503_and_the_vote_may_be_sent_again(settings, engine):
    down = settings.model_copy(update={"database_url": SecretStr("postgresql://u:pw@127.0.0.1:1/cablewise")})
    client = create_app(down, engine=engine).test_client()
    body = {"answer_id": "0123456789abcdef", "question": "q", "intent": "concept", "helpful": True}
    for _ in range(2):  # not remembered as counted
        response = client.post("/api/v1/feedback", json=body)
        assert response.status_code == 503
        assert response.get_json()["type"] == "/problems/storage-unavailable"


def test_the_endpoint_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/feedback"]["post"]
    assert "204" in operation["responses"] and "422" in operation["responses"]
    assert "answer_id" in str(doc["components"]["schemas"])
