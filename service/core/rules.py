"""Apply the ontology's rules to what the question describes: balance, compatibility, hazards, the cable."""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from service.core.classifier import FaqMatch
from service.core.ontology import Ontology
from service.core.ontology import PortKind
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

BALANCE_CAPABLE = {"xlr", "trs"}
ANALOG = "analog"
SEVERITY_ORDER = {"danger": 0, "warning": 1, "caution": 2, "info": 3}
# Level hints: a mic goes into a mic input, a guitar into an instrument input, and so on.
LEVEL_QUALIFIER = {"mic": "mic", "instrument": "instrument", "phono": "phono", "speaker": "speaker"}
DOMAIN_QUALIFIER = {
    "midi": "midi",
    "usb": "usb",
    "adat": "adat",
    "spdif": "optical",
    "wordclock": "wordclock",
}


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

    @property
    def judged(self) -> bool:
        """True when some link got a rule-proven verdict."""
        return any(link.compatibility is not None or link.balance_applies for link in self.links)


def judge(reading: Reading, ontology: Ontology) -> Judgement:
    """Judge every link the question describes, and every hazard its words or links raise."""
    if reading.refusal:
        return Judgement()
    findings = [f for f in (_judge_link(link, reading, ontology) for link in reading.links) if f is not None]
    focus = reading.hop if reading.hop is not None and reading.hop < len(findings) else None
    judged = [findings[focus]] if focus is not None else findings

    balance_values = [f.balanced for f in judged if f.balance_applies]
    balanced: bool | None = None
    if balance_values and any(v is False for v in balance_values):
        balanced = False
    elif balance_values and all(v is True for v in balance_values):
        balanced = True
    gearless = all(f.source is None and f.dest is None for f in findings)
    for fmt in reading.formats:
        # "AES3 over XLR", "AES3id on BNC": with no gear named, the signal format decides [DOLBY][PAS]
        if gearless and ontology.formats[fmt].balance in ("balanced", "unbalanced"):
            balanced = ontology.formats[fmt].balance == "balanced"

    verdicts = [f.compatibility for f in judged if f.compatibility is not None]
    compatibility = max(verdicts, key=lambda v: v.rank) if verdicts else None
    cable = next((f.cable for f in judged if f.cable is not None), None)

    hazard_ids = [h for f in findings for h in f.hazards] + _hazards_from_words(reading, ontology)
    warnings = _warnings(hazard_ids, findings, ontology)
    facts = _facts(reading, findings, ontology)
    conditions = tuple(dict.fromkeys(c for f in judged for c in _conditions(f)))
    notes = tuple(ontology.formats[fmt].text for fmt in reading.formats)
    return Judgement(
        tuple(findings), balanced, compatibility, warnings, facts, cable, focus, conditions, notes
    )


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
    side = stop.role or side
    kind_id, guessed = None, False
    if stop.device:
        device = ontology.devices[stop.device]
        ports = device.out if side == "out" else device.inputs
        if not ports:  # the question put this gear on the wrong side; use what it has
            other_side = "in" if side == "out" else "out"
            ports = device.inputs if side == "out" else device.out
            side = other_side if ports else side
        kind_id = _pick(ports, stop, other_port, cable_family, ontology)
        guessed = kind_id == ports.get("default") and not stop.qualifiers and not stop.families
    else:
        # Gear not named: the port words, then the connector, then "line" ("a balanced input") decide.
        for key in stop.qualifiers + stop.families + ("line",):
            kind_id = ontology.generic_ports.get(key, {}).get(side) or kind_id
            if kind_id:
                break
    kind = ontology.ports.get(kind_id) if kind_id else None
    # Name the gear with the user's own word ("synth", "sm7b"), the port with the ontology's.
    device_name = (stop.device_text or ontology.devices[stop.device].name) if stop.device else ""
    name = " ".join(x for x in (device_name, kind.name if kind else "") if x) or stop.text or "this end"
    balance = stop.balance or (kind.balance if kind else "unknown")
    jack = _jack(stop, kind, cable_family, ontology, balance)
    own_jack = _jack(stop, kind, None, ontology, balance) if stop.families else None
    if balance in ("unknown", "either", "balanced") and own_jack in {"ts", "rca", "ts35", "trrs"}:
        balance = "unbalanced"  # the gear's own jack has one signal contact (a TS plug in a TRS jack does not count)
    if kind and kind.stereo and stop.balance is None:
        balance = "unbalanced"
    flags = tuple(ontology.devices[stop.device].flags) if stop.device else ()
    return Port(kind_id, kind, stop.device, name, jack, stop.gender, balance, flags, guessed)


