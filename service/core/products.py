"""A shop's products read as cables, and the ones that fit an answer's cable. Pure: the feed file is read by
service/adapters/catalog.py, the vocabulary comes from kb/ (shop.yaml and the question lexicon).

A product is read, never guessed: its ends come from a custom label ("ends: XLR female to TRS male") or from its
title, read by the lexicon that reads questions; when the ends or the kind cannot be read, the product is left
out with the reason.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from enum import StrEnum

from service.core.lexicon import Mention
from service.core.lexicon import clean
from service.core.lexicon import find_mentions
from service.core.lexicon import lengths_in_metres
from service.core.lexicon import lexicon_for
from service.core.lexicon import phrase_pattern
from service.core.lexicon import tokenize
from service.core.ontology import Ontology
from service.core.plugs import end_name
from service.core.plugs import read_end
from service.types import Answer

# The custom-label keys Cablewise reads ("ends: ...", "kind: ...", "length: ...", "direction: ..."); a label
# without one of these keys is the shop's own and is ignored. Part of the feed format, like the column names.
LABEL_ENDS, LABEL_KIND, LABEL_LENGTH, LABEL_DIRECTION = "ends", "kind", "length", "direction"
LABEL_KEYS = frozenset({LABEL_ENDS, LABEL_KIND, LABEL_LENGTH, LABEL_DIRECTION})
# The contract names the end of a family without XLR-style genders after its plug ("TRS-male"): a cable end
# is a plug, so a product that calls such an end female is a socket adapter the answers never name.
PLUG_GENDER = "male"
# A stated length and a product's length are compared to the centimetre (a "3 m" cable is long enough for 3 m).
LENGTH_TOLERANCE_M = 0.005


class Availability(StrEnum):
    """Google Merchant Center's availability values."""

    IN_STOCK = "in_stock"
    PREORDER = "preorder"
    BACKORDER = "backorder"
    OUT_OF_STOCK = "out_of_stock"

    @property
    def rank(self) -> int:
        """In stock first, then what can be ordered, then what cannot."""
        return {"in_stock": 0, "preorder": 1, "backorder": 1}.get(self.value, 2)


@dataclass(frozen=True, slots=True)
class ShopKind:
    """What a cable is built as (kb/shop.yaml `kinds`)."""

    id: str
    name: str
    cables: frozenset[str] = frozenset()
    balance: frozenset[str] = frozenset()
    port_domains: frozenset[str] = frozenset()
    any_end: frozenset[str] = frozenset()
    every_end: frozenset[str] = frozenset()

    def implied_by(self, families: Iterable[str]) -> bool:
        """Tell whether a cable with these end families must be of this kind."""
        ends = set(families)
        return bool(ends & self.any_end) or (bool(self.every_end) and bool(ends) and ends <= self.every_end)


@dataclass(frozen=True, slots=True)
class ShopReading:
    """kb/shop.yaml: the kinds in the order they are tried, and the words of one-way cables."""

    kinds: tuple[ShopKind, ...]
    answer_default: str
    one_way_words: tuple[str, ...] = ()

    def kind(self, kind_id: str) -> ShopKind:
        """The kind with this id (KeyError for an unknown one; kb.py checks the default)."""
        return next(k for k in self.kinds if k.id == kind_id)


@dataclass(frozen=True, slots=True)
class CableReading:
    """A product read as a cable: its two contract end names, its kind and length."""

    from_end: str
    to_end: str
    kind: str
    length_m: float | None = None
    reversible: bool = True


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Why a product's ends or kind could not be read."""

    reason: str


@dataclass(frozen=True, slots=True)
class Product:
    """One product of the feed that reads as a cable or adapter."""

    id: str
    title: str
    link: str
    price: Decimal
    currency: str
    availability: Availability
    cable: CableReading
    line: int = 0  # line of the feed it starts on


@dataclass(frozen=True, slots=True)
class CableNeed:
    """What a product must be to fit an answer: these ends in this order, this kind, at least this long."""

    from_end: str
    to_end: str
    kind: str
    min_length_m: float | None = None


