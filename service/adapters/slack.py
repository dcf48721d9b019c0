"""Slack: `/cable`, @mentions in channel threads and direct messages, through Bolt for Python.

Everything arrives at one URL, POST /slack/events, mounted only when SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET are set. Bolt checks the signing secret (401 on a bad signature or a timestamp over
five minutes old).

Every request's signature is checked here, on the raw bytes, before anything parses the body (401 otherwise);
Bolt then checks it again.

Slack wants every request acknowledged within 3 seconds, so each listener only acks; the answering runs in
a Bolt lazy listener (a worker thread) after the HTTP response has gone. Slack redelivers an event it thinks
was lost: each event is answered once by its event_id, and each slash command by its trigger_id, in a
set-if-absent store (service/adapters/dedup.py; Redis when CABLEWISE_RATE_LIMIT_STORAGE is redis://). A retry
whose first delivery never arrived is answered; a duplicate is acked and ignored.

No conversation state is kept here: a thread's previous answer context rides in the bot message's metadata
and is read back with conversations.replies, and a button's value carries the question it needs.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from collections.abc import Iterable
from functools import partial
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import Request
from flask import Response
from flask import current_app
from flask import request
from slack_bolt import App
from slack_bolt import BoltResponse
from slack_bolt.adapter.flask import SlackRequestHandler
from slack_bolt.adapter.flask.handler import to_bolt_request
from slack_bolt.adapter.flask.handler import to_flask_response
from slack_bolt.error import BoltError
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.errors import SlackClientError
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.exc import SQLAlchemyError

from service import observability
from service.adapters.context_seal import answer_with_context
from service.adapters.dedup import MemoryKeys
from service.adapters.dedup import SeenKeys
from service.adapters.dedup import keys_from_url
from service.adapters.slack_render import ACTION_HELPFUL
from service.adapters.slack_render import ACTION_NOT_HELPFUL
from service.adapters.slack_render import ACTION_SHARE
from service.adapters.slack_render import decode_value
from service.adapters.slack_render import help_blocks
from service.adapters.slack_render import help_text
from service.adapters.slack_render import share_value
from service.adapters.slack_render import to_slack_blocks
from service.adapters.slack_render import to_slack_text
from service.errors import BadRequest
from service.errors import IndexUnavailable
from service.errors import Unauthorized
from service.feedback import FeedbackStore
from service.question_log import QuestionLog
from service.settings import Settings
from service.storage import records as stored_records
from service.storage.database import SchemaNotReady
from service.storage.records import Records
from service.types import Answer

log = logging.getLogger("cablewise.slack")

bp = Blueprint("slack", __name__)

EVENTS_PATH = "/slack/events"
EXTENSION = "cablewise.slack"
METADATA_EVENT = "cablewise_answer"
MAX_QUESTION_CHARS = 1000  # the same rule as POST /api/v1/ask
# Interaction payloads repeat the whole message they came from, so they outgrow the API's 16 KiB body cap.
MAX_SLACK_BODY = 1024 * 1024
# A top-level DM continues the previous answer only if that answer is this recent.
DM_FOLLOW_UP_WINDOW_S = 30 * 60
REPLIES_MAX_PAGES = 5
# Bounds start-up (auth.test) and each Web API call when Slack is slow or down (slack_sdk default: 30 s).
WEB_API_TIMEOUT_S = 10

NOT_CONFIGURED = "Slack not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable /slack/events"
APOLOGY = ":confused: Sorry, something went wrong while answering. Please try again in a minute."
NOT_READY = ":hourglass_flowing_sand: Cablewise is still starting up. Please try again in a minute."
TOO_LONG = f"That question is too long for me: please keep it under {MAX_QUESTION_CHARS} characters."
SHARED = ":white_check_mark: Shared in the channel."
NOT_IN_CHANNEL = "I can't post in this channel yet: invite me with `/invite @Cablewise`, then share again."
THANKS = ":pray: Thanks for the feedback!"

EngineProvider = Callable[[], Any]  # returns an object with answer(question, context) -> Answer


@bp.post(EVENTS_PATH)
def events() -> Response:
    """Hand a Slack request to Bolt: 401 for a bad signature or a stale timestamp, otherwise 200 at once.

    The signature is verified on the raw body before Bolt (or anything) parses it, so an unsigned body that is
    not JSON or not a form is a 401, not a parse error.
    """
    handler: _Handler = current_app.extensions[EXTENSION]
    request.max_content_length = MAX_SLACK_BODY
    raw = request.get_data(cache=True)  # over MAX_SLACK_BODY raises 413 here
    if not verify_signature(
        handler.verifier,
        raw,
        request.headers.get("X-Slack-Request-Timestamp"),
        request.headers.get("X-Slack-Signature"),
    ):
        raise Unauthorized("Slack signature missing, invalid or older than five minutes")
    try:
        return handler.handle(request)
    except ValueError as exc:  # a signed body Bolt cannot parse (Slack never sends one)
        log.warning("signed Slack request could not be parsed: %s", exc)
        raise BadRequest("Slack request body could not be parsed") from None


def verify_signature(
    verifier: SignatureVerifier, body: bytes, timestamp: str | None, signature: str | None
) -> bool:
    """Slack's v0 HMAC over `v0:timestamp:body`, within five minutes; False for anything malformed."""
    if not timestamp or not signature or not timestamp.isdigit() or len(timestamp) > 12:
        return False
    try:
        return verifier.is_valid(body=body, timestamp=timestamp, signature=signature)
    except (ValueError, TypeError):
        return False