def _pick(
    ports: dict[str, str], stop: Stop, other: Port | None, cable_family: str | None, ontology: Ontology
) -> str | None:
    for qualifier in stop.qualifiers:
        if qualifier in ports:
            return ports[qualifier]
    for fmt in stop.formats:
        domain = ontology.formats[fmt].domain
        for port_id in ports.values():
            if ontology.ports[port_id].domain == domain:
                return port_id
    if other is not None and other.kind is not None:
        hint = LEVEL_QUALIFIER.get(other.kind.level or "") or DOMAIN_QUALIFIER.get(other.kind.domain)
        if hint and hint in ports:
            return ports[hint]
    families = list(stop.families) + ([cable_family] if cable_family else [])
    for family in families:
        wanted = {family} | set(ontology.families[family].resolves_to)
        default = ports.get("default")
        if default and wanted & set(ontology.ports[default].jacks):
            return default
        for port_id in ports.values():
            if wanted & set(ontology.ports[port_id].jacks):
                return port_id
    return ports.get("default") or next(iter(ports.values()), None)


def _jack(
    stop: Stop, kind: PortKind | None, cable_family: str | None, ontology: Ontology, balance: str
) -> str | None:
    """The connector family on the gear: named by the question, or the port kind's usual one."""
    candidates = (
        list(stop.families) or ([cable_family] if cable_family else []) or (kind.jacks[:1] if kind else [])
    )
    if not candidates:
        return None
    family = candidates[0]
    if kind and family not in kind.jacks and len(stop.families) > 1:
        family = next((f for f in stop.families if f in kind.jacks), family)
    if ontology.families[family].resolves_to:
        family = (
            "ts" if family == "quarter_inch" and balance == "unbalanced" else _resolve_size_only(family, kind)
        )
    return family


def _resolve_size_only(family: str, kind: PortKind | None) -> str:
    """A "quarter-inch" jack is TRS on balanced, stereo or insert ports and TS on unbalanced mono ones."""
    if family == "quarter_inch":
        if kind is None:
            return "trs"
        if (
            kind.stereo
            or kind.balance in ("balanced", "impedance_balanced", "unknown", "either")
            or "trs" in kind.jacks[:1]
        ):
            return "trs" if kind.level != "instrument" and kind.domain != "speaker" else "ts"
        return "ts"
    if family == "usb":
        return "usb_b"
    return family


def _orient(source: Port | None, dest: Port | None) -> bool:
    """True when the ends are the wrong way round (the 'source' only takes signal in)."""
    return bool(
        source and dest and source.kind and dest.kind and source.kind.role == "in" and dest.kind.role == "out"
    )


# --- one link ------------------------------------------------------------------------------------------------


