"""The ontology loader: every file validated, every reference checked, errors name the file and key."""

from __future__ import annotations

import re
import shutil

import pytest

from service.errors import KBInvalid
from service.kb import load_ontology
from tests.conftest import KB_DIR


@pytest.fixture()
def kb_copy(tmp_path):
    target = tmp_path / "kb"
    shutil.copytree(KB_DIR, target, ignore=shutil.ignore_patterns("articles"))
    return target


def edit(path, old, new):
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "rules.yaml",
            "sources: [R110, FOC-BAL, TLA, BJC]",
            "sources: [RANE]",
            r"kb/rules.yaml: facts.rule.balance.all-three: unknown source 'RANE'",
        ),
        (
            "rules.yaml",
            'phantom: "on", dst.phantom: true, unbalanced_into_xlr: true}',
            "phantom: on, dst.phantom: true, unbalanced_into_xlr: true}",
            "reads as a boolean",
        ),
        ("rules.yaml", "verdict: unsafe\n", "verdict: maybe\n", "verdict: must be one of"),
        (
            "devices.yaml",
            "in: {default: phono-in}",
            "in: {default: phono-inn}",
            "unknown port kind 'phono-inn'",
        ),
        (
            "ports.yaml",
            "role: out, domain: analog, level: line, balance: unknown",
            "role: sideways, domain: analog, level: line, balance: unknown",
            "role: must be 'out' or 'in'",
        ),
        (
            "devices.yaml",
            "out_to: {audio-interface: usb-out}",
            "out_to: {audio-interface: adat-out}",
            "devices.computer.out_to.audio-interface: 'adat-out' is not one of its outputs",
        ),
        (
            "devices.yaml",
            "out_to: {audio-interface: usb-out}",
            "out_to: {audio-interfaces: usb-out}",
            "devices.computer.out_to.audio-interfaces: not a device class",
        ),
        ("hazards.yaml", "severity: danger\n", "severity: spicy\n", "severity: must be one of"),
        # unquoted, YAML reads +48 as the number 48, a phrase that would match any "48" in a question
        ("terms.yaml", '"+48", ', "+48, ", "domain_terms: 48 is not text"),
        ("connectors.yaml", "resolves_to: [trs, ts]", "resolves_to: [trs, tss]", "unknown family 'tss'"),
        (
            "connectors.yaml",
            "    pins: {hot: pin 2",
            "    colour: red\n    pins: {hot: pin 2",
            "families.xlr.colour",
        ),
    ],
)
def test_a_bad_file_fails_with_file_key_and_reason(kb_copy, file, old, new, message):
    edit(kb_copy / file, old, new)
    with pytest.raises(KBInvalid, match=message):
        load_ontology(kb_copy)


def test_invalid_yaml_and_missing_files(kb_copy):
    (kb_copy / "pairs.yaml").write_text("grid: [unclosed")
    with pytest.raises(KBInvalid, match="kb/pairs.yaml: not valid YAML"):
        load_ontology(kb_copy)
    (kb_copy / "pairs.yaml").unlink()
    with pytest.raises(KBInvalid, match="kb/pairs.yaml: file is missing"):
        load_ontology(kb_copy)


def test_every_alias_names_one_thing_of_its_kind(ontology):
    seen: dict[str, str] = {}
    for fid, fam in ontology.families.items():
        for alias in fam.aliases:
            assert seen.setdefault(f"family:{alias}", fid) == fid, f"alias {alias!r} names two families"
    for did, device in ontology.devices.items():
        for alias in device.aliases:
            assert seen.setdefault(f"device:{alias}", did) == did, f"alias {alias!r} names two devices"


def test_every_rule_and_hazard_cites_a_known_source(ontology):
    for rule in ontology.link_rules:
        assert rule.sources and set(rule.sources) <= set(ontology.sources), rule.id
    for hazard in ontology.hazards.values():
        assert hazard.sources and set(hazard.sources) <= set(ontology.sources), hazard.id


def test_contract_end_names_are_all_in_the_ontology(ontology):
    plugs = set()
    for fam in ontology.families.values():
        plugs |= set(fam.plug.values()) if isinstance(fam.plug, dict) else {fam.plug}
    contract = {
        "XLR-male",
        "XLR-female",
        "TRS-male",
        "TS-male",
        "RCA-male",
        "3.5mm TRS-male",
        "3.5mm TS-male",
        "3.5mm TRRS-male",
        "speakON",
        "banana",
        "MIDI DIN-5 male",
        "USB-A",
        "USB-B",
        "USB-C",
        "TOSLINK",
        "BNC",
    }
    assert contract <= plugs


def test_a_products_port_replacing_several_class_words_replaces_their_synonyms_too():
    from service.kb import _product_ports

    usual = {
        "default": "line-out",
        "line": "line-out",
        "main": "line-out",
        "speaker": "line-out",
        "usb": "usb-out",
    }
    # line and main both balanced on the maker's sheet: "speaker outs" (the class's word for the same port) too
    both = _product_ports(usual, {"line": "line-out-balanced", "main": "line-out-balanced"})
    assert both["speaker"] == "line-out-balanced"
    assert both["default"] == "line-out-balanced"
    assert both["usb"] == "usb-out"
    # one word replaced says nothing of the class's other words for that port
    one = _product_ports(usual, {"main": "line-out-balanced"})
    assert one["speaker"] == "line-out"


def test_a_product_whose_spec_says_no_speaker_output_has_no_speaker_level_output(ontology):
    # a floor modeler filed under the amp class kept the amp's speaker jack for any port the spec left unnamed,
    # so "the Helix's 1/4 outs into passive speakers" was judged an amp driving its speakers
    said_none = {
        device_id: device
        for device_id, device in ontology.devices.items()
        if device.kind
        and re.search(r"[(;] *no speaker output", device.spec)  # said outright, not "some models"
    }
    assert said_none
    for device_id, device in said_none.items():
        levels = {ontology.ports[port].level for port in device.out.values()}
        assert "speaker" not in levels, device_id


def test_every_maker_name_is_read_as_a_class_of_gear(ontology):
    # a maker name only matters where the lexicon reads it as a class ("technics" a turntable); one that no class
    # goes by is a typo or a stale entry
    from service.core.normalize import _grammar

    aliases = {alias for device in ontology.devices.values() if not device.kind for alias in device.aliases}
    makers = _grammar(ontology).maker_names
    assert makers
    assert makers <= aliases, sorted(makers - aliases)