@dataclass(frozen=True)
class Catalog:
    """The readable products, indexed by their pair of ends."""

    products: tuple[Product, ...] = ()
    _by_ends: dict[frozenset[str], tuple[Product, ...]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, products: Iterable[Product]) -> Catalog:
        """Index products by the (unordered) pair of their end names."""
        products = tuple(products)
        by_ends: dict[frozenset[str], list[Product]] = {}
        for product in products:
            by_ends.setdefault(frozenset((product.cable.from_end, product.cable.to_end)), []).append(product)
        return cls(products, {key: tuple(value) for key, value in by_ends.items()})

    def with_ends(self, a: str, b: str) -> tuple[Product, ...]:
        """The products whose ends are a and b, in either order."""
        return self._by_ends.get(frozenset((a, b)), ())


def parse_labels(labels: Sequence[str]) -> dict[str, str]:
    """The Cablewise custom labels ("key: value" or "key=value"); other labels are ignored."""
    out: dict[str, str] = {}
    for label in labels:
        key, sep, value = label.replace("=", ":", 1).partition(":")
        key = key.strip().lower()
        if sep and key in LABEL_KEYS and value.strip():
            out.setdefault(key, value.strip())
    return out


def read_cable(
    title: str, labels: Sequence[str], ontology: Ontology, reading: ShopReading
) -> CableReading | Unreadable:
    """Read a product's ends, kind, length and direction from its custom labels, else from its title."""
    label = parse_labels(labels)
    ends_text = label.get(LABEL_ENDS, title)
    where = f"custom label '{LABEL_ENDS}: {ends_text}'" if LABEL_ENDS in label else "the title"
    cleaned = clean(ends_text)
    tokens = tokenize(cleaned)
    mentions = _without_units(find_mentions(tokens, lexicon_for(ontology)), tokens)
    ends = _read_ends(mentions, ontology)
    if isinstance(ends, Unreadable):
        return Unreadable(f"ends unreadable: {where} {ends.reason}")
    names = [end_name(family, gender, dual, ontology) for family, gender, dual in ends]
    families = [family for family, _, _ in ends]

    kind_words = mentions + (_title_mentions(title, ontology) if LABEL_ENDS in label else [])
    kind = _read_kind(label, kind_words, families, ontology, reading)
    if isinstance(kind, Unreadable):
        return kind

    if LABEL_LENGTH in label:
        lengths = lengths_in_metres(clean(label[LABEL_LENGTH]))
        if len(lengths) != 1:
            return Unreadable(f"length unreadable: custom label '{LABEL_LENGTH}: {label[LABEL_LENGTH]}'")
        length = lengths[0]
    else:
        lengths = set(lengths_in_metres(clean(title)))
        length = lengths.pop() if len(lengths) == 1 else None  # two lengths in a title: say none
    one_way = phrase_pattern(tuple(reading.one_way_words)) if reading.one_way_words else None
    direction_text = clean(label.get(LABEL_DIRECTION, title))
    reversible = not (one_way and one_way.search(direction_text))
    return CableReading(names[0], names[1], kind, length, reversible)


def _title_mentions(title: str, ontology: Ontology) -> list[Mention]:
    tokens = tokenize(clean(title))
    return _without_units(find_mentions(tokens, lexicon_for(ontology)), tokens)


def _without_units(mentions: list[Mention], tokens: list[str]) -> list[Mention]:
    # "6 m" is six metres, not a male plug: a word right after a number is its unit.
    return [
        m for m in mentions if not (m.start > 0 and _is_number(tokens[m.start - 1]) and m.kind == "gender")
    ]


def _is_number(token: str) -> bool:
    return token.replace(".", "", 1).isdigit()


