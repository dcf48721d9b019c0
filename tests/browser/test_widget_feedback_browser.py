"""The widget's "Was this helpful?" row in a real browser: a vote from a shop's page reaches POST /api/v1/feedback
(across origins, through CORS) once, and a vote that cannot be sent says so and can be sent again."""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import expect

from tests.browser.test_widget_browser import FIRST_QUESTION
from tests.browser.test_widget_browser import Widget

pytestmark = pytest.mark.browser

FEEDBACK_ROUTE = "**/api/v1/feedback"


def test_a_vote_from_a_shop_page_is_sent_once_and_thanked(page, servers):
    page.goto(servers.shop + "/product")
    widget = Widget(page)
    widget.open()
    body = widget.ask_and_wait(FIRST_QUESTION)
    row = widget.answers.last.locator(".rate")
    expect(row).to_contain_text("Was this helpful?")

    with page.expect_response(FEEDBACK_ROUTE) as response:
        row.get_by_role("button", name="Not helpful").click()
    assert response.value.status == 204
    sent = json.loads(response.value.request.post_data)
    assert sent == {
        "answer_id": body["answer_id"],
        "question": FIRST_QUESTION,
        "intent": body["intent"],
        "helpful": False,
        "channel": "widget",
    }
    assert response.value.request.header_value("origin") == servers.shop
    expect(row.get_by_role("status")).to_have_text("Thanks for the feedback!")
    expect(row.locator("button")).to_have_count(0)  # one vote per answer


def test_a_vote_that_fails_says_so_and_can_be_sent_again(page, servers):
    page.goto(f"{servers.base}/demo")
    widget = Widget(page)
    widget.open()
    widget.ask_and_wait(FIRST_QUESTION)
    row = widget.answers.last.locator(".rate")

    page.route(FEEDBACK_ROUTE, lambda route: route.fulfill(status=503, body="{}"))
    row.get_by_role("button", name="Helpful", exact=True).click()
    expect(row.get_by_role("status")).to_have_text("Could not send that; please try again.")
    page.unroute(FEEDBACK_ROUTE)

    with page.expect_response(FEEDBACK_ROUTE) as response:
        row.get_by_role("button", name="Helpful", exact=True).click()
    assert response.value.status == 204
    expect(row.get_by_role("status")).to_have_text("Thanks for the feedback!")
