"""Apply the ontology's rules to what the question describes: balance, compatibility, hazards, the cable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from service.core.classifier import FaqMatch
from service.core.fit import PlugFit
from service.core.ontology import Device
from service.core.ontology import Grammar
from service.core.ontology import Hazard
from service.core.ontology import MidiOverJack
from service.core.ontology import Ontology
from service.core.ontology import PortKind
from service.core.reading import SINGLE_INPUT
from service.core.reading import TWO_INPUTS
from service.core.reading import CableSpec
from service.core.reading import LinkSpec
from service.core.reading import Reading
from service.core.reading import Stop
from service.types import Cable
from service.types import Compatibility
from service.types import Fact
from service.types import Intent
from service.types import Severity
from service.types import Warning
from service.types import Wire

SEVERITY_ORDER = {"danger": 0, "warning": 1, "caution": 2, "info": 3}


# An output whose balance the question does not state but which is usually unbalanced (a synth's line out): the
# balance verdict "depends", while the cable it usually takes and the phantom hazard treat it as unbalanced.
MOSTLY_UNBALANCED = ("unbalanced", "usually_unbalanced")
WIRED_UNBALANCED = "the cable is wired unbalanced: only one conductor carries the signal"


def _g(ontology: Ontology) -> Grammar:
    if ontology.grammar is None:
        raise ValueError("the ontology has no reading grammar (kb/reading.yaml)")
    return ontology.grammar


def _two_leg(family: str, ontology: Ontology) -> bool:
    """A plug that can carry a balanced signal: hot, cold and ground (connectors.yaml `balanced: maybe`)."""
    body = ontology.families[family]
    return body.balanced == "maybe" and not body.resolves_to


def _one_signal_contact(family: str | None, ontology: Ontology) -> bool:
    """A jack with a signal contact and ground only (its pins have no cold leg)."""
    pins = ontology.families[family].pins if family else {}
    return bool(pins) and "cold" not in pins


def _gendered(family: str | None, ontology: Ontology) -> bool:
    """A family whose plugs come male and female (XLR): the contract names its ends with the gender."""
    return family is not None and isinstance(ontology.families[family].plug, dict)


@dataclass(frozen=True, slots=True)
class Port:
    """One end of a link after the ontology resolved it."""

    kind_id: str | None
    kind: PortKind | None
    device: str | None
    name: str  # "audio interface line output"
    jack: str | None  # connector family on the gear
    gender: str | None  # XLR jack gender
    balance: str
    flags: tuple[str, ...] = ()
    guessed: bool = False  # the port is the device's default, not something the question said
    pair: bool | None = None  # left and right (True) or one channel (False), when the question says which
    single: bool = False  # said to be one input of several ("into ONE line input"), so it takes one channel
    two: bool = False  # said to be a pair of inputs ("the TWO line inputs"): one jack for each side


@dataclass(frozen=True, slots=True)
class LinkFinding:
    """The verdict on one link and why."""

    source: Port | None
    dest: Port | None
    cable: Cable | None
    plug_families: tuple[str | None, str | None]
    balanced: bool | None
    balance_culprits: tuple[str, ...]
    balance_applies: bool
    compatibility: Compatibility | None
    reasons: tuple[str, ...]
    rule_ids: tuple[str, ...]
    hazards: tuple[str, ...]
    guessed: bool = False
    derived_plugs: bool = False  # a cable end came from the gear's usual jack, not from the question
    problems: tuple[str, ...] = ()  # the reasons of the rules whose verdict is worse than "works"
    # the cable that clears what the question's own cable gets wrong ("the 3.5 mm lead the mic came with" into a
    # phone's headset jack): same ports, a better verdict; None when the cable is not the trouble
    remedy: Cable | None = None
    remedy_plugs: tuple[str | None, str | None] = (None, None)
    remedy_compatibility: Compatibility | None = None
    cable_blamed: bool = False  # a rule that applies says the cable itself is what is wrong (kb/rules.yaml)

    @property
    def label(self) -> str:
        """'audio interface line output -> studio monitors line input' for answers."""
        left = self.source.name if self.source else "the output"
        right = self.dest.name if self.dest else "the input"
        return f"{left} → {right}"


@dataclass(frozen=True)
class Judgement:
    """Everything the rules proved about the question."""

    links: tuple[LinkFinding, ...] = ()
    balanced: bool | None = None
    compatibility: Compatibility | None = None
    warnings: tuple[Warning, ...] = ()
    facts: tuple[Fact, ...] = ()
    cable: Cable | None = None
    focus: int | None = None  # the link the question asks about
    conditions: tuple[str, ...] = ()
    format_notes: tuple[str, ...] = field(default_factory=tuple)
    cited: tuple[str, ...] = ()  # ids of the general facts (kb/rules.yaml facts) the verdict rests on
    lead: int | None = None  # the index in reading.links of the link the verdict rests on

    @property
    def judged(self) -> bool:
        """True when some link got a rule-proven verdict."""
        return any(link.compatibility is not None or link.balance_applies for link in self.links)


def judge(reading: Reading, ontology: Ontology) -> Judgement:
    """Judge every link the question describes, and every hazard its words or links raise."""
    if reading.refusal:
        return Judgement()
    judged_links = [(i, _judge_link(link, reading, ontology)) for i, link in enumerate(reading.links)]
    origins = [i for i, f in judged_links if f is not None]
    findings = [f for _, f in judged_links if f is not None]
    focus = reading.hop if reading.hop is not None and reading.hop < len(findings) else None
    if reading.fit is not None:
        # "an NL4 cable into the cab's NL2 socket": whether the plug goes in at all is what was asked
        # (a cable asked for, between jacks that take it, is still named by the link)
        cable_asked = reading.intent is Intent.CABLE_RECOMMENDATION and any(f.cable for f in findings)
        findings.append(_fit_finding(reading.fit))
        if not (reading.fit.fits and cable_asked):
            focus = len(findings) - 1
    findings = _audio_asked_of_a_control_link(reading, findings, ontology)
    misread = {r.id for r in ontology.link_rules if r.misread_among_links}
    if (
        focus is not None
        and reading.fit is None
        and not reading.drawn
        and misread & set(findings[focus].rule_ids)
        and any(not misread & set(f.rule_ids) for f in findings)
    ):
        # the hop the question seems to ask about joins two outputs or two inputs: more likely ends the reader
        # paired wrongly than what the user did, so the links that read as connections decide
        focus = None
    judged = [findings[focus]] if focus is not None else findings
    deciding = judged  # the links that decide the verdicts: not those more likely misread
    if focus is None and len(findings) > 1:
        deciding = [f for f in findings if not misread & set(f.rule_ids)] or findings

    # a chain drawn with arrows is balanced only if every link drawn is, misread or not; whether it works is
    # decided by the links that read as connections
    balance_values = [f.balanced for f in (judged if reading.drawn else deciding) if f.balance_applies]
    balanced: bool | None = None
    if balance_values and any(v is False for v in balance_values):
        balanced = False
    elif balance_values and all(v is True for v in balance_values):
        balanced = True
    # "AES3 over XLR", "S/PDIF coax off the DAC": a named digital format decides the balance [DOLBY][PAS], unless a
    # port of the link is of another digital format (then the question is about that port).
    format_balances = {ontology.formats[f].balance for f in reading.formats}
    format_domains = {ontology.formats[f].domain for f in reading.formats}
    digital = {fmt.domain for fmt in ontology.formats.values()}
    other_format = any(
        p.kind.domain in digital and p.kind.domain not in format_domains
        for f in findings
        for p in (f.source, f.dest)
        if p is not None and p.kind is not None
    )
    if len(format_balances) == 1 and format_balances <= {"balanced", "unbalanced"} and not other_format:
        balanced = format_balances == {"balanced"}

    verdicts = [f.compatibility for f in deciding if f.compatibility is not None]
    compatibility = max(verdicts, key=lambda v: v.rank) if verdicts else None
    # the cable to use: the one that clears the trouble of the question's own cable, else the link's
    cable = next((f.remedy or f.cable for f in deciding if f.cable is not None), None)

    # what the question itself says (a tube amp with no cab) before what a link read from it implies
    said = _hazards_from_words(reading, findings, ontology)
    hazard_ids = said + [h for f in findings for h in f.hazards]
    warnings = _warnings(hazard_ids, findings, ontology)
    # "run the amp's speaker out into my interface, would that work?": a danger the question's own words set up
    # decides whether it works, whatever the links read from it say
    if any(
        w.hazard in said
        and w.severity is Severity.DANGER
        and _levels_meet(ontology.hazards[w.hazard], findings)
        for w in warnings
    ):
        compatibility = Compatibility.UNSAFE
    facts = _facts(reading, findings, ontology)
    conditions = tuple(dict.fromkeys(c for f in judged for c in _conditions(f)))
    notes = tuple(ontology.formats[fmt].text for fmt in reading.formats)
    cited = tuple(f.id for f in facts if f.id in ontology.facts)
    # a link set aside as misread is not reported either, unless the user drew it
    shown = findings if focus is not None or reading.drawn else deciding
    # the link a follow-up most likely points back to: the one asked about, else the one that set the verdict
    lead_finding = (
        judged[0]
        if focus is not None
        else next(
            (f for f in deciding if compatibility is not None and f.compatibility is compatibility), None
        )
    )
    # (findings past the links' own, such as a plug fit, come from no link)
    lead = next((origin for origin, f in zip(origins, findings, strict=False) if f is lead_finding), None)
    return Judgement(
        tuple(shown), balanced, compatibility, warnings, facts, cable, focus, conditions, notes, cited, lead
    )


def _audio_asked_of_a_control_link(
    reading: Reading, findings: list[LinkFinding], ontology: Ontology
) -> list[LinkFinding]:
    """ "Can that same MIDI cable bring the drum machine's audio back?": the link is a sound MIDI link, but what
    is asked to travel over it is audio, which a control link never carries (kb/reading.yaml audio_asked)."""
    asked = _g(ontology).audio_asked
    if asked is None or not set(reading.cleaned.split()) & asked.words:
        return findings
    rule = next(r for r in ontology.link_rules if r.id == asked.rule)
    out = []
    for f in findings:
        domains = {p.kind.domain for p in (f.source, f.dest) if p is not None and p.kind is not None}
        if domains and domains <= asked.domains and f.compatibility is not Compatibility(rule.verdict):
            f = replace(
                f,
                compatibility=Compatibility(rule.verdict),
                reasons=(rule.text, *f.reasons),
                rule_ids=(rule.id, *f.rule_ids),
            )
        out.append(f)
    return out


# --- ports ---------------------------------------------------------------------------------------------------


def _resolve(
    stop: Stop | None,
    side: str,
    other: Stop | None,
    other_port: Port | None,
    cable_family: str | None,
    ontology: Ontology,
) -> Port | None:
    """Pick the port a stop means: what the question says, then connector, then the other end, then default."""
    if stop is None:
        return None
    stop = _format_on_its_jack(stop, ontology)
    side = stop.role or side
    kind_id, guessed, two_levels = None, False, False
    if stop.device:
        device = ontology.devices[stop.device]
        ports = device.out if side == "out" else device.inputs
        if not ports:  # the question put this gear on the wrong side; use what it has
            other_side = "in" if side == "out" else "out"
            ports = device.inputs if side == "out" else device.out
            side = other_side if ports else side
        stop = _port_word_as_plug(stop, ports, ontology)
        # "PHONO / LINE" said of one output: a switch on it, so which level leaves it is a setting
        two_levels = (
            side == "out" and len({ontology.ports[ports[q]].level for q in stop.qualifiers if q in ports}) > 1
        )
        kind_id = _port_kept_for(stop.device, side, stop, other, ontology) or _pick(
            ports, stop, other_port, cable_family, ontology
        )
        # ...but not a port word a jack made for one signal level only cannot carry ("drives the mains ... its
        # speakON output" is no line output)
        one_level = [f for f in stop.families if _port_of_its_only_level(f, side, ontology) is not None]
        on_jacks = _expand(set(one_level), ontology)
        named = [
            q
            for q in stop.qualifiers
            if q not in ports
            and side in ontology.generic_ports.get(q, {})
            and (not on_jacks or on_jacks & set(ontology.ports[ontology.generic_ports[q][side]].jacks))
        ]
        # the question names a port or a signal format the gear's class does not list ("the recorder's coax
        # digital in", "AES3id from the console"): believe the question, the catalog is what is incomplete
        named += [
            f
            for f in stop.formats
            if side in ontology.generic_ports.get(f, {})
            and not any(ontology.ports[p].domain == ontology.formats[f].domain for p in ports.values())
        ]
        if named:
            # "an optical input marked ADAT": of the port words said, the one that names a format says the most
            named.sort(key=lambda q: q not in stop.formats)
            kind_id = ontology.generic_ports[named[0]][side]
        guessed = kind_id == ports.get("default") and not (stop.qualifiers or stop.families or stop.balance)
    else:
        # Gear not named: the port words, then the connector, then "line" ("a balanced input") decide.
        named = _expand(set(stop.families), ontology)
        for key in stop.qualifiers:
            port_id = ontology.generic_ports.get(key, {}).get(side)
            # a port word whose port cannot be on the jack named is the other sense of the word ("XLR thru" is
            # a speaker's link output, not MIDI THRU)
            if port_id and (not named or named & set(ontology.ports[port_id].jacks)):
                kind_id = kind_id or port_id
        # a format says more than a jack (AES3id, word clock and MADI all use BNC); the jack then says which of
        # the format's ports (S/PDIF on optical, not coax)
        for fmt in stop.formats if kind_id is None else ():
            ports = [
                sides[side]
                for sides in ontology.generic_ports.values()
                if side in sides and ontology.ports[sides[side]].domain == ontology.formats[fmt].domain
            ]
            fitting = [p for p in ports if named & set(ontology.ports[p].jacks)]
            kind_id = kind_id or next(iter(fitting or ports), None)
        # ...and then the cable's plug on this end ("unknown amp -> speakON -> speakers": a speaker output)
        said_plug = (cable_family,) if cable_family else ()
        for key in stop.families + said_plug + (_g(ontology).default_port,):
            kind_id = kind_id or ontology.generic_ports.get(key, {}).get(side)
    kind = _as_on_its_gear(ontology.ports.get(kind_id) if kind_id else None, kind_id, stop.device, ontology)
    kind = _with_balance_of_its_own_port(kind, stop, side, ontology)
    # Name the gear with the user's own word ("synth", "sm7b"), the port with the ontology's.
    device_name = (stop.device_text or ontology.devices[stop.device].name) if stop.device else ""
    port_name = kind.name if kind else ""
    if device_name and port_name.lower().startswith(device_name.lower() + " "):
        device_name = ""  # "turntable phono output", not "turntable turntable phono output"
    if device_name and port_name and device_name.lower().split()[-1] == port_name.lower().split()[0]:
        port_name = port_name.split(" ", 1)[1] if " " in port_name else ""  # "dynamic microphone output"
    name = " ".join(x for x in (device_name, port_name) if x) or stop.text or "this end"
    balance = stop.balance or (kind.balance if kind else "unknown")
    spec = bool(stop.device and ontology.devices[stop.device].spec)  # a product's maker's specification
    if stop.balance == "unknown" and kind and (spec or kind.balance not in ("balanced", "unbalanced")):
        # "nobody knows if those jacks are balanced": the product's own spec tells, and a side its class leaves
        # open stays as open as the class says ("usually unbalanced"); only a class's flat default gives way
        balance = kind.balance
    # with nothing named, an input with several jacks takes the one the sending end's jack mates with (an XLR
    # output into a combo or TRS/XLR input goes into its XLR side); an output keeps its usual jack
    # ...and an input named with two jacks ("both RCA and quarter-inch inputs") takes the one the output has
    mate = (
        other_port.jack
        if side == "in" and other_port is not None and not cable_family and len(stop.families) != 1
        else None
    )
    # ...but where the input has a jack made for the sending end's level and the question names none, that one
    # (RCA line into a combo jack goes into its 1/4-inch side; so does a desk's XLR line out, which would
    # overload the mic preamp behind the XLR side)
    # ...and where the question names several of its jacks ("combo inputs, 1/4-inch or XLR"), the one of those
    by_level = (
        kind.jack_for_level.get(other_port.kind.level or "")
        if kind
        and mate
        and len(stop.families) != 1
        and other_port is not None
        and other_port.kind is not None
        else None
    )
    if by_level and stop.families and by_level not in _expand(set(stop.families), ontology):
        by_level = None
    jack = _jack(
        stop,
        kind,
        cable_family or by_level or (mate if kind and mate in kind.jacks else None),
        ontology,
        balance,
    )
    if by_level and stop.families:
        jack = by_level  # one of the jacks named: the one for the sending end's level
    own_jack = _jack(stop, kind, None, ontology, balance) if stop.families else None
    # a jack named by its size only ("a quarter-inch out") says nothing of its contacts: on a port that is only
    # usually unbalanced, the balance still depends on the gear
    # ...and neither does it on an output the question says may be either ("balanced or unbalanced, no idea")
    # ...nor on one the question says is balanced ("the jacks are marked BAL on the back panel" of a synth
    # the catalog does not know; a product's own spec is not overruled by a wish: "I wanted the rig balanced")
    sized_guess = (
        balance == "usually_unbalanced"
        or (balance == "either" and side == "out")
        or (stop.balance in ("balanced", "impedance_balanced") and not spec)
    ) and all(ontology.families[f].resolves_to for f in stop.families if f in ontology.families)
    if (
        balance in ("unknown", "either", "balanced", "usually_unbalanced")
        and not sized_guess
        and _one_signal_contact(own_jack, ontology)
    ):
        balance = "unbalanced"  # the gear's own jack has one signal contact (a TS plug in a TRS jack does not count)
    if kind and kind.stereo and stop.balance is None:
        balance = "unbalanced"
    # the plug a cable puts into an input names that input's jack as well as the question could ("TRS to XLR
    # leads into the monitors": their XLR input), when the sending end is known to be balanced: two guesses from
    # connectors alone ("a mixer's XLR outs into powered speakers") prove nothing
    known_balanced_sender = other_port is not None and (
        (other_port.kind is not None and other_port.kind.balance in ("balanced", "impedance_balanced"))
        or (other is not None and other.balance in ("balanced", "impedance_balanced"))
    )
    plugged = jack if side == "in" and cable_family and not stop.families and known_balanced_sender else None
    if (
        balance == "unknown"
        and (own_jack or plugged) in _g(ontology).balanced_line_jacks
        and kind
        and kind.domain in _g(ontology).balance_domains
    ):
        balance = "balanced"  # an XLR line jack on gear is balanced unless the question says otherwise
    flags = tuple(ontology.devices[stop.device].flags) if stop.device else ()
    if two_levels and _g(ontology).two_levels_flag:
        flags += (_g(ontology).two_levels_flag,)
    # left and right, as said ("a stereo RCA in", "a mono out") or by a pair named ("the RCA outs pair")
    # ...but two inputs said by count are two jacks, each one side: they say nothing of what one jack carries
    pair = (
        (True if stop.dual else None)
        if stop.channels in (None, TWO_INPUTS)
        else stop.channels not in ("mono", SINGLE_INPUT)
    )
    single, two = stop.channels == SINGLE_INPUT, stop.channels == TWO_INPUTS
    return Port(
        kind_id, kind, stop.device, name, jack, stop.gender, balance, flags, guessed, pair, single, two
    )


def _with_balance_of_its_own_port(
    kind: PortKind | None, stop: Stop, side: str, ontology: Ontology
) -> PortKind | None:
    """ "the 003's line in, set to +4": a generic port named by a level word, of unknown balance, has the balance
    of the gear's own port of that level the question also names (the level word still says what it expects)."""
    if kind is None or kind.balance != "unknown" or not stop.device:
        return kind
    device = ontology.devices[stop.device]
    ports = device.out if side == "out" else device.inputs
    own = [ontology.ports[ports[q]] for q in stop.qualifiers if q in ports]
    known = {
        p.balance for p in own if (p.domain, p.level) == (kind.domain, kind.level) and p.balance != "unknown"
    }
    return replace(kind, balance=known.pop()) if len(known) == 1 else kind


