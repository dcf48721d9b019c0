"""Tokenize a question and find the ontology's words in it, forgiving common misspellings."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field

from rapidfuzz.distance import OSA

from service.core.ontology import CountedPins
from service.core.ontology import Ontology
from service.core.ontology import SizedSockets

# "'s" is a possessive only when no word goes on after it: a quote opening on "'speaker out'" or "'S/PDIF'" is not
_TOKEN = re.compile(
    r"->|\+\d+|'s(?![a-z0-9]|/[a-z0-9])|[a-z0-9]+(?:(?:[./][a-z0-9]+)|(?:,(?=\d)\d+))*|[?!.,;:()\"+\-]"
)
_LENGTH = re.compile(r"\b(\d+(?:\.\d+)?)\s*(m|meters?|metres?|ft|feet|foot)\b")
FEET = 0.3048
FEET_UNITS = ("ft", "feet", "foot")
MIN_SHORTHAND_LETTERS = 3  # "cbl", "gtr": shorter runs of consonants are abbreviations of anything
_OHMS = re.compile(r"\b(\d+(?:\.\d+)?)\s*-?\s*(?:ohms?|\u03a9|\u2126)")
# "96k", "88.2 kHz", "192000 Hz": a number is a sample rate only when it is one of the rates digital audio runs at
_RATE = re.compile(r"\b(\d+(?:\.\d+)?)\s*-?\s*(k|khz|hz)\b")
SAMPLE_RATES_KHZ = (32.0, 44.1, 48.0, 88.2, 96.0, 176.4, 192.0)


@dataclass(frozen=True, slots=True)
class Mention:
    """A phrase of the question recognised as an ontology word; start/end are token positions."""

    kind: str  # family cable device port level balance format gender dual phantom role sep attach cableword mono
    id: str
    text: str
    start: int
    end: int


@functools.lru_cache(maxsize=512)
def phrase_pattern(phrases: tuple[str, ...], *, plurals: bool = False) -> re.Pattern[str]:
    """One compiled pattern that finds any of the phrases as whole words (built once per phrase list); with
    `plurals`, a phrase also matches with a trailing "s" ("condenser" finds "condensers")."""
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    plural = "s?" if plurals else ""
    return re.compile(rf"(?<![a-z0-9])(?:{alternatives}){plural}(?![a-z0-9])")


def clean(text: str) -> str:
    """Lower-case and regularise punctuation, arrows, inches and possessives."""
    # "saída", "entrée", "dinâmico": accents dropped, so a word reads the same however it is typed
    t = "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))
    t = t.translate(
        str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2032": "'"})
    )
    t = re.sub(r"[\u2014\u2013]", " - ", t)
    t = re.sub(r"-{1,2}>|\u2192|=>|\u27f6|\s>\s", " -> ", t)
    # a left arrow joins the same two things; the port words (ins, outs) then say which way the signal goes
    t = re.sub(r"<-{1,2}|\u2190|\u27f5|\s<\s", " -> ", t)
    t = re.sub(r"(\d)\s*(\"|''|inch(es)?\b)", r"\1 inch ", t)
    t = re.sub(r"\bwon't\b", "will not", t)
    t = re.sub(r"\bcan't\b", "can not", t)
    t = re.sub(r"(?<=[a-z])n't\b", " not", t)
    # "I'm", "we're", "they've": the clipped verb is no connector word ("m" would read as a male XLR end)
    t = re.sub(r"\bi'm\b", "i am", t)
    t = re.sub(r"(?<=[a-z])'re\b", " are", t)  # "they're unbalanced" says what they are
    t = re.sub(r"(?<=[a-z])'(ve|ll|d)\b", "", t)
    t = re.sub(r"(?<=[a-z0-9])'s\b", " 's", t)
    t = re.sub(r"(?<=[a-z])s'(?=[\s,.?!)]|$)", "s", t)
    t = re.sub(r"(?<=[a-z0-9])-(?=[a-z0-9])", " ", t)
    return re.sub(r"\s+", " ", t).strip()


def tokenize(cleaned: str) -> list[str]:
    """Split cleaned text into tokens ("3.5mm", "1/4", "s/pdif" stay whole)."""
    return _TOKEN.findall(cleaned)


def lengths_in_metres(cleaned: str, numbers: Mapping[str, int] | None = None) -> list[float]:
    """Cable lengths the question states, converted to metres; with `numbers` (kb/reading.yaml spoken_numbers)
    also those spelled out ("about sixty feet", "twenty five metres")."""
    out = []
    for number, unit in _LENGTH.findall(_spelled_numbers_as_digits(cleaned, numbers) if numbers else cleaned):
        value = float(number)
        out.append(value * FEET if unit in FEET_UNITS else value)
    return out


def _spelled_numbers_as_digits(text: str, numbers: Mapping[str, int]) -> str:
    """ "sixty feet" -> "60 feet", "twenty five metres" -> "25 metres": runs of number words added up."""
    words = text.split(" ")
    out: list[str] = []
    run: list[int] = []
    for word in [*words, ""]:
        if word in numbers:
            value = numbers[word]
            # "one hundred", "two hundred": a round hundred multiplies what came before it
            run = [sum(run) * value] if run and value % 100 == 0 else [*run, value]
            continue
        if run:
            out.append(str(sum(run)))
            run = []
        out.append(word)
    return " ".join(out[:-1])


def sample_rates_in_khz(cleaned: str) -> list[float]:
    """Sample rates the question states ("at 96k", "48 kHz", "44100 Hz")."""
    rates = (float(number) / (1000 if unit == "hz" else 1) for number, unit in _RATE.findall(cleaned))
    return [rate for rate in rates if rate in SAMPLE_RATES_KHZ]


def impedances_in_ohms(cleaned: str) -> list[float]:
    """Impedances the question states ("a 4 ohm cab", "the 16-ohm tap")."""
    return [float(number) for number in _OHMS.findall(cleaned)]


def words_besides_impedances(words: list[str]) -> list[str] | None:
    """The words left once the impedances stated among them are taken out; None when they state none."""
    text = " ".join(words)
    if not _OHMS.search(text):
        return None
    return _OHMS.sub(" ", text).split()


@dataclass(frozen=True)
class Lexicon:
    """Phrase tables built once per ontology."""

    phrases: dict[tuple[str, ...], tuple[tuple[str, str], ...]]
    longest: int
    vocabulary: frozenset[str]
    spelling: tuple[str, ...]
    fillers: frozenset[str]  # glue words: never start a mention, may sit inside a noun phrase
    paired: dict[str, str] = field(default_factory=dict)  # word -> family, only beside another connector
    sized: SizedSockets | None = None  # "the big headphone-type jack": a socket described by its size
    counted: tuple[CountedPins, ...] = ()  # "three-pin sockets", "two black stripes": a connector by a count
    numbers: dict[str, int] = field(default_factory=dict)  # spelled-out numbers ("five")
    pair_joiners: frozenset[str] = frozenset()
    compound_joiners: frozenset[str] = (
        frozenset()
    )  # "card OF sound": a two-word name said the other way round
    known_words: frozenset[str] = frozenset()  # real English words: a correction would change the meaning
    # two connector words that together name one family (kb/reading.yaml family_merge): "quarter-inch" + "TRS"
    family_merges: dict[frozenset[str], str] = field(default_factory=dict)

    @functools.cached_property
    def skeletons(self) -> dict[str, str]:
        """Domain words by their consonants alone ("spkrs" -> "speakers", "cbl" -> "cable"), where only one word
        has them: how people shorten words when they type fast."""
        found: dict[str, set[str]] = {}
        for word in self.spelling:
            found.setdefault(_without_vowels(word), set()).add(word)
        return {skeleton: next(iter(words)) for skeleton, words in found.items() if len(words) == 1}

    @functools.cached_property
    def reach(self) -> dict[str, int]:
        """The longest phrase starting with each word: matching skips the lengths no phrase has, and the words
        that start none (most of a long post)."""
        out: dict[str, int] = {}
        for key in self.phrases:
            out[key[0]] = max(out.get(key[0], 0), len(key))
        return out


def _norm_phrase(phrase: str) -> tuple[str, ...]:
    return tuple(tokenize(clean(phrase)))


@functools.lru_cache(maxsize=8)
def lexicon_for(ontology: Ontology) -> Lexicon:
    """Build the phrase table: every alias, port word, balance word and format of the ontology."""
    table: dict[tuple[str, ...], list[tuple[str, str]]] = {}
    grammar = ontology.grammar

    def add(phrase: str, kind: str, ident: str) -> None:
        key = _norm_phrase(phrase)
        if key and (kind, ident) not in table.setdefault(key, []):
            table[key].append((kind, ident))

    for fid, fam in ontology.families.items():
        for alias in fam.aliases:
            add(alias, "family", fid)
    for cid, cable in ontology.cables.items():
        for alias in cable.aliases:
            add(alias, "cable", cid)
    spoken = {n: word for word, n in grammar.spoken_numbers.items()} if ontology.grammar is not None else {}
    for did, device in ontology.devices.items():
        for alias in device.aliases:
            add(alias, "device", did)
            said = _spelled_out(alias, spoken)
            if said != alias and _norm_phrase(said) not in table:
                add(said, "device", did)
    for qualifier, words in ontology.terms.port_words.items():
        for word in words:
            add(word, "port", qualifier)
    for balance, words in ontology.terms.balance_words.items():
        for word in words:
            add(word, "balance", balance)
    for fmt_id, fmt in ontology.formats.items():
        for alias in fmt.aliases:
            add(alias, "format", fmt_id)
    for level_id, level in ontology.levels.items():
        add(level.name, "level", level_id)
        add(level.name.replace(" level", "-level"), "level", level_id)
    for role, words in ontology.terms.roles.items():
        for word in words:
            add(word, "role", role)
            if grammar is None or word in grammar.role_prepositions:
                continue  # "plug in mic" keeps its mic
            for said, qualifier in grammar.qualifiers_after_role.items():
                # "the entry mic", "the input of micro" are a mic input
                for phrase in (f"{word} {said}", *(f"{word} {j} {said}" for j in grammar.compound_joiners)):
                    add(phrase, "port", qualifier)
                    add(phrase, "role", role)
    if grammar is not None:
        for phrase in grammar.phantom_words:
            add(phrase, "phantom", "phantom")
        for word, gender in grammar.genders.items():
            add(word, "gender", gender)
        for word in grammar.split_words:
            add(word, "dual", "dual")
        for word, channels in grammar.channel_words.items():
            add(word, "mono", channels)
        for word in grammar.cable_words:
            add(word, "cableword", word)
        for phrase, role in grammar.separators.items():
            add(phrase, "sep", role)
        for word, role in grammar.attachers.items():
            add(word, "attach", role)
        for word in grammar.all_ends_words:
            add(word, "both", "both")

    vocabulary = {tok for key in table for tok in key}
    # Only the curated domain words are correction targets: aliases include ordinary words ("master") that a
    # misspelling must never be turned into ("matter" is not "master").
    spelling = tuple(sorted({w for w in ontology.terms.spelling if len(w) >= 5 and w.isalpha()}))
    return Lexicon(
        phrases={k: tuple(v) for k, v in table.items()},
        longest=max(len(k) for k in table),
        vocabulary=frozenset(vocabulary | set(ontology.terms.spelling)),
        spelling=spelling,
        known_words=ontology.terms.words,
        family_merges=(
            {frozenset(m.families): m.becomes for m in grammar.family_merge if len(m.families) == 2}
            if grammar is not None
            else {}
        ),
        fillers=grammar.fillers if grammar is not None else frozenset(),
        paired=dict(grammar.paired_family_words) if grammar is not None else {},
        pair_joiners=grammar.pair_joiners if grammar is not None else frozenset(),
        compound_joiners=grammar.compound_joiners if grammar is not None else frozenset(),
        sized=grammar.sized_sockets if grammar is not None else None,
        counted=tuple(
            c
            for c in (grammar.counted_pins, grammar.counted_bands, grammar.counted_contacts)
            if c is not None
        )
        if grammar is not None
        else (),
        numbers=dict(grammar.spoken_numbers) if grammar is not None else {},
    )


def _spelled_out(alias: str, spoken: dict[int, str]) -> str:
    """A product name with its small numbers spelled out, as dictation writes it ("scarlett 2i2" -> "scarlett
    two i two"); numbers in decimals ("k12.2") or the grammar does not spell stay as they are."""
    if not spoken or re.search(r"\d[.,]\d", alias):
        return alias

    def word(match: re.Match[str]) -> str:
        return f" {spoken[int(match.group())]} " if int(match.group()) in spoken else match.group()

    return re.sub(r"\s+", " ", re.sub(r"\d+", word, alias)).strip()


def correct_spelling(tokens: list[str], lexicon: Lexicon) -> tuple[list[str], list[tuple[str, str]]]:
    """Replace unknown words one or two edits away from a domain word ("balenced" -> "balanced").

    Short words are left alone: at five letters or fewer a single edit too often turns one real word into another.
    So are real English words (kb/words.txt): "recorded" music is not a recorder.
    """
    fixed, corrections = [], []
    for token in tokens:
        short = (
            len(token) >= MIN_SHORTHAND_LETTERS
            and token.isalpha()
            and _without_vowels(token) == token
            and token not in lexicon.vocabulary
            and token not in lexicon.known_words
            and lexicon.skeletons.get(token)
        )
        if short:
            fixed.append(short)
            corrections.append((token, short))
            continue
        if (
            len(token) < 6
            or not token.isalpha()
            or token in lexicon.vocabulary
            or token in lexicon.known_words
        ):
            fixed.append(token)
            continue
        budget = 1 if len(token) < 9 else 2
        best, best_distance = None, budget + 1
        for word in lexicon.spelling:
            if abs(len(word) - len(token)) > budget or word[0] != token[0]:
                continue
            distance = OSA.distance(token, word, score_cutoff=budget)
            if distance == 2 and word[-1] != token[-1]:
                continue  # two edits that also change the ending make another real word ("connected", "connector")
            if distance < best_distance:
                best, best_distance = word, distance
        if best is not None and best_distance <= budget:
            fixed.append(best)
            corrections.append((token, best))
        else:
            fixed.append(token)
    return fixed, corrections


def _without_vowels(word: str) -> str:
    return re.sub("[aeiou]", "", word)


def split_slashed(tokens: list[str], lexicon: Lexicon) -> list[str]:
    """ "phones/rec out", "ins/outs": words joined by a slash are read one by one, unless the lexicon knows the
    joined form ("s/pdif") or a part is a number ("1/4")."""
    out: list[str] = []
    for token in tokens:
        parts = token.split("/")
        if len(parts) > 1 and token not in lexicon.vocabulary and all(p.isalpha() for p in parts):
            out.extend(parts)
        else:
            out.append(token)
    return out


def _singular(token: str) -> str:
    """A plural "s" dropped from a word of four letters or more ("sockets", not "bass" or "bus"), or from a model
    number ("e5s", "k8s", the "6s" of "LP-6s")."""
    if token.endswith("s") and not token.endswith("ss"):
        if len(token) >= 4 or any(c.isdigit() for c in token):
            return token[:-1]
    return token


def _compound_joined(tokens: list[str], i: int, lexicon: Lexicon) -> list[Mention]:
    """ "the table of mixing", "my card of sound": a compound said the Romance way round ("table de mixage") is
    the gear (or cable) whose two-word name reads the other way ("mixing table", "sound card")."""
    if i + 2 >= len(tokens) or tokens[i + 1] not in lexicon.compound_joiners:
        return []
    meanings = lexicon.phrases.get((tokens[i + 2], tokens[i]), ())
    # ...and so is a kind of cable ("cable of guitar": a guitar cable)
    if not meanings or not all(kind in ("device", "cable") for kind, _ in meanings):
        return []
    text = " ".join(tokens[i : i + 3])
    return [Mention(kind, ident, text, i, i + 3) for kind, ident in meanings]


def find_mentions(tokens: list[str], lexicon: Lexicon) -> list[Mention]:
    """Greedy longest-match of phrases, left to right; a phrase with two meanings yields both."""
    mentions: list[Mention] = []
    singular = [_singular(tok) for tok in tokens]
    i = 0
    while i < len(tokens):
        numbered = _numbered_port(tokens, i, lexicon)
        if numbered:
            mentions += numbered
            i = numbered[0].end
            continue
        compound = _compound_joined(tokens, i, lexicon)
        if compound:
            mentions += compound
            i = compound[0].end
            continue
        reach = max(lexicon.reach.get(tokens[i], 0), lexicon.reach.get(singular[i], 0))
        for size in range(min(reach, len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + size])
            # the phrase as written first; else with a plural "s" dropped from the words before the last
            # ("headphones output", "monitors input"). The last word keeps its number: kb/ phrases tell
            # "speaker input" (an amp's speaker-level input) from "speaker inputs" that way.
            meanings = lexicon.phrases.get(key) or (
                lexicon.phrases.get(tuple(singular[i : i + size - 1]) + key[-1:]) if size > 1 else None
            )
            if not meanings:
                # gear or a cable named in the plural ("my Yamaha HS8s", "regular guitar cords"): the same thing in
                # either number, so the last word may drop its "s" too, for gear and cables only
                plural = (
                    lexicon.phrases.get(key[:-1] + (singular[i + size - 1],))
                    or lexicon.phrases.get(tuple(singular[i : i + size]))
                    or ()
                )
                # ...and a port named by its socket ("the XLR mic jacks", "two headphone sockets"): a socket word
                # names the jack itself in either number, unlike "speaker inputs" (the speakers' own inputs)
                socket_plural = (
                    lexicon.sized is not None
                    and key[-1] != singular[i + size - 1]
                    and singular[i + size - 1] in lexicon.sized.sockets
                )
                meanings = (
                    plural
                    if all(kind in {"device", "cable"} for kind, _ in plural)
                    or (socket_plural and all(kind == "port" for kind, _ in plural))
                    else ()
                )
            if meanings:
                text = " ".join(key)
                mentions += [Mention(kind, ident, text, i, i + size) for kind, ident in meanings]
                i += size
                break
        else:
            i += 1
    mentions = _one_connector_named_twice(mentions)
    for counted in lexicon.counted:
        mentions = _counted_pins(tokens, mentions, counted, lexicon.numbers)
    if lexicon.sized is not None:
        mentions = _sized_sockets(tokens, mentions, lexicon.sized)
    mentions = _one_connector_by_size_and_kind(mentions, lexicon.family_merges)
    return _paired_families(tokens, mentions, lexicon) if lexicon.paired else mentions


def _numbered_port(tokens: list[str], i: int, lexicon: Lexicon) -> list[Mention]:
    """ "aux 3 send", "bus 2 out": a port phrase with its channel number after its first word is that port."""
    if i + 2 >= len(tokens) or not (tokens[i + 1].isdigit() and len(tokens[i + 1]) <= 2):
        return []
    words = [tokens[i]] + tokens[i + 2 :]
    for size in range(min(lexicon.longest, len(words)), 1, -1):
        meanings = lexicon.phrases.get(tuple(words[:size]))
        if meanings and all(kind in ("port", "role") for kind, _ in meanings):
            text = " ".join(tokens[i : i + size + 1])
            return [Mention(kind, ident, text, i, i + size + 1) for kind, ident in meanings]
    return []


def _one_connector_named_twice(mentions: list[Mention]) -> list[Mention]:
    """ "red/white RCA", "XLR xlr": two names of one connector side by side are one mention, not two ends."""
    merged: list[Mention] = []
    for m in mentions:
        prev = merged[-1] if merged else None
        if prev and m.kind == prev.kind == "family" and m.id == prev.id and prev.end == m.start:
            merged[-1] = Mention(m.kind, m.id, f"{prev.text} {m.text}", prev.start, m.end)
        else:
            merged.append(m)
    return merged


def _one_connector_by_size_and_kind(
    mentions: list[Mention], merges: dict[frozenset[str], str]
) -> list[Mention]:
    """ "quarter-inch" then "three-contact": a size and a kind side by side are one connector, not two ends."""
    merged: list[Mention] = []
    for m in mentions:
        prev = merged[-1] if merged else None
        both = frozenset({prev.id, m.id}) if prev else frozenset()
        if prev and m.kind == prev.kind == "family" and prev.end == m.start and both in merges:
            merged[-1] = Mention("family", merges[both], f"{prev.text} {m.text}", prev.start, m.end)
        else:
            merged.append(m)
    return merged


def _counted_pins(
    tokens: list[str], mentions: list[Mention], counted: CountedPins, numbers: dict[str, int]
) -> list[Mention]:
    """A number of pins or holes names a connector ("three-pin sockets" are XLR, "a round socket with five little
    holes" is MIDI), and a number of bands a plug ("two black stripes" is TRS), unless a connector is named there
    already."""
    named = {i for m in mentions if m.kind in ("family", "cable") for i in range(m.start, m.end)}
    found: list[Mention] = []
    for i, token in enumerate(tokens):
        number = int(token) if token.isdigit() else numbers.get(token)
        if number not in counted.families or i in named:
            continue
        for k in range(i + 1, min(i + 4, len(tokens))):
            if tokens[k] in counted.words:
                if not set(range(i, k + 1)) & named:
                    found.append(
                        Mention("family", counted.families[number], " ".join(tokens[i : k + 1]), i, k + 1)
                    )
                break
            if tokens[k] not in counted.between:
                break
    if not found:
        return mentions
    covered = {i for m in found for i in range(m.start, m.end)}
    kept = [m for m in mentions if not set(range(m.start, m.end)) & covered]
    return sorted(kept + found, key=lambda m: (m.start, m.kind != "family"))


def _sized_sockets(tokens: list[str], mentions: list[Mention], sized: SizedSockets) -> list[Mention]:
    """A size word, a few describing words and a socket word name a connector by its looks ("the big headphone
    jack" is a 1/4-inch one). After "like" the describing words only give the shape, so they name no port."""
    families = {i for m in mentions if m.kind in ("family", "cable") for i in range(m.start, m.end)}
    found: list[Mention] = []
    shape_only: set[int] = set()
    for i, token in enumerate(tokens):
        # "a big chunky plug": one socket, however many size words describe it
        if token not in sized.sizes or i in families or any(m.start <= i < m.end for m in found):
            continue
        for k in range(i + 1, min(i + 4, len(tokens))):
            if tokens[k] in sized.sockets:
                found.append(Mention("family", sized.sizes[token], " ".join(tokens[i : k + 1]), i, k + 1))
                # "like a big headphone jack", "a big headphone-style socket": the words only give the shape
                if (i > 0 and tokens[i - 1] in sized.likeness) or set(tokens[i + 1 : k]) & sized.likeness:
                    shape_only |= set(range(i, k + 1))
                break
            if tokens[k] not in sized.between:
                break
        # "the jack big", "a jack small with four rings": the size word after the socket word, as Romance
        # languages order them
        if not any(m.start <= i < m.end for m in found) and i > 0 and tokens[i - 1] in sized.sockets:
            found.append(Mention("family", sized.sizes[token], " ".join(tokens[i - 1 : i + 1]), i - 1, i + 1))
    if not found:
        return mentions
    kept = [m for m in mentions if not set(range(m.start, m.end)) & shape_only]
    return sorted(kept + found, key=lambda m: (m.start, m.kind != "family"))


def _paired_families(tokens: list[str], mentions: list[Mention], lexicon: Lexicon) -> list[Mention]:
    """Words that name a connector only in an "A to B" phrase with another connector ("jack to XLR")."""
    covered = {i for m in mentions for i in range(m.start, m.end)}
    starts_family = {m.start for m in mentions if m.kind in ("family", "cable")} | {
        i for i, tok in enumerate(tokens) if tok in lexicon.paired
    }
    # "3.5 to 2x TS": a split word before the far connector belongs to it
    starts_family |= {m.start for m in mentions if m.kind == "dual" and m.end in starts_family}
    ends_family = {m.end for m in mentions if m.kind in ("family", "cable")} | {
        i + 1 for i, tok in enumerate(tokens) if tok in lexicon.paired
    }

    def joined(i: int) -> bool:
        before = i >= 2 and tokens[i - 1] in lexicon.pair_joiners and (i - 1) in ends_family
        after = i + 2 < len(tokens) and tokens[i + 1] in lexicon.pair_joiners and (i + 2) in starts_family
        return before or after

    added = [
        Mention("family", lexicon.paired[tok], tok, i, i + 1)
        for i, tok in enumerate(tokens)
        if tok in lexicon.paired and i not in covered and joined(i)
    ]
    return sorted(mentions + added, key=lambda m: m.start) if added else mentions
