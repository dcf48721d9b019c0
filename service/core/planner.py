"""Plan how to connect one piece of gear to another: cables, adapters and the devices that go in between.

The gear's ports, the in-between devices (a DI box, a phono preamp, an interface...) and their ports are nodes of a
directed graph (networkx); a cable is an edge from an output to an input, and a device an edge from its input to
its output. Every cable edge is judged by the rules (service/core/rules.py `judge`), once per pair of jacks it
could use; edges the rules call "does not work" or "unsafe" are left out. Each path from the source to the
destination is a plan, ranked by:

1. no hazard (a plan with a hazard is shown only when no plan without one exists, and then says so);
2. no caveat: every link works outright ("works" beats "works with a caveat", so a turntable gets its preamp);
3. the source's usual outputs (a drum machine's audio rather than its MIDI, a turntable's phono output rather than
   the LINE output only some models have);
4. balanced where the ends allow it;
5. fewest parts, then fewest units.

What exists (in-between devices, cables sold with two given ends, adapters) is data: kb/planner.yaml.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from dataclasses import replace

import networkx as nx

from service.core.gear_words import read_endpoint
from service.core.ontology import Adapter
from service.core.ontology import InBetween
from service.core.ontology import Ontology
from service.core.ontology import PlannerKit
from service.core.reading import CableSpec
from service.core.reading import LinkSpec
from service.core.reading import Reading
from service.core.reading import Stop
from service.core.rules import Judgement
from service.core.rules import judge
from service.types import Cable
from service.types import Compatibility
from service.types import Intent
from service.types import Warning

OUT, IN = "out", "in"
_SOURCE, _DEST = "source", "destination"  # the owners of the user's two pieces of gear
MAX_ALTERNATIVES = 2
_RANK = {verdict: verdict.rank for verdict in Compatibility}


class PlanError(ValueError):
    """An end cannot take part in a plan (gear with no outputs named as the source...)."""


@dataclass(frozen=True, slots=True)
class End:
    """A port a plan starts at, ends at or passes through."""

    owner: str  # SOURCE/DEST role of the user's gear, or an in-between id
    device: str | None  # the device id the rules read (None for a port named without gear: "a mic input")
    device_text: str
    qualifier: str  # the key of the device's port map, or a generic port of ports.yaml
    port: str  # the port kind id
    jacks: tuple[str, ...]  # connector families the port may really have, most usual first

    usual: bool = (
        True  # carries what the gear's default port carries, on a port every model has (kb/planner.yaml)
    )
    default: bool = True  # the gear's default port on that side

    def stop(self, role: str) -> Stop:
        """This port as the rules' Stop."""
        return Stop(device=self.device, device_text=self.device_text, qualifiers=(self.qualifier,), role=role)


@dataclass(frozen=True, slots=True)
class Part:
    """Something to buy or plug in, with how many and why: a cable, an adapter or an in-between device."""

    name: str
    quantity: int
    reason: str
    alternatives: tuple[str, ...] = ()  # cables that would do as well (other jacks the gear may have)
    cable: Cable | None = None  # set for a cable: its ends and wiring
    adapter: Adapter | None = None  # set for an adapter
    in_between: InBetween | None = None  # set for an in-between device


@dataclass(frozen=True, slots=True)
class Hop:
    """One cable link of a plan, as the rules judged it."""

    source: str  # "Focusrite Scarlett 2i2 balanced line output"
    dest: str
    cable: Cable | None  # None: the gear's own plug goes straight in (headphones), perhaps through an adapter
    compatibility: Compatibility
    balanced: bool | None  # None: it depends on the gear, or balance does not apply (MIDI, USB...)
    balance_applies: bool
    reasons: tuple[str, ...]  # the rules' reasons, the deciding ones first
    rule_ids: tuple[str, ...]
    warnings: tuple[Warning, ...]