def _judge_link(link: LinkSpec, reading: Reading, ontology: Ontology) -> LinkFinding | None:
    cable = link.cable
    if link.source is None and link.dest is None:
        return _judge_ends_only(cable, reading, ontology) if cable and cable.ends else None
    if _backwards(link, ontology):
        link = LinkSpec(link.dest, cable, link.source)
    src_family, dst_family = _cable_sides(cable, link, ontology)
    source = _resolve(link.source, "out", link.dest, None, src_family, ontology)
    dest = _resolve(link.dest, "in", link.source, source, dst_family, ontology)
    if source is not None and link.dest is not None and dest is not None and source.guessed:
        source = _resolve(link.source, "out", link.dest, dest, src_family, ontology)
    if _orient(source, dest):
        source, dest = dest, source
        src_family, dst_family = dst_family, src_family
    if (
        source is None
        and dest is not None
        and dest.kind
        and dest.kind.phantom is False
        and reading.phantom == "on"
    ):
        pass
    if dest is None and source is not None and reading.phantom != "unknown":
        # Phantom power lives on mic inputs: a question about phantom and one piece of gear means that input.
        dest = _resolve(Stop(qualifiers=("mic",), role="in"), "in", None, source, None, ontology)
    if source is None and dest is not None and cable and cable.kind == "instrument":
        source = _resolve(Stop(qualifiers=("instrument",), role="out"), "out", None, None, "ts", ontology)

    if reading.intent is Intent.CABLE_RECOMMENDATION and not (cable and cable.explicit_ends):
        # "do I need special cables or will guitar leads do?": a cable the user only proposes must fit the jacks
        fits = _fits_port(src_family, source, ontology) and _fits_port(dst_family, dest, ontology)
        if not fits:
            src_family = dst_family = None
            source = _resolve(link.source, "out", link.dest, dest, None, ontology)
            dest = _resolve(link.dest, "in", link.source, source, None, ontology)
    plug_src = _plug_family(src_family, source, cable, 0, ontology)
    plug_dst = _plug_family(dst_family, dest, cable, 1, ontology)
    stated_trs = bool(link.dest and ("trs" in link.dest.families or link.dest.balance == "balanced"))
    stated_trs = stated_trs or dst_family == "trs"
    if plug_dst == "trs" and not stated_trs and _mono_unbalanced_or_split(source, plug_src):
        # an unbalanced mono leg gains nothing from a TRS plug: a TS plug in the TRS jack is the usual cable
        plug_dst = "ts"
    mating = _mating(cable, source, dest, plug_src, plug_dst)
    cable_name = _cable(source, dest, plug_src, plug_dst, cable, ontology) if plug_src and plug_dst else None
    two_leg = (
        None if not (plug_src and plug_dst) else (plug_src in BALANCE_CAPABLE and plug_dst in BALANCE_CAPABLE)
    )

    attrs = _attributes(source, dest, cable, plug_src, plug_dst, two_leg, mating, reading, ontology)
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
    balanced, culprits, applies = _balance(source, dest, two_leg, plug_src, plug_dst, ontology)
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
    )


def _fits_port(family: str | None, port: Port | None, ontology: Ontology) -> bool:
    if family is None or port is None or port.kind is None:
        return True

    def down(families: set[str]) -> set[str]:  # a size-only family stands for the ones it resolves to
        return families | {f for fam in families for f in ontology.families[fam].resolves_to}

    jacks = down(set(port.kind.jacks))  # port.jack may itself come from the proposed cable
    return bool(down({family}) & jacks)


def _backwards(link: LinkSpec, ontology: Ontology) -> bool:
    """True when the first-named gear can only receive and the other can send ("drive my speakers from the interface")."""
    a, b = link.source, link.dest
    if a is None or b is None or not a.device or not b.device or a.role or b.role:
        return False
    first, second = ontology.devices[a.device], ontology.devices[b.device]
    return not first.out and bool(first.inputs) and bool(second.out)


def _mono_unbalanced_or_split(source: Port | None, plug_src: str | None) -> bool:
    if source is None or source.kind is None:
        return False
    return source.kind.split or (
        source.balance == "unbalanced" and not source.kind.stereo and plug_src == "ts"
    )


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

    if (
        fits(second, src_fams)
        and fits(first, dst_fams)
        and not (fits(first, src_fams) and fits(second, dst_fams))
    ):
        return second, first
    return first, second


def _expand(families: set[str], ontology: Ontology) -> set[str]:
    out = set(families)
    for fam in families:
        out |= set(ontology.families[fam].resolves_to)
        out |= {f for f, body in ontology.families.items() if fam in body.resolves_to}
    return out


