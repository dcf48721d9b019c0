"""Hazards a question raises by its own words, before any link is judged: the phrases of every group of a hazard's
`mentions` said together, gear of its `gear` classes said to lack one of its `absent` things, or sources joined
into a single input (`into_one`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from service.core.lexicon import clean
from service.core.lexicon import find_mentions
from service.core.lexicon import lexicon_for
from service.core.lexicon import phrase_pattern
from service.core.lexicon import tokenize
from service.core.ontology import Hazard
from service.core.ontology import Ontology


def hazards_said(cleaned: str, devices: Iterable[str], ontology: Ontology) -> list[Hazard]:
    """The hazards whose words are in `cleaned` (the reader's token text), given the device ids it names."""
    text = f" {cleaned} "
    named = set(devices)
    return [
        hazard
        for hazard in ontology.hazards.values()
        if (
            hazard.mentions
            and all(_group_said(group, text, named, ontology) for group in hazard.mentions)
            and not _said_the_other_way_round(hazard, text, ontology)
        )
        or _gear_lacking(cleaned.split(), named, hazard, ontology)
        or _joined_into_one(cleaned.split(), hazard, ontology)
    ]


def hazards_said_across(
    earlier: str,
    now: str,
    devices: Iterable[str],
    ontology: Ontology,
    earlier_devices: Iterable[str] | None = None,
) -> list[Hazard]:
    """ "Amp with binding posts to the speakers?" then "can I hook them up with the amp on?": the hazards whose
    words two turns say between them, the new turn saying some of them and the earlier one not all (the earlier
    turn with its own gear only, when given: "48 V on ch4" then "and the ribbon on ch2?")."""
    named = list(devices)
    said_before = named if earlier_devices is None else list(earlier_devices)
    before = {h.id for h in hazards_said(earlier, said_before, ontology)}
    return [
        hazard
        for hazard in hazards_said(f"{earlier} {now}", named, ontology)
        if hazard.id not in before
        and hazard.mentions
        and any(_said_pattern(_phrases(group)).search(f" {now} ") for group in hazard.mentions)
    ]


def _said_the_other_way_round(hazard: Hazard, text: str, ontology: Ontology) -> bool:
    """ "the speaker cable as an instrument lead": a hazard of two groups (an instrument cable, used for a speaker) said
    with the second group's thing used in the role of the first's is the opposite swap, which those words do not
    make a hazard."""
    g = ontology.grammar
    if g is None or not g.used_as or len(hazard.mentions) != 2:
        return False
    first, second = (_phrases(group) for group in hazard.mentions)
    if not first or not second:
        return False
    return _swap_pattern(first, second, g.used_as, tuple(sorted(g.determiners))).search(text) is not None


@lru_cache(maxsize=64)
def _swap_pattern(
    first: tuple[str, ...], second: tuple[str, ...], used_as: tuple[str, ...], determiners: tuple[str, ...]
) -> re.Pattern[str]:
    """ "<second's thing> as a <first's thing>", built once per hazard (the request path checks every hazard)."""
    joined = "|".join(re.escape(p) for p in sorted(used_as, key=len, reverse=True))
    determiner = "|".join(re.escape(d) for d in determiners)
    return re.compile(
        rf"{_said_pattern(second).pattern} (?:{joined}) (?:(?:{determiner}) )?{_said_pattern(first).pattern}"
    )


def _joined_into_one(tokens: list[str], hazard: Hazard, ontology: Ontology) -> bool:
    """ "a Y splitter backwards, both phones into the two ends, the single plug into the amp's only AUX input":
    a joining word, and one input to feed ("one", "single", "only one" a few words before an input word)."""
    rule = hazard.into_one
    if rule is None or not _said_pattern(rule.join).search(f" {' '.join(tokens)} "):
        return False
    inputs = set(ontology.terms.roles.get("in", ()))
    if ontology.grammar is not None:
        inputs |= set(
            ontology.grammar.port_role_words.get("in", ())
        )  # "into that one CHANNEL" is an input too
    return any(
        token in inputs and set(tokens[max(0, i - rule.window) : i]) & rule.one
        for i, token in enumerate(tokens)
    )


def _group_said(group: tuple[str, ...], text: str, named: set[str], ontology: Ontology) -> bool:
    """A phrase of the group is in the text, or gear of a class the group names ("@microphone": "the 57s") is."""
    classes = {p[1:] for p in group if p.startswith("@")}
    if classes and any(set(ontology.class_chain(d)) & classes for d in named if d in ontology.devices):
        return True
    phrases = _phrases(group)
    return bool(phrases) and _said_pattern(phrases).search(text) is not None


def _phrases(group: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p for p in group if not p.startswith("@"))


@lru_cache(maxsize=256)
def _said_pattern(phrases: tuple[str, ...]):
    """The phrases as the reader writes the question ("2-prong adapter" is read "2 prong adapter"), plurals too,
    and a phrasal verb said of someone else ("pull out" is said "he PULLS out the mic")."""
    written = [tokenize(clean(p)) for p in phrases]
    said_of_another = [
        [f"{words[0]}s", *words[1:]] for words in written if len(words) > 1 and words[0].isalpha()
    ]
    return phrase_pattern(tuple(" ".join(words) for words in written + said_of_another), plurals=True)


def _gear_lacking(tokens: list[str], devices: set[str], hazard: Hazard, ontology: Ontology) -> bool:
    """ "my valve head, with the cab left disconnected": gear of the hazard's classes is named, and one of the
    things it needs is said to be missing (an absence word a few words from it, either side)."""
    if not hazard.gear or not any(
        set(ontology.class_chain(d)) & set(hazard.gear) or d in hazard.maybe_gear for d in devices
    ):
        return False
    g = ontology.grammar
    if g is None:
        return False
    needed = [
        i
        for i, token in enumerate(tokens)
        if token in hazard.absent or (token.endswith("s") and token[:-1] in hazard.absent)
    ]
    if hazard.absent_gear:
        # "leave the 4x12 unplugged": the thing missing named as gear of one of the classes
        needed += [
            m.start
            for m in find_mentions(tokens, lexicon_for(ontology))
            if m.kind == "device" and set(ontology.class_chain(m.id)) & set(hazard.absent_gear)
        ]
    return any(
        set(tokens[max(0, i - g.absence_window) : i + g.absence_window + 1]) & g.absence_words for i in needed
    )
