"""Put the English the reader knows in place of gear words of other languages (kb/glossary.yaml).

People who write English as a second language keep some gear words of their own ("la consola", "las bocinas
pasivas", "Klinkenkabel"). Every later stage (the lexicon, the intent classifier, the retriever's embedding) reads
English, so the words are translated once, at the front. A word that is also an English word never appears in the
glossary (kb check refuses it), so an English question passes through unchanged.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping

# Spanish opens a question or an exclamation with an inverted mark; it only separates words
_INVERTED_MARKS = re.compile("[\u00bf\u00a1]")


def _fold(char: str) -> str:
    """The character without its accent ("é" -> "e"), lower case; one character for one, so offsets hold."""
    bare = "".join(c for c in unicodedata.normalize("NFD", char.lower()) if not unicodedata.combining(c))
    return bare if len(bare) == 1 else char


def folded(text: str) -> str:
    """Lower case without accents, the same length as `text`: where a glossary phrase is found in the folded
    text is where it is in the question."""
    return "".join(_fold(c) for c in text)


@functools.lru_cache(maxsize=8)
def _pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    # longest first, so "bocinas pasivas" wins over "bocinas"
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])")


def translate(text: str, glossary: Mapping[str, str]) -> str:
    """The question with every glossary phrase replaced by its English; unchanged when none is there."""
    if not glossary:
        return text
    text = _INVERTED_MARKS.sub(" ", text)
    found = list(_pattern(tuple(glossary)).finditer(folded(text)))
    if not found:
        return text.strip()
    pieces, last = [], 0
    for match in found:
        pieces.append(text[last : match.start()])
        pieces.append(glossary[match.group(0)])
        last = match.end()
    pieces.append(text[last:])
    return "".join(pieces).strip()