class _Handler(SlackRequestHandler):
    """Bolt's Flask adapter, adding this request's public base URL (for source links) to the Bolt context."""

    def __init__(self, app: App, signing_secret: str) -> None:
        super().__init__(app)
        self.verifier = SignatureVerifier(signing_secret)

    def handle(self, req: Request) -> Response:
        """Dispatch a POST to Bolt; anything else goes to the stock adapter."""
        if req.method != "POST":
            return super().handle(req)
        bolt_request = to_bolt_request(req)
        bolt_request.context["public_base_url"] = req.host_url
        return to_flask_response(self.app.dispatch(bolt_request))


def register(app: Flask, settings: Settings, runtime: Any) -> None:
    """Mount POST /slack/events when both Slack secrets are set; otherwise log how to enable it."""
    if not settings.slack_enabled:
        log.info(NOT_CONFIGURED)
        return
    try:
        bolt = build_bolt_app(runtime.engine_or_raise, settings, records=stored_records.of(app))
    except (BoltError, SlackClientError, OSError) as exc:
        # A Slack outage or a revoked token must not take the HTTP API down with it.
        log.error(
            "Slack token check (auth.test) failed: %s; Bolt checks again on the first Slack request", exc
        )
        bolt = build_bolt_app(
            runtime.engine_or_raise,
            settings,
            token_verification_enabled=False,
            records=stored_records.of(app),
        )
    app.extensions[EXTENSION] = _Handler(bolt, settings.slack_signing_secret.get_secret_value())
    app.register_blueprint(bp)
    log.info("Slack enabled: POST %s (Web API %s)", EVENTS_PATH, api_base_url(settings.slack_api_url))


