"""Render an Answer for Slack: Block Kit blocks and a plain-text fallback. Pure: no I/O, no Slack SDK.

Every piece of server text is escaped with Slack's three mrkdwn escapes (&, <, >) before it is formatted,
so an answer can never open a link, mention a user or ping a channel by accident.
"""

from __future__ import annotations

import json
import re
from typing import Any

from service.question_log import answer_id  # noqa: F401 - the id feedback rows and the question log share
from service.types import Answer
from service.types import Compatibility
from service.types import Intent
from service.types import Severity
from service.types import Verdict

ACTION_SHARE = "share_in_channel"
ACTION_HELPFUL = "feedback_helpful"
ACTION_NOT_HELPFUL = "feedback_not_helpful"
ACTIONS_BLOCK_ID = "cablewise_actions"

# Block Kit limits (docs.slack.dev, "Blocks" reference): a section's text, a context element's text and a
# button value have hard caps, and a message holds at most 50 blocks.
SECTION_TEXT_LIMIT = 3000
BUTTON_VALUE_LIMIT = 2000
MAX_BLOCKS = 50
MAX_ANSWER_SECTIONS = 5
MAX_WARNINGS = 10
MAX_SOURCES = 8
FALLBACK_TEXT_LIMIT = 3000

EXAMPLES = (
    "is TRS to TS balanced?",
    "which cable from the interface outputs to the monitors?",
    "can I send phantom power down a TRS to TS cable?",
)

_BALANCE_LABELS = {
    True: ":large_green_circle: *Balanced*",
    False: ":red_circle: *Unbalanced*",
}
_COMPATIBILITY_LABELS = {
    Compatibility.WORKS: ":white_check_mark: *Works*",
    Compatibility.WORKS_WITH_CAVEAT: ":large_yellow_circle: *Works, with a caveat*",
    Compatibility.DOES_NOT_WORK: ":no_entry_sign: *Does not work*",
    Compatibility.UNSAFE: ":warning: *Unsafe*",
}
_SEVERITY_WORDS = {
    Severity.DANGER: "Danger",
    Severity.WARNING: "Warning",
    Severity.CAUTION: "Caution",
    Severity.INFO: "Note",
}
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*", re.DOTALL)
_LIST_ITEM = re.compile(r"^(\s*)[-*] ", re.MULTILINE)
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")


def escape(text: str) -> str:
    """Escape the three characters Slack's mrkdwn treats as control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_mrkdwn(text: str) -> str:
    """Turn the answer's light Markdown (`**bold**`, `- ` lists) into escaped Slack mrkdwn."""
    out = _BOLD.sub(r"*\1*", escape(text.strip()))
    return _LIST_ITEM.sub(r"\1• ", out)


def encode_value(data: dict[str, Any], *, shrink_key: str = "q") -> str:
    """Encode a button value as compact JSON within Slack's 2000-character limit.

    Drops `c` (a follow-up context) first if the value is too long, then shortens the `shrink_key` text.
    """
    data = {k: v for k, v in data.items() if v not in (None, {}, "")}
    value = _compact(data)
    if len(value) > BUTTON_VALUE_LIMIT and "c" in data:
        data.pop("c")
        value = _compact(data)
    text = str(data.get(shrink_key, ""))
    while len(value) > BUTTON_VALUE_LIMIT and text:
        text = text[: max(0, len(text) - (len(value) - BUTTON_VALUE_LIMIT) - 1)]
        data[shrink_key] = text
        value = _compact(data)
    return value


def decode_value(value: str | None) -> dict[str, Any]:
    """Decode a button value written by `encode_value`; anything unreadable gives an empty dict."""
    try:
        data = json.loads(value or "")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def share_value(question: str, context: dict[str, Any] | None = None) -> str:
    """Return the "Share in channel" value: enough to answer the same question again, with no server state."""
    return encode_value({"q": question, "c": context})


def verdict_line(verdict: Verdict | None, intent: Intent) -> str | None:
    """Return the verdict as one mrkdwn line with emoji, or None when there is no verdict."""
    if verdict is None:
        return None
    parts = []
    if verdict.balanced in _BALANCE_LABELS:
        parts.append(_BALANCE_LABELS[verdict.balanced])
    elif intent in (Intent.BALANCED_CHECK, Intent.CHAIN):
        # balanced=None on a balance question means "it depends"; the conditions say on what.
        parts.append(":large_yellow_circle: *Depends*")
    if verdict.compatibility is not None:
        parts.append(_COMPATIBILITY_LABELS[verdict.compatibility])
    return "   ".join(parts) or None


