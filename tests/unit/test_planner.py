"""The connection planner (service/core/planner.py) over the real kb/: each plan is judged hop by hop by the rules."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest

from service.core.gear_words import UnknownEndpoint
from service.core.gear_words import read_endpoint
from service.core.planner import PlanError
from service.core.planner import plan_between
from service.errors import KBInvalid
from service.kb import load_ontology
from service.types import Compatibility
from tests.conftest import KB_DIR


def _without_in_between(ontology):
    """The same knowledge with nothing to put in between: only cables and adapters remain."""
    return replace(ontology, planner=replace(ontology.planner, in_between={}))


def _devices(plan):
    return [part.in_between.id for part in plan.parts if part.in_between]


def _cables(plan):
    return [part for part in plan.parts if part.cable]


def test_every_hop_is_judged_by_the_rules(ontology):
    rule_ids = {rule.id for rule in ontology.link_rules}
    planning = plan_between("turntable", "Scarlett 2i2", ontology)
    assert planning.plans
    for plan in planning.plans:
        for hop in plan.hops:
            assert hop.rule_ids and set(hop.rule_ids) <= rule_ids
            assert hop.compatibility in (Compatibility.WORKS, Compatibility.WORKS_WITH_CAVEAT)


def test_a_turntable_gets_a_phono_preamp_not_a_caveat(ontology):
    best = plan_between("turntable", "Scarlett 2i2", ontology).plans[0]
    assert _devices(best) == ["phono-stage"]
    assert best.compatibility is Compatibility.WORKS
    # the preamp carries both channels; each RCA leg is one cable
    assert [p.quantity for p in best.parts if p.in_between] == [1]
    assert all(p.quantity == 2 for p in _cables(best))


def test_stereo_pair_needs_one_cable_per_monitor_and_mono_needs_one(ontology):
    stereo = plan_between("Scarlett 2i2", "Yamaha HS5", ontology).plans[0]
    assert stereo.stereo and [p.quantity for p in stereo.parts] == [2]
    assert "left and right" in stereo.parts[0].reason
    mono = plan_between("Scarlett 2i2", "Yamaha HS5", ontology, stereo=False).plans[0]
    assert not mono.stereo and [p.quantity for p in mono.parts] == [1]


def test_midi_and_usb_links_are_one_cable_whatever_the_gear(ontology):
    best = plan_between("keyboard midi out", "laptop usb", ontology, stereo=True).plans[0]
    assert not best.stereo and all(p.quantity == 1 for p in best.parts)


def test_a_products_own_jacks_narrow_the_cables(ontology):
    # the Scarlett 2i2's line outputs are 1/4-inch TRS only (kb/planner.yaml `jacks`); the class lists XLR too
    scarlett = plan_between("Scarlett 2i2", "Yamaha HS5", ontology).plans[0].parts[0]
    generic = plan_between("audio interface", "Yamaha HS5", ontology).plans[0].parts[0]
    assert all(name.startswith("TRS") for name in (scarlett.name, *scarlett.alternatives))
    assert any(name.startswith("XLR") for name in (generic.name, *generic.alternatives))


def test_a_mono_in_between_device_is_doubled_for_a_stereo_pair(ontology):
    best = plan_between("keyboard", "a mic input", ontology, stereo=True).plans[0]
    assert [(p.in_between.id, p.quantity) for p in best.parts if p.in_between] == [("di-box-passive", 2)]


def test_balanced_cable_preferred_where_both_ends_allow_it(ontology):
    best = plan_between("Scarlett 2i2", "Yamaha HS5", ontology).plans[0]
    assert best.balanced is True
    assert best.parts[0].cable.from_end.startswith("TRS")
    # into the same gear, the planner finds a balanced input rather than the unbalanced Hi-Z one that also works
    into_hiz = plan_between("Elektron Digitakt", "mixer instrument input", ontology).plans[0]
    assert into_hiz.compatibility is Compatibility.WORKS and into_hiz.balanced is False
    anywhere = plan_between("Elektron Digitakt", "mixer", ontology).plans[0]
    assert anywhere.balanced is True and len(anywhere.parts) == len(into_hiz.parts)


def test_never_a_hazard_when_a_safe_plan_exists(ontology):
    # straight in, a balanced line output on a mic input with 48 V on raises hazards; a DI box avoids them
    direct = plan_between("Scarlett 2i2", "a mic input", _without_in_between(ontology), phantom="on")
    assert direct.plans and not direct.plans[0].safe
    planning = plan_between("Scarlett 2i2", "a mic input", ontology, phantom="on")
    assert planning.safe and planning.plans
    assert all(plan.safe for plan in planning.plans)
    assert all("di-box-passive" in _devices(plan) for plan in planning.plans)


def test_says_plainly_when_only_plans_with_a_hazard_exist(ontology):
    planning = plan_between("Scarlett 2i2", "a mic input", _without_in_between(ontology), phantom="on")
    assert not planning.safe
    assert planning.message.startswith("No safe plan was found")
    assert all(plan.warnings for plan in planning.plans)


def test_says_plainly_when_nothing_can_connect_the_two(ontology):
    planning = plan_between("speaker output", "line input", ontology)
    assert planning.plans == () and not planning.safe
    assert planning.message.startswith("No safe plan was found")
    assert "tens of volts" in planning.message  # the reason of the rule that refused the direct link


def test_suggests_an_adapter_when_no_cable_has_the_two_ends(ontology):
    # a synth whose MIDI port is a 3.5 mm jack: no MIDI cable has that end, the TRS-MIDI adapter makes it fit
    kit = ontology.planner
    only_trs = replace(kit, jacks={**kit.jacks, "keyboard": {"midi-out": ("trs35",)}})
    best = plan_between("keyboard midi out", "laptop usb", replace(ontology, planner=only_trs)).plans[0]
    assert _devices(best) == ["usb-midi-interface"]
    adapters = [p.adapter.id for p in best.parts if p.adapter]
    assert adapters == ["trs-midi"]
    assert best.parts[0].cable.name.count("MIDI") == 2  # the cable bought is DIN at both ends


def test_usb_only_laptop_gets_a_usb_midi_interface(ontology):
    best = plan_between("Korg microKORG MIDI out", "USB-only laptop", ontology).plans[0]
    assert _devices(best) == ["usb-midi-interface"]
    assert best.compatibility is Compatibility.WORKS


def test_mic_into_a_phone_without_a_jack_goes_through_an_interface(ontology):
    best = plan_between("SM58", "iPhone 15", ontology).plans[0]
    assert _devices(best) == ["usb-audio-interface"]
    assert best.parts[-1].cable.to_end == "USB-C"


def test_unknown_product_falls_back_to_its_class(ontology):
    stop = read_endpoint("Zorbatron Z9 interface", "in", ontology)
    assert stop.device == "audio-interface"
    best = plan_between("SM58", "Zorbatron Z9 interface", ontology).plans[0]
    assert _devices(best) == [] and best.balanced is True
    assert best.hops[0].dest.endswith("XLR mic input")


def test_stops_from_the_question_reader_plan_like_words(ontology):
    # the answer composer passes the reader's Stops, not words
    from service.core.reading import Stop

    from_stops = plan_between(Stop(device="shure-sm58"), Stop(qualifiers=("mic",)), ontology)
    from_words = plan_between("Shure SM58", "a mic input", ontology)
    assert [p.summary for p in from_stops.plans] == [p.summary for p in from_words.plans]
    assert from_stops.plans[0].parts[0].name == "XLR-female to XLR-male"


def test_a_product_is_read_before_its_class(ontology):
    assert read_endpoint("my Scarlett 2i2 interface", "out", ontology).device == "focusrite-scarlett-2i2"


def test_bad_ends_are_refused_with_the_reason(ontology):
    with pytest.raises(UnknownEndpoint, match="no gear, port or connector"):
        plan_between("my cat", "Yamaha HS5", ontology)
    with pytest.raises(PlanError, match="has no outputs"):
        plan_between("Yamaha HS5", "Scarlett 2i2", ontology)


def test_kb_check_refuses_a_broken_planner_file(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KB_DIR, kb, ignore=shutil.ignore_patterns("articles"))
    path = kb / "planner.yaml"
    path.write_text(path.read_text().replace("in: {midi: midi-in}", "in: {midi: midi-out}"))
    with pytest.raises(KBInvalid, match=r"planner.yaml: in_between.usb-midi-interface.in.midi"):
        load_ontology(kb)


def test_a_stereo_jack_into_two_mono_inputs_is_one_split_cable(ontology):
    # a TS plug fits the monitors' TRS jacks (reading.yaml mono_plug), so no device is needed
    best = plan_between("laptop", "studio monitors", ontology).plans[0]
    assert _devices(best) == [] and [p.quantity for p in best.parts] == [1]
    assert best.parts[0].cable.name == "3.5mm TRS-male to dual TS-male"


def test_a_device_that_leaves_a_caveat_is_no_alternative(ontology):
    plans = plan_between("bass", "powered speaker", ontology).plans
    assert plans[0].compatibility is Compatibility.WORKS
    with_devices = [plan for plan in plans if _devices(plan)]
    assert with_devices and all(plan.compatibility is Compatibility.WORKS for plan in with_devices)


def test_among_equal_inputs_the_one_made_for_the_level_wins(ontology):
    best = plan_between("drum machine", "mixer", ontology).plans[0]
    assert best.hops[0].dest == "mixer line input"


def test_headphones_plug_straight_into_a_headphone_output(ontology):
    planning = plan_between("laptop", "headphones", ontology)
    assert planning.plans[0].parts == () and planning.message.startswith("Nothing to buy")
    assert planning.plans[0].hops[0].cable is None


def test_a_line_output_gets_a_headphone_amp(ontology):
    plans = plan_between("CD player", "headphones", ontology).plans
    assert _devices(plans[0]) == ["headphone-amplifier"] and plans[0].compatibility is Compatibility.WORKS
    # straight in also "works", with the caveat that a line output cannot drive headphones
    assert plans[1].parts == () and plans[1].compatibility is Compatibility.WORKS_WITH_CAVEAT


def test_a_headphone_amp_feeds_only_headphones(ontology):
    for plan in plan_between("SM7B", "laptop", ontology).plans:
        assert "headphone-amplifier" not in _devices(plan)


def test_a_headphone_plug_of_another_size_gets_an_adapter(ontology):
    kit = ontology.planner
    sizes = {
        **kit.jacks,
        "focusrite-scarlett-2i2": {"headphone-out-quarter": ("trs",)},
        "headphones": {"headphones-plug": ("trs35",)},
    }
    planning = plan_between(
        "Scarlett 2i2", "headphones", replace(ontology, planner=replace(kit, jacks=sizes))
    )
    assert [p.adapter.id for p in planning.plans[0].parts] == ["quarter-to-eighth"]
