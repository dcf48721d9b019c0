"""Wiring pictures: the plan (service/core/wiring.py) and its SVG (service/adapters/wiring_svg.py)."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

from service.adapters.wiring_svg import alt_text
from service.adapters.wiring_svg import end_names
from service.adapters.wiring_svg import load_drawing
from service.adapters.wiring_svg import path_for
from service.adapters.wiring_svg import render_svg
from service.core.wiring import drawable_pairs
from service.core.wiring import wiring_picture
from service.errors import KBInvalid
from tests.conftest import KB_DIR

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def drawing(ontology):
    return load_drawing(KB_DIR, ontology)


def _wires(picture):
    return [(w.from_leg, w.from_contact, w.to_leg, w.to_contact) for w in picture.wires]


def test_every_plug_pair_the_service_can_name_is_drawn_as_a_safe_accessible_svg(ontology, drawing):
    pairs = drawable_pairs(ontology, drawing)
    assert len(pairs) >= 200  # every single plug to every single plug, XLR genders apart
    duals = [(a, f"dual {b}") for a, b in pairs[:40]] + [(f"dual {a}", b) for a, b in pairs[:40]]
    for from_end, to_end in pairs + duals:
        picture = wiring_picture(from_end, to_end, ontology, drawing)
        assert picture is not None, (from_end, to_end)
        svg = render_svg(picture, drawing)
        root = ET.fromstring(svg.split("\n", 1)[1])  # without the XML declaration
        assert root.get("viewBox", "").split()[2] == "320"
        assert root.get("role") == "img" and root.get("aria-labelledby") == "wiring-title wiring-desc"
        assert root.find(f"{SVG}title").text.startswith("Wiring: ")
        assert root.find(f"{SVG}desc").text == alt_text(picture)
        tags = {element.tag.removeprefix(SVG) for element in root.iter()}
        assert not tags & {"script", "style", "foreignObject", "image", "a", "use"}, tags
        attributes = {name for element in root.iter() for name in element.attrib}
        assert not [name for name in attributes if name.lower().startswith("on") or "href" in name]


def test_the_picture_draws_the_wiring_the_rules_give_the_answer(engine, ontology, drawing):
    for question in (
        "which cable from my interface's TRS outputs to my monitors' XLR inputs?",
        "which cable from a mixer's TS output into a balanced TRS input?",
        "XLR mic into my interface, which cable?",
    ):
        cable = engine.answer(question).cable
        picture = wiring_picture(cable.from_end, cable.to_end, ontology, drawing)
        assert [(w.from_contact, w.to_contact) for w in picture.wires] == [
            (w.from_contact, w.to_contact) for w in cable.wiring
        ], question


def test_an_unbalanced_source_into_a_balanced_plug_ties_cold_to_ground(ontology, drawing):
    picture = wiring_picture("TS-male", "XLR-male", ontology, drawing)
    assert _wires(picture) == [(0, "tip", 0, "pin 2"), (0, "sleeve", 0, "pin 1"), (0, "sleeve", 0, "pin 3")]
    assert picture.shielded


def test_a_stereo_plug_into_a_dual_end_sends_left_and_right_down_their_own_legs(ontology, drawing):
    picture = wiring_picture("3.5mm TRS-male", "dual TS-male", ontology, drawing)
    assert _wires(picture) == [
        (0, "tip", 0, "tip"),
        (0, "sleeve", 0, "sleeve"),
        (0, "ring", 1, "tip"),
        (0, "sleeve", 1, "sleeve"),
    ]
    assert picture.to_end.legs == ("left / send", "right / return")
    back = wiring_picture("dual TS-male", "3.5mm TRS-male", ontology, drawing)
    assert (1, "tip", 0, "ring") in _wires(back)


def test_families_without_pins_join_contacts_of_the_same_name_and_leave_unused_ones_open(ontology, drawing):
    picture = wiring_picture("MIDI DIN-5 male", "MIDI DIN-5 male", ontology, drawing)
    assert _wires(picture) == [(0, "pin 4", 0, "pin 4"), (0, "pin 5", 0, "pin 5"), (0, "pin 2", 0, "pin 2")]
    assert "Not connected at the sending end (MIDI DIN-5 male): pin 1, pin 3" in alt_text(picture)


def test_a_speaker_cable_has_no_shield(ontology, drawing):
    picture = wiring_picture("speakON", "banana", ontology, drawing)
    assert not picture.shielded
    assert "shield" not in render_svg(picture, drawing).split("</desc>", 1)[1]


def test_unknown_ends_are_not_drawn(ontology, drawing):
    assert wiring_picture("garden hose", "XLR-male", ontology, drawing) is None
    assert "dual_ts-male" in end_names(ontology) and "garden_hose" not in end_names(ontology)
    assert path_for("3.5mm TRS-male", "dual TS-male") == "/wiring/3.5mm_trs-male--dual_ts-male.svg"


def test_contact_texts_fit_their_box_at_320_px(drawing):
    """Boxes are 112 units wide at 1:1 on a 320 px screen: names at 12 px and what they carry at 10.5 px must fit
    (about 6.5 and 5.6 units a character); a longer text in kb/wiring.yaml would run out of its box."""
    for family, contacts in drawing.families.items():
        for contact in contacts:
            assert len(contact.name) <= 14, (family, contact.name)
            assert len(f"{contact.carries} · open") <= 24, (family, contact.carries)


def test_a_pin_that_is_no_contact_is_refused(ontology, tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KB_DIR, kb, ignore=shutil.ignore_patterns("articles"))
    text = (kb / "wiring.yaml").read_text().replace("[pin 2, hot, hot (+)]", "[pin 9, hot, hot (+)]")
    (kb / "wiring.yaml").write_text(text)
    with pytest.raises(KBInvalid, match=r"families.xlr: the connectors.yaml pins \['pin 2'\]"):
        load_drawing(kb, ontology)