@dataclass(frozen=True, slots=True)
class Plan:
    """One way to connect the source to the destination."""

    parts: tuple[Part, ...]  # in signal order
    hops: tuple[Hop, ...]
    stereo: bool  # a left/right pair: two of each mono part
    compatibility: Compatibility  # the worst link
    balanced: bool | None  # every link balanced (None: it depends on the gear, see the hops)
    warnings: tuple[Warning, ...]

    @property
    def safe(self) -> bool:
        """No hazard on any link."""
        return not self.warnings

    @property
    def summary(self) -> str:
        """'Scarlett 2i2 line output -> 2 x TRS-male to TRS-male -> HS5 line input' for one-line displays."""
        steps = [self.hops[0].source] if self.hops else []
        for part in self.parts:
            steps.append(f"{part.quantity} × {part.name}" if part.quantity > 1 else part.name)
        if self.hops:
            steps.append(self.hops[-1].dest)
        return " → ".join(steps)


@dataclass(frozen=True, slots=True)
class Planning:
    """The answer to "how do I connect A to B": the best plans, best first, and what to say about them."""

    source: str
    dest: str
    plans: tuple[Plan, ...]
    safe: bool  # the first plan carries no hazard
    message: str  # what the plans mean as a whole (always set; says plainly when no safe plan exists)


def plan_between(
    source: str | Stop,
    dest: str | Stop,
    ontology: Ontology,
    *,
    phantom: str = "unknown",
    stereo: bool | None = None,
) -> Planning:
    """The best plans from `source` to `dest`: the composer's and the API's one entry point.

    `source` and `dest` are a few words ("Scarlett 2i2", "a mic input") or Stops the question reader made.
    `phantom` is on | off | unknown (the mic inputs' 48 V, as the rules read it); `stereo` forces a left/right
    pair (True) or one channel (False); None decides from the gear.

    :raises UnknownEndpoint: (a ValueError) the words name nothing known.
    :raises PlanError: (a ValueError) an end cannot send or receive (the source has no outputs...).
    """
    kit = _kit(ontology)
    src = read_endpoint(source, OUT, ontology) if isinstance(source, str) else source
    dst = read_endpoint(dest, IN, ontology) if isinstance(dest, str) else dest
    src_ends = _gear_ends(src, OUT, _SOURCE, ontology, kit)
    dst_ends = _gear_ends(dst, IN, _DEST, ontology, kit)
    src_name, dst_name = _name(src, ontology), _name(dst, ontology)

    part_ins, part_outs, inside = [], [], []
    for part in kit.in_between.values():
        ins = _part_ends(part, IN, ontology, kit)
        outs = _part_ends(part, OUT, ontology, kit)
        part_ins += ins
        part_outs += outs
        inside += itertools.product(ins, outs)
    # Nodes are numbers (hashing a number is cheaper than hashing an End); 0 and 1 are the source and destination.
    ends = [None, None, *src_ends, *dst_ends, *part_ins, *part_outs]
    node = {end: n for n, end in enumerate(ends) if end is not None}
    graph = nx.DiGraph()
    graph.add_edges_from((node[i], node[o]) for i, o in inside)
    graph.add_edges_from((0, node[e]) for e in src_ends)
    graph.add_edges_from((node[e], 1) for e in dst_ends)
    rejected: list[str] = []
    for out_end, in_end in itertools.chain(
        itertools.product(src_ends, part_ins + dst_ends), itertools.product(part_outs, dst_ends + part_ins)
    ):
        if out_end.owner == in_end.owner:
            continue
        feeds = kit.in_between[out_end.owner].only_into if out_end.owner in kit.in_between else ()
        if feeds and in_end.port not in feeds:
            continue  # a headphone amp feeds headphones, not a line input
        link = _best_link(out_end, in_end, phantom, ontology)
        if link is None:
            if out_end in src_ends and in_end in dst_ends:
                rejected += _problems(out_end, in_end, phantom, ontology)
            continue
        graph.add_edge(node[out_end], node[in_end], judged=link)
    # only what lies on some way from the source to the destination can be part of a plan
    useful = (nx.descendants(graph, 0) & nx.ancestors(graph, 1)) | {0, 1} if {0, 1} <= set(graph) else set()
    graph.remove_nodes_from([n for n in list(graph) if n not in useful])

    cutoff = 3 + 2 * kit.max_in_between
    candidates = []
    for path in nx.all_simple_paths(graph, 0, 1, cutoff=cutoff) if useful else ():
        hops = list(zip(path[1:-1:2], path[2:-1:2], strict=True))
        on_path = [ends[n] for n in path[1:-1]]
        owners = tuple(e.owner for e in on_path[1:-1:2])  # the in-between parts, in order
        if len(owners) != len(set(owners)):
            continue  # through one device twice
        links = [graph.edges[a, b]["judged"] for a, b in hops]
        pair = _stereo(on_path[0], on_path[-1], src, dst, ontology, kit) if stereo is None else stereo
        candidates.append(_Candidate(_key(on_path, links, pair, kit), owners, on_path, links, pair))
    chosen = [_plan(c, kit) for c in _choose(candidates, kit.max_plans)]
    return Planning(
        src_name,
        dst_name,
        tuple(chosen),
        bool(chosen) and chosen[0].safe,
        _message(chosen, src_name, dst_name, rejected),
    )