def _read_ends(
    mentions: list[Mention], ontology: Ontology
) -> list[tuple[str, str | None, bool]] | Unreadable:
    """The (family, gender, dual) of each end, in the order written."""
    ends: list[list] = []  # [family, gender, dual, token end]
    starts = {m.start: m for m in mentions if m.kind == "family"}
    pending_gender: str | None = None
    pending_dual = False
    since_sep = True
    grammar = ontology.grammar
    for m in mentions:
        if m.kind == "family":
            merged = (
                grammar.merged(frozenset((ends[-1][0], m.id))) if ends and not since_sep and grammar else None
            )
            if merged:  # "1/4-inch jack TS": one end
                ends[-1][0] = merged
                ends[-1][3] = m.end
            else:
                ends.append([m.id, pending_gender, pending_dual, m.end])
            pending_gender, pending_dual, since_sep = None, False, False
        elif m.kind == "gender":
            if m.end in starts:  # "female XLR"
                pending_gender = m.id
            elif ends and ends[-1][1] is None and ends[-1][3] == m.start:  # "XLR female"
                ends[-1][1] = m.id
        elif m.kind == "dual" and m.end in starts:  # "dual TS"; a "pair" elsewhere is a pair of such cables
            pending_dual = True
        elif m.kind == "sep":
            since_sep = True
    if not ends:
        cable_ends = [
            ontology.cables[m.id].ends for m in mentions if m.kind == "cable" and ontology.cables[m.id].ends
        ]
        if len(cable_ends) != 1:
            return Unreadable("names no connector")
        ends = [[family, None, False, 0] for family in cable_ends[0]]
    elif len(ends) == 1:
        same = [
            m
            for m in mentions
            if (m.kind == "cable" and set(ontology.cables[m.id].ends) == {ends[0][0]})
            or m.kind == "cableword"
        ]
        if not same:
            return Unreadable(
                f"names one end ({ontology.families[ends[0][0]].name}); say what the other end is"
            )
        ends = [ends[0], [ends[0][0], None, ends[0][2], 0]]  # "XLR cable": XLR at both ends
    if len(ends) != 2:
        return Unreadable(f"names {len(ends)} connector ends; a cable or adapter has two")
    for family_id, gender, _, _ in ends:
        family = ontology.families[family_id]
        if gender and not isinstance(family.plug, dict) and gender != PLUG_GENDER:
            # a socket end (a "female 3.5 mm" adapter): the service names only plugs of such families
            return Unreadable(f"has a {gender} {family.name} end; the service names only {family.plug} plugs")
        if family.resolves_to:
            choices = " or ".join(ontology.families[f].name for f in family.resolves_to)
            return Unreadable(f"does not say which {family.name} ({choices})")
        if family.plug is None:
            return Unreadable(f"names {family.name}, which has no plug the service names")
    # XLR genders follow the signal as in the rules: the sending end is a socket, the receiving end pins.
    ends[0][1] = ends[0][1] or "female"
    ends[1][1] = ends[1][1] or "male"
    return [
        (family, gender if isinstance(ontology.families[family].plug, dict) else None, dual)
        for family, gender, dual, _ in ends
    ]


def _read_kind(
    label: dict[str, str],
    mentions: list[Mention],
    families: list[str],
    ontology: Ontology,
    reading: ShopReading,
) -> str | Unreadable:
    implied = [k.id for k in reading.kinds if k.implied_by(families)]
    ends_text = " and ".join(dict.fromkeys(ontology.families[f].name for f in families))
    if LABEL_KIND in label:
        named = [k.id for k in reading.kinds if label[LABEL_KIND].strip().lower() in (k.id, k.name.lower())]
        if not named:
            known = ", ".join(k.id for k in reading.kinds)
            return Unreadable(
                f"kind unreadable: custom label '{LABEL_KIND}: {label[LABEL_KIND]}' is not one of {known}"
            )
    else:
        named = list(
            dict.fromkeys(
                k.id
                for m in mentions
                for k in reading.kinds
                if (m.kind == "cable" and m.id in k.cables) or (m.kind == "balance" and m.id in k.balance)
            )
        )
    if len(named) > 1:
        return Unreadable(f"kind unreadable: the title names {' and '.join(named)}")
    if named:
        if implied and named[0] not in implied:
            return Unreadable(
                f"kind unreadable: called {named[0]}, but a cable with {ends_text} ends is {implied[0]}"
            )
        return named[0]
    if implied:
        return implied[0]
    choices = ", ".join(k.id for k in reading.kinds)
    return Unreadable(
        f"kind unreadable: a cable with {ends_text} ends may be of several kinds; name it in the title or a "
        f"custom label '{LABEL_KIND}: ...' ({choices})"
    )


