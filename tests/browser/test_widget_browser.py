"""The chat widget in a real browser: answers, follow-ups, safety, keyboard, layout, errors and CORS.

Every test drives the widget the way a shopper would, on the /demo shop page (hostile global CSS) unless it
says otherwise, against the real app and the real engine. Only the error and markup tests replace the API's
answer, with page.route, because a healthy server neither fails nor sends markup on demand.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

ASK_ROUTE = "**/api/v1/ask"
FIRST_QUESTION = "is TRS to TS balanced?"
FOLLOW_UP = "and with XLR?"
XSS = "<img src=x onerror=alert(1)>"


class Widget:
    """The widget on a page; Playwright's CSS selectors pierce its open shadow root."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.launcher = self.part(".launcher")
        self.panel = self.part('[role="dialog"]')
        self.input = self.part("input#cw-input")
        self.send = self.part("button.send")
        self.answers = self.part("li.answer")
        self.questions = self.part("li.user")
        self.errors = self.part("li.error")
        self.live = self.part('[aria-live="polite"]')

    def part(self, selector: str):
        """A locator inside the widget."""
        return self.page.locator(f"cablewise-widget {selector}")

    def open(self) -> None:
        """Click the launcher and wait for the panel."""
        self.launcher.click()
        expect(self.panel).to_be_visible()

    def ask(self, question: str) -> None:
        """Type a question and press Enter."""
        self.input.fill(question)
        self.input.press("Enter")

    def ask_and_wait(self, question: str) -> dict:
        """Ask, wait for the server's answer to be shown, and return the answer's JSON."""
        before = self.answers.count()
        with self.page.expect_response(ASK_ROUTE) as response:
            self.ask(question)
        expect(self.answers).to_have_count(before + 1)
        return response.value.json()

    def focused(self) -> str | None:
        """Describe the element focused inside the shadow root ("button.launcher", "input#cw-input"...)."""
        return self.page.evaluate(
            """() => {
                const host = document.querySelector("cablewise-widget");
                const el = host && document.activeElement === host ? host.shadowRoot.activeElement : null;
                if (!el) return null;
                return el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
                    (el.classList.length ? "." + [...el.classList].join(".") : "");
            }"""
        )

    def shadow_count(self, selector: str) -> int:
        """How many elements inside the shadow root match a selector."""
        return self.page.evaluate(
            "s => document.querySelector('cablewise-widget').shadowRoot.querySelectorAll(s).length", selector
        )


def record_asks(page: Page) -> list[dict]:
    """The JSON bodies the page POSTs to /api/v1/ask, filled in as it sends them."""
    sent: list[dict] = []
    page.on(
        "request",
        lambda r: sent.append(r.post_data_json) if r.method == "POST" and "/api/v1/ask" in r.url else None,
    )
    return sent


def problem(status: int, detail: str, **extra) -> dict:
    """A problem+json body as the app sends it."""
    return {"type": "/problems/test", "title": "Test", "status": status, "detail": detail, **extra}


# ---- answers ----------------------------------------------------------------------------------------------


def test_an_answer_shows_the_verdict_badge_and_its_sources(page, servers):
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()

    body = widget.ask_and_wait(FIRST_QUESTION)

    answer = widget.answers.last
    badge = answer.locator('[data-verdict="unbalanced"]')
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("Unbalanced")  # words, not colour alone...
    expect(badge.locator("svg")).to_have_count(1)  # ...and an icon
    first_sentence = body["answer"].split(".")[0].replace("**", "")
    expect(answer.locator(".text")).to_contain_text(first_sentence)
    sources = answer.locator(".sources details")
    assert sources.count() >= 1
    assert sources.count() == len(body["sources"])

    first = sources.first
    first.locator("summary").click()
    link = first.locator("a")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener")
    href = link.get_attribute("href")
    assert href == servers.base + body["sources"][0]["url"]
    passage = page.request.get(href)
    assert passage.ok
    if "#" in href:
        assert f'id="{href.split("#", 1)[1]}"' in passage.text()


def test_a_follow_up_sends_back_the_previous_answers_context(page, servers):
    sent = record_asks(page)
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()

    first = widget.ask_and_wait(FIRST_QUESTION)
    second = widget.ask_and_wait(FOLLOW_UP)

    assert [s["question"] for s in sent] == [FIRST_QUESTION, FOLLOW_UP]
    assert sent[0]["context"] is None
    assert sent[1]["context"] == first["context"]
    assert {s["channel"] for s in sent} == {"widget"}
    expect(widget.answers).to_have_count(2)
    expect(widget.answers.last.locator(".text")).to_contain_text(
        second["answer"].split(".")[0].replace("**", "")
    )
    # The follow-up was read with the first question's context: it is about XLR and still about balance.
    assert any("xlr" in (e["id"] + e["text"]).lower() for e in second["entities"]), second["entities"]