# --- the ends of a link ----------------------------------------------------------------------------------------


def _kit(ontology: Ontology) -> PlannerKit:
    if ontology.planner is None:
        raise PlanError("the knowledge base has no planner data (kb/planner.yaml)")
    return ontology.planner


def _name(stop: Stop, ontology: Ontology) -> str:
    if stop.device:
        return stop.device_text or ontology.devices[stop.device].name
    return stop.text or " ".join(stop.qualifiers + stop.families)


def _gear_ends(stop: Stop, side: str, owner: str, ontology: Ontology, kit: PlannerKit) -> list[End]:
    """The ports of the user's gear a plan may start (side out) or end (side in) at.

    Port words narrow them ("MIDI out"), then connectors ("USB"); a port named without gear is a generic port.
    """
    if stop.device is None:
        keys = stop.qualifiers + stop.families
        found = [
            (k, ontology.generic_ports[k][side]) for k in keys if side in ontology.generic_ports.get(k, {})
        ]
        if not found:
            raise PlanError(f"{_name(stop, ontology)!r} names no {side}put")
        return _ends(owner, None, "", found[:1], ontology, kit)
    device = ontology.devices[stop.device]
    ports = device.out if side == OUT else device.inputs
    # headphones have no ports in devices.yaml (questions about them read as they do); the planner gives them some
    ports = ports or kit.gear_ports.get(device.kind or stop.device, {}).get(side, {})
    if not ports:
        raise PlanError(f"{_name(stop, ontology)} has no {side}puts")
    items = [(q, ports[q]) for q in stop.qualifiers if q in ports]
    if not items:
        named = [q for q in stop.qualifiers if side in ontology.generic_ports.get(q, {})]
        if named:  # the question names a port the catalogue does not list: believe it (as the rules do)
            items = [(named[0], ontology.generic_ports[named[0]][side])]
    if not items and stop.families:
        wanted = _expand(set(stop.families), ontology)
        items = [(q, p) for q, p in ports.items() if wanted & _expand(set(ontology.ports[p].jacks), ontology)]
    if not items:
        items = list(ports.items())
    return _ends(owner, stop.device, _name(stop, ontology), items, ontology, kit)


def _part_ends(part: InBetween, side: str, ontology: Ontology, kit: PlannerKit) -> list[End]:
    ports = part.device.out if side == OUT else part.device.inputs
    return _ends(part.id, part.judged_as, part.name, list(ports.items()), ontology, kit)


def _ends(
    owner: str,
    device: str | None,
    text: str,
    items: list[tuple[str, str]],
    ontology: Ontology,
    kit: PlannerKit,
) -> list[End]:
    seen: dict[str, End] = {}
    mono_plug = ontology.grammar.mono_plug if ontology.grammar is not None else {}
    cls = ontology.devices[device].kind or device if device in ontology.devices else device
    # the jacks a product really has, then its class's, then the in-between part's own
    by_class = {**kit.jacks.get(owner, {}), **kit.jacks_on(device, cls or "")}
    for qualifier, port_id in items:
        if port_id in seen:
            continue
        jacks = by_class.get(port_id) or ontology.ports[port_id].jacks
        concrete = tuple(dict.fromkeys(f for j in jacks for f in (ontology.families[j].resolves_to or (j,))))
        # a mono unbalanced leg may use the one-conductor plug in that jack (a TS plug in a TRS jack), after the
        # jack's own plugs (kb/reading.yaml mono_plug)
        concrete += tuple(f for f in (mono_plug.get(j) for j in concrete) if f and f not in concrete)
        # usual: the kind of signal the gear's default port carries (a drum machine's audio, not its MIDI), on a
        # port every model of the class has (not a turntable's LINE output: only some have a preamp)
        default = _default_port(device, items, ontology) if device else None
        usual = device is None or (
            default is not None
            and ontology.ports[default].domain == ontology.ports[port_id].domain
            and port_id not in kit.optional_ports.get(cls or "", ())
        )
        seen[port_id] = End(owner, device, text, qualifier, port_id, concrete, usual, port_id == default)
    return list(seen.values())