def cable_need(answer: Answer, ontology: Ontology, reading: ShopReading) -> CableNeed | None:
    """What a product must be to fit the answer's cable, or None when the answer names no cable."""
    cable = answer.cable
    if cable is None:
        return None
    ends = [read_end(cable.from_end, ontology), read_end(cable.to_end, ontology)]
    if any(end is None for end in ends):
        return None
    families = [end.family for end in ends if end is not None]
    implied = [k.id for k in reading.kinds if k.implied_by(families)]
    named = _named_kind(answer, ontology, reading)
    # The ends decide when they can (an XLR pair is balanced even in a question that also names passive
    # speakers elsewhere in the chain); the question's words decide what the ends leave open (TS to TS).
    kind = implied[0] if implied and named not in implied else named or reading.answer_default
    return CableNeed(cable.from_end, cable.to_end, kind, stated_length(answer.question))


@functools.lru_cache(maxsize=1024)  # cleaning the text is the dearest step of matching; questions repeat
def stated_length(question: str) -> float | None:
    """The longest cable length the question states, in metres (None when it states none)."""
    if not any(c.isdigit() for c in question):  # most questions state no length
        return None
    lengths = lengths_in_metres(clean(question))
    return max(lengths) if lengths else None


def _named_kind(answer: Answer, ontology: Ontology, reading: ShopReading) -> str | None:
    """The kind the question's own words require: a cable type it names, or speaker-level gear or ports."""
    domains: set[str] = set()
    cables: set[str] = set()
    for entity in answer.entities:
        _, _, ident = entity.id.partition(":")
        if entity.kind == "cable":
            cables.add(ident)
        elif entity.kind == "port" and ident in ontology.generic_ports:
            domains |= {
                ontology.ports[p].domain
                for p in ontology.generic_ports[ident].values()
                if p in ontology.ports
            }
        elif entity.kind == "device" and entity.id in ontology.devices:
            inputs = _inputs(entity.id, ontology)
            input_domains = {ontology.ports[p].domain for p in inputs if p in ontology.ports}
            if len(input_domains) == 1:  # gear that takes only one domain (a passive speaker)
                domains |= input_domains
    for k in reading.kinds:
        if cables & k.cables or domains & k.port_domains:
            return k.id
    return None


def _inputs(device_id: str, ontology: Ontology) -> set[str]:
    device = ontology.devices[device_id]
    base = ontology.devices.get(device.kind) if device.kind else None
    ports = dict(base.inputs) if base else {}
    ports.update(device.inputs)
    return set(ports.values())


def fitting_products(need: CableNeed | None, catalog: Catalog, limit: int = 4) -> tuple[Product, ...]:
    """The products that fit: same ends in the same order (either order when the product is reversible), the
    same kind, at least as long as asked; in stock first, then the shortest that is long enough, then cheapest."""
    if need is None:
        return ()
    fits = []
    for product in catalog.with_ends(need.from_end, need.to_end):
        cable = product.cable
        in_order = (cable.from_end, cable.to_end) == (need.from_end, need.to_end)
        if not (in_order or cable.reversible) or cable.kind != need.kind:
            continue
        if need.min_length_m is not None and (
            cable.length_m is None or cable.length_m + LENGTH_TOLERANCE_M < need.min_length_m
        ):
            continue
        fits.append(product)
    fits.sort(key=lambda p: (p.availability.rank, p.cable.length_m or 0.0, p.price, p.id))
    return tuple(fits[:limit])