def test_new_conversation_forgets_the_context_and_the_messages(page, servers):
    sent = record_asks(page)
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()
    starters = widget.part(".starters button")
    expect(starters.first).to_be_visible()
    widget.ask_and_wait(FIRST_QUESTION)
    expect(widget.part(".starters")).to_be_hidden()

    widget.part("button.new").click()

    expect(widget.answers).to_have_count(0)
    expect(widget.questions).to_have_count(0)
    expect(widget.part("li.greeting")).to_be_visible()
    expect(starters.first).to_be_visible()
    assert widget.focused() == "input#cw-input"
    with page.expect_response(ASK_ROUTE):
        starters.first.click()
    expect(widget.answers).to_have_count(1)
    assert sent[-1]["context"] is None
    assert sent[-1]["question"] == starters.first.inner_text()


def test_one_polite_live_region_announces_only_the_newest_answer(page, servers):
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()
    assert widget.shadow_count("[aria-live]") == 1
    assert widget.shadow_count('[aria-live="polite"]') == 1
    assert (
        widget.shadow_count('[role="status"], [role="log"], [role="alert"]') == 0
    )  # no implicit live regions

    first = widget.ask_and_wait(FIRST_QUESTION)
    first_text = first["answer"].replace("**", "")[:40]
    expect(widget.live).to_contain_text(first_text)
    second = widget.ask_and_wait("is an XLR mic cable balanced?")
    second_text = second["answer"].replace("**", "")[:40]

    expect(widget.live).to_contain_text(second_text)
    if first_text != second_text:
        expect(widget.live).not_to_contain_text(first_text)


def test_loading_the_script_twice_mounts_one_widget(page, servers):
    tag = f'<script src="{servers.base}/widget.js" data-endpoint="{servers.base}"></script>'
    page.route(
        f"{servers.base}/twice",
        lambda route: route.fulfill(content_type="text/html", body=f"<!doctype html><body>{tag}{tag}</body>"),
    )
    page.goto(f"{servers.base}/twice")
    page.wait_for_function("() => window.__cablewiseWidget && document.querySelector('cablewise-widget')")

    assert page.locator("cablewise-widget").count() == 1
    assert Widget(page).launcher.count() == 1


def test_the_tag_configures_the_widget(page, servers):
    tag = (
        f'<script src="{servers.base}/widget.js" data-endpoint="{servers.base}/" data-title="Kabelhilfe" '
        'data-accent="#0b6e4f" data-position="left" data-greeting="Hello <b>shop</b>" '
        'data-placeholder="Type here" data-starters="Is XLR balanced? | What is phantom power?" defer>'
        "</script>"
    )
    page.route(
        f"{servers.base}/configured",
        lambda route: route.fulfill(content_type="text/html", body=f"<!doctype html><p>Shop</p>{tag}"),
    )
    page.goto(f"{servers.base}/configured")
    widget = Widget(page)
    widget.open()

    expect(widget.launcher).to_have_text("Kabelhilfe")
    expect(widget.panel).to_have_attribute("aria-label", "Kabelhilfe")
    expect(widget.launcher).to_have_css("background-color", "rgb(11, 110, 79)")
    assert widget.launcher.bounding_box()["x"] < 100  # data-position="left"
    expect(widget.part("li.greeting")).to_have_text("Hello <b>shop</b>")
    expect(widget.input).to_have_attribute("placeholder", "Type here")
    expect(widget.part(".starters button")).to_have_text(["Is XLR balanced?", "What is phantom power?"])
    with page.expect_request(ASK_ROUTE) as request:
        widget.part(".starters button").first.click()
    assert request.value.url == f"{servers.base}/api/v1/ask"  # the trailing slash of data-endpoint is dropped
    expect(widget.answers).to_have_count(1)


def test_a_bad_accent_falls_back_to_the_default(page, servers):
    tag = (
        f'<script src="{servers.base}/widget.js" data-accent="red; background: url(//evil.example)"></script>'
    )
    page.route(
        f"{servers.base}/bad-accent",
        lambda route: route.fulfill(content_type="text/html", body=f"<!doctype html>{tag}"),
    )
    page.goto(f"{servers.base}/bad-accent")
    widget = Widget(page)

    expect(widget.launcher).to_have_css("background-color", "rgb(31, 95, 191)")  # #1f5fbf
    expect(widget.launcher).to_have_text("Cable help")
    assert (
        page.evaluate("() => window.__cablewiseWidget.config.endpoint") == servers.base
    )  # the script's origin