def _as_on_its_gear(
    kind: PortKind | None, kind_id: str | None, device: str | None, ontology: Ontology
) -> PortKind | None:
    """The port kind with the jacks its gear really has (kb/planner.yaml `jacks`): a computer's USB port is a
    USB-A or USB-C host port, not the USB-B socket usual on audio gear."""
    if kind is None or kind_id is None or device is None or ontology.planner is None:
        return kind
    gear = ontology.devices.get(device)
    jacks = ontology.planner.jacks_on(device, gear.kind if gear else "").get(kind_id)
    return replace(kind, jacks=list(jacks)) if jacks and list(jacks) != kind.jacks else kind


def _format_on_its_jack(stop: Stop, ontology: Ontology) -> Stop:
    """ "an AES input on a BNC socket": a format named on a jack it has a variant for is that variant (AES3id)."""
    formats = tuple(
        next((ontology.formats[f].on_jack[j] for j in stop.families if j in ontology.formats[f].on_jack), f)
        for f in stop.formats
    )
    return stop if formats == stop.formats else replace(stop, formats=formats)


def _port_word_as_plug(stop: Stop, ports: dict[str, str], ontology: Ontology) -> Stop:
    """A port word that also names a plug, said of gear whose class has no such port, is the plug: a CD
    player's "phono outs" are RCA outputs at its own level, not a turntable's millivolts."""
    plugs = _g(ontology).qualifier_plugs
    as_plugs = [q for q in stop.qualifiers if q in plugs and q not in ports]
    if not as_plugs:
        return stop
    return replace(
        stop,
        qualifiers=tuple(q for q in stop.qualifiers if q not in as_plugs),
        families=stop.families + tuple(plugs[q] for q in as_plugs if plugs[q] not in stop.families),
    )


