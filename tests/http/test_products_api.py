"""The `products` field of POST /api/v1/ask: the shop's products that fit the answer's cable."""

from __future__ import annotations

from service.app import create_app


def _ask(client, question):
    response = client.post("/api/v1/ask", json={"question": question})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_an_answer_lists_the_sample_feeds_fitting_products_in_stock_first(client):
    body = _ask(
        client, "which cable from my interface's TRS outputs to my monitors' XLR inputs? they are 4 m away"
    )
    assert body["cable"]["from"] == "TRS-male" and body["cable"]["to"] == "XLR-male"
    products = body["products"]
    assert products, body
    for product in products:
        assert {product["from"], product["to"]} == {"TRS-male", "XLR-male"}
        assert product["kind"] == "balanced"
        assert product["length_m"] >= 4
        assert product["link"].startswith("https://")
        assert product["price"].count(".") == 1 and product["currency"] == "USD"
    ranks = [product["availability"] != "in_stock" for product in products]
    assert ranks == sorted(ranks)


def test_a_speaker_link_lists_speaker_cables_only(client):
    body = _ask(client, "I need a speakON cable from my power amp to my passive speakers")
    assert body["products"]
    assert all(p["kind"] == "speaker" for p in body["products"])


def test_no_cable_no_products(client):
    body = _ask(client, "what is phantom power?")
    assert body["products"] == []


def test_an_empty_catalog_setting_turns_products_off(settings, engine):
    client = create_app(settings.model_copy(update={"catalog": None}), engine=engine).test_client()
    body = _ask(client, "which cable from my interface's TRS outputs to my monitors' XLR inputs?")
    assert body["cable"] is not None
    assert body["products"] == []


def test_the_openapi_document_describes_products(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    found = []

    def walk(node):  # spectree may keep the item model in the answer's $defs or in components
        if isinstance(node, dict):
            if node.get("title") == "ProductOut" and "properties" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(doc)
    assert found
    assert {"id", "title", "link", "price", "currency", "availability", "from", "to"} <= set(
        found[0]["properties"]
    )


def test_a_guitar_gets_instrument_cables_and_never_speaker_cables(client):
    body = _ask(client, "guitar into my amp, which cable? 5 m")
    assert body["cable"]["name"] == "TS-male to TS-male"
    assert body["products"] and all(
        p["kind"] == "unbalanced" and p["length_m"] >= 5 for p in body["products"]
    )


def test_a_stereo_jack_into_two_inputs_gets_y_cables(client):
    body = _ask(client, "laptop headphone jack to two mixer line inputs")
    assert body["products"]
    assert all({p["from"], p["to"]} == {"3.5mm TRS-male", "dual TS-male"} for p in body["products"])
