"""Load kb/*.yaml into a validated Ontology; a bad file fails here with the file, the key and the reason."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml
from pydantic import TypeAdapter
from pydantic import ValidationError

from index.types import Passage
from service.core.glossary import folded
from service.core.glossary import translate
from service.core.ontology import Adapter
from service.core.ontology import CableType
from service.core.ontology import Calibration
from service.core.ontology import Condition
from service.core.ontology import Device
from service.core.ontology import FactRecord
from service.core.ontology import Family
from service.core.ontology import FaqEntry
from service.core.ontology import Grammar
from service.core.ontology import Hazard
from service.core.ontology import InBetween
from service.core.ontology import IntoOne
from service.core.ontology import Level
from service.core.ontology import LinkRule
from service.core.ontology import Ontology
from service.core.ontology import PairCode
from service.core.ontology import PlannerKit
from service.core.ontology import PlugVariant
from service.core.ontology import PortKind
from service.core.ontology import SignalFormat
from service.core.ontology import Source
from service.core.ontology import Terms
from service.core.ontology import gear_class
from service.errors import KBInvalid

ONTOLOGY_FILES = (
    "sources",
    "connectors",
    "ports",
    "devices",
    "rules",
    "hazards",
    "pairs",
    "terms",
    "reading",
)
VERDICTS = {"works", "works_with_caveat", "does_not_work", "unsafe"}
SEVERITIES = {"danger", "warning", "caution", "info"}
BALANCES = {"balanced", "impedance_balanced", "unbalanced", "usually_unbalanced", "either", "unknown", "n/a"}
ROLES = {"out", "in"}
SEPARATOR_ROLES = {"arrow", "leads_to", "comes_from", "passes_via", "then_next", "taken_off"}
ATTACHER_ROLES = {"owner", "describes", "uses"}
# Link attributes that really are true/false (see rules.yaml); any other boolean in a condition is a YAML slip.
BOOLEAN_ATTRIBUTES = (
    ".stereo",
    ".hiz",
    ".phantom",
    ".two_leg",
    "formats_differ",
    "unbalanced_into_xlr",
    "midi_trs",
    "midi_trs_matched",
    "loads_differ",
    "phantom_needed",
    "phantom_said",
    "plugs_carry_ports",
    ".single",
    ".splits",
    ".said_to_split",
    ".named",
    ".two",
    ".guessed",
)


def load_ontology(kb_dir: Path) -> Ontology:
    """Read and cross-check every ontology file under `kb_dir`.

    :raises KBInvalid: naming the file, the key and the reason.
    """
    raw = {name: _read_yaml(kb_dir / f"{name}.yaml") for name in ONTOLOGY_FILES}
    sources = _validate("sources", "sources", raw["sources"].get("sources"), dict[str, Source])
    families = _validate("connectors", "families", raw["connectors"].get("families"), dict[str, Family])
    cables = _validate("connectors", "cables", raw["connectors"].get("cables"), dict[str, CableType])
    variants = _validate(
        "connectors", "variants", raw["connectors"].get("variants") or {}, dict[str, PlugVariant]
    )
    levels = _validate("ports", "levels", raw["ports"].get("levels"), dict[str, Level])
    ports = _validate("ports", "port_kinds", raw["ports"].get("port_kinds"), dict[str, PortKind])
    devices_raw = {
        key: {("inputs" if k == "in" else k): v for k, v in (value or {}).items()}
        for key, value in _mapping("devices", "devices", raw["devices"].get("devices")).items()
    }
    devices = _validate("devices", "devices", devices_raw, dict[str, Device])
    devices.update(_with_names_said(_products(kb_dir / "gear.yaml", devices), devices))
    formats = _validate("terms", "formats", raw["terms"].get("formats"), dict[str, SignalFormat])
    pair_codes = _validate("pairs", "codes", raw["pairs"].get("codes"), dict[str, PairCode])

    facts = {
        fact_id: FactRecord(fact_id, _text("rules", f"facts.{fact_id}", body), tuple(body.get("sources", [])))
        for fact_id, body in _mapping("rules", "facts", raw["rules"].get("facts")).items()
    }
    link_rules = tuple(_link_rule(i, body) for i, body in enumerate(raw["rules"].get("link_rules") or []))
    hazards = {
        hazard_id: _hazard(hazard_id, body)
        for hazard_id, body in _mapping("hazards", "hazards", raw["hazards"].get("hazards")).items()
    }
    pair_grid = {}
    for row, cells in _mapping("pairs", "grid", raw["pairs"].get("grid")).items():
        for column, code in _mapping("pairs", f"grid.{row}", cells).items():
            pair_grid[frozenset((row, column))] = code
    terms = replace(_terms(raw["terms"]), words=_words(kb_dir / "words.txt"))
    glossary = _glossary(kb_dir / "glossary.yaml", terms.words)

    ontology = Ontology(
        sources=sources,
        families=families,
        cables=cables,
        levels=levels,
        ports=ports,
        devices=devices,
        facts=facts,
        link_rules=link_rules,
        hazards=hazards,
        formats=formats,
        pair_codes=pair_codes,
        pair_grid=pair_grid,
        pair_sources=tuple(raw["pairs"].get("sources") or ()),
        terms=terms,
        generic_ports=_validate("ports", "generic", raw["ports"].get("generic"), dict[str, dict[str, str]]),
        faq=_faq(kb_dir / "faq.yaml"),
        grammar=_validate("reading", "grammar", raw["reading"], Grammar),
        calibration=_calibration(kb_dir / "calibration.yaml"),
        variants=variants,
        glossary=glossary,
    )
    _cross_check(ontology)
    ontology = replace(ontology, planner=_planner(kb_dir / "planner.yaml", ontology))
    return _with_faq_families(ontology)


def _with_faq_families(ontology: Ontology) -> Ontology:
    """Record which connectors each FAQ entry is about: those most of its question variants name. An entry about
    RCA outputs must not answer a question that never says RCA, however alike the two read."""
    from collections import Counter
    from dataclasses import replace

    from service.core.lexicon import clean
    from service.core.lexicon import find_mentions
    from service.core.lexicon import lexicon_for
    from service.core.lexicon import tokenize

    lexicon = lexicon_for(ontology)
    faq = {}
    for entry_id, entry in ontology.faq.items():
        counts: Counter[str] = Counter()
        gear: Counter[str] = Counter()
        for question in entry.questions:
            mentions = find_mentions(tokenize(clean(question)), lexicon)
            counts.update({m.id for m in mentions if m.kind == "family"})
            gear.update({gear_class(m.id, ontology) for m in mentions if m.kind == "device"})
        families = tuple(sorted(f for f, n in counts.items() if n * 2 > len(entry.questions)))
        # gear classes most variants name: "a phone or laptop into a mixer" is not about an SM58 into a mixer
        devices = tuple(sorted(d for d, n in gear.items() if n * 2 > len(entry.questions)))
        faq[entry_id] = replace(entry, families=families, devices=devices)
    return replace(ontology, faq=faq)


def _calibration(path: Path) -> Calibration | None:
    """Read kb/calibration.yaml (optional; `cablewise calibrate` writes it)."""
    if not path.is_file():
        return None
    return _validate("calibration", "calibration", _read_yaml(path), Calibration)


PRODUCT_KEYS = {"name", "class", "aliases", "source", "ports", "variants", "flags"}


def _products(path: Path, classes: dict[str, Device]) -> dict[str, Device]:
    """Read kb/gear.yaml (optional): products people name, each a device of its class with the class's usual
    ports, overridden where the maker's specification differs. A product is read like any device."""
    if not path.is_file():
        return {}
    products = _mapping("gear", "products", _read_yaml(path).get("products"))
    out: dict[str, Device] = {}
    for pid, body in products.items():
        key = f"products.{pid}"
        body = _mapping("gear", key, body)
        unknown = set(body) - PRODUCT_KEYS
        if unknown:
            raise KBInvalid(f"kb/gear.yaml: {key}: unknown keys {sorted(unknown)}")
        if pid in classes:
            raise KBInvalid(f"kb/gear.yaml: {key}: the id is already a device class in devices.yaml")
        parent = classes.get(body.get("class"))
        if parent is None:
            raise KBInvalid(f"kb/gear.yaml: {key}.class: must be a device id of devices.yaml")
        aliases = body.get("aliases")
        if (
            not isinstance(aliases, list)
            or not aliases
            or not all(isinstance(a, str) and a.strip() for a in aliases)
        ):
            raise KBInvalid(f"kb/gear.yaml: {key}.aliases: needs a list of names")
        if not isinstance(body.get("source"), str) or not body["source"].strip():
            raise KBInvalid(f"kb/gear.yaml: {key}.source: name the maker's specification")
        ports = _mapping("gear", f"{key}.ports", body.get("ports") or {})
        if set(ports) - {"out", "in"}:
            raise KBInvalid(f"kb/gear.yaml: {key}.ports: only 'out' and 'in'")
        out[pid] = Device(
            name=str(body.get("name") or pid),
            aliases=[a.strip().lower() for a in aliases],
            sources=list(parent.sources),
            out=_product_ports(parent.out, _mapping("gear", f"{key}.ports.out", ports.get("out") or {})),
            inputs=_product_ports(parent.inputs, _mapping("gear", f"{key}.ports.in", ports.get("in") or {})),
            flags=list(parent.flags) + _product_flags(key, body.get("flags")),
            kind=body["class"],
            spec=body["source"].strip(),
            variants=[str(v) for v in body.get("variants") or []],
        )
    return out