def _port_kept_for(device: str, side: str, stop: Stop, other: Stop | None, ontology: Ontology) -> str | None:
    """ "PC -> Fireface -> amp": with no port said on either end, gear sends on the output its class keeps for the
    other gear's class (kb/devices.yaml `out_to`: a computer reaches an interface over USB)."""
    if side != "out" or other is None or not other.device or _port_said(stop) or _port_said(other):
        return None
    kept = next(
        (ontology.devices[d].out_to for d in ontology.class_chain(device) if ontology.devices[d].out_to), {}
    )
    port = next((kept[c] for c in ontology.class_chain(other.device) if c in kept), None)
    return port if port in ontology.devices[device].out.values() else None  # a product may have another jack


def _port_said(stop: Stop) -> bool:
    """The question names a port, jack or format on this end."""
    return bool(stop.qualifiers or stop.families or stop.formats)


def _adapter_matches(text: str, midi: MidiOverJack) -> bool:
    """The question says its TRS-MIDI adapter is wired as the device's jack: one wiring type named twice (the
    device's and the adapter's) and no other."""
    said = {t: len(re.findall(rf"\b{re.escape(t)}\b", text)) for t in midi.types}
    named = [t for t, n in said.items() if n]
    return len(named) == 1 and said[named[0]] >= 2


def _pick(
    ports: dict[str, str], stop: Stop, other: Port | None, cable_family: str | None, ontology: Ontology
) -> str | None:
    both = _format_on_named_jack(ports, stop, ontology)
    if both:
        return both
    named = [ports[q] for q in stop.qualifiers if q in ports]
    if stop.numbered and not named:
        # "lands in input 2 on our desk": an input said by its number is one of the gear's audio channels,
        # whatever the other end sends (a MIDI OUT into input 1 lands on an audio input, not the MIDI IN)
        ports = {k: p for k, p in ports.items() if ontology.ports[p].domain == "analog"} or ports
    plugs = _expand(set(stop.families) | ({cable_family} if cable_family else set()), ontology)
    on_the_plug = [p for p in named if plugs & set(ontology.ports[p].jacks)]
    said_jacks = _expand(set(stop.families), ontology)
    if named and said_jacks and not any(said_jacks & set(ontology.ports[p].jacks) for p in named):
        # "its 5-pin MIDI OUT ... my headphone out is taken": the gear's jack names the port, and the port word it
        # cannot be is another port said of the gear elsewhere. Only a jack of one non-audio signal beside an
        # analog port word says so (an RCA or 1/4 jack is often a neighbour's; coax beside "optical" is a
        # converter case); of the ports taking it, the gear's first (MIDI OUT before THRU)
        fitting = [p for p in ports.values() if said_jacks & set(ontology.ports[p].jacks)]
        domains = {ontology.ports[p].domain for p in fitting}
        named_domains = {ontology.ports[p].domain for p in named}
        side = ontology.ports[named[0]].role
        # "the interface's line inputs over RCA leads": RCA usually carries analog audio, so its
        # being the interface's S/PDIF coax jack does not make the line input a digital one
        usually_analog = any(
            ontology.ports[generic].domain == "analog"
            for generic in (ontology.generic_ports.get(f, {}).get(side) for f in stop.families)
            if generic
        )
        if (
            fitting
            and len(domains) == 1
            and named_domains == {"analog"}
            and domains != {"analog"}
            and not usually_analog
        ):
            return fitting[0]
    if len(named) > 1 and plugs and on_the_plug:
        # "one XLR mic channel and the rest are line channels": of the ports named, the one on the jack named
        return on_the_plug[0]
    if len(named) > 1 and other is not None and other.kind is not None:
        # "the mic inputs are taken, so two of the line inputs": of the ports named, the one made for what the
        # other end sends
        level = other.kind.level or ""
        hint = _g(ontology).level_ports.get(level, level)
        if hint in ports and ports[hint] in named:
            return ports[hint]
    if named:
        return named[0]
    for fmt in stop.formats:
        # the format's own jack first: S/PDIF named alone means coax on RCA, not the optical port
        fmt_def = ontology.formats[fmt]
        same_domain = [p for p in ports.values() if ontology.ports[p].domain == fmt_def.domain]
        on_its_jack = [
            p for p in same_domain if fmt_def.jack in _expand(set(ontology.ports[p].jacks), ontology)
        ]
        if on_its_jack or same_domain:
            return (on_its_jack or same_domain)[0]
    digital = {fmt.domain for fmt in ontology.formats.values()}
    if other is not None and other.kind is not None:
        g = _g(ontology)
        hint = g.level_ports.get(other.kind.level or "") or g.domain_ports.get(other.kind.domain)
        # the connector the question names on this gear outranks what the other end suggests ("the
        # preamp's XLR" is its mic input even when a bass feeds it)
        named = _expand(set(stop.families), ontology)
        if hint and hint in ports and (not named or named & set(ontology.ports[ports[hint]].jacks)):
            return ports[hint]
        if other.kind.domain in digital and other.jack and not named:
            # "a Blu-ray player into the interface's ADAT input": the player's output on that jack (its optical
            # out), whose format the rules then compare, not its analog default
            on_that_jack = [p for p in ports.values() if other.jack in ontology.ports[p].jacks]
            if on_that_jack:
                return on_that_jack[0]
    families = list(stop.families) + ([cable_family] if cable_family else [])
    for family in families:
        wanted = _expand({family}, ontology)  # "usb_a" fits a port whose jack is listed as "usb"
        default = ports.get("default")
        if default and wanted & set(ontology.ports[default].jacks):
            return default
        fitting = [p for p in ports.values() if wanted & set(ontology.ports[p].jacks)]
        if fitting and all(ontology.ports[p].domain in digital for p in fitting) and not stop.formats:
            # "only has RCA outputs": with no format named, a jack that also carries analog audio is analog
            side = ontology.ports[fitting[0]].role
            generic = ontology.generic_ports.get(family, {}).get(side)
            if generic and ontology.ports[generic].domain not in digital:
                return generic
        if fitting:
            # "the mixer's RCA inputs": of the gear's ports on that jack, the jack's usual kind (tape in), not
            # a special one the question does not name (PHONO)
            usual = ontology.generic_ports.get(family, {}).get(ontology.ports[fitting[0]].role)
            return usual if usual in fitting else fitting[0]
    side = next((ontology.ports[p].role for p in ports.values()), None)
    levels = {ontology.ports[p].level for p in ports.values()}
    for family in stop.families if side else ():
        # "the receiver's RCA sub pre-out": a jack the gear's class does not list on that side is believed (the
        # catalog is what is incomplete), as its usual port kind, rather than the class's default port; but gear
        # that takes nothing but speaker level has no signal input to find ("XLR to the passive speaker": the XLR
        # is the lead's)
        generic = ontology.generic_ports.get(family, {}).get(side)
        if generic and not (
            side == "in"
            and _power_only(levels, ontology)
            and not _power_only({ontology.ports[generic].level}, ontology)
        ):
            return generic
    return ports.get("default") or next(iter(ports.values()), None)


def _power_only(levels: set[str | None], ontology: Ontology) -> bool:
    """Every one of these levels drives a load (kb/ports.yaml `power`): speaker level, not a signal's."""
    return bool(levels) and all(level in ontology.levels and ontology.levels[level].power for level in levels)


def _format_on_named_jack(ports: dict[str, str], stop: Stop, ontology: Ontology) -> str | None:
    """ "the optical input is S/PDIF only": a format and a jack named together mean the port of that format on
    that jack, on this gear or, when its class lists none, the generic one."""
    formats = [q for q in stop.qualifiers if q in ontology.formats] + list(stop.formats)
    jacks = _expand(
        set(stop.families) | {j for q in stop.qualifiers for j in _jacks_of_word(q, ontology)}, ontology
    )
    if not formats or not jacks or not ports:
        return None
    side = ontology.ports[next(iter(ports.values()))].role
    domain = ontology.formats[formats[0]].domain
    pool = list(ports.values()) + [s[side] for s in ontology.generic_ports.values() if side in s]
    return next(
        (p for p in pool if ontology.ports[p].domain == domain and jacks & set(ontology.ports[p].jacks)), None
    )


def _jacks_of_word(word: str, ontology: Ontology) -> set[str]:
    """The jacks a port word implies when all its ports share them ("optical": TOSLINK); a format word says none."""
    if word in ontology.formats:
        return set()
    kinds = [ontology.ports[p] for p in ontology.generic_ports.get(word, {}).values() if p in ontology.ports]
    shapes = {tuple(k.jacks) for k in kinds}
    return set(next(iter(shapes))) if len(shapes) == 1 else set()