def _default_port(device: str, items: list[tuple[str, str]], ontology: Ontology) -> str | None:
    body = ontology.devices.get(device)
    if body is None:
        return None
    for ports in (body.out, body.inputs):
        if any(ports.get(q) == p for q, p in items):
            return ports.get("default")
    return None


def _expand(families: set[str], ontology: Ontology) -> set[str]:
    """Families with the ones a size-only name stands for ("usb" -> USB-A, USB-B, USB-C)."""
    return families | {f for fam in families for f in ontology.families[fam].resolves_to}


# --- one link: the cable (and adapters) the rules like best ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Link:
    hop: Hop
    cable_name: str  # the cable to buy (its own ends, when adapters make up the rest); "" when none is
    cable: Cable | None  # None: the gear's own plug goes straight in (headphones)
    adapters: tuple[Adapter, ...]
    alternatives: tuple[str, ...]
    score: tuple[
        int, ...
    ]  # hazard, caveat, unbalanced, adapters, two connectors, option order: lower is better
    audio: bool = False  # carries audio channels (a stereo pair needs two of it unless one plug carries both)
    one_plug: bool = False  # a stereo jack at one end: one cable carries both channels (and splits them)
    level_mismatch: bool = False  # the input is made for another signal level than the output's (ports.yaml)


@functools.lru_cache(maxsize=16384)
def _best_link(out_end: End, in_end: End, phantom: str, ontology: Ontology) -> _Link | None:
    """The best way to cable this output to this input, or None when no cable makes it work safely (cached: a
    pure function of its arguments, and the in-between parts' links recur in every plan)."""
    kit = _kit(ontology)
    stereo_plugs = ontology.grammar.stereo_plugs if ontology.grammar is not None else frozenset()
    audio = ontology.ports[out_end.port].domain in kit.stereo_domains
    levels = (ontology.ports[out_end.port].level, ontology.ports[in_end.port].level)
    mismatch = None not in levels and levels[0] != levels[1]
    attached = in_end.port in kit.attached  # the gear's own plug (headphones): nothing to buy if it fits
    options = []
    for order, (a, b) in enumerate(itertools.product(out_end.jacks, in_end.jacks)):
        made = _plugged(a, b, kit) if attached else _made(a, b, ontology)
        if made is None:
            continue
        bought, adapters = made
        hop = _judge_hop(out_end, in_end, a, b, phantom, ontology)
        if hop is None or _RANK[hop.compatibility] >= _RANK[Compatibility.DOES_NOT_WORK]:
            continue
        if bought is None:
            cable = None
        elif bought == (a, b):
            cable = hop.cable
        else:
            cable = _judge_hop(out_end, in_end, *bought, phantom, ontology).cable
        score = (
            int(bool(hop.warnings)),
            int(hop.compatibility is Compatibility.WORKS_WITH_CAVEAT),
            int(hop.balanced is False),
            len(adapters),
            int(a != b),  # among equals, the same connector at both ends (XLR to XLR): the usual cable
            order,
        )
        # a stereo jack with a stereo plug carries both channels (the cable splits them); else one cable per channel
        one_plug = any(
            ontology.ports[e.port].stereo and f in stereo_plugs for e, f in ((out_end, a), (in_end, b))
        )
        name = cable.name if cable else ""
        options.append(
            _Link(replace(hop, cable=cable), name, cable, adapters, (), score, audio, one_plug, mismatch)
        )
    if not options:
        return None
    options.sort(key=lambda link: link.score)
    best = options[0]
    equal = [
        o.cable_name
        for o in options[1:]
        if o.score[:4] == best.score[:4] and o.one_plug == best.one_plug and o.cable_name != best.cable_name
    ]
    return replace(best, alternatives=tuple(dict.fromkeys(equal))[:MAX_ALTERNATIVES])


