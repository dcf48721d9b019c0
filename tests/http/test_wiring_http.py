"""GET /wiring/<from>--<to>.svg, the answer's wiring_url, and the pictures on the knowledge-base pages."""

from __future__ import annotations

import re


def test_a_picture_is_served_as_cached_script_free_svg(client):
    response = client.get("/wiring/trs-male--xlr-male.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age" in response.headers["Cache-Control"]
    body = response.get_data(as_text=True)
    assert "<title" in body and "<desc" in body and "<script" not in body
    again = client.get("/wiring/trs-male--xlr-male.svg", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_an_unknown_end_is_a_404_problem(client):
    for path in (
        "/wiring/trs-male--garden_hose.svg",
        "/wiring/trs-male.svg",
        "/wiring/%3Cscript%3E--xlr-male.svg",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.mimetype == "application/problem+json"


def test_an_answer_links_the_picture_of_its_cable(client):
    body = client.post(
        "/api/v1/ask",
        json={"question": "which cable from my interface's TRS outputs to my monitors' XLR inputs?"},
    ).get_json()
    assert body["wiring_url"] == "/wiring/trs-male--xlr-male.svg"
    assert body["wiring_alt"].startswith(
        "Wiring of the TRS-male (1/4-inch TRS) to XLR-male (XLR) cable: tip to pin 2"
    )
    assert client.get(body["wiring_url"]).status_code == 200
    none = client.post("/api/v1/ask", json={"question": "what is phantom power?"}).get_json()
    assert none["cable"] is None and none["wiring_url"] is None and none["wiring_alt"] is None


def test_the_knowledge_base_shows_the_named_cables_with_alt_text(client):
    assert 'href="/kb/ontology#wiring"' in client.get("/kb/").get_data(as_text=True)
    page = client.get("/kb/ontology").get_data(as_text=True)
    images = re.findall(r'<img src="([^"]+)" alt="([^"]+)"', page)
    assert len(images) >= 4
    for src, alt in images:
        assert src.startswith("/wiring/") and alt.startswith("Wiring of the ")
        assert client.get(src).status_code == 200
    links = re.findall(r'<a href="(/wiring/[^"]+)"', page)
    assert len(links) >= 200
    assert client.get(links[-1]).status_code == 200


def test_with_a_public_url_the_link_is_absolute_and_the_demo_page_may_show_it(settings, engine):
    from service.app import create_app

    app = create_app(settings.model_copy(update={"public_url": "https://cables.example/"}), engine=engine)
    client = app.test_client()
    body = client.post("/api/v1/ask", json={"question": "XLR mic into my interface, which cable?"}).get_json()
    assert body["wiring_url"] == "https://cables.example/wiring/xlr-female--xlr-male.svg"
    csp = client.get("/demo").headers["Content-Security-Policy"]
    assert "img-src 'self' https://cables.example data:;" in csp