# ---- nothing from anyone becomes HTML ----------------------------------------------------------------------


def test_a_question_with_markup_is_shown_as_text(page, servers, watch):
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()

    with page.expect_response(ASK_ROUTE):
        widget.ask(XSS)

    expect(widget.questions.last).to_contain_text(XSS)
    expect(widget.part("li.answer, li.error").last).to_be_visible()
    page.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert widget.shadow_count("img") == 0
    assert page.locator("img").count() == 0
    assert watch.dialogs == []


def test_markup_in_every_field_of_an_answer_is_shown_as_text(page, servers, watch):
    hostile = {
        "question": "q",
        "intent": "compatibility",
        "answer": "**<img src=x onerror=alert(1)>** then <script>alert(2)</script>\n- <b>item</b>",
        "basis": "rules",
        "verdict": {
            "balanced": None,
            "compatibility": "unsafe",
            "conditions": [],
            "warnings": [{"hazard": "h", "severity": "danger", "text": "<img src=y onerror=alert(3)>"}],
        },
        "cable": {"name": "<img src=z onerror=alert(4)>", "from": "a", "to": "b", "wiring": []},
        "entities": [],
        "facts": [],
        "sources": [
            {
                "id": "a#b",
                "title": "<img src=t onerror=alert(5)>",
                "snippet": "<script>alert(6)</script>",
                "score": 0.5,
                "url": "javascript:alert(7)",
            },
            {
                "id": "c#d",
                "title": "Protocol-relative",
                "snippet": "s",
                "score": 0.4,
                "url": "//evil.example/x",
            },
        ],
        "confidence": 0.5,
        "context": {},
    }
    page.route(ASK_ROUTE, lambda route: route.fulfill(json=hostile))
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()

    widget.ask("anything")

    answer = widget.answers.last
    expect(answer).to_be_visible()
    expect(answer.locator("strong", has_text="<img src=x onerror=alert(1)>")).to_have_count(1)
    expect(answer.locator(".text li")).to_have_text("<b>item</b>")
    expect(answer.locator(".warning")).to_contain_text("Danger: <img src=y onerror=alert(3)>")
    expect(answer.locator(".cable")).to_contain_text("<img src=z onerror=alert(4)>")
    expect(answer.locator('[data-verdict="unsafe"]')).to_contain_text("Unsafe")
    expect(answer.locator("summary").first).to_have_text(re.compile(r"^<img src=t onerror=alert\(5\)>"))
    assert answer.locator(".sources a").count() == 0  # neither javascript: nor another site is linked
    page.wait_for_timeout(300)
    assert widget.shadow_count("img, script, b, iframe") == 0
    assert watch.dialogs == []


# ---- keyboard, focus and accessibility ---------------------------------------------------------------------


def test_the_widget_works_with_the_keyboard_alone(page, servers):
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    expect(widget.launcher).to_be_visible()

    for _ in range(40):
        page.keyboard.press("Tab")
        if widget.focused() == "button.launcher":
            break
    else:
        pytest.fail("Tab never reached the launcher button")
    assert_focus_ring_visible(page)
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")
    expect(widget.panel).to_be_visible()
    expect(widget.panel).to_have_attribute("aria-label", "Cable help")
    expect(widget.launcher).to_have_attribute("aria-expanded", "true")
    assert widget.focused() == "input#cw-input"

    with page.expect_response(ASK_ROUTE):
        page.keyboard.type(FIRST_QUESTION)
        page.keyboard.press("Enter")
    expect(widget.answers).to_have_count(1)

    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        seen.append(widget.focused())
        if (
            page.evaluate(
                "() => document.querySelector('cablewise-widget').shadowRoot.activeElement?.tagName"
            )
            == "SUMMARY"
        ):
            break
    else:
        pytest.fail(f"Tab never reached a source; focus went {seen}")
    assert_focus_ring_visible(page)
    page.keyboard.press("Enter")
    expect(widget.answers.last.locator("details[open]")).to_have_count(1)

    page.keyboard.press("Escape")
    expect(widget.panel).to_be_hidden()
    assert widget.focused() == "button.launcher"
    expect(widget.launcher).to_have_attribute("aria-expanded", "false")