def _plug_family(
    cable_end: str | None, port: Port | None, cable: CableSpec | None, side: int, ontology: Ontology
) -> str | None:
    family = cable_end or (port.jack if port else None)
    if family and ontology.families[family].resolves_to:
        family = (
            port.jack
            if port and port.jack and not ontology.families[port.jack].resolves_to
            else (_resolve_size_only(family, port.kind if port else None))
        )
    return family


def _mating(
    cable: CableSpec | None,
    source: Port | None,
    dest: Port | None,
    plug_src: str | None,
    plug_dst: str | None,
) -> str:
    """XLR genders: a cable end must be the opposite gender of the jack it plugs into."""
    if cable is None or not cable.genders:
        return "unknown"
    genders = cable.genders if cable.ends[0] == plug_src else tuple(reversed(cable.genders))
    checks = ((plug_src, genders[0], source, "male"), (plug_dst, genders[-1], dest, "female"))
    for plug, plug_gender, port, usual_jack in checks:
        if plug == "xlr" and plug_gender and port is not None:
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
    src_stereo = bool(source and source.kind and source.kind.stereo)
    dst_stereo = bool(dest and dest.kind and dest.kind.stereo)
    single_stereo = {"trs35", "trs", "trrs"}
    pair = {"rca", "ts"}
    src_split = bool(source and source.kind and source.kind.split)
    if src_split and plug_src in single_stereo and not dst_stereo and dest is not None:
        to_end = f"dual {to_end}"  # left and right (or send and return) go to two mono jacks
    elif src_stereo and plug_src in single_stereo and plug_dst in pair:
        to_end = f"dual {to_end}"
    elif dst_stereo and plug_dst in single_stereo and not src_stereo and source is not None:
        # two mono outputs (left and right) into one stereo jack: each leg is unbalanced, so TS plugs
        mono = "ts" if plug_src in ("trs", "ts") else plug_src
        from_end = f"dual {ontology.plug_of(mono, src_gender) or mono}"
    elif dst_stereo and plug_dst in single_stereo and plug_src in pair and src_stereo:
        from_end = f"dual {from_end}"
    elif spec and spec.duals and any(spec.duals):
        if spec.duals[-1]:
            to_end = f"dual {to_end}" if not to_end.startswith("dual") else to_end
    return Cable(from_end, to_end, _wiring(plug_src, plug_dst, source, ontology))


def _wiring(plug_src: str, plug_dst: str, source: Port | None, ontology: Ontology) -> tuple[Wire, ...]:
    a, b = ontology.families[plug_src].pins, ontology.families[plug_dst].pins
    wires = [Wire(a[role], b[role]) for role in ("hot", "cold", "ground") if role in a and role in b]
    if "cold" in b and "cold" not in a and "ground" in a:
        # unbalanced output into a balanced input: tie cold to the source's ground, not left open [TLA][SW-U2B]
        wires.append(Wire(a["ground"], b["cold"]))
    return tuple(wires)


