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
# a word as glossary phrases write them: letters and digits, joined by a hyphen or an apostrophe ("toca-discos"),
# and a decimal comma ("klinke 3,5")
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+|,(?=\d)\d+)*")


def _fold(char: str) -> str:
    """The character without its accent ("é" -> "e"), lower case; one character for one, so offsets hold."""
    bare = "".join(c for c in unicodedata.normalize("NFD", char.lower()) if not unicodedata.combining(c))
    return bare if len(bare) == 1 else char


def folded(text: str) -> str:
    """Lower case without accents, the same length as `text`: where a glossary phrase is found in the folded
    text is where it is in the question."""
    if text.isascii():
        return text.lower()  # nothing to fold, and most questions are plain ASCII
    return "".join(_fold(c) for c in text)


@functools.lru_cache(maxsize=8)
def _longest(phrases: tuple[str, ...]) -> int:
    """The most words a glossary phrase has."""
    return max((len(p.split()) for p in phrases), default=0)


def translate(text: str, glossary: Mapping[str, str]) -> str:
    """The question with every glossary phrase replaced by its English; unchanged when none is there.

    Phrases are looked up word by word, longest first ("bocinas pasivas" before "bocinas"): a dictionary lookup per
    word and phrase length, so a question costs the same however large the glossary grows."""
    if not glossary:
        return text
    text = _INVERTED_MARKS.sub(" ", text)
    words = list(_WORD.finditer(folded(text)))
    longest = _longest(tuple(glossary))
    pieces, last, i = [], 0, 0
    while i < len(words):
        for n in range(min(longest, len(words) - i), 0, -1):
            phrase = " ".join(w.group(0) for w in words[i : i + n])
            # the words of a phrase stand one space apart, as the glossary writes them
            spaced = all(text[words[k].end() : words[k + 1].start()] == " " for k in range(i, i + n - 1))
            if phrase in glossary and spaced:
                pieces += [text[last : words[i].start()], glossary[phrase]]
                last = words[i + n - 1].end()
                i += n
                break
        else:
            i += 1
    if not pieces:
        return text.strip()
    pieces.append(text[last:])
    return "".join(pieces).strip()