def _jack(
    stop: Stop, kind: PortKind | None, cable_family: str | None, ontology: Ontology, balance: str
) -> str | None:
    """The connector family on the gear: named by the question, or the port kind's usual one."""
    candidates = (
        list(stop.families) or ([cable_family] if cable_family else []) or (kind.jacks[:1] if kind else [])
    )
    if not candidates:
        return None
    family = cable_family if cable_family in stop.families else candidates[0]
    if kind and family not in kind.jacks and len(stop.families) > 1:
        family = next((f for f in stop.families if f in kind.jacks), family)
    if (
        kind
        and stop.qualifiers
        and not cable_family
        and kind.jacks
        and kind.domain in {fmt.domain for fmt in ontology.formats.values()}
        and not _expand(set(stop.families), ontology) & set(kind.jacks)
    ):
        # "an OPTICAL IN too, plus lots of RCA": the digital port the question names has none of the jacks said
        # beside it, so they are the gear's other sockets
        family = kind.jacks[0]
    return _resolve_size_only(family, kind, ontology, unbalanced=balance in MOSTLY_UNBALANCED)


def _resolve_size_only(
    family: str, kind: PortKind | None, ontology: Ontology, *, unbalanced: bool = False
) -> str:
    """A family named by size only ("quarter-inch", "USB") means the member the port takes: one of the port's
    usual jacks; else the one-conductor member on an unbalanced mono port and the two-leg one elsewhere; else
    the first listed in connectors.yaml."""
    options = ontology.families[family].resolves_to
    if not options:
        return family
    # a stereo port (a headphone output) or one jack carrying two signals (an insert's send and return) needs
    # tip and ring whatever its balance: TRS, never TS
    stereo = kind is not None and (kind.stereo or kind.split)
    if kind is not None and (not unbalanced or stereo):
        fitting = [jack for jack in kind.jacks if jack in options]
        if fitting:
            return fitting[0]
    two_leg = [f for f in options if _two_leg(f, ontology)]
    one_leg = [f for f in options if f not in two_leg]
    mono_unbalanced = not stereo and (unbalanced or (kind is not None and kind.balance in MOSTLY_UNBALANCED))
    preferred = (one_leg if mono_unbalanced else two_leg) or list(options)
    return preferred[0]


def _orient(source: Port | None, dest: Port | None) -> bool:
    """True when the ends are the wrong way round (the 'source' only takes signal in, or the only end known is
    an output the question put on the receiving side: "connect my mic to the mixing table")."""
    if source is None or dest is None:
        known = source or dest
        return bool(known and known.kind and known.kind.role == ("in" if source else "out"))
    return bool(source.kind and dest.kind and source.kind.role == "in" and dest.kind.role == "out")


# --- one link ------------------------------------------------------------------------------------------------


def _judge_link(link: LinkSpec, reading: Reading, ontology: Ontology) -> LinkFinding | None:
    """Judge the link as the question gives it; when a rule says the question's own cable is what is wrong
    (kb/rules.yaml `wrong_cable`), also name the cable that puts it right: the same plugs on a cable made for the
    link (speaker cable, not a guitar lead), else plugs of the same shape with both legs (TRS for TS), else the
    plugs the gear's jacks take, else one plug of the question's."""
    finding = _judge_link_as_given(link, reading, ontology)
    if (
        finding is None
        or link.cable is None
        or not finding.cable_blamed
        or finding.compatibility is None
        or finding.source is None
        or finding.dest is None
    ):
        return finding
    src_plug, dst_plug = finding.plug_families
    unpinned = LinkSpec(link.source, None, link.dest)
    twins = (_two_leg_twin(src_plug, ontology), _two_leg_twin(dst_plug, ontology))
    # each way of changing the cable once (the twins are the plugs themselves when they already carry both legs)
    for sides in dict.fromkeys(
        ((src_plug, dst_plug), twins, (None, None), (src_plug, None), (None, dst_plug))
    ):
        other = _judge_link_as_given(unpinned, reading, ontology, sides=sides)
        if (
            other is not None
            and other.cable is not None
            and other.compatibility is not None
            and not other.cable_blamed
            and other.compatibility.rank <= finding.compatibility.rank
            and _same_port(other.source, finding.source)
            and _same_port(other.dest, finding.dest)
        ):
            return replace(
                finding,
                remedy=other.cable,
                remedy_plugs=other.plug_families,
                remedy_compatibility=other.compatibility,
            )
    return finding


def _two_leg_twin(family: str | None, ontology: Ontology) -> str | None:
    """The plug of the same shape with both legs (TRS for TS), kb/reading.yaml mono_plug; else the plug itself."""
    twins = {one: both for both, one in _g(ontology).mono_plug.items() if both != one}
    return twins.get(family or "", family)


def _same_port(a: Port | None, b: Port | None) -> bool:
    return a is not None and b is not None and a.kind_id == b.kind_id and a.device == b.device


def _judge_link_as_given(
    link: LinkSpec,
    reading: Reading,
    ontology: Ontology,
    sides: tuple[str | None, str | None] | None = None,
) -> LinkFinding | None:
    cable = link.cable
    if link.source is None and link.dest is None:
        return _judge_ends_only(cable, reading, ontology) if cable and cable.ends else None
    if _backwards(link, ontology):
        link = LinkSpec(link.dest, cable, link.source)
    link = _with_named_format(link, reading, ontology)
    link = _with_port_of_cable_kind(link, ontology)
    src_family, dst_family = _cable_sides(cable, link, ontology)
    source = _resolve(link.source, "out", link.dest, None, src_family, ontology)
    dest = _resolve(link.dest, "in", link.source, source, dst_family, ontology)
    if (
        source is not None
        and link.source is not None
        and link.dest is not None
        and dest is not None
        and (source.guessed or not link.source.qualifiers)
    ):
        # the receiving end says which output is meant when the question names none: headphones take the
        # headphone output, a mic input the mic-level one; a connector the question names still decides
        informed = _resolve(link.source, "out", link.dest, dest, src_family, ontology)
        named = _expand(set(link.source.families), ontology)
        if informed is not None and (
            source.guessed or not named or (informed.kind and named & set(informed.kind.jacks))
        ):
            source = informed
    if _orient(source, dest):
        source, dest = dest, source
        src_family, dst_family = dst_family, src_family
    if sides is not None:
        src_family, dst_family = sides  # plugs kept from the question's cable, the signal's way round
    # A port of unnamed gear that says no format of its own carries the format of the end it joins, when its
    # jack fits: "the AES3id output on BNC into the next box's BNC input" is an AES3id input.
    source = _in_format_of(dest, source, link.source, "out", ontology) or source
    dest = _in_format_of(source, dest, link.dest, "in", ontology) or dest
    source, dest = _format_met(link, reading, source, dest, src_family, dst_family, ontology)
    if reading.balance_unstated:
        source, dest = _unproven(source, link.source), _unproven(dest, link.dest)
    dest = _mic_input_phantom_reaches(link, reading, source, dest, dst_family, ontology) or dest
    if dest is None and source is not None and reading.phantom != "unknown":
        # Phantom power lives on mic inputs: a question about phantom and one piece of gear means that input.
        dest = _resolve(
            Stop(qualifiers=(_g(ontology).phantom_port,), role="in"), "in", None, source, None, ontology
        )
    # A digital or control link joins two ports of one format: "the preamp's word clock input, off the house
    # clock" names one end, and the other is that format's output whatever gear it is on.
    if (source is None) != (dest is None) and reading.intent in (
        Intent.CABLE_RECOMMENDATION,
        Intent.COMPATIBILITY,
    ):
        known = source or dest
        far = _same_format_port(known, "in" if dest is None else "out", ontology)
        if far is not None:
            if dest is None:
                dest = _resolve(far, "in", link.source, source, dst_family, ontology)
            else:
                source = _resolve(far, "out", link.dest, dest, src_family, ontology)
        elif dest is None and source is not None and source.kind is not None and source.kind.feeds:
            # "which cable for my dynamic mic into the rodecaster?": gear the catalog does not know, but a mic
            # output is made for a mic input; the answer says it assumed so
            dest = _usual_input(source, dst_family, ontology)
    if (
        dest is None
        and source is not None
        and dst_family in _g(ontology).balanced_line_jacks
        and cable is not None
        and cable.explicit_ends
        and reading.intent is Intent.BALANCED_CHECK
    ):
        # "2i2 outs -> the 8010s, TRS to XLR leads": gear the catalog does not know, but the cable's XLR end plugs
        # into an XLR input, which is balanced unless the question says otherwise
        dest = _resolve(
            Stop(families=(dst_family,), role="in"), "in", link.source, source, dst_family, ontology
        )
    implied = _g(ontology).instrument_cable_source
    if source is None and dest is not None and cable and cable.kind == implied["cable_kind"]:
        source = _resolve(
            Stop(qualifiers=(implied["port"],), role="out"), "out", None, None, implied["family"], ontology
        )
    # "a speakON to 1/4 adapter into the mixer's line input": a plug made for one signal level only (speakON and
    # binding posts carry speaker level) says what the end nobody named is, when the other end is a named port
    # (plain "the amp" may be the gear that plug goes into)
    if source is None and dest is not None and _names_a_port(link.dest):
        source = _port_of_its_only_level(src_family, "out", ontology)
    elif dest is None and source is not None and _names_a_port(link.source):
        dest = _port_of_its_only_level(dst_family, "in", ontology)

    if reading.intent is Intent.CABLE_RECOMMENDATION and not (cable and cable.explicit_ends):
        # "do I need special cables or will guitar leads do?": a cable the user only proposes must fit the jacks
        # the jack the question names on the gear decides over a cable the poster happens to own ("the only
        # TRS cables I own are 3 ft ... I'd like to use the XLR inputs on the HS8s")
        fits = (
            _fits_port(src_family, source, ontology)
            and _fits_port(dst_family, dest, ontology)
            and _fits_named(src_family, link.source, ontology)
            and _fits_named(dst_family, link.dest, ontology)
        )
        if not fits:
            src_family = dst_family = None
            source = _resolve(link.source, "out", link.dest, dest, None, ontology)
            dest = _resolve(link.dest, "in", link.source, source, None, ontology)
    elif reading.intent is Intent.CABLE_RECOMMENDATION and not (
        _fits_named(src_family, link.source, ontology) and _fits_named(dst_family, link.dest, ontology)
    ):
        # "the speakers only take XLR ... the shop offered RCA to 1/4, which won't fit": a cable named with both
        # ends that does not go into a jack the question names is not the one to buy
        src_family = dst_family = None
        source = _resolve(link.source, "out", link.dest, dest, None, ontology)
        dest = _resolve(link.dest, "in", link.source, source, None, ontology)
    plug_src = _plug_family(src_family, source, cable, 0, ontology)
    plug_dst = _plug_family(dst_family, dest, cable, 1, ontology)
    twin = _g(ontology).mono_plug.get(plug_dst or "")
    stated = bool(link.dest and (plug_dst in link.dest.families or link.dest.balance == "balanced"))
    stated = stated or dst_family == plug_dst
    if twin and twin != plug_dst and not stated and _mono_unbalanced_or_split(source, plug_src, ontology):
        # an unbalanced mono leg gains nothing from a TRS plug: a TS plug in the TRS jack is the usual cable
        plug_dst = twin
    elif (
        twin
        and dest is not None
        and dest.two
        and plug_src in _g(ontology).stereo_plugs
        and _sends_stereo(source, plug_src, _g(ontology))
    ):
        # one stereo plug into two inputs: left and right split, one unbalanced leg per input (TRS to dual TS)
        plug_dst = twin
    src_twin = _g(ontology).mono_plug.get(plug_src or "")
    src_stated = bool(link.source and (plug_src in link.source.families or link.source.balance == "balanced"))
    if (
        src_twin
        and src_twin != plug_src
        and not (src_stated or src_family == plug_src)
        and plug_dst is not None
        and _g(ontology).mono_plug.get(plug_dst) == plug_dst
        and source is not None
        and source.balance in (*MOSTLY_UNBALANCED, "unknown")
        and not (source.kind and (source.kind.stereo or source.kind.split))
    ):
        # the mirror case: a mono output not known to be balanced, into an input that takes a TS plug, has nothing
        # for a TRS plug's ring to carry: the link is unbalanced whatever the output, and TS to TS is the usual lead
        plug_src = src_twin
    mating = _mating(cable, source, dest, plug_src, plug_dst, ontology)
    cable_name = _cable(source, dest, plug_src, plug_dst, cable, ontology) if plug_src and plug_dst else None
    two_leg = (
        None
        if not (plug_src and plug_dst)
        else (_two_leg(plug_src, ontology) and _two_leg(plug_dst, ontology))
    )
    if reading.wired_unbalanced:
        # "the ring isn't connected": two-leg plugs, one signal conductor; the plugs need not be known to say so
        # ("a 3-pin lead whose cold pin is bridged to the shield")
        two_leg = False

    attrs = _attributes(
        source, dest, cable, cable_name, plug_src, plug_dst, two_leg, mating, reading, ontology
    )
    matched = [rule for rule in ontology.link_rules if rule.applies(attrs)]
    fill = {
        "src": source.name if source else "the output",
        "dst": dest.name if dest else "the input",
        "cable": cable_name.name if cable_name else "the cable",
    }
    verdicts = [Compatibility(rule.verdict) for rule in matched]
    compatibility = max(verdicts, key=lambda v: v.rank) if verdicts and source and dest else None
    if compatibility is None and verdicts and (source is None or dest is None):
        compatibility = max(verdicts, key=lambda v: v.rank) if any(v.rank > 0 for v in verdicts) else None
    # Reasons: the rules that decided the verdict first, then the rest.
    ordered = sorted(matched, key=lambda r: -Compatibility(r.verdict).rank)
    reasons = tuple(dict.fromkeys(r.text.format(**fill) for r in ordered))
    # a TS plug the answer picked only because the output is usually unbalanced is a guess, not a fact: the link's
    # balance still hangs on that output ("TRS cable from my keyboard, no idea if its out is balanced": depends)
    plug_guessed = (
        source is not None
        and source.balance == "usually_unbalanced"
        and not (src_family or (link.source and link.source.families))
    )
    balanced, culprits, applies = _balance(
        source, dest, None if plug_guessed and two_leg is False else two_leg, plug_src, plug_dst, ontology
    )
    return LinkFinding(
        source=source,
        dest=dest,
        cable=cable_name,
        plug_families=(plug_src, plug_dst),
        balanced=balanced,
        balance_culprits=culprits,
        balance_applies=applies,
        compatibility=compatibility,
        reasons=reasons,
        rule_ids=tuple(r.id for r in ordered),
        hazards=tuple(r.hazard for r in ordered if r.hazard),
        guessed=bool((source and source.guessed) or (dest and dest.guessed)),
        derived_plugs=not (src_family or (link.source and link.source.families))
        or not (dst_family or (link.dest and link.dest.families)),
        problems=tuple(
            dict.fromkeys(r.text.format(**fill) for r in ordered if Compatibility(r.verdict).rank > 0)
        ),
        cable_blamed=any(r.blames_cable(attrs) for r in matched),
    )


