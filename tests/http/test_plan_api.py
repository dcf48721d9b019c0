"""POST /api/v1/plan: the connection planner over HTTP, its errors as problem+json, and its OpenAPI entry."""

from __future__ import annotations

from service.adapters.plan_schemas import PlanResponse


def test_plans_scarlett_to_hs5(client):
    response = client.post("/api/v1/plan", json={"source": "Scarlett 2i2", "destination": "Yamaha HS5"})
    assert response.status_code == 200
    body = response.get_json()
    PlanResponse.model_validate(body)  # the documented shape
    assert body["safe"] is True and body["source"] == "Focusrite Scarlett 2i2"
    best = body["plans"][0]
    assert best["balanced"] is True and best["stereo"] is True
    assert [(p["kind"], p["quantity"]) for p in best["parts"]] == [("cable", 2)]
    assert best["links"][0]["rules"]


def test_mono_and_phantom_options_are_used(client):
    body = client.post(
        "/api/v1/plan",
        json={"source": "Scarlett 2i2", "destination": "a mic input", "phantom": "on", "stereo": False},
    ).get_json()
    assert body["safe"] is True
    assert all(p["quantity"] == 1 for plan in body["plans"] for p in plan["parts"])
    assert all(not plan["warnings"] for plan in body["plans"])


def test_no_safe_plan_is_a_200_that_says_so(client):
    body = client.post(
        "/api/v1/plan", json={"source": "speaker output", "destination": "line input"}
    ).get_json()
    assert body["safe"] is False and body["plans"] == []
    assert body["message"].startswith("No safe plan was found")


def test_unknown_gear_is_a_422_problem(client):
    response = client.post("/api/v1/plan", json={"source": "my cat", "destination": "Yamaha HS5"})
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "no gear, port or connector" in response.get_json()["detail"]


def test_bad_bodies_are_problems(client):
    missing = client.post("/api/v1/plan", json={"source": "SM58"})
    assert missing.status_code == 422 and "destination" in missing.get_json()["detail"]
    wrong_type = client.post("/api/v1/plan", json={"source": 5, "destination": "HS5"})
    assert wrong_type.status_code == 422 and "must be a string" in wrong_type.get_json()["detail"]
    not_json = client.post("/api/v1/plan", data="source=SM58", content_type="text/plain")
    assert not_json.status_code == 415
    broken = client.post("/api/v1/plan", data="{", content_type="application/json")
    assert broken.status_code == 400 and broken.mimetype == "application/problem+json"


def test_rate_limited_like_the_question_endpoint(settings, engine):
    from service.app import create_app

    client = create_app(settings.model_copy(update={"rate_limit": "2/minute"}), engine=engine).test_client()
    codes = [
        client.post("/api/v1/plan", json={"source": "SM58", "destination": "mixer"}).status_code
        for _ in range(3)
    ]
    assert codes == [200, 200, 429]


def test_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    operation = doc["paths"]["/api/v1/plan"]["post"]
    assert "application/problem+json" in operation["responses"]["422"]["content"]
    assert "application/json" in operation["responses"]["200"]["content"]