def assert_focus_ring_visible(page: Page) -> None:
    """The focused element inside the widget draws an outline at least 2 px wide."""
    style = page.evaluate(
        """() => {
            const el = document.querySelector("cablewise-widget").shadowRoot.activeElement;
            const s = getComputedStyle(el);
            return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)};
        }"""
    )
    assert style["style"] != "none" and style["width"] >= 2, style


# ---- layout: the shop's CSS changes nothing; small and touch screens ---------------------------------------

MEASURED = {
    "launcher": ".launcher",
    "panel": '[role="dialog"]',
    "title": ".head h2",
    "new": "button.new",
    "close": "button.close",
    "input": "input#cw-input",
    "send": "button.send",
    "greeting": "li.greeting",
    "question": "li.user",
    "answer": "li.answer",
    "badge": ".badge",
    "summary": "summary",
}


def measure(page: Page, url: str) -> dict[str, dict]:
    """Open the widget on `url`, ask one question, and return the boxes of its parts."""
    page.goto(url)
    widget = Widget(page)
    widget.open()
    widget.ask_and_wait(FIRST_QUESTION)
    boxes = {name: widget.part(selector).first.bounding_box() for name, selector in MEASURED.items()}
    boxes["fonts"] = page.evaluate(
        """() => { const r = document.querySelector("cablewise-widget").shadowRoot;
                   return ["input", ".text p", "summary", ".launcher"].map(
                       s => getComputedStyle(r.querySelector(s)).font); }"""
    )
    return boxes


def test_the_shops_css_does_not_change_the_widgets_layout(page, servers):
    hostile = measure(page, f"{servers.base}/demo")
    plain = measure(page, f"{servers.base}/demo?plain=1")

    assert hostile["fonts"] == plain["fonts"]
    for name in MEASURED:
        a, b = hostile[name], plain[name]
        assert a is not None and b is not None, name
        for key in ("x", "y", "width", "height"):
            assert abs(a[key] - b[key]) <= 1, f"{name}.{key}: {a[key]} on /demo vs {b[key]} on /demo?plain=1"


@pytest.mark.parametrize("path", ["/demo?plain=1", "/demo"])
def test_at_320_px_the_panel_is_full_width_with_large_tap_targets(new_page, servers, path):
    page = new_page(viewport={"width": 320, "height": 640}, has_touch=True, is_mobile=True)
    page.goto(servers.base + path)
    widget = Widget(page)

    widget.launcher.tap()
    expect(widget.panel).to_be_visible()
    with page.expect_response(ASK_ROUTE):
        widget.input.fill(FIRST_QUESTION)
        widget.send.tap()
    expect(widget.answers).to_have_count(1)

    panel = widget.panel.bounding_box()
    assert panel["x"] == 0 and panel["width"] == 320, panel
    for name in ("input", "send", "close", "new"):
        box = widget.part(MEASURED[name]).bounding_box()
        assert 0 <= box["x"] and box["x"] + box["width"] <= 320, (name, box)
    for name in ("send", "close", "new", "summary"):
        box = widget.part(MEASURED[name]).first.bounding_box()
        assert box["height"] >= 44, (name, box)  # a fingertip, not a mouse pointer
    overflow = page.evaluate(
        """() => { const s = document.querySelector("cablewise-widget").shadowRoot.querySelector(".scroll");
                   return s.scrollWidth - s.clientWidth; }"""
    )
    assert overflow <= 0, "the conversation scrolls sideways"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, "the page scrolls sideways"


# ---- errors: a message, a retry, and nothing lost -------------------------------------------------------


def test_a_server_error_keeps_the_conversation_and_the_retry_works(page, servers):
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()
    first = widget.ask_and_wait(FIRST_QUESTION)
    detail = "Something went wrong on our side. Quote request id abc123 when reporting it."
    page.route(
        ASK_ROUTE,
        lambda route: route.fulfill(
            status=500, content_type="application/problem+json", body=json.dumps(problem(500, detail))
        ),
    )

    widget.ask(FOLLOW_UP)

    error = widget.errors.last
    expect(error).to_contain_text("error 500")
    expect(error).to_contain_text(detail)
    expect(widget.questions).to_have_count(2)
    expect(widget.answers).to_have_count(1)
    expect(widget.answers.first).to_be_visible()
    expect(widget.live).to_contain_text(detail)

    page.unroute(ASK_ROUTE)
    with page.expect_request(ASK_ROUTE) as retried:
        error.locator("button.retry").click()
    assert retried.value.post_data_json["question"] == FOLLOW_UP
    assert retried.value.post_data_json["context"] == first["context"]
    expect(widget.answers).to_have_count(2)
    expect(widget.errors).to_have_count(0)
    expect(widget.questions).to_have_count(2)  # the retried question is not asked twice