def _mic_input_phantom_reaches(
    link: LinkSpec,
    reading: Reading,
    source: Port | None,
    dest: Port | None,
    dst_family: str | None,
    ontology: Ontology,
) -> Port | None:
    """ "the recorder has phantom switched on for those inputs": 48 V lives on mic inputs, so gear said to send
    phantom into this link takes the signal on its mic input, when it has one on the jack in use and the question
    names no other port."""
    stop = link.dest
    if (
        dest is None
        or dest.kind is None
        or dest.kind.phantom
        or stop is None
        or stop.device is None
        or reading.phantom != "on"
        or stop.qualifiers
        or stop.level
        or stop.formats
        or _g(ontology).phantom_port not in ontology.devices[stop.device].inputs
    ):
        return None
    on_mic = _resolve(
        replace(stop, qualifiers=(_g(ontology).phantom_port,), role="in"),
        "in",
        link.source,
        source,
        dst_family,
        ontology,
    )
    if on_mic is None or on_mic.kind is None or not on_mic.kind.phantom or on_mic.jack != dest.jack:
        return None
    return on_mic


def _with_port_of_cable_kind(link: LinkSpec, ontology: Ontology) -> LinkSpec:
    """ "the speaker cables plug into the powered mixer's outputs": a cable made for one kind of port (connectors.yaml
    `kind`) leaves gear from the port of that kind when the gear has one and the question names no other."""
    stop, cable = link.source, link.cable
    if (
        stop is None
        or stop.device is None
        or cable is None
        or stop.qualifiers
        or stop.families
        or stop.formats
    ):
        return link
    if cable.kind not in ontology.devices[stop.device].out:
        return link
    return replace(link, source=replace(stop, qualifiers=(cable.kind,), role="out"))


def _fit_finding(fit: PlugFit) -> LinkFinding:
    verdict = Compatibility.WORKS if fit.fits else Compatibility.DOES_NOT_WORK
    return LinkFinding(
        source=None,
        dest=None,
        cable=None,
        plug_families=(None, None),
        balanced=None,
        balance_culprits=(),
        balance_applies=False,
        compatibility=verdict,
        reasons=(fit.text,),
        rule_ids=(f"variants.{fit.plug}.fits",),
        hazards=(),
        problems=() if fit.fits else (fit.text,),
    )


def _with_named_format(link: LinkSpec, reading: Reading, ontology: Ontology) -> LinkSpec:
    """ "ADAT from the preamp into the interface": when the question names one signal format, a stop that says
    nothing of its own port means that format's port, unless its gear never has one (a TV has no ADAT port)."""
    if len(reading.formats) != 1:
        return link
    domain = ontology.formats[reading.formats[0]].domain

    def fill(stop: Stop | None) -> Stop | None:
        if stop is None or stop.qualifiers or stop.families or stop.formats:
            return stop
        if stop.device and domain not in ontology.signal_domains(stop.device):
            return stop
        return replace(stop, formats=reading.formats)

    return LinkSpec(fill(link.source), link.cable, fill(link.dest))


def _fits_port(family: str | None, port: Port | None, ontology: Ontology) -> bool:
    if family is None or port is None or port.kind is None:
        return True

    def down(families: set[str]) -> set[str]:  # a size-only family stands for the ones it resolves to
        return families | {f for fam in families for f in ontology.families[fam].resolves_to}

    jacks = down(set(port.kind.jacks))  # port.jack may itself come from the proposed cable
    return bool(down({family}) & jacks)


def _fits_named(family: str | None, stop: Stop | None, ontology: Ontology) -> bool:
    """A cable end fits the jacks the question names on that gear (any, when it names none)."""
    if family is None or stop is None or not stop.families:
        return True
    return bool(_expand({family}, ontology) & _expand(set(stop.families), ontology))


def _backwards(link: LinkSpec, ontology: Ontology) -> bool:
    """True when the first-named gear can only receive and the other can send ("drive my speakers from the interface")."""
    a, b = link.source, link.dest
    if a is None or b is None or not a.device or not b.device or a.role or b.role:
        return False
    first, second = ontology.devices[a.device], ontology.devices[b.device]
    if (
        first.inputs  # a mic can only send, whatever port of the other gear the question names
        and _names_an_output_only(b, second, ontology)
        and not _names_an_output_only(a, first, ontology)
    ):
        return True  # "the compressor into the mixer's insert jack": the insert is the mixer's send
    return not first.out and bool(first.inputs) and bool(second.out)


def _names_an_output_only(stop: Stop, device: Device, ontology: Ontology) -> bool:
    """The stop names a port its gear has only as an output (an insert send, a DI out), and no connector that one
    of its inputs takes (a phone's TRRS "headphone" jack is its mic input too)."""
    named_output = any(q in device.out and q not in device.inputs for q in stop.qualifiers)
    families = _expand(set(stop.families), ontology)
    fits_an_input = any(families & set(ontology.ports[p].jacks) for p in device.inputs.values())
    return named_output and not fits_an_input