def to_slack_blocks(
    answer: Answer,
    base_url: str = "",
    *,
    share: str | None = None,
    show_question: bool = False,
    asked_by: str | None = None,
) -> list[dict[str, Any]]:
    """Render an Answer as Block Kit blocks, within Slack's limits.

    :param base_url: public base URL of this service, joined to each source's `url`; without one
        (or when the result is not an http(s) URL) sources are listed without links.
    :param share: the value of a "Share in channel" button (see `share_value`); no button when None.
    :param show_question: start with the question, for replies that do not sit under it (slash commands).
    :param asked_by: a Slack user id credited for the question ("<@U123> asked").
    """
    blocks: list[dict[str, Any]] = []
    if show_question:
        who = f"<@{asked_by}> asked" if asked_by and _USER_ID.match(asked_by) else "You asked"
        blocks.append(_context(f":speech_balloon: {who}: _{_clip(escape(answer.question), 2800)}_"))

    verdict = verdict_line(answer.verdict, answer.intent)
    if verdict:
        conditions = answer.verdict.conditions if answer.verdict else ()
        if conditions:
            verdict += "\n_It depends on:_\n" + "\n".join(f"• {escape(c)}" for c in conditions)
        blocks.append(_section(verdict))

    blocks += [_section(chunk) for chunk in _chunks(to_mrkdwn(answer.text), MAX_ANSWER_SECTIONS)]

    warnings = answer.verdict.warnings if answer.verdict else ()
    for warning in warnings[:MAX_WARNINGS]:
        word = _SEVERITY_WORDS.get(warning.severity, warning.severity.value.title())
        blocks.append(_section(f":warning: *{word}:* {escape(warning.text)}"))
    if len(warnings) > MAX_WARNINGS:
        blocks.append(_context(f":warning: {len(warnings) - MAX_WARNINGS} more warnings not shown."))

    if answer.cable is not None:
        label = "Recommended cable" if answer.intent == Intent.CABLE_RECOMMENDATION else "Cable"
        blocks.append(_section(f":electric_plug: *{label}:* {escape(answer.cable.name)}"))

    if answer.sources:
        links = [_source_link(s.title, s.url, base_url) for s in answer.sources[:MAX_SOURCES]]
        blocks.append(_context(_clip("Sources: " + " · ".join(links), SECTION_TEXT_LIMIT, at=" · ")))

    blocks.append(_actions(answer, share))
    # The caps above keep us far below 50 blocks; this guards future additions.
    return blocks[: MAX_BLOCKS - 1] + [blocks[-1]] if len(blocks) > MAX_BLOCKS else blocks


def to_slack_text(answer: Answer) -> str:
    """Render the plain-text fallback Slack shows in notifications and screen readers."""
    lines = []
    verdict = verdict_line(answer.verdict, answer.intent)
    if verdict:
        lines.append(verdict)
    lines.append(to_mrkdwn(answer.text))
    if answer.verdict:
        lines += [
            f"{_SEVERITY_WORDS.get(w.severity, w.severity.value)}: {escape(w.text)}"
            for w in answer.verdict.warnings
        ]
    if answer.cable is not None:
        lines.append(f"Cable: {escape(answer.cable.name)}")
    return _clip("\n".join(lines), FALLBACK_TEXT_LIMIT)


def help_blocks(command: str = "/cable") -> list[dict[str, Any]]:
    """Return a short usage note with three example questions."""
    return [_section(help_text(command))]


def help_text(command: str = "/cable") -> str:
    """Return the usage note as mrkdwn text."""
    examples = "\n".join(f"• `{escape(command)} {escape(e)}`" for e in EXAMPLES)
    return (
        "Ask me about studio cables and connectors: balanced or not, what plugs into what,"
        f" which cable to buy, and what is unsafe. For example:\n{examples}\n"
        "You can also mention me in a channel thread or send me a direct message."
    )


def _section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SECTION_TEXT_LIMIT)}}


def _context(text: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(text, SECTION_TEXT_LIMIT)}]}


def _actions(answer: Answer, share: str | None) -> dict[str, Any]:
    feedback = encode_value({"q": answer.question, "i": answer.intent.value, "a": answer_id(answer)})
    elements = []
    if share is not None:
        elements.append(_button("Share in channel", ACTION_SHARE, share, style="primary"))
    elements.append(_button(":thumbsup: Helpful", ACTION_HELPFUL, feedback))
    elements.append(_button(":thumbsdown: Not helpful", ACTION_NOT_HELPFUL, feedback))
    return {"type": "actions", "block_id": ACTIONS_BLOCK_ID, "elements": elements}


def _button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    button = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "value": value[:BUTTON_VALUE_LIMIT],
    }
    if style:
        button["style"] = style
    return button


def _source_link(title: str, url: str, base_url: str) -> str:
    label = escape(_clip(title.replace("|", "/"), 150)) or "source"
    full = base_url.rstrip("/") + "/" + url.lstrip("/") if base_url else url
    if not full.startswith(("https://", "http://")):
        return label
    # Inside <url|label> the URL must not contain the delimiters themselves.
    safe_url = escape(full).replace("|", "%7C").replace(" ", "%20")
    return f"<{safe_url}|{label}>"


def _chunks(text: str, limit: int) -> list[str]:
    """Split long text into section-sized pieces at paragraph or line breaks, at most `limit` pieces."""
    pieces: list[str] = []
    rest = text
    while rest and len(pieces) < limit:
        if len(rest) <= SECTION_TEXT_LIMIT:
            pieces.append(rest)
            rest = ""
            break
        window = rest[:SECTION_TEXT_LIMIT]
        cut = max(window.rfind("\n\n"), window.rfind("\n"))
        if cut < SECTION_TEXT_LIMIT // 2:
            cut = window.rfind(" ")
        if cut < SECTION_TEXT_LIMIT // 2:
            cut = _safe_cut(window, SECTION_TEXT_LIMIT)
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest and pieces:
        pieces[-1] = _clip(pieces[-1] + " " + rest, SECTION_TEXT_LIMIT)
    return pieces or [""]


def _clip(text: str, limit: int, *, at: str = " ") -> str:
    """Shorten text to `limit` characters with an ellipsis, never cutting an &amp; escape in half."""
    if len(text) <= limit:
        return text
    window = text[: limit - 1]
    cut = window.rfind(at)
    if cut < limit // 2:
        cut = _safe_cut(window, limit - 1)
    return text[:cut].rstrip() + "…"


def _safe_cut(text: str, limit: int) -> int:
    """Return a cut position <= limit that does not split an HTML entity such as &amp;."""
    cut = min(limit, len(text))
    amp = text.rfind("&", max(0, cut - 5), cut)
    if amp != -1 and ";" not in text[amp:cut]:
        return amp
    return cut


def _compact(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