def _plugged(a: str, b: str, kit: PlannerKit) -> tuple[None, tuple[Adapter, ...]] | None:
    """A plug on the gear's own cable (`b`) into an `a` jack: straight in, or through an adapter."""
    if a == b:
        return None, ()
    adapter = next((x for x in kit.adapters if x.plug == a and x.socket == b), None)
    return (None, (adapter,)) if adapter else None


def _made(a: str, b: str, ontology: Ontology) -> tuple[tuple[str, str], tuple[Adapter, ...]] | None:
    """The cable ends to buy to join an `a` jack to a `b` jack, with the adapters that make up the difference."""
    kit = _kit(ontology)
    if frozenset((a, b)) in kit.cables:
        return (a, b), ()
    for adapter in kit.adapters:
        if adapter.plug == b and frozenset((a, adapter.socket)) in kit.cables:
            return (a, adapter.socket), (adapter,)
        if adapter.plug == a and frozenset((adapter.socket, b)) in kit.cables:
            return (adapter.socket, b), (adapter,)
    return None


def _judge_hop(out_end: End, in_end: End, a: str, b: str, phantom: str, ontology: Ontology) -> Hop | None:
    return _judged(out_end, in_end, a, b, phantom, _judging(ontology))


@functools.lru_cache(maxsize=8)
def _judging(ontology: Ontology) -> Ontology:
    """The ontology with the in-between parts that have ports of their own, and the ports the planner gives gear
    that has none (kb/planner.yaml gear_ports), so the rules can read them."""
    kit = _kit(ontology)
    own = {p.judged_as: p.device for p in kit.in_between.values() if p.judged_as not in ontology.devices}
    planned = {
        device_id: replace(
            ontology.devices[device_id],
            out=ontology.devices[device_id].out or sides.get(OUT, {}),
            inputs=ontology.devices[device_id].inputs or sides.get(IN, {}),
        )
        for device_id, sides in kit.gear_ports.items()
    }
    return replace(ontology, devices={**ontology.devices, **own, **planned})


@functools.lru_cache(maxsize=8192)
def _judged(out_end: End, in_end: End, a: str, b: str, phantom: str, ontology: Ontology) -> Hop | None:
    """One link judged by the rules, as the question reader would hand it over (cached: a pure function)."""
    kit = _kit(ontology)
    port = ontology.ports[out_end.port]
    kind = kit.cable_kinds.get(port.level or "") or kit.cable_kinds.get(port.domain)
    cable = CableSpec(ends=(a, b), explicit_ends=True, **({"kind": kind} if kind else {}))
    link = LinkSpec(out_end.stop(OUT), cable, in_end.stop(IN))
    reading = Reading(question="", cleaned="", intent=Intent.COMPATIBILITY, links=(link,), phantom=phantom)
    judgement = judge(reading, ontology)
    if not judgement.links:
        return None
    finding = judgement.links[0]
    if (
        finding.cable is None
        or finding.compatibility is None
        or finding.source is None
        or finding.dest is None
    ):
        return None
    return Hop(
        source=finding.source.name,
        dest=finding.dest.name,
        cable=finding.cable,
        compatibility=finding.compatibility,
        balanced=finding.balanced if finding.balance_applies else None,
        balance_applies=finding.balance_applies,
        reasons=finding.reasons,
        rule_ids=finding.rule_ids,
        warnings=judgement.warnings,
    )


def _problems(out_end: End, in_end: End, phantom: str, ontology: Ontology) -> list[str]:
    """Why the direct links were refused: the reasons of the rules that refused them."""
    reasons = []
    for a, b in itertools.product(out_end.jacks, in_end.jacks):
        hop = _judge_hop(out_end, in_end, a, b, phantom, ontology)
        if hop is not None and _RANK[hop.compatibility] >= _RANK[Compatibility.DOES_NOT_WORK]:
            reasons += hop.reasons[:1]
    return reasons


