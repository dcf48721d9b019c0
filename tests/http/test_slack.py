"""The Slack bot through POST /slack/events: real signatures, Bolt's lazy listeners, a fake Slack Web API.

Listeners answer in Bolt worker threads after the HTTP response, so each test waits (bounded) for the call it
expects at the fake Web API. "Nothing was posted" is checked after a later sentinel request has been answered,
not by sleeping.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from pathlib import Path

import pytest
import yaml
from pydantic import SecretStr

from service import observability
from service.adapters import slack
from service.adapters import slack_render
from service.adapters.slack_render import ACTION_HELPFUL
from service.adapters.slack_render import ACTION_NOT_HELPFUL
from service.adapters.slack_render import ACTION_SHARE
from service.app import create_app
from service.errors import IndexUnavailable
from service.feedback import FeedbackStore
from service.types import Answer
from service.types import Basis
from service.types import Compatibility
from service.types import Intent
from service.types import Severity
from service.types import Verdict
from service.types import Warning
from tests.http.slack_fakes import BOT_ID
from tests.http.slack_fakes import BOT_USER_ID
from tests.http.slack_fakes import TOKEN
from tests.http.slack_fakes import FakeEngine
from tests.http.slack_fakes import FakeSlackApi
from tests.http.slack_fakes import action_body
from tests.http.slack_fakes import canned_answer
from tests.http.slack_fakes import command_body
from tests.http.slack_fakes import event_body
from tests.http.slack_fakes import signed_headers

ROOT = Path(__file__).resolve().parents[2]
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
CHANNEL = "C0001"


# fixtures


@pytest.fixture()
def fake_slack():
    """A running fake Slack Web API."""
    with FakeSlackApi() as api:
        yield api


@pytest.fixture()
def slack_settings(settings, fake_slack):
    """Settings with both Slack secrets set and the Web API pointed at the fake."""
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(TOKEN),
            "slack_signing_secret": SecretStr("test-secret"),
            "slack_api_url": fake_slack.api_url,
        }
    )


@pytest.fixture()
def fake_engine():
    """A canned engine that records what it was asked."""
    return FakeEngine()


@pytest.fixture()
def bot(slack_settings, fake_engine, fake_slack):
    """A test client for the real app with Slack mounted (production wiring: auth.test, lazy listeners)."""
    app = create_app(slack_settings, engine=fake_engine)
    fake_engine.calls.clear()  # forget the readiness probe
    return _Bot(app.test_client(), fake_slack, fake_engine)


class _Bot:
    """Sends signed Slack requests to the app and waits for their effects."""

    def __init__(self, client, api: FakeSlackApi, engine: FakeEngine) -> None:
        self.client = client
        self.api = api
        self.engine = engine
        self._ids = iter(range(1, 10_000))

    def post(self, body: str, content_type: str, **headers):
        return self.client.post(
            "/slack/events", data=body, headers={**signed_headers(body, content_type), **headers}
        )

    def event(self, event: dict, *, event_id: str | None = None, **headers):
        return self.post(event_body(event, event_id or f"Ev{next(self._ids):04d}"), JSON, **headers)

    def mention(self, text: str, ts: str, *, thread_ts: str | None = None, **headers):
        event = {"type": "app_mention", "user": "U0001", "text": f"<@{BOT_USER_ID}> {text}", "ts": ts}
        event.update(channel=CHANNEL, event_ts=ts)
        if thread_ts:
            event["thread_ts"] = thread_ts
        return self.event(event, **headers)

    def dm(self, text: str, ts: str, **fields):
        event = {"type": "message", "channel": "D0001", "channel_type": "im", "user": "U0001", "text": text}
        event.update(ts=ts, event_ts=ts, **fields)
        return self.event(event)

    def command(self, text: str, name: str):
        return self.post(command_body(text, self.api.response_url(name)), FORM)

    def click(self, action_id: str, value: str, name: str, **kwargs):
        return self.post(action_body(action_id, value, self.api.response_url(name), **kwargs), FORM)


def _button(blocks: list[dict], action_id: str) -> dict:
    for block in blocks:
        for element in block.get("elements", []) if block["type"] == "actions" else []:
            if element["action_id"] == action_id:
                return element
    raise AssertionError(f"no {action_id} button in {blocks}")


def _all_text(calls) -> str:
    return json.dumps([c.params for c in calls])


# wiring, signatures, URL verification


def test_not_mounted_without_slack_secrets(settings, fake_engine, caplog):
    with caplog.at_level(logging.INFO, logger="cablewise.slack"):
        app = create_app(settings, engine=fake_engine)
    assert app.test_client().post("/slack/events", data="{}").status_code == 404
    assert "Slack not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET" in caplog.text


def test_start_checks_the_token_against_the_configured_web_api(bot):
    [call] = bot.api.calls_to("auth.test")
    assert call.token == TOKEN


def test_bad_token_at_start_does_not_stop_the_service(slack_settings, fake_engine, fake_slack, caplog):
    fake_slack.auth_error = "invalid_auth"
    with caplog.at_level(logging.ERROR, logger="cablewise.slack"):
        app = create_app(slack_settings, engine=fake_engine)
    assert "auth.test" in caplog.text
    assert app.test_client().get("/healthz").status_code == 200
    body = '{"type": "url_verification", "challenge": "c1", "token": "x"}'
    assert (
        app.test_client().post("/slack/events", data=body, headers=signed_headers(body, JSON)).status_code
        == 200
    )


def test_url_verification_answers_the_challenge(bot):
    body = json.dumps(
        {
            "token": "x",
            "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
            "type": "url_verification",
        }
    )
    response = bot.post(body, JSON)
    assert response.status_code == 200
    assert response.get_json() == {"challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}


def test_valid_signature_is_accepted(bot):
    assert bot.mention("is TRS to TS balanced?", "1700000000.000100").status_code == 200
    bot.api.wait_for("chat.postMessage")


def test_bad_signature_is_401(bot):
    body = event_body({"type": "app_mention", "text": "hi", "channel": CHANNEL, "ts": "1.1"}, "Ev1")
    headers = signed_headers(body, JSON, secret="not-the-secret")
    response = bot.client.post("/slack/events", data=body, headers=headers)
    assert response.status_code == 401
    assert bot.engine.calls == []


def test_old_timestamp_is_401(bot):
    body = event_body({"type": "app_mention", "text": "hi", "channel": CHANNEL, "ts": "1.1"}, "Ev1")
    headers = signed_headers(body, JSON, timestamp=int(time.time()) - 6 * 60)
    assert bot.client.post("/slack/events", data=body, headers=headers).status_code == 401


def test_tampered_body_is_401(bot):
    body = event_body({"type": "app_mention", "text": "hi", "channel": CHANNEL, "ts": "1.1"}, "Ev1")
    headers = signed_headers(body, JSON)
    assert bot.client.post("/slack/events", data=body.replace("hi", "ho"), headers=headers).status_code == 401


# mentions in threads


def test_mention_is_answered_in_a_thread_under_the_question(bot):
    bot.mention("is TRS &amp; TS balanced?", "1700000000.000100")
    [call] = bot.api.wait_for("chat.postMessage")
    assert call.params["channel"] == CHANNEL
    assert call.params["thread_ts"] == "1700000000.000100"
    assert call.token == TOKEN
    assert bot.engine.calls == [("is TRS & TS balanced?", None)]  # mention removed, Slack's escape undone
    assert call.params["metadata"]["event_type"] == "cablewise_answer"
    assert ":red_circle: *Unbalanced*" in json.dumps(call.params["blocks"])


def test_answer_links_sources_under_the_host_slack_called(bot):
    bot.mention("is TRS to TS balanced?", "1700000000.000100")
    [call] = bot.api.wait_for("chat.postMessage")
    link = "<http://localhost/kb/balanced-vs-unbalanced#how-it-works|Balanced vs unbalanced>"
    assert link in json.dumps(call.params["blocks"])


def test_mention_by_another_bot_is_ignored(bot):
    bot.event(
        {
            "type": "app_mention",
            "bot_id": "BOTHER",
            "text": f"<@{BOT_USER_ID}> hi",
            "channel": CHANNEL,
            "ts": "1.1",
        }
    )
    bot.mention("sentinel", "1700000000.000200")
    bot.api.wait_for("chat.postMessage")
    time.sleep(0.2)
    assert [q for q, _ in bot.engine.calls] == ["sentinel"]


def test_mention_inside_a_thread_replies_in_that_thread(bot):
    bot.mention("is TRS to TS balanced?", "1700000000.000500", thread_ts="1700000000.000100")
    [call] = bot.api.wait_for("chat.postMessage")
    assert call.params["thread_ts"] == "1700000000.000100"


def test_follow_up_mention_sends_the_threads_earlier_context(bot):
    bot.api.add_message(CHANNEL, {"type": "message", "user": "U0001", "ts": "1700000000.000100", "text": "q"})
    bot.mention("is TRS to TS balanced?", "1700000000.000100")
    [first] = bot.api.wait_for("chat.postMessage")
    bot.mention("and with XLR?", "1700000000.000900", thread_ts="1700000000.000100")
    bot.api.wait_for("chat.postMessage", 2)

    [replies] = bot.api.calls_to("conversations.replies")
    assert replies.params["ts"] == "1700000000.000100"
    assert replies.params["include_all_metadata"] in ("1", "true")
    first_context = json.loads(first.params["metadata"]["event_payload"]["context"])
    assert first_context == {"turn": 1, "question": "is TRS to TS balanced?"}
    assert bot.engine.calls[1] == ("and with XLR?", first_context)


def test_empty_mention_gets_help(bot):
    bot.mention("", "1700000000.000100")
    [call] = bot.api.wait_for("chat.postMessage")
    assert "/cable is TRS to TS balanced?" in call.params["text"]
    assert bot.engine.calls == []


# retries and duplicates


def test_retry_of_a_delivery_that_never_arrived_is_answered_once(bot):
    # Slack retries when it saw no 200 (a network drop before we got the request): that question must be
    # answered, once, however many retries follow.
    retry1 = bot.mention(
        "is TRS to TS balanced?", "1700000000.000100", event_id="EvLOST", **{"X-Slack-Retry-Num": "1"}
    )
    retry2 = bot.mention(
        "is TRS to TS balanced?", "1700000000.000100", event_id="EvLOST", **{"X-Slack-Retry-Num": "2"}
    )
    assert (retry1.status_code, retry2.status_code) == (200, 200)
    assert retry2.headers.get("X-Slack-No-Retry") == "1"
    bot.mention("sentinel", "1700000000.000200")
    bot.api.wait_for("chat.postMessage", 2)
    time.sleep(0.2)
    threads = sorted(c.params["thread_ts"] for c in bot.api.calls_to("chat.postMessage"))
    assert threads == ["1700000000.000100", "1700000000.000200"]


def test_retry_of_a_delivery_that_arrived_is_acked_and_ignored(bot):
    bot.mention("is TRS to TS balanced?", "1700000000.000100", event_id="EvONCE")
    response = bot.mention(
        "is TRS to TS balanced?", "1700000000.000100", event_id="EvONCE", **{"X-Slack-Retry-Num": "1"}
    )
    assert response.status_code == 200
    assert response.headers.get("X-Slack-No-Retry") == "1"
    bot.mention("sentinel", "1700000000.000200")
    bot.api.wait_for("chat.postMessage", 2)
    time.sleep(0.2)
    assert [q for q, _ in bot.engine.calls] == ["is TRS to TS balanced?", "sentinel"]


def test_replayed_slash_command_is_answered_once(bot):
    body = command_body("is TRS to TS balanced?", bot.api.response_url("cmd"), trigger_id="123.456.replayed")
    assert bot.post(body, FORM).status_code == 200
    assert bot.post(body, FORM).status_code == 200  # the same signed request again, within five minutes
    bot.api.wait_for("response/cmd")
    bot.command("sentinel", "cmd2")
    bot.api.wait_for("response/cmd2")
    time.sleep(0.2)
    assert len(bot.api.calls_to("response/cmd")) == 1
    assert [q for q, _ in bot.engine.calls] == ["is TRS to TS balanced?", "sentinel"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{not json at all", JSON),
        ("payload=%7Bbroken", FORM),
        ("\xff\xfe\x00garbage", "application/octet-stream"),
        ("", JSON),
    ],
    ids=["broken-json", "broken-form-payload", "binary", "empty"],
)
def test_unsigned_unparseable_body_is_401_not_500(bot, body, content_type):
    response = bot.client.post("/slack/events", data=body, content_type=content_type)
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert bot.engine.calls == []


@pytest.mark.parametrize(
    "timestamp", ["abc", "", "-1", "1" * 40, "1e9"], ids=["letters", "empty", "negative", "huge", "float"]
)
def test_malformed_signature_timestamp_is_401(bot, timestamp):
    body = event_body({"type": "app_mention", "text": "hi", "channel": CHANNEL, "ts": "1.1"}, "Ev1")
    headers = {**signed_headers(body, JSON), "X-Slack-Request-Timestamp": timestamp}
    assert bot.client.post("/slack/events", data=body, headers=headers).status_code == 401


def test_same_event_id_twice_posts_once(bot):
    first = bot.mention("is TRS to TS balanced?", "1700000000.000100", event_id="EvSAME")
    second = bot.mention("is TRS to TS balanced?", "1700000000.000100", event_id="EvSAME")
    assert (first.status_code, second.status_code) == (200, 200)
    bot.mention("sentinel", "1700000000.000200")
    bot.api.wait_for("chat.postMessage", 2)
    time.sleep(0.2)
    threads = sorted(c.params["thread_ts"] for c in bot.api.calls_to("chat.postMessage"))
    assert threads == ["1700000000.000100", "1700000000.000200"]


# direct messages


def test_direct_message_is_answered(bot):
    bot.dm("is TRS to TS balanced?", "1700000000.000100")
    [call] = bot.api.wait_for("chat.postMessage")
    assert call.params["channel"] == "D0001"
    assert "thread_ts" not in call.params
    assert bot.engine.calls == [("is TRS to TS balanced?", None)]


def test_direct_message_follow_up_uses_the_previous_answer(bot):
    bot.dm("is TRS to TS balanced?", f"{time.time():.6f}")
    bot.api.wait_for("chat.postMessage")
    bot.dm("and with XLR?", f"{time.time():.6f}")
    bot.api.wait_for("chat.postMessage", 2)
    assert bot.engine.calls[1] == ("and with XLR?", {"turn": 1, "question": "is TRS to TS balanced?"})


@pytest.mark.parametrize(
    "fields",
    [
        {"user": BOT_USER_ID},  # the bot's own message
        {"bot_id": BOT_ID, "user": BOT_USER_ID, "subtype": "bot_message"},
        {"bot_id": "BOTHER", "subtype": "bot_message", "user": None},  # another bot
        {"bot_id": "BOTHER", "user": "U0999"},  # another app posting as a user-like bot
        {"subtype": "message_changed"},
        {"subtype": "channel_join"},
    ],
    ids=["own", "own-bot-message", "other-bot", "other-bot-no-subtype", "edit", "join"],
)
def test_bot_and_system_messages_are_ignored(bot, fields):
    bot.dm("is TRS to TS balanced?", "1700000000.000100", **fields)
    bot.dm("sentinel", "1700000000.000200")
    bot.api.wait_for("chat.postMessage")
    time.sleep(0.2)
    assert len(bot.api.calls_to("chat.postMessage")) == 1
    assert [q for q, _ in bot.engine.calls] == ["sentinel"]


def test_channel_messages_are_not_answered(bot):
    event = {"type": "message", "channel": CHANNEL, "channel_type": "channel", "user": "U0001", "text": "hi"}
    assert bot.event({**event, "ts": "1700000000.000100"}).status_code == 200
    bot.dm("sentinel", "1700000000.000200")
    [call] = bot.api.wait_for("chat.postMessage")
    time.sleep(0.2)
    assert call.params["channel"] == "D0001"
    assert len(bot.api.calls_to("chat.postMessage")) == 1


# /cable


def test_slash_command_answer_is_ephemeral_with_a_share_button(bot):
    response = bot.command("is TRS to TS balanced?", "cmd")
    assert response.status_code == 200
    [reply] = bot.api.wait_for("response/cmd")
    assert reply.params["response_type"] == "ephemeral"
    share = _button(reply.params["blocks"], ACTION_SHARE)
    assert json.loads(share["value"]) == {"q": "is TRS to TS balanced?"}
    assert bot.api.calls_to("chat.postMessage") == []


def test_share_in_channel_posts_once(bot):
    bot.command("is TRS to TS balanced?", "cmd")
    [reply] = bot.api.wait_for("response/cmd")
    value = _button(reply.params["blocks"], ACTION_SHARE)["value"]

    assert bot.click(ACTION_SHARE, value, "share1").status_code == 200
    assert bot.click(ACTION_SHARE, value, "share2").status_code == 200  # double click, same ephemeral
    [posted] = bot.api.wait_for("chat.postMessage")
    [done] = bot.api.wait_for("response/share1")
    time.sleep(0.3)
    assert len(bot.api.calls_to("chat.postMessage")) == 1
    assert bot.api.calls_to("response/share2") == []
    assert posted.params["channel"] == CHANNEL
    assert "<@U0001> asked" in json.dumps(posted.params["blocks"])
    assert ACTION_SHARE not in json.dumps(posted.params["blocks"])
    assert posted.params["metadata"]["event_type"] == "cablewise_answer"
    assert done.params["replace_original"] is True
    assert "Shared" in done.params["text"]


def test_share_where_the_bot_is_not_invited_says_so_and_can_be_retried(bot):
    bot.api.errors["chat.postMessage"] = "not_in_channel"
    value = slack_render.share_value("is TRS to TS balanced?")
    bot.click(ACTION_SHARE, value, "share1")
    [reply] = bot.api.wait_for("response/share1")
    assert "/invite @Cablewise" in reply.params["text"]
    del bot.api.errors["chat.postMessage"]
    bot.click(ACTION_SHARE, value, "share2")
    bot.api.wait_for("response/share2")
    assert len(bot.api.calls_to("chat.postMessage")) == 2


def test_empty_slash_command_shows_help(bot):
    response = bot.command("   ", "cmd")
    assert response.status_code == 200
    body = response.get_json()
    assert body["response_type"] == "ephemeral"
    assert body["text"].count("• `/cable ") == 3
    time.sleep(0.2)
    assert bot.engine.calls == []
    assert bot.api.calls_to("response/cmd") == []


def test_too_long_question_is_refused_in_the_ack(bot):
    response = bot.command("x" * 1001, "cmd")
    assert "under 1000 characters" in response.get_json()["text"]


def test_out_of_domain_question_gets_the_engines_refusal(bot):
    bot.command("what's the weather like?", "cmd")
    [reply] = bot.api.wait_for("response/cmd")
    assert "I can only help with studio cables" in reply.params["text"]
    assert reply.params["response_type"] == "ephemeral"


# failures


def test_failure_posts_an_apology_in_the_thread_without_a_traceback(bot, caplog):
    bot.engine.error = RuntimeError("secret internals /srv/app.py line 42")
    with caplog.at_level(logging.ERROR, logger="cablewise.slack"):
        bot.mention("is TRS to TS balanced?", "1700000000.000100")
        [call] = bot.api.wait_for("chat.postMessage")
        bot.command("is TRS to TS balanced?", "cmd")
        [reply] = bot.api.wait_for("response/cmd")
    assert call.params["thread_ts"] == "1700000000.000100"
    assert call.params["text"] == slack.APOLOGY
    assert reply.params == {"text": slack.APOLOGY, "response_type": "ephemeral"}
    assert "secret internals" not in _all_text(bot.api.calls)
    assert "Traceback" not in _all_text(bot.api.calls)
    assert "secret internals" in caplog.text  # logged with the exception


class _JsonLines(logging.Handler):
    """Formats records as the service's JSON log lines do, in the thread that logs them."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(observability.JsonFormatter())
        self.lines: list[tuple[str, dict]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.threadName, json.loads(self.format(record))))