@pytest.mark.parametrize(
    ("status", "headers", "body", "shown", "retry"),
    [
        (429, {"Retry-After": "17"}, problem(429, "rate limit reached"), "Please try again in 17 s.", True),
        (503, {"Retry-After": "30"}, problem(503, "index not loaded"), "try again in 30 s", True),
        (502, {}, None, "error 502", True),
        (
            422,
            {},
            problem(422, "question: must be 1 to 1000 characters"),
            "must be 1 to 1000 characters",
            False,
        ),
    ],
    ids=["429", "503", "502-not-json", "422"],
)
def test_http_errors_are_explained(page, servers, status, headers, body, shown, retry):
    def fulfil(route):
        if body is None:
            route.fulfill(
                status=status, headers=headers, content_type="text/html", body="<h1>Bad gateway</h1>"
            )
        else:
            route.fulfill(
                status=status, headers=headers, content_type="application/problem+json", body=json.dumps(body)
            )

    page.route(ASK_ROUTE, fulfil)
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()

    widget.ask(FIRST_QUESTION)

    error = widget.errors.last
    expect(error).to_contain_text(shown)
    expect(error.locator("button.retry")).to_have_count(1 if retry else 0)
    expect(widget.part(".pending")).to_have_count(0)
    if not retry:
        expect(widget.input).to_have_value(FIRST_QUESTION)  # given back to fix, not lost
    assert widget.shadow_count("h1") == 0  # a non-JSON error page is never shown as HTML


def test_a_network_failure_is_explained_and_retried(page, servers):
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()
    page.route(ASK_ROUTE, lambda route: route.abort("connectionrefused"))

    widget.ask(FIRST_QUESTION)

    expect(widget.errors.last).to_contain_text("Could not reach")
    page.unroute(ASK_ROUTE)
    widget.errors.last.locator("button.retry").click()
    expect(widget.answers).to_have_count(1)


def test_no_answer_within_the_timeout_offers_a_retry(page, servers):
    page.route(
        f"{servers.base}/slow-shop",
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<!doctype html><script src="{servers.base}/widget.js" data-timeout="1" defer></script>',
        ),
    )
    held = []
    page.route(ASK_ROUTE, lambda route: held.append(route))  # never answered: the server "hangs"
    page.goto(f"{servers.base}/slow-shop")
    widget = Widget(page)
    widget.open()

    widget.ask(FIRST_QUESTION)

    expect(widget.part(".pending")).to_contain_text("Looking that up")
    expect(widget.errors.last).to_contain_text("No answer after 1 s", timeout=5_000)
    expect(widget.part(".pending")).to_have_count(0)
    page.unroute(ASK_ROUTE)
    widget.errors.last.locator("button.retry").click()
    expect(widget.answers).to_have_count(1)
    assert len(held) == 1


# ---- CORS in a real browser ------------------------------------------------------------------------------


def test_a_listed_shop_on_another_origin_gets_answers(page, servers):
    page.goto(servers.shop + "/product")
    widget = Widget(page)
    widget.open()
    expect(widget.panel).to_have_attribute("aria-label", "Ask about cables")

    with page.expect_request(lambda r: r.method == "POST" and "/api/v1/ask" in r.url) as request:
        widget.ask_and_wait(FIRST_QUESTION)

    assert request.value.url.startswith(servers.base)
    assert request.value.header_value("origin") == servers.shop
    expect(widget.answers.last.locator('[data-verdict="unbalanced"]')).to_be_visible()


def test_an_unlisted_origin_is_refused_by_the_browser(page, servers):
    page.goto(servers.stranger + "/product")
    widget = Widget(page)
    widget.open()

    widget.ask(FIRST_QUESTION)

    expect(widget.errors.last).to_contain_text("Could not reach")
    expect(widget.answers).to_have_count(0)


# ---- screenshots for a human to look at ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "viewport"),
    [("widget-desktop", {"width": 1280, "height": 800}), ("widget-mobile", {"width": 375, "height": 740})],
)
def test_screenshot_of_an_answer_on_the_demo_page(new_page, servers, artifacts, name, viewport):
    page = new_page(viewport=viewport, has_touch=viewport["width"] < 500)
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()
    widget.ask_and_wait(FIRST_QUESTION)
    expect(widget.answers.last.locator('[data-verdict="unbalanced"]')).to_be_in_viewport()
    page.mouse.move(0, 0)

    path = artifacts / f"{name}.png"
    page.screenshot(path=str(path))

    assert path.stat().st_size > 10_000