# --- plans -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A path of the graph before it becomes a Plan: only the chosen few do."""

    key: tuple[int, ...]
    owners: tuple[str, ...]  # the in-between parts, in order
    ends: list[End]
    links: list[_Link]
    pair: bool

    @property
    def safe(self) -> bool:
        return self.key[0] == 0


def _quantities(
    links: list[_Link], pair: bool, kit: PlannerKit, owners: tuple[str, ...]
) -> tuple[list, list]:
    """Units of each link's cable, and of each in-between part (two of a 1-channel part for a stereo pair)."""
    cables = [2 if pair and link.audio and not link.one_plug else 1 for link in links]
    devices = [
        2 if pair and links[i].audio and kit.in_between[owner].channels == 1 else 1
        for i, owner in enumerate(owners)
    ]
    return cables, devices


def _key(ends: list[End], links: list[_Link], pair: bool, kit: PlannerKit) -> tuple[int, ...]:
    """The ranking: no hazard, no caveat, the source's usual output, balanced, fewest parts, fewest units."""
    owners = tuple(e.owner for e in ends[1:-1:2])
    cables, devices = _quantities(links, pair, kit, owners)
    hops = [link.hop for link in links]
    return (
        max(link.score[0] for link in links),
        sum(link.score[1] for link in links),
        # the source's usual outputs before its others: a drum machine's audio (not its MIDI), a turntable's phono
        # output (not the LINE output only some have), unless another works better (the destination's usual input
        # says little: the input is chosen by what arrives)
        int(not ends[0].usual),
        int(any(hop.balance_applies and hop.balanced is False for hop in hops)),
        sum(link.cable is not None for link in links)
        + sum(len(link.adapters) for link in links)
        + len(owners),
        # balanced for sure before "balanced if the gear is"
        sum(hop.balance_applies and hop.balanced is None for hop in hops),
        # among equals, inputs made for the level that arrives (a line output into a line input, not a Hi-Z one)
        sum(link.level_mismatch for link in links),
        int(not ends[0].default) + int(not ends[-1].default),  # then the gear's default ports
        sum(
            q * ((link.cable is not None) + len(link.adapters)) for q, link in zip(cables, links, strict=True)
        )
        + sum(devices),
        sum(link.score[-1] for link in links),
    )


def _plan(candidate: _Candidate, kit: PlannerKit) -> Plan:
    """A chosen path as a Plan: its parts in signal order, each with how many and why."""
    links, pair = candidate.links, candidate.pair
    cables, devices = _quantities(links, pair, kit, candidate.owners)
    parts: list[Part] = []
    for i, link in enumerate(links):
        quantity = cables[i]
        per_channel = " (one per channel: left and right)" if quantity == 2 else ""
        reason = f"from the {link.hop.source} to the {link.hop.dest}{per_channel}"
        if link.cable is not None:
            parts.append(Part(link.cable_name, quantity, reason, link.alternatives, cable=link.cable))
        for adapter in link.adapters:
            parts.append(Part(adapter.name, quantity, adapter.why + per_channel, adapter=adapter))
        if i < len(candidate.owners):
            part = kit.in_between[candidate.owners[i]]
            why = part.why + (" (one per channel: left and right)" if devices[i] == 2 else "")
            parts.append(Part(part.name, devices[i], why, in_between=part))
    hops = tuple(link.hop for link in links)
    warnings = tuple({w.hazard: w for hop in hops for w in hop.warnings}.values())
    verdict = max((hop.compatibility for hop in hops), key=_RANK.__getitem__)
    balance = [hop.balanced for hop in hops if hop.balance_applies]
    balanced = False if False in balance else (True if balance and all(balance) else None)
    stereo = pair and any(link.audio for link in links)
    return Plan(tuple(parts), hops, stereo, verdict, balanced, warnings)


def _stereo(first: End, last: End, src: Stop, dst: Stop, ontology: Ontology, kit: PlannerKit) -> bool:
    """A left/right pair when the source sends one and the destination takes one (or is a pair of speakers)."""

    def cls(stop: Stop) -> str | None:
        return (ontology.devices[stop.device].kind or stop.device) if stop.device else None

    sends = ontology.ports[first.port].stereo or cls(src) in kit.stereo_sources
    takes = ontology.ports[last.port].stereo or cls(dst) in kit.stereo_sinks
    return bool(sends and takes)


