"""Hazards a question raises by its own words, before any link is judged: the phrases of every group of a hazard's
`mentions` said together, or gear of its `gear` classes said to lack one of its `absent` things."""

from __future__ import annotations

from collections.abc import Iterable

from service.core.lexicon import phrase_pattern
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
            and all(phrase_pattern(group, plurals=True).search(text) for group in hazard.mentions)
        )
        or _gear_lacking(cleaned.split(), named, hazard, ontology)
    ]


def _gear_lacking(tokens: list[str], devices: set[str], hazard: Hazard, ontology: Ontology) -> bool:
    """ "my valve head, with the cab left disconnected": gear of the hazard's classes is named, and one of the
    things it needs is said to be missing (an absence word a few words from it, either side)."""
    if not hazard.gear or not any(set(ontology.class_chain(d)) & set(hazard.gear) for d in devices):
        return False
    g = ontology.grammar
    if g is None:
        return False
    for i, token in enumerate(tokens):
        if token in hazard.absent or (token.endswith("s") and token[:-1] in hazard.absent):
            near = tokens[max(0, i - g.absence_window) : i + g.absence_window + 1]
            if set(near) & g.absence_words:
                return True
    return False