def test_slack_handling_logs_carry_the_request_id_in_background_threads_too(bot):
    handler = _JsonLines()
    logger = logging.getLogger("cablewise.slack")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        bot.mention("is TRS to TS balanced?", "1700000000.000100", **{"X-Request-ID": "slack-req-1"})
        bot.api.wait_for("chat.postMessage")
        bot.engine.error = RuntimeError("broken")
        bot.mention("is TRS to TS balanced?", "1700000000.000200", **{"X-Request-ID": "slack-req-2"})
        bot.api.wait_for("chat.postMessage", count=2)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    answered = [(thread, line) for thread, line in handler.lines if line["msg"].startswith("answered")]
    failed = [(thread, line) for thread, line in handler.lines if line["msg"].startswith("answering a Slack")]
    assert [line["request_id"] for _, line in answered] == ["slack-req-1"]
    assert [line["request_id"] for _, line in failed] == ["slack-req-2"]
    assert all(thread != threading.current_thread().name for thread, _ in answered + failed)  # lazy threads
    assert observability.current_request_id() is None  # nothing left bound in the test's own thread


def test_not_ready_says_so(slack_settings, fake_engine, fake_slack):
    fake_engine.error = IndexUnavailable(
        "index missing"
    )  # the readiness probe fails, so the app is not ready
    client = create_app(slack_settings, engine=fake_engine).test_client()
    body = command_body("is TRS to TS balanced?", fake_slack.response_url("cmd"))
    assert client.post("/slack/events", data=body, headers=signed_headers(body, FORM)).status_code == 200
    [reply] = fake_slack.wait_for("response/cmd")
    assert reply.params["text"] == slack.NOT_READY