def _in_format_of(
    known: Port | None, port: Port | None, stop: Stop | None, side: str, ontology: Ontology
) -> Port | None:
    """The `side` port of `known`'s format in place of `port`, when `port` is on unnamed gear, names no port word
    or format, and its jack fits that format's port."""
    if known is None or known.kind is None or port is None or port.kind is None or stop is None:
        return None
    if stop.device or stop.qualifiers or stop.formats or port.kind.domain == known.kind.domain:
        return None
    far = _same_format_port(known, side, ontology)
    if far is None:
        return None
    kind_id = ontology.generic_ports[far.qualifiers[0]][side]
    if port.jack not in _expand(set(ontology.ports[kind_id].jacks), ontology):
        return None
    return _resolve(replace(stop, qualifiers=far.qualifiers), side, None, known, port.jack, ontology)


def _usual_input(source: Port, family: str | None, ontology: Ontology) -> Port | None:
    """The input `source`'s kind feeds (kb/ports.yaml `feeds`), on unnamed gear, marked as assumed."""
    feeds = source.kind.feeds if source.kind else None
    kind = ontology.ports.get(feeds) if feeds else None
    if kind is None:
        return None
    jacks = _expand(set(kind.jacks), ontology)
    if source.jack and source.jack not in jacks:
        return None  # a mic on a 3.5 mm plug is not made for an XLR mic input
    jack = family if family in jacks else kind.jacks[0]
    return Port(feeds, kind, None, f"{kind.name} (assumed)", jack, None, kind.balance, (), True)


def _unproven(port: Port | None, stop: Stop | None) -> Port | None:
    """An end taken as balanced only for its XLR jack, in a question saying the gear's papers do not tell ("the
    spec sheet shows XLR outputs but does not state the topology"): its balance is not known. So is a jack that
    may be either, a combo input's ("a no-name interface, no specs, combo inputs")."""
    if port is None or (stop and stop.balance) or port.kind is None:
        return port
    if port.balance == "either" or (port.balance == "balanced" and port.kind.balance == "unknown"):
        return replace(port, balance="unknown")
    return port


def _format_met(
    link: LinkSpec,
    reading: Reading,
    source: Port | None,
    dest: Port | None,
    src_family: str | None,
    dst_family: str | None,
    ontology: Ontology,
) -> tuple[Port | None, Port | None]:
    """ "The console is our clock master; the interface has a BNC word clock input": gear named with no port of
    its own meets a digital or control port through its port of that format, not its usual audio one: when the
    question asks for the cable, or the gear has such a port ("the TV's optical out into the regular inputs"
    asks whether an analog input takes it)."""
    if source is None or dest is None or link.source is None or link.dest is None:
        return source, dest

    def met(guessed: Port, stop: Stop, side: str, known: Port, known_stop: Stop, family: str | None) -> Port:
        """The guessed end's port of the known end's format, where the question asks for a cable or the gear
        has one."""
        far = _same_format_port(known, side, ontology)
        if far is None or (guessed.kind is not None and guessed.kind.domain == known.kind.domain):
            return guessed
        if reading.intent is not Intent.CABLE_RECOMMENDATION:
            ports = (
                {}
                if not stop.device
                else (
                    ontology.devices[stop.device].out
                    if side == "out"
                    else ontology.devices[stop.device].inputs
                )
            )
            if not any(ontology.ports[p].domain == known.kind.domain for p in ports.values()):
                return guessed
        said = replace(stop, qualifiers=far.qualifiers, role=side)
        return _resolve(said, side, known_stop, known, family, ontology) or guessed

    if source.guessed and not dest.guessed:
        source = met(source, link.source, "out", dest, link.dest, src_family)
    elif dest.guessed and not source.guessed:
        dest = met(dest, link.dest, "in", source, link.source, dst_family)
    return source, dest


def _same_format_port(known: Port | None, side: str, ontology: Ontology) -> Stop | None:
    """A generic port on `side` of the known end's digital format (word clock, ADAT, S/PDIF...)."""
    if known is None or known.kind is None:
        return None
    domain = known.kind.domain
    if domain not in {fmt.domain for fmt in ontology.formats.values()}:
        return None
    keys = [
        key
        for key, sides in ontology.generic_ports.items()
        if sides.get(side) and ontology.ports[sides[side]].domain == domain
    ]
    # the same jack first: S/PDIF from a coax output goes to a coax input, not the optical one
    same_jack = [k for k in keys if known.jack in ontology.ports[ontology.generic_ports[k][side]].jacks]
    chosen = (same_jack or keys)[:1]
    return Stop(qualifiers=(chosen[0],), role=side) if chosen else None


def _mono_unbalanced_or_split(source: Port | None, plug_src: str | None, ontology: Ontology) -> bool:
    if source is None or source.kind is None:
        return False
    g = _g(ontology)
    mono_plug = plug_src is not None and g.mono_plug.get(plug_src) == plug_src
    # a stereo output on paired plugs (RCA left and right) is still one unbalanced leg per plug
    one_leg_per_plug = not source.kind.stereo or plug_src in g.mono_pair_plugs
    return source.kind.split or (source.balance in MOSTLY_UNBALANCED and one_leg_per_plug and mono_plug)


def _cable_sides(
    cable: CableSpec | None, link: LinkSpec, ontology: Ontology
) -> tuple[str | None, str | None]:
    """Which cable end goes on the output and which on the input (the user may name it backwards)."""
    if cable is None or len(cable.ends) < 2:
        return None, None
    first, second = cable.ends[0], cable.ends[-1]
    src_fams = set(link.source.families) if link.source else set()
    dst_fams = set(link.dest.families) if link.dest else set()

    def fits(end: str, fams: set[str]) -> bool:
        return bool(fams) and bool(
            ({end} | set(ontology.families[end].resolves_to)) & _expand(fams, ontology)
        )

    # the way round that fits more of the jacks named: with one end's jacks unknown, the known one decides
    # ("the camera's 3.5 mm input ... an XLR-female to 3.5 mm cable" puts the 3.5 mm end on the camera)
    as_said = fits(first, src_fams) + fits(second, dst_fams)
    swapped = fits(second, src_fams) + fits(first, dst_fams)
    return (second, first) if swapped > as_said else (first, second)


def _expand(families: set[str], ontology: Ontology) -> set[str]:
    return ontology.related_families(families)


def _plug_family(
    cable_end: str | None, port: Port | None, cable: CableSpec | None, side: int, ontology: Ontology
) -> str | None:
    family = cable_end or (port.jack if port else None)
    if family and ontology.families[family].resolves_to:
        # "1/4 to 1/4" into monitors with XLR and TRS inputs: the port's jack only when the size the user gave
        # for that end fits it
        sizes = set(ontology.families[family].resolves_to)
        family = (
            port.jack
            if port
            and port.jack
            and not ontology.families[port.jack].resolves_to
            and (
                not (cable is not None and cable.explicit_ends)
                or port.jack in sizes
                or bool(_expand({port.jack}, ontology) & sizes)
            )
            else (_resolve_size_only(family, port.kind if port else None, ontology))
        )
    return family


def _mating(
    cable: CableSpec | None,
    source: Port | None,
    dest: Port | None,
    plug_src: str | None,
    plug_dst: str | None,
    ontology: Ontology,
) -> str:
    """XLR genders: a cable end must be the opposite gender of the jack it plugs into."""
    if cable is None or not cable.genders:
        return "unknown"
    genders = cable.genders if cable.ends[0] == plug_src else tuple(reversed(cable.genders))
    checks = ((plug_src, genders[0], source, "male"), (plug_dst, genders[-1], dest, "female"))
    for plug, plug_gender, port, usual_jack in checks:
        if _gendered(plug, ontology) and plug_gender and port is not None:
            jack_gender = port.gender or usual_jack
            if plug_gender == jack_gender:
                return "gender_clash"
    return "ok"


def _cable(
    source: Port | None,
    dest: Port | None,
    plug_src: str,
    plug_dst: str,
    spec: CableSpec | None,
    ontology: Ontology,
) -> Cable:
    """Name the cable from the sending end to the receiving end, XLR genders following the signal."""
    src_gender = "female" if not (source and source.gender == "female") else "male"
    dst_gender = "male" if not (dest and dest.gender == "male") else "female"
    from_end = ontology.plug_of(plug_src, src_gender) or plug_src
    to_end = ontology.plug_of(plug_dst, dst_gender) or plug_dst
    g = _g(ontology)
    src_stereo = _sends_stereo(source, plug_src, g)
    dst_stereo = _sends_stereo(dest, plug_dst, g)
    single_stereo, pair = g.stereo_plugs, g.mono_pair_plugs
    src_split = bool(source and source.kind and source.kind.split)
    # A small stereo-capable jack with no one-conductor twin (3.5 mm, TRRS) is one jack, not a pair to split into.
    dst_one_jack = plug_dst in single_stereo and plug_dst not in g.mono_plug
    # "a 3.5 mm to MONO 1/4 lead": a cable the question names with one mono plug stays one plug
    said_mono = (
        spec is not None
        and len(spec.ends) == 2
        and not any(spec.duals)
        and any(g.channel_words.get(w) == "mono" for w in spec.text.split())
    )
    if (
        src_split
        and plug_src in single_stereo
        and not dst_stereo
        and dest is not None
        and not dst_one_jack
        and not said_mono
    ):
        # left and right (or send and return) go to two mono jacks, one unbalanced leg each: TS plugs
        mono = g.mono_plug.get(plug_dst, plug_dst)
        to_end = f"dual {ontology.plug_of(mono, dst_gender) or mono}"
    elif src_stereo and plug_src in single_stereo and plug_dst in pair and not said_mono:
        to_end = f"dual {to_end}"
    elif dst_stereo and plug_dst in single_stereo and not src_stereo and source and plug_src in g.mono_plug:
        # two mono outputs (left and right) into one stereo jack: each leg is unbalanced, so TS plugs
        mono = g.mono_plug.get(plug_src, plug_src)
        from_end = f"dual {ontology.plug_of(mono, src_gender) or mono}"
    elif (dst_stereo or dst_one_jack) and plug_dst in single_stereo and plug_src in pair and src_stereo:
        # left and right on paired plugs (RCA) into one stereo jack; a small jack (3.5 mm) takes both
        from_end = f"dual {from_end}"
    elif spec and spec.duals and any(spec.duals):
        if spec.duals[-1]:
            to_end = f"dual {to_end}" if not to_end.startswith("dual") else to_end
    return Cable(from_end, to_end, _wiring(plug_src, plug_dst, source, ontology))


