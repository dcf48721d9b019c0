"""Split a message into sentences and find the part that asks.

A forum post is mostly set-up ("I have a Scarlett and two HS5s, I moved house ...") with the question in one
sentence, usually the last one with a question mark. The classifier reads the asking part besides the whole
message, so long set-ups do not drown the question.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\n+")
_ASKS = re.compile(r"\?")


def sentences(text: str) -> list[str]:
    """Sentences of a message, in order, without empty ones."""
    return [part.strip() for part in _SENTENCE_END.split(text.strip()) if part and part.strip()]


def asking_part(text: str) -> str:
    """The sentences that ask: those with a question mark, else the last sentence; the whole text when short."""
    parts = sentences(text)
    if len(parts) <= 1:
        return text.strip()
    asking = [p for p in parts if _ASKS.search(p)]
    return " ".join(asking) if asking else parts[-1]
