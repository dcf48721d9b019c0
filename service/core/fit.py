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


def plug_fit(
    tokens: list[str],
    device_positions: frozenset[int],
    ontology: Ontology,
    gear_at: tuple[tuple[int, str], ...] = (),
    families: frozenset[str] = frozenset(),
) -> PlugFit | None:
    """The fit of the plug variant and the jack variant the question names, or None when it names no such pair.

    `gear_at` (position, device id) is the gear named: a product whose jacks follow a variant (kb/gear.yaml
    `variants`: a MicroFreak's TRS-MIDI is Type B) has that jack where it is named. `families` are the connector
    families the question names."""
    sides = ontology.grammar.fit_sides if ontology.grammar else None
    if not ontology.variants or sides is None:
        return None
    said = _variants_said(tokens, ontology)
    gear_jacks = [
        _Said(variant, position, position + 1)
        for position, device in gear_at
        for variant in ontology.devices[device].variants
    ]
    if not said:
        return _gear_apart(gear_jacks, families, ontology)
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
    known = {s.variant for s in gear_jacks}
    if jacks and not plugs and known and not known & {s.variant for s in jacks}:
        # "will the Type A one work on the MicroFreak?": a variant said by gear whose own jacks follow another is
        # what goes into them
        plugs, jacks = jacks, []
    decided = {s.variant for s in plugs + jacks}
    others = [s for s in undecided if s.variant not in decided]
    if plugs and not jacks:
        # "a Type A adapter ... on my MicroFreak": the gear's own jack when no jack variant is said
        jacks = others or gear_jacks
    elif jacks and not plugs:
        plugs = others
    elif not plugs and not jacks and gear_jacks and len({s.variant for s in undecided}) == 1:
        # "the adapter says Type A; will it work on the MicroFreak?": a variant said of neither side, and gear whose
        # jack variant is known
        plugs, jacks = undecided, gear_jacks
    elif not plugs and not jacks and len(undecided) == 2 and _said_apart(tokens, *undecided, sides):
        # "my synth's MIDI in is TRS Type B ... an adapter of type A": two variants said of neither side, not
        # named together as a pair of terms ("type A / type B", "type A or B")
        return _apart(undecided[0].variant, undecided[1].variant, ontology)
    for plug in plugs:
        for jack in jacks:
            if ontology.variants[plug.variant].family == ontology.variants[jack.variant].family:
                return _fit(plug.variant, jack.variant, ontology)
    return None


def _fit(plug: str, jack: str, ontology: Ontology) -> PlugFit:
    """The fit of a plug variant in a jack variant of its family, in the kb's words."""
    p, j = ontology.variants[plug], ontology.variants[jack]
    fits = jack in p.fits
    text = (p.fit_text if fits else p.misfit_text).format(plug=p.name, jack=j.name)
    return PlugFit(plug, jack, fits, text, tuple(dict.fromkeys(p.sources + j.sources)))


def _apart(first: str, second: str, ontology: Ontology) -> PlugFit | None:
    """Two variants of one family that go together in neither direction (Type A and Type B TRS-MIDI), else None:
    with the direction unknown, only a pair that never fits is a misfit."""
    a, b = ontology.variants[first], ontology.variants[second]
    if a.family != b.family or second in a.fits or first in b.fits:
        return None
    return _fit(first, second, ontology)


def _gear_apart(gear_jacks: list[_Said], families: frozenset[str], ontology: Ontology) -> PlugFit | None:
    """Two pieces of gear named whose jacks follow variants that never fit each other (a Type B synth and a Type A
    one joined straight), when the question names no other connector family (a 5-pin DIN cable between adapters)."""
    variants = list(dict.fromkeys(s.variant for s in gear_jacks))
    if len(variants) != 2:
        return None
    own = {ontology.variants[v].family for v in variants}
    if families - own:
        return None
    return _apart(variants[0], variants[1], ontology)


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


def _said_apart(tokens: list[str], first: _Said, second: _Said, sides: FitSides) -> bool:
    """Two mentions with a clause break or several words between them: said of two things, not as two terms."""
    between = tokens[first.end : second.start]
    return len(between) > 3 or bool(set(between) & set(sides.clause_breaks))


def _joined_by_into(tokens: list[str], first: _Said, second: _Said, sides: FitSides) -> bool:
    between = " ".join(tokens[first.end : second.start])
    return any(f" {word} " in f" {between} " for word in sides.into)