def _with_names_said(products: dict[str, Device], classes: dict[str, Device]) -> dict[str, Device]:
    """People write a product's full name as the maker prints it ("Kali Audio LP-6s", "Shure BLX4 wireless
    receiver"), which the curated aliases may shorten. The name, without what its brackets add, is one more alias
    of the product, unless another product or a class goes by it too (then it names none of them)."""
    said = {
        pid: re.sub(r"\s+", " ", re.sub(r"\([^)]*\)", " ", p.name)).strip().lower()
        for pid, p in products.items()
    }
    taken = Counter(said.values())
    taken.update(a for d in (*classes.values(), *products.values()) for a in d.aliases)
    return {
        pid: p if taken[said[pid]] > 1 or not said[pid] else replace(p, aliases=[*p.aliases, said[pid]])
        for pid, p in products.items()
    }


def _product_flags(key: str, value: Any) -> list[str]:
    """A product's own flags (kb/gear.yaml `flags`): a list of words."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(f, str) and f.strip() for f in value):
        raise KBInvalid(f"kb/gear.yaml: {key}.flags: needs a list of flag words")
    return [f.strip() for f in value]


def _product_ports(usual: dict[str, str], own: dict[str, str]) -> dict[str, str]:
    """The class's ports with the product's own; where the class's default port is the one the product
    replaces ("line" on an interface), the product's port becomes the default too, and so do the class's other
    words for a port that the product replaces under two or more of them."""
    ports = {**usual, **own}
    if "default" not in own:
        replaced = [q for q in own if usual.get(q) == usual.get("default")]
        if replaced:
            ports["default"] = own[replaced[0]]
    # an interface whose line, main and monitor outs are all balanced has balanced "speaker outs" too: when two or
    # more of the class's words for one port are all replaced by the same port, its other words follow
    for kind in set(usual.values()):
        words = [q for q, k in usual.items() if k == kind and q != "default"]
        replacements = {own[q] for q in words if q in own}
        if len(replacements) == 1 and sum(q in own for q in words) >= 2:
            (replacement,) = replacements
            ports.update({q: replacement for q in words if q not in own})
    return ports


PLANNER_KEYS = {
    "in_between",
    "cables",
    "adapters",
    "cable_kinds",
    "jacks",
    "gear_ports",
    "attached",
    "optional_ports",
    "stereo",
    "limits",
}
IN_BETWEEN_KEYS = {"name", "class", "in", "out", "only_into", "flags", "channels", "why", "sources"}


def _planner(path: Path, o: Ontology) -> PlannerKit | None:
    """Read kb/planner.yaml (optional): what the connection planner may put between two pieces of gear.

    Every id it names is checked against the other files, so a typo fails at start, not in a plan.
    """
    if not path.is_file():
        return None
    raw = _read_yaml(path)
    unknown = set(raw) - PLANNER_KEYS
    if unknown:
        raise KBInvalid(f"kb/planner.yaml: unknown keys {sorted(unknown)}")

    def fail(key: str, why: str):
        raise KBInvalid(f"kb/planner.yaml: {key}: {why}")

    def sources(key: str, tags: Any) -> tuple[str, ...]:
        if not isinstance(tags, list) or not tags:
            fail(key, "needs at least one source tag")
        for tag in tags:
            if tag not in o.sources:
                fail(key, f"unknown source '{tag}'")
        return tuple(tags)

    def family(key: str, value: Any) -> str:
        if value not in o.families:
            fail(key, f"unknown connector family '{value}'")
        return value

    in_between = {}
    for pid, body in _mapping("planner", "in_between", raw.get("in_between")).items():
        key = f"in_between.{pid}"
        body = _mapping("planner", key, body)
        if set(body) - IN_BETWEEN_KEYS:
            fail(key, f"unknown keys {sorted(set(body) - IN_BETWEEN_KEYS)}")
        if pid in o.devices:
            fail(key, "the id is already a device of devices.yaml or gear.yaml")
        ports = {side: _mapping("planner", f"{key}.{side}", body.get(side) or {}) for side in ("in", "out")}
        if not ports["in"] or not ports["out"]:
            fail(key, "needs the 'in' and 'out' ports a plan may use")
        parent = o.devices.get(body.get("class")) if "class" in body else None
        if "class" in body and (parent is None or parent.kind):
            fail(f"{key}.class", "must be a device class of devices.yaml")
        for side, given in ports.items():
            owned = (parent.inputs if side == "in" else parent.out) if parent else None
            for qualifier, port_id in given.items():
                where = f"{key}.{side}.{qualifier}"
                if port_id not in o.ports or o.ports[port_id].role != side:
                    fail(where, f"'{port_id}' is not a port kind of role {side} in ports.yaml")
                if qualifier != "default" and qualifier not in o.terms.port_words:
                    fail(where, "unknown qualifier (terms.yaml port_words)")
                if owned is not None and owned.get(qualifier) != port_id:
                    fail(where, f"the class {body['class']} has no such port")
        if body.get("channels") not in (1, 2):
            fail(f"{key}.channels", "must be 1 or 2")
        if not isinstance(body.get("why"), str) or not body["why"].strip():
            fail(f"{key}.why", "say why a plan needs it")
        flags = body.get("flags") or []
        if parent is not None and flags:
            fail(f"{key}.flags", "a part with a class has the class's flags")
        device = Device(
            name=str(body.get("name") or pid),
            aliases=[],
            sources=list(sources(f"{key}.sources", body.get("sources"))),
            out=dict(ports["out"]),
            inputs=dict(ports["in"]),
            flags=list(parent.flags) if parent else [str(f) for f in flags],
            kind=body.get("class", ""),
        )
        only_into = body.get("only_into") or []
        for port_id in only_into:
            if port_id not in o.ports or o.ports[port_id].role != "in":
                fail(f"{key}.only_into", f"'{port_id}' is not an input port kind of ports.yaml")
        in_between[pid] = InBetween(
            pid,
            device.name,
            device,
            body.get("class") or pid,
            body["channels"],
            body["why"].strip(),
            tuple(device.sources),
            tuple(only_into),
        )

    cables = set()
    for i, pair in enumerate(raw.get("cables") or []):
        if not isinstance(pair, list) or len(pair) != 2:
            fail(f"cables[{i}]", "must be a pair of connector families")
        cables.add(frozenset(family(f"cables[{i}]", f) for f in pair))

    adapters = []
    for aid, body in _mapping("planner", "adapters", raw.get("adapters") or {}).items():
        key = f"adapters.{aid}"
        body = _mapping("planner", key, body)
        if set(body) - {"name", "plug", "socket", "why", "sources"}:
            fail(key, "unknown keys")
        if not isinstance(body.get("why"), str) or not body.get("name"):
            fail(key, "needs a 'name' and a 'why'")
        adapters.append(
            Adapter(
                aid,
                str(body["name"]),
                family(f"{key}.plug", body.get("plug")),
                family(f"{key}.socket", body.get("socket")),
                body["why"].strip(),
                sources(f"{key}.sources", body.get("sources")),
            )
        )

    cable_kinds = _mapping("planner", "cable_kinds", raw.get("cable_kinds") or {})
    known_kinds = {c.kind for c in o.cables.values()}
    for where, kind in cable_kinds.items():
        if where not in o.levels and where not in {p.domain for p in o.ports.values()}:
            fail(f"cable_kinds.{where}", "must be a signal level or a port domain of ports.yaml")
        if kind not in known_kinds:
            fail(f"cable_kinds.{where}", f"'{kind}' is not a cable kind of connectors.yaml")

    jacks: dict[str, dict[str, tuple[str, ...]]] = {}
    for owner, by_port in _mapping("planner", "jacks", raw.get("jacks") or {}).items():
        if owner not in o.devices and owner not in in_between:
            fail(f"jacks.{owner}", "must be a device class of devices.yaml or an in_between id")
        jacks[owner] = {}
        for port_id, families in _mapping("planner", f"jacks.{owner}", by_port).items():
            if port_id not in o.ports:
                fail(f"jacks.{owner}.{port_id}", "unknown port kind")
            if not isinstance(families, list) or not families:
                fail(f"jacks.{owner}.{port_id}", "must list connector families")
            jacks[owner][port_id] = tuple(family(f"jacks.{owner}.{port_id}", f) for f in families)

    gear_ports: dict[str, dict[str, dict[str, str]]] = {}
    for device_id, sides in _mapping("planner", "gear_ports", raw.get("gear_ports") or {}).items():
        if device_id not in o.devices:
            fail(f"gear_ports.{device_id}", "must be a device class of devices.yaml")
        gear_ports[device_id] = {}
        for side, ports in _mapping("planner", f"gear_ports.{device_id}", sides).items():
            for qualifier, port_id in _mapping("planner", f"gear_ports.{device_id}.{side}", ports).items():
                if side not in ("in", "out") or port_id not in o.ports or o.ports[port_id].role != side:
                    fail(
                        f"gear_ports.{device_id}.{side}.{qualifier}",
                        f"'{port_id}' is not a port kind of role {side}",
                    )
            gear_ports[device_id][side] = dict(ports)
    attached = raw.get("attached") or []
    for port_id in attached:
        if port_id not in o.ports:
            fail("attached", f"unknown port kind '{port_id}'")

    optional_ports: dict[str, frozenset[str]] = {}
    for device_id, port_ids in _mapping("planner", "optional_ports", raw.get("optional_ports") or {}).items():
        if device_id not in o.devices or not isinstance(port_ids, list):
            fail(
                f"optional_ports.{device_id}",
                "must be a device class of devices.yaml with a list of port kinds",
            )
        for port_id in port_ids:
            if port_id not in o.ports:
                fail(f"optional_ports.{device_id}", f"unknown port kind '{port_id}'")
        optional_ports[device_id] = frozenset(port_ids)

    stereo = _mapping("planner", "stereo", raw.get("stereo") or {})
    for group in ("sources", "sinks"):
        for device_id in stereo.get(group) or []:
            if device_id not in o.devices:
                fail(f"stereo.{group}", f"unknown device class '{device_id}'")
    limits = _mapping("planner", "limits", raw.get("limits") or {})
    for name, value in limits.items():
        if name not in ("in_between", "plans") or not isinstance(value, int) or not 0 <= value <= 5:
            fail(f"limits.{name}", "in_between and plans take a whole number from 0 to 5")
    return PlannerKit(
        in_between=in_between,
        cables=frozenset(cables),
        adapters=tuple(adapters),
        cable_kinds=dict(cable_kinds),
        jacks=jacks,
        stereo_sources=frozenset(stereo.get("sources") or ()),
        stereo_sinks=frozenset(stereo.get("sinks") or ()),
        stereo_domains=frozenset(stereo.get("domains") or ()),
        gear_ports=gear_ports,
        attached=frozenset(attached),
        optional_ports=optional_ports,
        max_in_between=limits.get("in_between", 2),
        max_plans=limits.get("plans", 3) or 1,
    )


FAQ_INTENTS = {
    "balanced_check",
    "compatibility",
    "cable_recommendation",
    "hazard",
    "concept",
    "troubleshooting",
}
FAQ_KEYS = {"id", "intent", "questions", "answer", "verdict", "hazards", "cable", "see", "sources"}


def _faq(path: Path) -> dict[str, FaqEntry]:
    """Read kb/faq.yaml (optional): curated answers with the question variants they are matched by."""
    if not path.is_file():
        return {}
    entries = _read_yaml(path).get("faq") or []
    if not isinstance(entries, list):
        raise KBInvalid("kb/faq.yaml: faq: must be a list of entries")
    out: dict[str, FaqEntry] = {}
    for index, body in enumerate(entries):
        key = f"faq[{index}]"
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise KBInvalid(f"kb/faq.yaml: {key}: needs an 'id'")
        key = f"faq[{body['id']}]"
        if body["id"] in out:
            raise KBInvalid(f"kb/faq.yaml: {key}: duplicate id")
        unknown = set(body) - FAQ_KEYS
        if unknown:
            raise KBInvalid(f"kb/faq.yaml: {key}: unknown keys {sorted(unknown)}")
        if body.get("intent") not in FAQ_INTENTS:
            raise KBInvalid(f"kb/faq.yaml: {key}.intent: must be one of {sorted(FAQ_INTENTS)}")
        questions = body.get("questions")
        if (
            not isinstance(questions, list)
            or len(questions) < 2
            or not all(isinstance(q, str) for q in questions)
        ):
            raise KBInvalid(f"kb/faq.yaml: {key}.questions: needs at least two question strings")
        if not isinstance(body.get("answer"), str) or not body["answer"].strip():
            raise KBInvalid(f"kb/faq.yaml: {key}.answer: needs a non-empty answer")
        verdict = body.get("verdict") or {}
        if not isinstance(verdict, dict) or set(verdict) - {"compatibility", "balanced"}:
            raise KBInvalid(f"kb/faq.yaml: {key}.verdict: only 'compatibility' and 'balanced'")
        if "compatibility" in verdict and verdict["compatibility"] not in VERDICTS:
            raise KBInvalid(f"kb/faq.yaml: {key}.verdict.compatibility: must be one of {sorted(VERDICTS)}")
        if "balanced" in verdict and not isinstance(verdict["balanced"], bool):
            raise KBInvalid(f"kb/faq.yaml: {key}.verdict.balanced: must be true or false")
        cable = body.get("cable")
        if cable is not None and (not isinstance(cable, dict) or set(cable) != {"from", "to"}):
            raise KBInvalid(f"kb/faq.yaml: {key}.cable: needs exactly 'from' and 'to'")
        out[body["id"]] = FaqEntry(
            id=body["id"],
            intent=body["intent"],
            questions=tuple(q.strip() for q in questions),
            answer=" ".join(body["answer"].split()),
            sources=tuple(body.get("sources") or ()),
            compatibility=verdict.get("compatibility"),
            balanced=verdict.get("balanced"),
            hazards=tuple(body.get("hazards") or ()),
            cable=(str(cable["from"]), str(cable["to"])) if cable else None,
            see=tuple(body.get("see") or ()),
        )
    return out


def reader_training_data(kb_dir: Path, ontology: Ontology):
    """The question reader's training data: kb/examples.yaml and the FAQ's question variants.

    :raises KBInvalid: the examples file is missing or malformed.
    """
    from index.reader_training import FaqQuestions
    from index.reader_training import ReaderTrainingData
    from index.reader_training import fingerprint

    path = Path(kb_dir) / "examples.yaml"
    intents = _mapping("examples", "intents", _read_yaml(path).get("intents"))
    examples: dict[str, list[str]] = {}
    for intent, items in intents.items():
        if intent not in FAQ_INTENTS | {"out_of_domain", "follow_up"}:
            raise KBInvalid(f"kb/examples.yaml: intents.{intent}: unknown intent")
        if not isinstance(items, list) or not all(isinstance(t, str) and t.strip() for t in items):
            raise KBInvalid(f"kb/examples.yaml: intents.{intent}: must be a list of questions")
        # read as questions are read at answer time: other languages' gear words in English
        examples[intent] = list(dict.fromkeys(translate(t.strip(), ontology.glossary) for t in items))
    faq = [
        FaqQuestions(e.id, e.intent, tuple(translate(q, ontology.glossary) for q in e.questions))
        for e in ontology.faq.values()
    ]
    hazards = [
        FaqQuestions(
            h.id,
            "hazard",
            (h.title, h.text)
            + tuple(q for e in ontology.faq.values() if h.id in e.hazards for q in e.questions),
        )
        for h in ontology.hazards.values()
    ]
    faq_path = Path(kb_dir) / "faq.yaml"
    return ReaderTrainingData(
        examples=examples,
        faq=faq,
        hazards=hazards,
        fingerprint=fingerprint(path.read_bytes(), faq_path.read_bytes() if faq_path.is_file() else b""),
    )


def ontology_passages(ontology: Ontology) -> list[Passage]:
    """Turn ontology facts, hazards and signal formats into retrievable passages, so rules can be cited."""
    passages = []
    for fact in ontology.facts.values():
        passages.append(
            Passage(f"fact:{fact.id}", fact.id, "Connector rules", fact.id, fact.text, fact.sources, "fact")
        )
    for hazard in ontology.hazards.values():
        passages.append(
            Passage(
                f"fact:hazard.{hazard.id}",
                hazard.id,
                "Hazards",
                hazard.title,
                hazard.text,
                hazard.sources,
                "fact",
            )
        )
    for fmt_id, fmt in ontology.formats.items():
        passages.append(
            Passage(
                f"fact:format.{fmt_id}",
                fmt_id,
                "Signal formats",
                fmt_id,
                fmt.text,
                tuple(fmt.sources),
                "fact",
            )
        )
    return passages


class _UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses a mapping with the same key twice (plain YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue  # keys merged in with << may be overridden: that is what merging is for
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the constructor below reports it
                continue
            if first != key_node.start_mark.line + 1:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"duplicate key {key!r} on line {key_node.start_mark.line + 1} (first on line {first})",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise KBInvalid(f"{_name(path)}: file is missing")
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader)
    except yaml.YAMLError as exc:
        raise KBInvalid(f"{_name(path)}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise KBInvalid(f"{_name(path)}: top level must be a mapping")
    return data


def _name(path: Path) -> str:
    return f"kb/{path.name}"


def _mapping(file: str, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise KBInvalid(f"kb/{file}.yaml: {key}: must be a mapping")
    return value


def _validate(file: str, key: str, value: Any, shape: Any) -> Any:
    try:
        return TypeAdapter(shape).validate_python(_mapping(file, key, value))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise KBInvalid(f"kb/{file}.yaml: {key}.{where}: {first['msg']}") from exc


def _text(file: str, key: str, body: Any) -> str:
    if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"].strip():
        raise KBInvalid(f"kb/{file}.yaml: {key}: needs a non-empty 'text'")
    return body["text"].strip()


def _conditions(file: str, key: str, when: Any) -> tuple[Condition, ...]:
    conditions = []
    for name, value in _mapping(file, key, when).items():
        if isinstance(value, dict):
            unknown = set(value) - {"gt", "lt"}
            if unknown:
                raise KBInvalid(f"kb/{file}.yaml: {key}.{name}: unknown comparison {sorted(unknown)}")
            conditions.append(Condition(name, greater_than=value.get("gt"), less_than=value.get("lt")))
        elif isinstance(value, str) and value.startswith("!"):
            conditions.append(Condition(name, (value[1:],), negated=True))
        else:
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, bool) for v in values) and not name.endswith(BOOLEAN_ATTRIBUTES):
                # YAML 1.1 reads on/off/yes/no as booleans: `phantom: on` silently became True once.
                raise KBInvalid(
                    f'kb/{file}.yaml: {key}.{name}: {values} reads as a boolean; quote words like "on"'
                )
            conditions.append(Condition(name, tuple(values)))
    return tuple(conditions)


def _blame(key: str, value: Any) -> tuple[Condition, ...] | None:
    """`wrong_cable`: true (always), false, or the further conditions under which the rule blames the cable."""
    if value is True:
        return ()
    if value is False or value is None:
        return None
    return _conditions("rules", f"{key}.wrong_cable", value)


def _link_rule(index: int, body: Any) -> LinkRule:
    key = f"link_rules[{index}]"
    if not isinstance(body, dict) or not body.get("id"):
        raise KBInvalid(f"kb/rules.yaml: {key}: needs an 'id'")
    key = f"link_rules[{body['id']}]"
    unknown = set(body) - {
        "id",
        "when",
        "verdict",
        "text",
        "hazard",
        "sources",
        "suggests",
        "misread_among_links",
        "wrong_cable",
    }
    if unknown:
        raise KBInvalid(f"kb/rules.yaml: {key}: unknown keys {sorted(unknown)}")
    if body.get("verdict") not in VERDICTS:
        raise KBInvalid(f"kb/rules.yaml: {key}.verdict: must be one of {sorted(VERDICTS)}")
    return LinkRule(
        id=body["id"],
        when=_conditions("rules", f"{key}.when", body.get("when")),
        verdict=body["verdict"],
        text=_text("rules", key, body),
        sources=tuple(body.get("sources") or ()),
        hazard=body.get("hazard"),
        suggests=tuple(str(d) for d in body.get("suggests") or ()),
        misread_among_links=bool(body.get("misread_among_links", False)),
        wrong_cable=_blame(key, body.get("wrong_cable", False)),
    )


def _hazard(hazard_id: str, body: Any) -> Hazard:
    key = f"hazards.{hazard_id}"
    body = _mapping("hazards", key, body)
    unknown = set(body) - {
        "severity",
        "title",
        "text",
        "mitigated",
        "mentions",
        "sources",
        "levels",
        "across_levels",
        "needs_phantom",
        "needs_unbalanced",
        "gear",
        "maybe_gear",
        "absent",
        "absent_gear",
        "into_one",
    }
    if unknown:
        raise KBInvalid(f"kb/hazards.yaml: {key}: unknown keys {sorted(unknown)}")
    if body.get("severity") not in SEVERITIES:
        raise KBInvalid(f"kb/hazards.yaml: {key}.severity: must be one of {sorted(SEVERITIES)}")
    mitigated = body.get("mitigated") or {}
    mentions = body.get("mentions") or []
    if not all(isinstance(group, list) and group for group in mentions):
        raise KBInvalid(f"kb/hazards.yaml: {key}.mentions: must be a list of non-empty phrase lists")
    if bool(body.get("gear")) != bool(body.get("absent")):
        raise KBInvalid(f"kb/hazards.yaml: {key}: gear and absent go together (the gear, and what it lacks)")
    return Hazard(
        id=hazard_id,
        severity=body["severity"],
        title=str(body.get("title") or hazard_id),
        text=_text("hazards", key, body),
        sources=tuple(body.get("sources") or ()),
        mentions=tuple(tuple(str(p).lower() for p in group) for group in mentions),
        mitigated_when=_conditions("hazards", f"{key}.mitigated.when", mitigated["when"])
        if mitigated
        else (),
        mitigated_text=str(mitigated.get("text", "")),
        levels=tuple(str(level) for level in body.get("levels") or ()),
        across_levels=bool(body.get("across_levels", False)),
        needs_phantom=bool(body.get("needs_phantom", False)),
        needs_unbalanced=bool(body.get("needs_unbalanced", False)),
        gear=tuple(str(d) for d in body.get("gear") or ()),
        maybe_gear=tuple(str(d) for d in body.get("maybe_gear") or ()),
        absent=tuple(str(p).lower() for p in body.get("absent") or ()),
        absent_gear=tuple(str(d) for d in body.get("absent_gear") or ()),
        into_one=_into_one(key, body.get("into_one")),
    )


def _into_one(key: str, body: Any) -> IntoOne | None:
    if body is None:
        return None
    body = _mapping("hazards", f"{key}.into_one", body)
    if set(body) != {"join", "one", "window"} or not body["join"] or not body["one"]:
        raise KBInvalid(
            f"kb/hazards.yaml: {key}.into_one: needs join (phrases), one (words) and window (a number)"
        )
    if not isinstance(body["window"], int) or body["window"] < 1:
        raise KBInvalid(f"kb/hazards.yaml: {key}.into_one.window: must be a whole number of words, 1 or more")
    return IntoOne(
        join=tuple(str(p).lower() for p in body["join"]),
        one=frozenset(str(w).lower() for w in body["one"]),
        window=body["window"],
    )


def _glossary(path: Path, english: frozenset[str]) -> dict[str, str]:
    """kb/glossary.yaml (optional): {language: {phrase: english}} flattened to one phrase -> English map.

    A one-word phrase that is an English word (kb/words.txt) is refused: translating it would change English
    questions. A phrase two languages translate differently is refused too: the reader could not tell which."""
    if not path.exists():
        return {}
    where = "kb/glossary.yaml"
    out: dict[str, str] = {}
    for language, entries in _mapping(
        "glossary", "translations", _read_yaml(path).get("translations")
    ).items():
        for phrase, english_words in _mapping("glossary", f"translations.{language}", entries).items():
            key = f"translations.{language}.{phrase}"
            if not isinstance(phrase, str) or not isinstance(english_words, str) or not english_words.strip():
                raise KBInvalid(f"{where}: {key}: a phrase and its English, both text")
            if phrase != phrase.lower().strip() or folded(phrase) != phrase:
                raise KBInvalid(f"{where}: {key}: write phrases lower case, without accents")
            if " " not in phrase and phrase in english:
                raise KBInvalid(
                    f"{where}: {key}: an English word (kb/words.txt); English questions would change"
                )
            if out.get(phrase, english_words) != english_words:
                raise KBInvalid(f"{where}: {key}: another language translates it as '{out[phrase]}'")
            out[phrase] = english_words.strip()
    return out


def _words(path: Path) -> frozenset[str]:
    """kb/words.txt: one English word a line, '#' comments; a kb folder without the file has none."""
    if not path.exists():
        return frozenset()
    lines = (line.split("#", 1)[0].strip().lower() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(line for line in lines if line)


def _terms(raw: dict[str, Any]) -> Terms:
    def texts(where: str, values: list) -> tuple[str, ...]:
        # YAML reads an unquoted +48 as the number 48, which then matches any "48" in a question
        numbers = [v for v in values if not isinstance(v, str)]
        if numbers:
            raise KBInvalid(f'kb/terms.yaml: {where}: {numbers[0]!r} is not text; quote it ("+48")')
        return tuple(v.lower() for v in values)

    def phrases(key: str) -> dict[str, tuple[str, ...]]:
        return {k: texts(f"{key}.{k}", v) for k, v in _mapping("terms", key, raw.get(key)).items()}

    def flat(key: str) -> tuple[str, ...]:
        value = raw.get(key)
        if not isinstance(value, list):
            raise KBInvalid(f"kb/terms.yaml: {key}: must be a list")
        return texts(key, value)

    for pattern in flat("injection"):
        try:
            re.compile(pattern)
        except re.error as exc:
            raise KBInvalid(f"kb/terms.yaml: injection: bad pattern {pattern!r}: {exc}") from exc
    return Terms(
        port_words=phrases("port_words"),
        roles=phrases("roles"),
        balance_words=phrases("balance_words"),
        domain_terms=flat("domain_terms"),
        weak_terms=flat("weak_terms"),
        shared_terms=flat("shared_terms") if "shared_terms" in raw else (),
        injection=flat("injection"),
        spelling=flat("spelling"),
    )


def _cross_check(o: Ontology) -> None:
    """Check every reference between files, so a typo fails at start instead of mid-answer."""

    def need_sources(file: str, key: str, tags) -> None:
        if not tags:
            raise KBInvalid(f"kb/{file}.yaml: {key}: needs at least one source tag")
        for tag in tags:
            if tag not in o.sources:
                raise KBInvalid(f"kb/{file}.yaml: {key}: unknown source '{tag}'")

    for fid, fam in o.families.items():
        need_sources("connectors", f"families.{fid}", fam.sources)
        for target in fam.resolves_to:
            if target not in o.families:
                raise KBInvalid(f"kb/connectors.yaml: families.{fid}.resolves_to: unknown family '{target}'")
        if not fam.plug and not fam.resolves_to:
            raise KBInvalid(f"kb/connectors.yaml: families.{fid}: needs 'plug' or 'resolves_to'")
    for did, device in o.devices.items():
        for vid in device.variants:
            if vid not in o.variants:
                raise KBInvalid(f"kb/gear.yaml: products.{did}.variants: unknown connector variant '{vid}'")
    for vid, variant in o.variants.items():
        need_sources("connectors", f"variants.{vid}", variant.sources)
        if variant.family not in o.families:
            raise KBInvalid(f"kb/connectors.yaml: variants.{vid}.family: unknown family '{variant.family}'")
        for other in variant.fits:
            if other not in o.variants or o.variants[other].family != variant.family:
                raise KBInvalid(
                    f"kb/connectors.yaml: variants.{vid}.fits: '{other}' is not a variant of {variant.family}"
                )
    for cid, cable in o.cables.items():
        for end in cable.ends:
            if end not in o.families:
                raise KBInvalid(f"kb/connectors.yaml: cables.{cid}.ends: unknown family '{end}'")
        if cable.split_ends and len(cable.split_ends) != len(cable.ends):
            raise KBInvalid(
                f"kb/connectors.yaml: cables.{cid}.split_ends: one true/false per end ({len(cable.ends)})"
            )
    for pid, port in o.ports.items():
        need_sources("ports", f"port_kinds.{pid}", port.sources)
        if port.role not in ROLES:
            raise KBInvalid(f"kb/ports.yaml: port_kinds.{pid}.role: must be 'out' or 'in'")
        if port.balance not in BALANCES:
            raise KBInvalid(f"kb/ports.yaml: port_kinds.{pid}.balance: must be one of {sorted(BALANCES)}")
        if port.level is not None and port.level not in o.levels:
            raise KBInvalid(f"kb/ports.yaml: port_kinds.{pid}.level: unknown level '{port.level}'")
        for jack in port.jacks:
            if jack not in o.families:
                raise KBInvalid(f"kb/ports.yaml: port_kinds.{pid}.jacks: unknown family '{jack}'")
        if port.feeds is not None and (
            port.role != "out" or port.feeds not in o.ports or o.ports[port.feeds].role != "in"
        ):
            raise KBInvalid(
                f"kb/ports.yaml: port_kinds.{pid}.feeds: an output's, naming a port kind of role in"
            )
    for did, device in o.devices.items():
        need_sources("devices", f"devices.{did}", device.sources)
        for side, ports in (("out", device.out), ("in", device.inputs)):
            for qualifier, port_id in ports.items():
                if port_id not in o.ports:
                    raise KBInvalid(
                        f"kb/devices.yaml: devices.{did}.{side}.{qualifier}: unknown port kind '{port_id}'"
                    )
                if o.ports[port_id].role != side:
                    raise KBInvalid(
                        f"kb/devices.yaml: devices.{did}.{side}.{qualifier}: '{port_id}' is not an {side}put"
                    )
                if qualifier != "default" and qualifier not in o.terms.port_words:
                    raise KBInvalid(f"kb/devices.yaml: devices.{did}.{side}.{qualifier}: unknown qualifier")
        for toward, port_id in device.out_to.items():
            if toward not in o.devices or o.devices[toward].kind:
                raise KBInvalid(f"kb/devices.yaml: devices.{did}.out_to.{toward}: not a device class")
            if port_id not in device.out.values():
                raise KBInvalid(
                    f"kb/devices.yaml: devices.{did}.out_to.{toward}: '{port_id}' is not one of its outputs"
                )
    for qualifier, sides in o.generic_ports.items():
        for side, port_id in sides.items():
            if side not in ROLES or port_id not in o.ports or o.ports[port_id].role != side:
                raise KBInvalid(
                    f"kb/ports.yaml: generic.{qualifier}.{side}: '{port_id}' is not a known {side}put"
                )
    for fact in o.facts.values():
        need_sources("rules", f"facts.{fact.id}", fact.sources)
    for rule in o.link_rules:
        need_sources("rules", f"link_rules[{rule.id}]", rule.sources)
        if rule.hazard and rule.hazard not in o.hazards:
            raise KBInvalid(f"kb/rules.yaml: link_rules[{rule.id}].hazard: unknown hazard '{rule.hazard}'")
        for device in rule.suggests:
            if device not in o.devices:
                raise KBInvalid(f"kb/rules.yaml: link_rules[{rule.id}].suggests: unknown device '{device}'")
    for hazard in o.hazards.values():
        need_sources("hazards", f"hazards.{hazard.id}", hazard.sources)
    for fmt_id, fmt in o.formats.items():
        need_sources("terms", f"formats.{fmt_id}", fmt.sources)
    need_sources("pairs", "sources", o.pair_sources)
    for pair, code in o.pair_grid.items():
        if code not in o.pair_codes:
            raise KBInvalid(f"kb/pairs.yaml: grid {sorted(pair)}: unknown code '{code}'")
    g = o.grammar
    if g is not None:
        families_named = [f for m in g.family_merge for f in (*m.families, m.becomes)]
        families_named += [*g.stereo_plugs, *g.mono_pair_plugs, *g.mono_plug, *g.mono_plug.values()]
        families_named += [
            *g.midi_over_jack.families,
            g.instrument_cable_source.get("family", ""),
            *g.grid_ids,
            *g.qualifier_plugs.values(),
        ]
        for family in families_named:
            if family not in o.families:
                raise KBInvalid(f"kb/reading.yaml: unknown connector family '{family}'")
        for qualifier in (
            g.default_port,
            g.phantom_port,
            g.instrument_cable_source.get("port", ""),
            *([g.usb_port] if g.usb_port else []),
        ):
            if qualifier not in o.generic_ports:
                raise KBInvalid(f"kb/reading.yaml: '{qualifier}' is not a generic port of ports.yaml")
        for code, hazard_id in g.pair_hazards.items():
            if code not in o.pair_codes or hazard_id not in o.hazards:
                raise KBInvalid(f"kb/reading.yaml: pair_hazards.{code}: unknown code or hazard '{hazard_id}'")
        for situation, fact_id in g.cite.items():
            if fact_id not in o.facts:
                raise KBInvalid(f"kb/reading.yaml: cite.{situation}: unknown fact '{fact_id}'")
        if g.audio_asked is not None:
            rule = next((r for r in o.link_rules if r.id == g.audio_asked.rule), None)
            if rule is None or "{" in rule.text:
                raise KBInvalid(
                    f"kb/reading.yaml: audio_asked.rule: '{g.audio_asked.rule}' must be a link rule of rules.yaml "
                    "whose text has no placeholders"
                )
        for key, devices in (("usb_hosts", g.usb_hosts), ("usb_senders", g.usb_senders)):
            for device in devices:
                if device not in o.devices:
                    raise KBInvalid(f"kb/reading.yaml: {key}: unknown device '{device}'")
        for refinement in g.device_refinements:
            for device in (refinement.device, refinement.becomes):
                if device not in o.devices:
                    raise KBInvalid(f"kb/reading.yaml: device_refinements: unknown device '{device}'")
        if set(g.separators.values()) - SEPARATOR_ROLES or set(g.attachers.values()) - ATTACHER_ROLES:
            raise KBInvalid("kb/reading.yaml: separators or attachers use an unknown role")
    for hazard in o.hazards.values():
        for device in (*hazard.gear, *hazard.absent_gear):
            if device not in o.devices:
                raise KBInvalid(f"kb/hazards.yaml: hazards.{hazard.id}.gear: unknown device '{device}'")
        for phrase in (p for group in hazard.mentions for p in group if p.startswith("@")):
            if phrase[1:] not in o.devices:
                raise KBInvalid(
                    f"kb/hazards.yaml: hazards.{hazard.id}.mentions: unknown device class '{phrase}'"
                )
    for entry in o.faq.values():
        need_sources("faq", f"faq[{entry.id}]", entry.sources)
        for hazard_id in entry.hazards:
            if hazard_id not in o.hazards:
                raise KBInvalid(f"kb/faq.yaml: faq[{entry.id}].hazards: unknown hazard '{hazard_id}'")