def build_bolt_app(
    engine_provider: EngineProvider,
    settings: Settings,
    *,
    client: WebClient | None = None,
    token_verification_enabled: bool = True,
    process_before_response: bool = False,
    seen: SeenKeys | None = None,
    records: Records | None = None,
) -> App:
    """Build the Bolt app with the /cable, app_mention, DM and button listeners.

    :param engine_provider: called at answer time to get the engine (e.g. `runtime.engine_or_raise`).
    :param client: a Web API client; by default one for `settings.slack_api_url` with the bot token.
    :param token_verification_enabled: call auth.test now (production) instead of on the first request.
    :param seen: the store that de-duplicates deliveries; by default from CABLEWISE_RATE_LIMIT_STORAGE.
    :param records: where feedback and the question log go; by default the database the settings name.
    :raises ValueError: Slack is not configured.
    :raises BoltError: the token check failed.
    """
    if not (settings.slack_bot_token and settings.slack_signing_secret):
        raise ValueError(NOT_CONFIGURED)
    if client is None:
        client = WebClient(
            token=settings.slack_bot_token.get_secret_value(),
            base_url=api_base_url(settings.slack_api_url),
            timeout=WEB_API_TIMEOUT_S,
        )
    recent = MemoryKeys()  # share and feedback clicks, once each per process
    seen = keys_from_url(settings.rate_limit_storage) if seen is None else seen
    bolt = App(
        client=client,
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        token_verification_enabled=token_verification_enabled,
        process_before_response=process_before_response,
        before_authorize=_skip_duplicates(seen),
        # Listeners and lazy listeners run in these threads: each in a copy of its Slack request's context, so
        # every line logged while answering carries that request's id (service/observability.py).
        listener_executor=observability.ContextThreadPoolExecutor(max_workers=5),
    )
    records = records or Records.from_settings(settings)
    bot = _Bot(engine_provider, records.feedback, recent, records.questions)
    bolt.command("/cable")(ack=bot.ack_command, lazy=[bot.answer_command])
    bolt.event("app_mention")(ack=_ack, lazy=[bot.answer_mention])
    bolt.event("message")(ack=_ack, lazy=[bot.answer_direct_message])
    bolt.action(ACTION_SHARE)(ack=_ack, lazy=[bot.share])
    bolt.action(ACTION_HELPFUL)(ack=_ack, lazy=[bot.record_feedback])
    bolt.action(ACTION_NOT_HELPFUL)(ack=_ack, lazy=[bot.record_feedback])
    return bolt


def api_base_url(url: str) -> str:
    """Return the Web API base URL with the trailing slash slack_sdk needs to join method names."""
    return url if url.endswith("/") else url + "/"