def _attributes(
    source, dest, cable, plug_src, plug_dst, two_leg, mating, reading, ontology
) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "cable.kind": (cable.kind if cable else "none"),
        "cable.two_leg": two_leg,
        "cable.families": [f for f in (plug_src, plug_dst) if f],
        "cable.from_family": plug_src,
        "cable.to_family": plug_dst,
        "mating": mating,
        "phantom": reading.phantom,
        "length_m": reading.length_m,
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
                f"{prefix}.device": port.device,
                f"{prefix}.flags": list(port.flags),
            }
        )
    if source and dest and source.kind and dest.kind:
        digital = {"spdif", "adat", "aes3", "aes3id", "wordclock"}
        if source.kind.domain in digital and dest.kind.domain in digital:
            attrs["formats_differ"] = source.kind.domain != dest.kind.domain
    if dest and dest.kind and dest.kind.phantom:
        unbalanced_source = bool(source and source.balance == "unbalanced")
        attrs["unbalanced_into_xlr"] = bool(two_leg is False or unbalanced_source)
    domains = {p.kind.domain for p in (source, dest) if p and p.kind}
    families = {plug_src, plug_dst} | set(reading.families)
    attrs["midi_trs"] = bool(("midi" in domains or "midi" in families) and families & {"trs35", "trs"})
    return attrs


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
    if domains and not domains <= {ANALOG, "aes3", "aes3id", "spdif"}:
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
        single = [f for f in (plug_src, plug_dst) if f and f not in BALANCE_CAPABLE]
        names = ", ".join(dict.fromkeys(ontology.families[f].name for f in single)) or "one end"
        culprits.append(f"the cable's {names} end carries one signal conductor, so the cable is unbalanced")
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
    grid_ids = [_grid_id(f, g) for f, g in zip((first, second), cable.genders or (None, None), strict=False)]
    code = ontology.pair_code(*grid_ids) if all(grid_ids) else None
    pair = ontology.pair_codes.get(code) if code else None
    plug = {
        f: (_resolve_size_only(f, None) if ontology.families[f].resolves_to else f) for f in (first, second)
    }
    carrying = [ontology.families[plug[f]] for f in (first, second)]
    applies = all(f.balanced in ("maybe", "no") for f in carrying)
    single = [f.name for f in carrying if f.balanced == "no"]
    balanced = False if single else None
    culprits = (
        (
            f"the {', '.join(dict.fromkeys(single))} end carries only one signal conductor, so the link cannot be balanced",
        )
        if single
        else ("whether the output and the input at each end are balanced",)
    )
    hazards = []
    if code == "P":
        hazards.append("phantom-into-unbalanced")
    if code == "H":
        hazards.append("speaker-out-into-input")
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


def _grid_id(family: str, gender: str | None) -> str | None:
    if family == "xlr":
        return "xlr_f" if gender == "female" else "xlr_m"
    if family in ("usb", "usb_a", "usb_b", "usb_c"):
        return "usb"
    if family == "quarter_inch":
        return "trs"
    return family


# --- hazards, facts, conditions ------------------------------------------------------------------------------


def _has_phrase(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", text) is not None


def _hazards_from_words(reading: Reading, ontology: Ontology) -> list[str]:
    """Hazards whose words are in the question, whatever was asked."""
    text = f" {reading.cleaned} "
    fired = []
    for hazard in ontology.hazards.values():
        if hazard.mentions and all(any(_has_phrase(text, p) for p in group) for group in hazard.mentions):
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
    ids: list[str] = []
    for f in findings:
        if f.balance_applies:
            ids.append("rule.balance.all-three")
            if f.balanced is None:
                ids.append("rule.balance.connector-proves-nothing")
            if any("one signal conductor" in c for c in f.balance_culprits):
                ids.append("rule.balance.one-conductor")
        if f.source and f.source.balance == "impedance_balanced":
            ids.append("rule.balance.impedance-balanced")
        if "trs" in f.plug_families:
            ids.append("rule.balance.trs-dual-use")
        if "xlr" in f.plug_families:
            ids.append("rule.xlr.gender")
        if set(f.plug_families) == {"xlr", "trs"}:
            ids.append("rule.wiring.trs-xlr")
    if len(findings) > 1:
        ids.append("rule.balance.chain-per-link")
    if reading.formats:
        ids.append("rule.balance.digital")
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


def with_hazard_by_meaning(
    j: Judgement, reading: Reading, match: FaqMatch | None, ontology: Ontology
) -> Judgement:
    """A safety question whose words raised no hazard gets the hazard nearest in meaning, when it is near enough.

    "Run the head with nothing plugged in?" names no port the rules can judge, yet it is the tube-amp hazard; the
    match is accepted above a threshold fitted on the hazards' own question variants (index/reader_training.py).
    """
    if j.warnings or match is None or not match.accepted or reading.intent is not Intent.HAZARD:
        return j
    hazard = ontology.hazards[match.entry_id]
    warning = Warning(hazard.id, Severity(hazard.severity), hazard.text)
    return replace(j, warnings=(warning,))
