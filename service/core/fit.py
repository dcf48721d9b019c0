"""Does this plug go into that jack, when a family comes in makes that only partly mate (kb/connectors.yaml variants).

"My cable has NL4 speakONs and the cab's socket is NL2": the reader finds each variant the question names, decides
from the words around it whether it is said of a plug or of a jack, and `fits` answers the pair.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.core.lexicon import phrase_pattern
from service.core.ontology import FitSides
from service.core.ontology import Ontology


@dataclass(frozen=True, slots=True)
class PlugFit:
    """A plug variant and the jack variant the question puts it in."""

    plug: str  # variant id
    jack: str
    fits: bool
    text: str  # why, in the kb's words
    sources: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Said:
    variant: str
    start: int  # token span
    end: int


def plug_fit(tokens: list[str], device_positions: frozenset[int], ontology: Ontology) -> PlugFit | None:
    """The fit of the plug variant and the jack variant the question names, or None when it names no such pair."""
    sides = ontology.grammar.fit_sides if ontology.grammar else None
    if not ontology.variants or sides is None:
        return None
    said = _variants_said(tokens, ontology)
    if not said:
        return None
    plugs: list[_Said] = []
    jacks: list[_Said] = []
    for one in said:
        side = _side(tokens, one, device_positions, sides)
        (plugs if side == "plug" else jacks if side == "jack" else []).append(one)
    undecided = [s for s in said if s not in plugs and s not in jacks]
    if len(undecided) == 2 and not plugs and not jacks and _joined_by_into(tokens, *undecided, sides):
        plugs, jacks = [undecided[0]], [undecided[1]]
    # "the manual says it's Type B ... a Type A adapter": with one side said, another variant said of neither side
    # is the other side (the same variant said again is the same thing: "the sub's NL4 in ... the rack's NL4 out")
    decided = {s.variant for s in plugs + jacks}
    others = [s for s in undecided if s.variant not in decided]
    if plugs and not jacks:
        jacks = others
    elif jacks and not plugs:
        plugs = others
    for plug in plugs:
        for jack in jacks:
            p, j = ontology.variants[plug.variant], ontology.variants[jack.variant]
            if p.family != j.family:
                continue
            fits = jack.variant in p.fits
            template = p.fit_text if fits else p.misfit_text
            text = template.format(plug=p.name, jack=j.name)
            return PlugFit(
                plug.variant, jack.variant, fits, text, tuple(dict.fromkeys(p.sources + j.sources))
            )
    return None


def _variants_said(tokens: list[str], ontology: Ontology) -> list[_Said]:
    text = " ".join(tokens)
    starts, position = {}, 0
    for index, token in enumerate(tokens):
        starts[position] = index
        position += len(token) + 1
    words = set(tokens)
    found: list[_Said] = []
    taken: set[int] = set()
    by_alias = {
        alias: vid
        for vid, v in ontology.variants.items()
        if not v.needs or any((" " in n and n in text) or n in words for n in v.needs)
        for alias in v.aliases
    }
    if not by_alias:
        return []
    # "a plug with 4 poles": an alias counts in the plural too
    for match in phrase_pattern(tuple(by_alias), plurals=True).finditer(text):
        start = starts.get(match.start())
        if start is None:
            continue
        end = start + len(match.group(0).split())
        if taken & set(range(start, end)):
            continue
        taken |= set(range(start, end))
        said = match.group(0)
        variant = by_alias.get(said) or by_alias[said[:-1]]
        # "NL4 (4 pole)": one variant said twice in a row is one mention
        if found and found[-1].variant == variant and start - found[-1].end <= 2:
            continue
        found.append(_Said(variant, start, end))
    return found


def _side(tokens: list[str], said: _Said, devices: frozenset[int], sides: FitSides) -> str | None:
    """plug | jack | None: the nearest side word (or piece of gear) in the variant's clause decides."""
    best: tuple[int, int, str] | None = None  # (distance, after-first tie-break, side)
    for step, direction in ((1, 0), (-1, 1)):
        i = said.end if step == 1 else said.start - 1
        distance = 1
        while 0 <= i < len(tokens) and distance <= sides.window and tokens[i] not in sides.clause_breaks:
            side = "plug" if tokens[i] in sides.plug else "jack" if tokens[i] in sides.jack else None
            if side is None and i in devices:
                side = "jack"
            if side is not None:
                candidate = (distance, direction, side)
                best = candidate if best is None or candidate < best else best
                break
            i += step
            distance += 1
    return best[2] if best else None


def _joined_by_into(tokens: list[str], first: _Said, second: _Said, sides: FitSides) -> bool:
    between = " ".join(tokens[first.end : second.start])
    return any(f" {word} " in f" {between} " for word in sides.into)