# the 3-second acknowledgement


def test_ack_is_fast_even_when_answering_is_slow(bot):
    bot.engine.delay = 5.0
    started = time.monotonic()
    command = bot.command("is TRS to TS balanced?", "slow")
    command_s = time.monotonic() - started
    started = time.monotonic()
    mention = bot.mention("is TRS to TS balanced?", "1700000000.000100")
    mention_s = time.monotonic() - started

    assert (command.status_code, mention.status_code) == (200, 200)
    assert command_s < 3.0 and mention_s < 3.0
    assert bot.api.calls_to("response/slow") == []  # not answered yet: it is being answered lazily
    bot.api.wait_for("response/slow", timeout=15)
    bot.api.wait_for("chat.postMessage", timeout=15)


# feedback


def test_feedback_click_is_recorded_in_sqlite(bot, slack_settings):
    bot.command("is TRS to TS balanced?", "cmd")
    [reply] = bot.api.wait_for("response/cmd")
    value = _button(reply.params["blocks"], ACTION_HELPFUL)["value"]

    bot.click(ACTION_HELPFUL, value, "fb1")
    bot.click(ACTION_HELPFUL, value, "fb2")  # the same vote again: counted once
    bot.click(ACTION_NOT_HELPFUL, value, "fb3", user="U0002")
    [thanks] = bot.api.wait_for("response/fb1")
    bot.api.wait_for("response/fb3")
    assert thanks.params["response_type"] == "ephemeral"
    assert thanks.params["replace_original"] is False

    assert FeedbackStore(slack_settings.feedback_db).counts() == {"helpful": 1, "not_helpful": 1}
    with sqlite3.connect(slack_settings.feedback_db) as conn:
        rows = conn.execute(
            "SELECT channel, user, question, intent, helpful, answer_id FROM feedback ORDER BY helpful DESC"
        )
        rows = rows.fetchall()
    conn.close()
    answer_id = slack_render.answer_id(canned_answer("is TRS to TS balanced?"))
    assert rows == [  # no user ids: CABLEWISE_STORE_USER_IDS is off by default
        ("slack", None, "is TRS to TS balanced?", "balanced_check", 1, answer_id),
        ("slack", None, "is TRS to TS balanced?", "balanced_check", 0, answer_id),
    ]