def _sends_stereo(port: Port | None, plug: str, g: Grammar) -> bool:
    """Left and right on this end: as the question says, else as the port kind is, else as the plug usually is
    on an output (a 3.5 mm line out is stereo; a mixer's TRS line out is one balanced channel)."""
    if port is None:
        return False
    if port.pair is not None:
        return port.pair
    if port.kind and port.kind.stereo:
        return True
    return bool(port.kind and port.kind.role == "out" and plug in g.stereo_output_plugs)


def _wiring(plug_src: str, plug_dst: str, source: Port | None, ontology: Ontology) -> tuple[Wire, ...]:
    a, b = ontology.families[plug_src].pins, ontology.families[plug_dst].pins
    wires = [Wire(a[role], b[role]) for role in ("hot", "cold", "ground") if role in a and role in b]
    if "cold" in b and "cold" not in a and "ground" in a:
        # unbalanced output into a balanced input: tie cold to the source's ground, not left open [TLA][SW-U2B]
        wires.append(Wire(a["ground"], b["cold"]))
    return tuple(wires)


def _attributes(
    source, dest, cable, cable_name, plug_src, plug_dst, two_leg, mating, reading, ontology
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "cable.kind": (cable.kind if cable else "none"),
        "cable.two_leg": two_leg,
        # left and right each on a plug of their own ("3.5 mm TRS to dual TS"), or squeezed onto one
        "cable.splits": bool(cable_name and cable_name.to_end.startswith("dual ")),
        # the user's own cable splits ("3.5 mm to dual TS into channels 3 and 4"): its plugs reach two inputs
        "cable.said_to_split": bool(cable and cable.duals and cable.duals[-1]),
        # the question names the cable (its plugs), rather than leaving the answer to pick one
        "cable.named": bool(cable and cable.ends),
        "cable.families": [f for f in (plug_src, plug_dst) if f],
        "cable.from_family": plug_src,
        "cable.to_family": plug_dst,
        "mating": mating,
        "phantom": reading.phantom,
        "phantom_needed": reading.phantom_needed,
        "phantom_said": reading.phantom_said,
        "length_m": reading.length_m,
        "sample_rate_khz": reading.sample_rate_khz,
        "loads_differ": len(set(reading.speaker_loads)) > 1,
    }
    for prefix, port in (("src", source), ("dst", dest)):
        if port is None or port.kind is None:
            continue
        kind = port.kind
        attrs.update(
            {
                f"{prefix}.kind": port.kind_id,
                f"{prefix}.role": kind.role,
                f"{prefix}.level": kind.level,
                f"{prefix}.balance": port.balance,
                f"{prefix}.domain": kind.domain,
                f"{prefix}.jack": port.jack,
                f"{prefix}.stereo": kind.stereo,
                f"{prefix}.hiz": kind.hiz,
                f"{prefix}.phantom": kind.phantom,
                # a product answers to its class too (a rule about dynamic mics covers the SM58)
                f"{prefix}.device": [d for d in (port.device, ontology.devices[port.device].kind) if d]
                if port.device
                else None,
                f"{prefix}.flags": list(port.flags),
                f"{prefix}.single": port.single,
                f"{prefix}.two": port.two,
                # the port is the gear's usual one, not one the question names
                f"{prefix}.guessed": port.guessed,
            }
        )
    if source and dest and source.kind and dest.kind:
        digital = {fmt.domain for fmt in ontology.formats.values()}
        if source.kind.domain in digital and dest.kind.domain in digital:
            attrs["formats_differ"] = source.kind.domain != dest.kind.domain
    if dest and dest.kind and dest.kind.phantom:
        unbalanced_source = bool(source and source.balance in MOSTLY_UNBALANCED)
        attrs["unbalanced_into_xlr"] = bool(two_leg is False or unbalanced_source)
    domains = {p.kind.domain for p in (source, dest) if p and p.kind}
    families = {plug_src, plug_dst} | set(reading.families)
    midi = _g(ontology).midi_over_jack
    named = domains | families
    attrs["midi_trs"] = bool(midi.signal in named and families & set(midi.families))
    attrs["midi_trs_matched"] = attrs["midi_trs"] and _adapter_matches(reading.cleaned, midi)
    if cable is not None and cable.ends and not attrs["midi_trs"]:
        # "will a MIDI cable let him plug his keyboard into the laptop": a named cable whose plug cannot carry
        # what a digital, USB or MIDI port speaks (kb/connectors.yaml `carries`) does not join them (MIDI on a
        # TRS jack has its own rule)
        attrs["plugs_carry_ports"] = all(
            _carries(plug, port, ontology) for plug, port in ((plug_src, source), (plug_dst, dest))
        )
    return attrs


def _names_a_port(stop: Stop | None) -> bool:
    return stop is not None and bool(stop.role or stop.qualifiers)


def _port_of_its_only_level(family: str | None, role: str, ontology: Ontology) -> Port | None:
    """The port a plug family implies when it carries one signal level and nothing else (kb/connectors.yaml
    `carries`, kb/reading.yaml `level_ports`), or None."""
    if family is None or family not in ontology.families:
        return None
    carried = ontology.families[family].carries
    level_ports = _g(ontology).level_ports
    if len(carried) != 1 or carried[0] not in level_ports:
        return None
    return _resolve(
        Stop(qualifiers=(level_ports[carried[0]],), role=role), role, None, None, family, ontology
    )


def _carries(plug: str | None, port: Port | None, ontology: Ontology) -> bool:
    """Whether a plug family can carry what a port speaks; analog and speaker ports are left to the other rules."""
    # a port with a signal level is analog audio or speaker: the level and jack rules judge it
    if plug is None or port is None or port.kind is None or port.kind.level is not None:
        return True
    families = {plug} | set(ontology.families[plug].resolves_to)
    return any(port.kind.domain in ontology.families[f].carries for f in families)


def _balance(
    source: Port | None,
    dest: Port | None,
    two_leg: bool | None,
    plug_src: str | None,
    plug_dst: str | None,
    ontology: Ontology,
) -> tuple[bool | None, tuple[str, ...], bool]:
    """Balanced only if output, cable and input all are; name every part that is not [R110]."""
    domains = {p.kind.domain for p in (source, dest) if p and p.kind}
    if domains and not domains <= _g(ontology).balance_domains:
        return None, (), False
    culprits = []
    unknown = []
    if source is not None:
        if source.balance == "unbalanced":
            culprits.append(f"the output ({source.name}) is unbalanced")
        elif source.balance not in ("balanced", "impedance_balanced"):
            unknown.append(f"whether the output ({source.name}) is balanced")
    else:
        unknown.append("whether the output is balanced")
    if two_leg is False:
        single = [f for f in (plug_src, plug_dst) if f and not _two_leg(f, ontology)]
        names = ", ".join(dict.fromkeys(ontology.families[f].name for f in single))
        culprits.append(
            f"the cable's {names} end carries one signal conductor, so the cable is unbalanced"
            + ("" if culprits else " (TRS or XLR ends carry both legs)")
            if names
            else WIRED_UNBALANCED
        )
    elif two_leg is None:
        unknown.append("whether the cable carries both legs (TRS or XLR at each end)")
    if dest is not None:
        if dest.balance == "unbalanced":
            culprits.append(f"the input ({dest.name}) is unbalanced")
        elif dest.balance not in ("balanced", "either", "impedance_balanced"):
            unknown.append(f"whether the input ({dest.name}) is balanced")
    else:
        unknown.append("whether the input is balanced")
    if culprits:
        return False, tuple(culprits), True
    if unknown:
        return None, tuple(unknown), True
    return True, (), True


def _judge_ends_only(cable: CableSpec, reading: Reading, ontology: Ontology) -> LinkFinding:
    """No gear named ("is TRS-to-TS balanced?"): judge the two cable ends with the pair grid."""
    first, second = cable.ends[0], cable.ends[-1]
    said = list(cable.genders) if cable.genders else [None, None]
    if first == second and not any(said):
        # "two XLR cables end to end", "an XLR cable": with no gender said, the usual cable, female to male
        said = ["female", "male"]
    grid_ids = [_grid_id(f, gender, ontology) for f, gender in zip((first, second), said, strict=False)]
    code = ontology.pair_code(*grid_ids) if all(grid_ids) else None
    pair = ontology.pair_codes.get(code) if code else None
    plug = {f: _resolve_size_only(f, None, ontology) for f in (first, second)}
    carrying = [ontology.families[plug[f]] for f in (first, second)]
    applies = all(f.balanced in ("maybe", "no") for f in carrying)
    single = [f.name for f in carrying if f.balanced == "no"]
    balanced = False if single or reading.wired_unbalanced else None
    culprits = (
        (
            f"the {', '.join(dict.fromkeys(single))} end carries only one signal conductor, so the link cannot be balanced",
        )
        if single
        else (WIRED_UNBALANCED,)
        if reading.wired_unbalanced
        else ("whether the output and the input at each end are balanced",)
    )
    pair_hazard = _g(ontology).pair_hazards.get(code or "")
    hazards = [pair_hazard] if pair_hazard else []
    genders = list(cable.genders) if cable.genders else [None, None]
    from_end = ontology.plug_of(plug[first], genders[0] or "female") or plug[first]
    to_end = ontology.plug_of(plug[second], genders[-1] or "male") or plug[second]
    wiring = (
        _wiring(plug[first], plug[second], None, ontology)
        if plug[first] in _PINNED(ontology) and plug[second] in _PINNED(ontology)
        else ()
    )
    return LinkFinding(
        source=None,
        dest=None,
        cable=Cable(from_end, to_end, wiring),
        plug_families=(plug[first], plug[second]),
        balanced=balanced if applies else None,
        balance_culprits=culprits if applies else (),
        balance_applies=applies,
        compatibility=Compatibility(pair.verdict) if pair else None,
        reasons=(pair.text,) if pair else (),
        rule_ids=(f"pairs.{code}",) if code else (),
        hazards=tuple(hazards),
    )