def question_text(text: str | None) -> str:
    """Turn Slack's message or command text into the plain question (mentions dropped, escapes undone)."""
    text = _USER_MENTION.sub(" ", text or "")
    text = _CHANNEL_MENTION.sub(lambda m: "#" + (m.group(1) or "channel"), text)
    text = _SPECIAL_MENTION.sub(lambda m: m.group(1) or "", text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return " ".join(text.split())


def answer_metadata(answer: Answer) -> dict[str, Any]:
    """Return the message metadata that lets a later mention in the thread continue this answer."""
    # Metadata payload values must be flat (string, number, bool), so the opaque context travels as JSON text.
    return {
        "event_type": METADATA_EVENT,
        "event_payload": {
            "intent": answer.intent.value,
            "context": json.dumps(answer.context, separators=(",", ":"), ensure_ascii=False),
        },
    }


def earlier_context(messages: Iterable[dict[str, Any]], bot_id: str | None = None) -> dict[str, Any] | None:
    """Return the context of the latest Cablewise answer among messages given oldest first, if any."""
    found = None
    for message in messages:
        metadata = message.get("metadata") or {}
        if metadata.get("event_type") != METADATA_EVENT:
            continue
        if bot_id and message.get("bot_id") and message["bot_id"] != bot_id:
            continue  # another app's message that happens to use our event type
        raw = (metadata.get("event_payload") or {}).get("context")
        try:
            context = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            continue
        if isinstance(context, dict):
            found = context
    return found


_USER_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")
_CHANNEL_MENTION = re.compile(r"<#[A-Z0-9]+(?:\|([^>]*))?>")
_SPECIAL_MENTION = re.compile(r"<![^>|]*(?:\|([^>]*))?>")
_LINK = re.compile(r"<([^>|]+)(?:\|([^>]*))?>")


def _ack(ack: Callable[..., Any]) -> None:
    ack()


def delivery_key(body: dict[str, Any]) -> str | None:
    """The id that makes a Slack delivery unique: event_id for events, trigger_id for slash commands."""
    if body.get("type") == "event_callback" and body.get("event_id"):
        return f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return f"command:{body['trigger_id']}"
    return None


def _skip_duplicates(seen: SeenKeys) -> Callable[..., Any]:
    # Bolt passes middleware arguments by name: request, body, next.
    def skip_duplicates(request, body, next):
        key = delivery_key(body)
        retry = request.headers.get("x-slack-retry-num", [None])[0]
        if key is None:
            return next()
        try:
            first = seen.add(key)
        except Exception:  # the shared store is down: answering twice beats never answering
            log.exception("de-duplication store failed; handling %s anyway", key)
            first = True
        if not first:
            log.info("ignored duplicate delivery %s retry=%s", key, retry or "-")
            return BoltResponse(status=200, body="", headers={"x-slack-no-retry": "1"})
        if retry:
            reason = request.headers.get("x-slack-retry-reason", ["-"])[0]
            log.info(
                "answering Slack retry num=%s reason=%s %s: first delivery never arrived", retry, reason, key
            )
        return next()

    return skip_duplicates


class _Bot:
    """The listeners; each `answer_*` runs lazily, after Slack has its acknowledgement."""

    def __init__(
        self,
        engine_provider: EngineProvider,
        feedback: FeedbackStore,
        recent: SeenKeys,
        questions: QuestionLog,
    ) -> None:
        self.engine_provider = engine_provider
        self.feedback = feedback
        self.recent = recent
        self.questions = questions

    # /cable

    def ack_command(self, ack: Callable[..., Any], command: dict[str, Any]) -> None:
        """Ack /cable; an empty or over-long question is answered in the ack itself (ephemeral)."""
        question = question_text(command.get("text"))
        name = command.get("command") or "/cable"
        if not question:
            ack(response_type="ephemeral", text=help_text(name), blocks=help_blocks(name))
        elif len(question) > MAX_QUESTION_CHARS:
            ack(response_type="ephemeral", text=TOO_LONG)
        else:
            ack()

    def answer_command(
        self, command: dict[str, Any], respond: Callable[..., Any], context: dict[str, Any]
    ) -> None:
        """Answer /cable QUESTION ephemerally, with a "Share in channel" button."""
        question = question_text(command.get("text"))
        if not question or len(question) > MAX_QUESTION_CHARS:
            return  # the ack already said why
        try:
            answer = self._answer(question, None, user=command.get("user_id"))
            blocks = to_slack_blocks(
                answer, context.get("public_base_url") or "", share=share_value(question), show_question=True
            )
            _respond(respond, response_type="ephemeral", text=to_slack_text(answer), blocks=blocks)
        except Exception as exc:
            _respond(respond, response_type="ephemeral", text=_failure_text(exc))

    # mentions and DMs

    def answer_mention(self, event: dict[str, Any], client: WebClient, context: dict[str, Any]) -> None:
        """Answer an @mention in the thread it came from; a mention inside a thread is a follow-up."""
        if event.get("bot_id") or event.get("subtype"):
            return  # another bot mentioning us: answering could start a bot-to-bot loop
        channel = event["channel"]
        in_thread = event.get("thread_ts")
        self._converse(
            client,
            channel=channel,
            thread_ts=in_thread or event["ts"],
            question=question_text(event.get("text")),
            earlier=partial(self._thread_context, client, channel, in_thread, context) if in_thread else None,
            base_url=context.get("public_base_url") or "",
            user=event.get("user"),
        )

    def answer_direct_message(
        self, event: dict[str, Any], client: WebClient, context: dict[str, Any]
    ) -> None:
        """Answer a person's direct message; ignore edits, joins, bots and this bot's own messages."""
        if not _is_person_dm(event, context.get("bot_user_id")):
            return
        channel = event["channel"]
        thread_ts = event.get("thread_ts")
        if thread_ts:
            earlier = partial(self._thread_context, client, channel, thread_ts, context)
        else:
            earlier = partial(self._recent_dm_context, client, channel, context)
        self._converse(
            client,
            channel=channel,
            thread_ts=thread_ts,
            question=question_text(event.get("text")),
            earlier=earlier,
            base_url=context.get("public_base_url") or "",
            user=event.get("user"),
        )

    # buttons

    def share(
        self,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        respond: Callable[..., Any],
        context: dict[str, Any],
    ) -> None:
        """Post an ephemeral reply's answer to the whole channel, once, and mark the reply as shared."""
        container = body.get("container") or {}
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        user = (body.get("user") or {}).get("id")
        data = decode_value(action.get("value"))
        question = str(data.get("q") or "")
        if not channel or not question:
            log.warning("share click without a channel or question; ignored")
            return
        # One share per ephemeral message, however many clicks or redeliveries arrive.
        message = container.get("message_ts") or body.get("response_url") or action.get("action_ts")
        key = f"share:{channel}:{message}"
        if not self.recent.add(key):
            log.info("ignored repeated share click channel=%s", channel)
            return
        earlier = data.get("c") if isinstance(data.get("c"), dict) else None
        try:
            answer = self._answer(question, earlier, log_question=False)  # logged when first asked
            client.chat_postMessage(
                channel=channel,
                text=to_slack_text(answer),
                blocks=to_slack_blocks(
                    answer, context.get("public_base_url") or "", show_question=True, asked_by=user
                ),
                metadata=answer_metadata(answer),
            )
        except SlackApiError as exc:
            self.recent.discard(key)
            if exc.response.get("error") in ("not_in_channel", "channel_not_found"):
                _respond(respond, response_type="ephemeral", replace_original=False, text=NOT_IN_CHANNEL)
            else:
                _respond(respond, response_type="ephemeral", replace_original=False, text=_failure_text(exc))
            return
        except Exception as exc:
            self.recent.discard(key)
            _respond(respond, response_type="ephemeral", replace_original=False, text=_failure_text(exc))
            return
        _respond(respond, replace_original=True, text=SHARED)

    def record_feedback(
        self, body: dict[str, Any], action: dict[str, Any], respond: Callable[..., Any]
    ) -> None:
        """Store a Helpful / Not helpful click (once per user, message and button) and thank the user."""
        user = (body.get("user") or {}).get("id") or ""
        container = body.get("container") or {}
        action_id = action.get("action_id", "")
        key = f"feedback:{user}:{container.get('message_ts') or action.get('action_ts')}:{action_id}"
        if not self.recent.add(key):
            return
        data = decode_value(action.get("value"))
        try:
            self.feedback.record(
                channel="slack",
                user=user,
                question=str(data.get("q") or ""),
                intent=str(data.get("i") or "unknown"),
                helpful=action_id == ACTION_HELPFUL,
                answer_id=str(data["a"]) if data.get("a") else None,
            )
        except (SQLAlchemyError, SchemaNotReady, OSError):
            self.recent.discard(key)
            log.exception("could not store feedback")
            _respond(respond, response_type="ephemeral", replace_original=False, text=APOLOGY)
            return
        _respond(respond, response_type="ephemeral", replace_original=False, text=THANKS)

    # helpers

    def _answer(
        self,
        question: str,
        earlier: dict[str, Any] | None,
        *,
        user: str | None = None,
        log_question: bool = True,
    ) -> Answer:
        # A thread's context may predate a knowledge-base change: if the core cannot use it, answer afresh.
        answer, note = answer_with_context(self.engine_provider(), question, earlier)
        if log_question:
            self.questions.record(answer, channel="slack", user=user)  # no-op unless CABLEWISE_QUESTION_LOG
        log.info(
            "answered intent=%s basis=%s confidence=%.2f channel=slack follow_up=%s%s",
            answer.intent.value,
            answer.basis.value,
            answer.confidence,
            earlier is not None,
            f" note={note!r}" if note else "",
        )
        return answer

    def _converse(
        self,
        client: WebClient,
        *,
        channel: str,
        thread_ts: str | None,
        question: str,
        earlier: Callable[[], dict[str, Any] | None] | None,
        base_url: str,
        user: str | None = None,
    ) -> None:
        """Answer `question` with a message in `channel` (in the thread when `thread_ts` is set)."""
        where = {"channel": channel, "thread_ts": thread_ts} if thread_ts else {"channel": channel}
        if not question:
            _post(client, text=help_text(), blocks=help_blocks(), **where)
            return
        if len(question) > MAX_QUESTION_CHARS:
            _post(client, text=TOO_LONG, **where)
            return
        try:
            answer = self._answer(question, earlier() if earlier else None, user=user)
            client.chat_postMessage(
                text=to_slack_text(answer),
                blocks=to_slack_blocks(answer, base_url),
                metadata=answer_metadata(answer),
                **where,
            )
        except Exception as exc:
            _post(client, text=_failure_text(exc), **where)

    def _thread_context(
        self, client: WebClient, channel: str, thread_ts: str, context: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Read the thread back and return the context of the latest Cablewise answer in it."""
        messages: list[dict[str, Any]] = []
        cursor = None
        try:
            for _ in range(REPLIES_MAX_PAGES):
                page = client.conversations_replies(
                    channel=channel, ts=thread_ts, include_all_metadata=True, limit=200, cursor=cursor
                )
                messages += page.get("messages") or []
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
        except SlackClientError as exc:
            # Without channels:history / groups:history the follow-up is answered as a fresh question.
            log.warning("could not read thread for follow-up context: %s", exc)
            return None
        return earlier_context(messages, context.get("bot_id"))

    def _recent_dm_context(
        self, client: WebClient, channel: str, context: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Return the context of the last Cablewise answer in this DM, if it is recent enough to continue."""
        try:
            page = client.conversations_history(
                channel=channel,
                limit=10,
                oldest=f"{time.time() - DM_FOLLOW_UP_WINDOW_S:.6f}",
                include_all_metadata=True,
            )
        except SlackClientError as exc:
            log.warning("could not read DM history for follow-up context: %s", exc)
            return None
        # conversations.history lists newest first.
        return earlier_context(reversed(page.get("messages") or []), context.get("bot_id"))


def _is_person_dm(event: dict[str, Any], bot_user_id: str | None) -> bool:
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")  # edits, deletions, joins, bot_message ...
        and not event.get("bot_id")
        and bool(event.get("user"))
        and event.get("user") != bot_user_id
    )


def _failure_text(exc: BaseException) -> str:
    """Log a failed answer with its traceback and return the short text the user sees instead."""
    if isinstance(exc, IndexUnavailable):
        log.warning("answer refused, not ready: %s", exc.detail)
        return NOT_READY
    log.error("answering a Slack request failed", exc_info=exc)
    return APOLOGY


def _post(client: WebClient, **kwargs: Any) -> None:
    """Post a message; a failure here is only logged (there is nowhere left to report it)."""
    try:
        client.chat_postMessage(**kwargs)
    except SlackClientError:
        log.exception("could not post to Slack channel=%s", kwargs.get("channel"))


def _respond(respond: Callable[..., Any], **kwargs: Any) -> None:
    """Reply through the response_url; a failure here is only logged."""
    try:
        result = respond(**kwargs)
    except Exception:
        log.exception("could not reply through response_url")
        return
    if getattr(result, "status_code", 200) >= 300:
        log.error("response_url replied %s: %s", result.status_code, getattr(result, "body", ""))