def test_large_interaction_payload_is_accepted(bot):
    # Slack repeats the whole message in a click's payload; that may exceed the API's 16 KiB body limit.
    value = slack_render.encode_value({"q": "is TRS to TS balanced?", "i": "balanced_check", "a": "x"})
    body = action_body(ACTION_HELPFUL, value, bot.api.response_url("fb"))
    body += "&padding=" + "x" * 40_000
    assert len(body) > 16 * 1024
    assert bot.post(body, FORM).status_code == 200
    bot.api.wait_for("response/fb")


def test_feedback_store_creates_its_folder_and_takes_concurrent_writes(tmp_path):
    store = FeedbackStore(tmp_path / "new" / "dir" / "feedback.sqlite3")
    assert store.counts() == {"helpful": 0, "not_helpful": 0}

    def vote(i: int):
        for j in range(5):
            store.record("slack", f"U{i}", "q", "concept", helpful=(i + j) % 2 == 0)

    threads = [threading.Thread(target=vote, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.counts() == {"helpful": 20, "not_helpful": 20}
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    conn.close()


# end to end with the real engine


def test_real_engine_answers_a_mention_and_refuses_out_of_domain(slack_settings, engine, fake_slack):
    app = create_app(slack_settings, engine=engine)
    client = app.test_client()
    for ts, text in (
        ("1700000000.000100", "is TRS to TS balanced?"),
        ("1700000000.000200", "what's the weather?"),
    ):
        body = event_body(
            {
                "type": "app_mention",
                "user": "U0001",
                "text": f"<@{BOT_USER_ID}> {text}",
                "channel": CHANNEL,
                "ts": ts,
            },
            f"Ev{ts}",
        )
        assert client.post("/slack/events", data=body, headers=signed_headers(body, JSON)).status_code == 200
    calls = fake_slack.wait_for("chat.postMessage", 2)
    by_thread = {c.params["thread_ts"]: c.params for c in calls}
    balanced = by_thread["1700000000.000100"]
    refusal = by_thread["1700000000.000200"]
    assert balanced["metadata"]["event_payload"]["intent"] == "balanced_check"
    assert balanced["text"] != slack.APOLOGY
    assert refusal["metadata"]["event_payload"]["intent"] == "out_of_domain"
    assert refusal["text"] != slack.APOLOGY


# reading Slack text and thread metadata (pure)


@pytest.mark.parametrize(
    ("slack_text", "question"),
    [
        (f"<@{BOT_USER_ID}> is TRS to TS balanced?", "is TRS to TS balanced?"),
        (f"<@{BOT_USER_ID}|cablewise>  XLR &gt; TRS &amp; back?", "XLR > TRS & back?"),
        ("see <https://example.com/a|this page> <!here>", "see this page"),
        ("in <#C0001|mixing> or <#C0002>?", "in #mixing or #channel?"),
        ("   ", ""),
    ],
)
def test_question_text(slack_text, question):
    assert slack.question_text(slack_text) == question


def test_earlier_context_takes_our_latest_answer_only():
    def answer(ctx: dict, bot_id: str = BOT_ID) -> dict:
        payload = {"intent": "concept", "context": json.dumps(ctx)}
        return {"bot_id": bot_id, "metadata": {"event_type": "cablewise_answer", "event_payload": payload}}

    messages = [
        {"user": "U0001", "text": "q"},
        answer({"turn": 1}),
        answer({"turn": 2}),
        answer({"forged": True}, bot_id="BOTHER"),
        {
            "bot_id": BOT_ID,
            "metadata": {"event_type": "cablewise_answer", "event_payload": {"context": "{bad"}},
        },
    ]
    assert slack.earlier_context(messages, BOT_ID) == {"turn": 2}
    assert slack.earlier_context(messages[:1], BOT_ID) is None


# rendering (pure)


def _answer(**overrides) -> Answer:
    fields = dict(question="q", intent=Intent.BALANCED_CHECK, text="Yes.", basis=Basis.RULES)
    return Answer(**{**fields, **overrides})


def test_render_escapes_server_text_and_converts_bold():
    blocks = slack_render.to_slack_blocks(
        _answer(text="**Yes**: <!channel> & <@U1> - see <http://evil|here>\n- one\n- two")
    )
    text = blocks[0]["text"]["text"]
    assert text == "*Yes*: &lt;!channel&gt; &amp; &lt;@U1&gt; - see &lt;http://evil|here&gt;\n• one\n• two"


@pytest.mark.parametrize(
    ("verdict", "intent", "line"),
    [
        (Verdict(balanced=True), Intent.BALANCED_CHECK, ":large_green_circle: *Balanced*"),
        (Verdict(balanced=False), Intent.BALANCED_CHECK, ":red_circle: *Unbalanced*"),
        (Verdict(balanced=None), Intent.BALANCED_CHECK, ":large_yellow_circle: *Depends*"),
        (Verdict(compatibility=Compatibility.UNSAFE), Intent.COMPATIBILITY, ":warning: *Unsafe*"),
        (
            Verdict(compatibility=Compatibility.DOES_NOT_WORK),
            Intent.COMPATIBILITY,
            ":no_entry_sign: *Does not work*",
        ),
        (
            Verdict(balanced=False, compatibility=Compatibility.WORKS_WITH_CAVEAT),
            Intent.BALANCED_CHECK,
            ":red_circle: *Unbalanced*   :large_yellow_circle: *Works, with a caveat*",
        ),
        (None, Intent.OUT_OF_DOMAIN, None),
    ],
)
def test_render_verdict_line(verdict, intent, line):
    assert slack_render.verdict_line(verdict, intent) == line


def test_render_sets_warnings_apart_names_the_cable_and_links_sources():
    answer = canned_answer("is TRS to TS balanced?")
    blocks = slack_render.to_slack_blocks(answer, "https://cablewise.example/")
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert ":warning: *Danger:* Turn phantom power off &lt;first&gt;." in texts
    assert ":electric_plug: *Cable:* TRS-male to TS-male" in texts
    [sources] = [b for b in blocks if b["type"] == "context"]
    link = "<https://cablewise.example/kb/balanced-vs-unbalanced#how-it-works|Balanced vs unbalanced>"
    assert sources["elements"][0]["text"] == f"Sources: {link}"
    actions = blocks[-1]
    assert [e["action_id"] for e in actions["elements"]] == [ACTION_HELPFUL, ACTION_NOT_HELPFUL]


def test_render_without_a_base_url_lists_sources_unlinked():
    blocks = slack_render.to_slack_blocks(canned_answer("q"))
    [sources] = [b for b in blocks if b["type"] == "context"]
    assert sources["elements"][0]["text"] == "Sources: Balanced vs unbalanced"


def test_render_stays_within_block_kit_limits():
    warnings = tuple(Warning(f"h{i}", Severity.CAUTION, "w & " * 900) for i in range(60))
    answer = _answer(
        question="q" * 5000,
        text=("A long paragraph & more. " * 200 + "\n\n") * 20,
        verdict=Verdict(balanced=False, warnings=warnings),
    )
    blocks = slack_render.to_slack_blocks(
        answer, share=slack_render.share_value("q" * 5000, {"k": "v" * 3000})
    )
    assert len(blocks) <= 50
    for block in blocks:
        texts = (
            [block["text"]["text"]] if "text" in block else [e.get("text") for e in block.get("elements", [])]
        )
        for text in texts:
            if isinstance(text, str):
                assert len(text) <= 3000
                assert not text.endswith(("&", "&a", "&am", "&amp")), "an escape was cut in half"
        for element in block.get("elements", []):
            if element.get("type") == "button":
                assert len(element["value"]) <= 2000
                json.loads(element["value"])
    assert len(slack_render.to_slack_text(answer)) <= 3000


def test_manifest_points_every_request_at_slack_events():
    manifest = yaml.safe_load((ROOT / "deploy" / "slack" / "manifest.yaml").read_text())
    settings = manifest["settings"]
    assert manifest["features"]["bot_user"]["display_name"] == "Cablewise"
    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "app_mentions:read",
        "chat:write",
        "commands",
        "im:history",
        "channels:history",
        "groups:history",
    }
    [command] = manifest["features"]["slash_commands"]
    urls = [
        command["url"],
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
    ]
    assert all(url.endswith("/slack/events") for url in urls)
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_mention", "message.im"}
    assert settings["socket_mode_enabled"] is False
    assert settings["org_deploy_enabled"] is False