def _PINNED(ontology: Ontology) -> set[str]:  # noqa: N802 - reads like a constant at the call site
    return {f for f, body in ontology.families.items() if body.pins}


def _grid_id(family: str, gender: str | None, ontology: Ontology) -> str | None:
    """The pairs.yaml grid id of a cable end (a gendered family's id depends on the plug's gender; a male plug
    when the question does not say)."""
    grid = _g(ontology).grid_ids.get(family, family)
    if isinstance(grid, dict):
        return grid.get(gender or "male") or grid.get("male")
    return grid


# --- hazards, facts, conditions ------------------------------------------------------------------------------


def _hazards_from_words(reading: Reading, findings: list[LinkFinding], ontology: Ontology) -> list[str]:
    """Hazards whose words are in the question, whatever was asked, unless the judged links carry none of the
    levels the hazard needs ("a guitar cable from the interface's line out into the monitor speaker's input" names
    a guitar cable and a speaker, yet no amplifier drives that speaker through it)."""
    fired = []
    for hazard in (ontology.hazards[h] for h in reading.hazards_said):
        if hazard.levels and _levels_absent(hazard.levels, findings, ontology):
            continue
        if hazard.needs_phantom and reading.phantom == "off":
            continue  # the question says phantom is off on that input
        fired.append(hazard.id)
    return fired


def _warnings(hazard_ids: list[str], findings: list[LinkFinding], ontology: Ontology) -> tuple[Warning, ...]:
    warnings = []
    for hazard_id in dict.fromkeys(hazard_ids):
        hazard = ontology.hazards[hazard_id]
        severity, text = hazard.severity, hazard.text
        if hazard.mitigated_when and any(_mitigated(hazard, f) for f in findings):
            severity, text = "info", hazard.mitigated_text
        warnings.append(Warning(hazard.id, Severity(severity), text))
    return tuple(sorted(warnings, key=lambda w: SEVERITY_ORDER[w.severity.value]))


def _mitigated(hazard, finding: LinkFinding) -> bool:
    attrs = {"src.flags": list(finding.source.flags) if finding.source else []}
    return all(condition.holds(attrs) for condition in hazard.mitigated_when)


def _facts(reading: Reading, findings: list[LinkFinding], ontology: Ontology) -> tuple[Fact, ...]:
    situations: list[str] = []
    g = _g(ontology)
    for f in findings:
        plugs = [p for p in f.plug_families if p]
        if f.balance_applies:
            situations.append("balance_applies")
            if f.balanced is None:
                situations.append("balance_depends")
            if any("one signal conductor" in c for c in f.balance_culprits):
                situations.append("one_conductor")
        if f.source and f.source.balance == "impedance_balanced":
            situations.append("impedance_balanced")
        if any(p in g.stereo_plugs and _two_leg(p, ontology) for p in plugs):
            situations.append("dual_use_plug")  # a TRS plug: balanced mono or unbalanced stereo
        if any(_gendered(p, ontology) for p in plugs):
            situations.append("gendered_plug")
        if len(set(plugs)) == 2 and all(_two_leg(p, ontology) for p in plugs):
            situations.append("balanced_plug_pair")
    if len(findings) > 1:
        situations.append("chain")
    if reading.formats:
        situations.append("formats")
    ids = [g.cite[s] for s in dict.fromkeys(situations) if s in g.cite]
    facts = [Fact(i, ontology.facts[i].text, ontology.facts[i].sources) for i in dict.fromkeys(ids)]
    for f in findings:
        for rule_id in f.rule_ids:
            rule = next((r for r in ontology.link_rules if r.id == rule_id), None)
            if rule is not None:
                facts.append(
                    Fact(
                        rule.id,
                        rule.text.replace("{src}", "the output")
                        .replace("{dst}", "the input")
                        .replace("{cable}", "the cable"),
                        rule.sources,
                    )
                )
            elif rule_id.startswith("pairs."):
                code = rule_id.split(".", 1)[1]
                facts.append(Fact(rule_id, ontology.pair_codes[code].text, ontology.pair_sources))
    return tuple({fact.id: fact for fact in facts}.values())


def _conditions(finding: LinkFinding) -> list[str]:
    if finding.balanced is None and finding.balance_applies:
        return [
            f"Balanced only if {c[len('whether ') :] if c.startswith('whether ') else c}"
            for c in finding.balance_culprits
        ]
    return []


# "Bad idea?", "ok?": a compatibility question about a risky set-up is a safety question too
HAZARD_BY_MEANING_INTENTS = (Intent.HAZARD, Intent.COMPATIBILITY)


def with_hazard_by_meaning(
    j: Judgement, reading: Reading, match: FaqMatch | None, ontology: Ontology, faq: FaqMatch | None = None
) -> Judgement:
    """A safety question whose words raised no hazard gets the hazard nearest in meaning, when it is near enough.

    "Run the head with nothing plugged in?" names no port the rules can judge, yet it is the tube-amp hazard; the
    match is accepted above a threshold fitted on the hazards' own question variants (index/reader_training.py).
    """
    if j.warnings or match is None or not match.accepted or reading.intent not in HAZARD_BY_MEANING_INTENTS:
        return j
    if reading.intent is Intent.COMPATIBILITY:
        # never over a curated situation that answers a "will it work?" question and names no hazard (an
        # optical S/PDIF question is not a phantom-power one however near the two read)
        situation = ontology.faq.get(faq.entry_id) if faq is not None and faq.accepted else None
        if situation is not None and not situation.hazards:
            return j
    # a phantom hazard needs an input that can carry phantom: not over links the rules judged whose inputs all
    # cannot (a MIDI input), unless the question itself says phantom is on
    no_phantom_here = (
        reading.phantom != "on"
        and bool(j.links)
        and all(_receives_no_phantom(f.dest, ontology) for f in j.links)
    )
    # an unbalanced-wiring hazard is no match for links the rules judged balanced end to end
    all_balanced = bool(j.links) and all(f.balanced is True for f in j.links)
    hazards = [
        ontology.hazards[h]
        for h in (match.entry_id, *match.tied)
        if h in ontology.hazards
        and not (ontology.hazards[h].needs_phantom and (reading.phantom == "off" or no_phantom_here))
        and not (ontology.hazards[h].needs_unbalanced and all_balanced)
    ]
    warnings = tuple(
        Warning(h.id, Severity(h.severity), h.text)
        for h in hazards
        if not (h.levels and levels_rule_out(h.levels, j, ontology))
    )
    if not warnings:
        return j
    # "a lead off the combo's SPEAKER OUT socket to the tape gizmo, wise?": with no link verdict (the far end is
    # not known), a danger near in meaning whose level a link's sending port has says whether the hookup is safe
    dangerous = any(
        h.severity == Severity.DANGER.value
        and h.levels
        and any(f.source and f.source.kind and f.source.kind.level in h.levels for f in j.links)
        for h in hazards
    )
    compatibility = Compatibility.UNSAFE if j.compatibility is None and dangerous else j.compatibility
    return replace(
        j,
        warnings=tuple(sorted(warnings, key=lambda w: SEVERITY_ORDER[w.severity.value])),
        compatibility=compatibility,
    )


def _receives_no_phantom(dest: Port | None, ontology: Ontology) -> bool:
    """The receiving end is a port that carries no phantom, or gear with no input that does (a headset). A mic
    read at the receiving end is a link read backwards: phantom is what it meets, so it is not ruled out."""
    if dest is None:
        return False
    if dest.kind is not None:
        return not dest.kind.phantom
    device = ontology.devices.get(dest.device or "")
    if device is None:
        return False
    # the level phantom-powered inputs take: gear that sends it (a mic) is what phantom would meet
    phantom_levels = {kind.level for kind in ontology.ports.values() if kind.phantom and kind.level}
    kinds = [ontology.ports.get(port) for port in (*device.inputs.values(), *device.out.values())]
    return not any(kind is not None and (kind.phantom or kind.level in phantom_levels) for kind in kinds)


def levels_rule_out(levels: tuple[str, ...], j: Judgement, ontology: Ontology) -> bool:
    """The links the rules judged have both ends at known levels, none of them one the hazard needs, and the
    sending port is the one the question named: a mixer's main out into a powered speaker reads near "speaker
    out into an input" but carries no speaker level."""
    return _levels_absent(levels, list(j.links), ontology)


def _sends_at(device: str | None, levels: tuple[str, ...], ontology: Ontology) -> bool:
    """The gear may have an output at one of these levels: a product of kb/gear.yaml has the outputs it lists, a
    class of gear ("the PA", "an amp") or gear not named may have any."""
    gear = ontology.devices.get(device or "")
    if gear is None or not gear.kind:
        return True
    return any(ontology.ports[kind].level in levels for kind in gear.out.values())


def _levels_meet(hazard: Hazard, findings: list[LinkFinding]) -> bool:
    """The hazard can happen on these links: it needs no level, or no link has both levels known, or a link has
    an end at one of its levels (an instrument cable between an amp and its cab); for a hazard across levels, a
    link joins one of them to another (speaker level into a line input; not an amp into its cab)."""
    levels = set(hazard.levels)
    if not levels:
        return True
    known = [
        {f.source.kind.level, f.dest.kind.level}
        for f in findings
        if f.source and f.dest and f.source.kind and f.dest.kind and f.source.kind.level and f.dest.kind.level
    ]
    return not known or any(pair & levels and (pair - levels or not hazard.across_levels) for pair in known)


def _levels_absent(levels: tuple[str, ...], findings: list[LinkFinding], ontology: Ontology) -> bool:
    judged = [f for f in findings if f.source and f.dest and f.source.kind and f.dest.kind]
    return bool(judged) and all(
        # a digital or control link (optical into an ADAT input): ports with no signal level at all, as named
        (not f.source.kind.level and not f.dest.kind.level and not f.source.guessed and not f.dest.guessed)
        or (
            # a port the question did not name may be another of the gear's outputs, unless none of them is
            # at those levels (a MOTU M2 has no speaker-level output)
            (not f.source.guessed or not _sends_at(f.source.device, levels, ontology))
            and bool(f.source.kind.level)
            and bool(f.dest.kind.level)
            and not {f.source.kind.level, f.dest.kind.level} & set(levels)
        )
        for f in judged
    )
