"""Plan the wiring picture of a cable named by its two contract ends: each end's contacts and which wire goes where.

Pure: the contacts come from kb/wiring.yaml (loaded by service/adapters/wiring_svg.py, which also draws the plan),
and the wires are the rules' own wiring of the answer's cable (service/core/rules.py), so the picture always
shows what the answer says. A dual end ("dual TS-male") is two plugs, one per leg.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.core.ontology import Ontology
from service.core.plugs import PlugEnd
from service.core.plugs import read_end
from service.core.rules import _wiring as rules_wiring  # the wiring every answer's cable carries


@dataclass(frozen=True, slots=True)
class Role:
    """What a contact or wire carries, with its colour (kb/wiring.yaml `roles`)."""

    id: str
    label: str
    colour: str
    dashed: bool = False


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact of a connector family: its name (as in connectors.yaml pins), role and what it carries."""

    name: str
    role: str
    carries: str


@dataclass(frozen=True, slots=True)
class Leg:
    """How one leg of a dual end is fed from a single end (kb/wiring.yaml `split.legs`)."""

    pin: str
    label: str


@dataclass(frozen=True, eq=False)  # identity hash: pictures are cached per drawing
class Drawing:
    """kb/wiring.yaml: roles, each family's contacts, the split legs and the roles drawn inside a shield."""

    roles: dict[str, Role]
    families: dict[str, tuple[Contact, ...]]
    legs: tuple[Leg, ...]
    shield_roles: frozenset[str]
    unused_role: str = "unused"  # the role kb/wiring.yaml gives contacts no cable joins


@dataclass(frozen=True, slots=True)
class EndPicture:
    """One end of the cable: its contract name, family name, the labels of its legs ('' for a single plug)."""

    name: str
    family: str
    family_name: str
    legs: tuple[str, ...]
    contacts: tuple[Contact, ...]


@dataclass(frozen=True, slots=True)
class WirePicture:
    """A wire from a contact of one leg of the sending end to a contact of one leg of the receiving end."""

    from_leg: int
    from_contact: str
    to_leg: int
    to_contact: str
    role: str


@dataclass(frozen=True, slots=True)
class WiringPicture:
    """Everything a drawing of the cable needs."""

    from_end: EndPicture
    to_end: EndPicture
    wires: tuple[WirePicture, ...]
    shielded: bool

    def connected(self, end: int, leg: int) -> frozenset[str]:
        """Contacts of a leg of the sending (0) or receiving (1) end that a wire reaches."""
        if end == 0:
            return frozenset(w.from_contact for w in self.wires if w.from_leg == leg)
        return frozenset(w.to_contact for w in self.wires if w.to_leg == leg)


def wiring_picture(
    from_name: str, to_name: str, ontology: Ontology, drawing: Drawing
) -> WiringPicture | None:
    """The picture of the cable from `from_name` to `to_name`, or None when an end is not a drawable plug."""
    a, b = read_end(from_name, ontology), read_end(to_name, ontology)
    if a is None or b is None or a.family not in drawing.families or b.family not in drawing.families:
        return None
    if a.dual and b.dual or not (a.dual or b.dual):
        wires = _leg_wires(a.family, b.family, ontology, drawing)
        legs = len(drawing.legs) if a.dual else 1
        planned = [WirePicture(leg, f, leg, t, r) for leg in range(legs) for f, t, r in wires]
    elif b.dual:
        planned = _split(a, b, ontology, drawing, single_sends=True)
    else:
        planned = _split(b, a, ontology, drawing, single_sends=False)
    roles = {w.role for w in planned}
    return WiringPicture(
        _end(a, from_name, ontology, drawing),
        _end(b, to_name, ontology, drawing),
        tuple(planned),
        shielded=bool(roles & drawing.shield_roles),
    )


def _end(end: PlugEnd, name: str, ontology: Ontology, drawing: Drawing) -> EndPicture:
    legs = tuple(leg.label for leg in drawing.legs) if end.dual else ("",)
    family = ontology.families[end.family]
    return EndPicture(name, end.family, family.name, legs, drawing.families[end.family])


def _role(family: str, contact: str, drawing: Drawing) -> str:
    return next((c.role for c in drawing.families[family] if c.name == contact), drawing.unused_role)


def _leg_wires(src: str, dst: str, ontology: Ontology, drawing: Drawing) -> list[tuple[str, str, str]]:
    """(from contact, to contact, role) of one plug-to-plug cable: the rules' wiring, else same-named contacts."""
    wires = [(w.from_contact, w.to_contact) for w in rules_wiring(src, dst, None, ontology)]
    if not wires:  # families without pins (MIDI, USB, optical, BNC): contact to contact of the same name
        names = {c.name for c in drawing.families[dst] if c.role != drawing.unused_role}
        wires = [
            (c.name, c.name)
            for c in drawing.families[src]
            if c.name in names and c.role != drawing.unused_role
        ]
    return [(f, t, _role(src, f, drawing)) for f, t in wires]


def _split(
    single: PlugEnd, dual: PlugEnd, ontology: Ontology, drawing: Drawing, *, single_sends: bool
) -> list[WirePicture]:
    """A single end carrying two signals facing a dual end: leg n carries the signal of the single end's pin
    named by the split leg; every leg's ground (and a balanced leg's cold) joins the single end's ground."""
    s_pins, d_pins = ontology.families[single.family].pins, ontology.families[dual.family].pins
    hot = s_pins.get("hot")
    ground = s_pins.get("ground")
    out: list[WirePicture] = []
    for leg_number, leg in enumerate(drawing.legs):
        joins: list[tuple[str, str]] = []
        signal = s_pins.get(leg.pin) or hot
        if signal and "hot" in d_pins:
            joins.append((signal, d_pins["hot"]))
        if ground and "ground" in d_pins:
            joins.append((ground, d_pins["ground"]))
        if (
            single_sends and ground and "cold" in d_pins
        ):  # a balanced leg fed one signal: its cold is tied to ground, as the rules do
            joins.append((ground, d_pins["cold"]))
        for s_contact, d_contact in joins:
            role = _role(single.family, s_contact, drawing)
            if single_sends:
                out.append(WirePicture(0, s_contact, leg_number, d_contact, role))
            else:
                out.append(
                    WirePicture(leg_number, d_contact, 0, s_contact, _role(dual.family, d_contact, drawing))
                )
    return out


def drawable_pairs(ontology: Ontology, drawing: Drawing) -> list[tuple[str, str]]:
    """Every (from, to) pair of single plugs the service can name and draw, in a stable order."""
    plugs: list[str] = []
    for family_id in drawing.families:
        plug = ontology.families[family_id].plug if family_id in ontology.families else None
        plugs += list(plug.values()) if isinstance(plug, dict) else [plug] if plug else []
    return [(a, b) for a in plugs for b in plugs]