def _choose(candidates: list[_Candidate], limit: int) -> list[_Candidate]:
    """The best path per set of in-between devices, without paths that only add devices to a better one; a path
    with a hazard only when no path without one exists."""
    candidates.sort(key=lambda c: c.key)
    kept: list[_Candidate] = []
    for candidate in candidates:
        if any(set(k.owners) <= set(candidate.owners) for k in kept):
            continue  # the same devices or more, and no better: nothing gained
        kept.append(candidate)
        if len(kept) >= limit and kept[0].safe and all(k.safe for k in kept):
            break
    if any(c.safe for c in kept):
        kept = [c for c in kept if c.safe]
    if any(c.key[1] == 0 for c in kept):
        # a device that still leaves a caveat is no alternative to a plan that works outright; a bare cable with a
        # caveat is (the user may accept the caveat rather than buy a device)
        kept = [c for c in kept if c.key[1] == 0 or not c.owners]
    return kept[:limit]


def _message(plans: list[Plan], src: str, dst: str, rejected: list[str]) -> str:
    if not plans:
        why = f" {rejected[0]}" if rejected else ""
        return (
            f"No safe plan was found for {src} → {dst} with the cables, adapters and in-between devices "
            f"known.{why}"
        )
    if not plans[0].safe:
        hazards = ", ".join(dict.fromkeys(w.hazard for w in plans[0].warnings))
        return (
            f"No safe plan was found for {src} → {dst}: every plan below carries a hazard ({hazards}). "
            "Read its warning before you connect anything."
        )
    first = plans[0]
    parts = sum(p.quantity for p in first.parts)
    if parts == 0:
        return f"Nothing to buy: it plugs straight in ({first.compatibility.value.replace('_', ' ')})."
    return (
        f"Best plan: {parts} part{'s' if parts != 1 else ''}, {first.compatibility.value.replace('_', ' ')}."
    )


# --- for chat answers ------------------------------------------------------------------------------------------

# A plan answers a chat question only where the direct link fails: a working cable needs no plan, and the
# planner's cost (all the judged links of a graph) is then paid by the few questions it helps.
PLAN_WHEN = (Compatibility.DOES_NOT_WORK, Compatibility.UNSAFE)
PLAN_FOR = (
    Intent.CABLE_RECOMMENDATION,
    Intent.COMPATIBILITY,
)  # "how do I connect", "will it work"; not "is it balanced"


def plan_for_reading(reading: Reading, judgement: Judgement, ontology: Ontology) -> Plan | None:
    """The best safe plan for the one link a question states when a cable alone won't join it, else None."""
    if (
        reading.refusal
        or ontology.planner is None
        or judgement.compatibility not in PLAN_WHEN
        or reading.intent not in PLAN_FOR
        or reading.is_chain
        or reading.fit is not None  # a plug that does not fit its jack: no in-between gear changes that
    ):
        return None
    stated = [link for link in reading.links if link.source is not None and link.dest is not None]
    if len(stated) != 1:
        return None
    # where a word sits in the question does not change the plan: cache by what the stops say
    source = replace(stated[0].source, position=0)
    dest = replace(stated[0].dest, position=0)
    plan = _best_safe_plan(source, dest, reading.phantom, ontology)
    # the judge read more than the planner can (a mic said to need phantom): the very cable it turned down is no plan
    if (
        plan is not None
        and judgement.cable is not None
        and all(part.cable is not None for part in plan.parts)
        and {part.name for part in plan.parts} == {judgement.cable.name}
    ):
        return None
    return plan


@functools.lru_cache(maxsize=1024)
def _best_safe_plan(source: Stop, dest: Stop, phantom: str, ontology: Ontology) -> Plan | None:
    try:
        planning = plan_between(source, dest, ontology, phantom=phantom)
    except ValueError:
        return None  # an end that cannot send or receive: the rules' verdict already says why
    best = planning.plans[0] if planning.plans else None
    workable = (
        best is not None
        and best.safe
        and best.compatibility
        in (
            Compatibility.WORKS,
            Compatibility.WORKS_WITH_CAVEAT,
        )
    )
    return best if workable else None
