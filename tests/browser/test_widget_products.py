"""The widget shows the answer's wiring picture and the shop's product cards, safely, at 1280 px and at 320 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_widget_browser import ASK_ROUTE
from tests.browser.test_widget_browser import Widget

pytestmark = pytest.mark.browser

QUESTION = "which cable from my interface's TRS outputs to my monitors' XLR inputs? they are 3 m away"


def _loaded(image) -> bool:
    return image.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize(
    ("width", "height"),
    [(1280, 800), (320, 640)],
)
def test_the_answer_shows_the_wiring_picture_and_product_cards(new_page, servers, artifacts, width, height):
    page = new_page(viewport={"width": width, "height": height}, has_touch=width < 500, is_mobile=width < 500)
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()
    body = widget.ask_and_wait(QUESTION)
    assert body["wiring_url"] and body["products"], body

    answer = widget.answers.last
    image = answer.locator("figure.wiring img")
    image.scroll_into_view_if_needed()
    expect(image).to_be_visible()
    expect(image).to_have_attribute("alt", body["wiring_alt"])
    page.wait_for_function(
        "() => { const i = document.querySelector('cablewise-widget').shadowRoot.querySelector('.wiring img');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    assert _loaded(image)

    cards = answer.locator(".products li.product")
    expect(cards).to_have_count(len(body["products"]))
    for index, product in enumerate(body["products"]):
        card = cards.nth(index)
        card.scroll_into_view_if_needed()
        expect(card).to_be_visible()
        link = card.locator("a.title")
        expect(link).to_contain_text(product["title"])
        expect(link).to_have_attribute("href", product["link"])
        expect(card.locator(".price")).to_contain_text(product["price"].split(".")[0])
        expect(card.locator(".stock")).to_have_text(
            {
                "in_stock": "In stock",
                "out_of_stock": "Out of stock",
                "preorder": "Pre-order",
                "backorder": "Backorder",
            }[product["availability"]]
        )

    scroll = widget.part(".scroll").bounding_box()
    for part in [image] + [cards.nth(i) for i in range(cards.count())]:
        box = part.bounding_box()
        assert (
            box["x"] >= scroll["x"] - 0.5 and box["x"] + box["width"] <= scroll["x"] + scroll["width"] + 0.5
        ), box
    overflow = page.evaluate(
        """() => { const s = document.querySelector("cablewise-widget").shadowRoot.querySelector(".scroll");
                   return s.scrollWidth - s.clientWidth; }"""
    )
    assert overflow <= 0, "the conversation scrolls sideways"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width, "the page scrolls sideways"
    if width == 320:
        assert image.bounding_box()["width"] <= 320

    answer.locator("figure.wiring").scroll_into_view_if_needed()
    page.evaluate(
        """() => { const r = document.querySelector("cablewise-widget").shadowRoot;
                   const s = r.querySelector(".scroll"), f = r.querySelector("li.answer:last-child figure.wiring");
                   s.scrollTop = f.offsetTop - 8; }"""
    )
    page.mouse.move(0, 0)
    path = artifacts / f"widget-products-{width}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 10_000


def test_a_hostile_picture_url_or_product_link_is_never_followed(page, servers, watch):
    hostile = {
        "question": "q",
        "intent": "cable_recommendation",
        "answer": "a",
        "basis": "rules",
        "verdict": None,
        "cable": {"name": "TRS-male to XLR-male", "from": "TRS-male", "to": "XLR-male", "wiring": []},
        "entities": [],
        "facts": [],
        "sources": [],
        "confidence": 0.5,
        "context": {},
        "wiring_url": "https://evil.example/w.svg",
        "wiring_alt": "<img src=w onerror=alert(1)>",
        "products": [
            {
                "id": "x",
                "title": "<img src=p onerror=alert(2)>",
                "link": "javascript:alert(3)",
                "price": "9.90",
                "currency": "USD",
                "availability": "<b>soon</b>",
                "kind": "balanced",
                "from": "TRS-male",
                "to": "XLR-male",
                "length_m": 3,
            }
        ],
    }
    page.route(ASK_ROUTE, lambda route: route.fulfill(json=hostile))
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()
    widget.ask("anything")
    answer = widget.answers.last
    expect(answer).to_be_visible()
    expect(answer.locator(".product .title")).to_have_text("<img src=p onerror=alert(2)>")
    assert answer.locator(".product a").count() == 0  # a javascript: link is shown as text only
    assert answer.locator("figure.wiring").count() == 0  # a picture from another origin is not loaded
    for url in ("//evil.example/w.svg", "javascript:alert(4)", "/\\evil.example/w.svg"):
        hostile["wiring_url"] = url
        before = widget.answers.count()
        widget.ask("again")
        expect(widget.answers).to_have_count(before + 1)
        assert widget.answers.last.locator("figure.wiring").count() == 0, url
    page.wait_for_timeout(300)
    assert widget.shadow_count("img, script, b, iframe") == 0
    assert watch.dialogs == []
