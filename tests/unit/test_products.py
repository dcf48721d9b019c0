"""Shop products read as cables (service/core/products.py) and matched to an answer's cable."""

from __future__ import annotations

from decimal import Decimal

import pytest

from service.adapters.catalog import load_shop_reading
from service.core.products import Availability
from service.core.products import CableNeed
from service.core.products import CableReading
from service.core.products import Catalog
from service.core.products import Product
from service.core.products import Unreadable
from service.core.products import cable_need
from service.core.products import fitting_products
from service.core.products import read_cable
from service.types import Answer
from service.types import Basis
from service.types import Cable
from service.types import Entity
from service.types import Intent
from tests.conftest import KB_DIR


@pytest.fixture(scope="module")
def reading(ontology):
    return load_shop_reading(KB_DIR, ontology)


@pytest.mark.parametrize(
    ("title", "ends", "kind", "length"),
    [
        ("Brand XLR female to XLR male microphone cable, 6 m", ("XLR-female", "XLR-male"), "balanced", 6.0),
        ("Brand male XLR to female XLR, 2 m", ("XLR-male", "XLR-female"), "balanced", 2.0),
        ("Brand XLR cable 10 m", ("XLR-female", "XLR-male"), "balanced", 10.0),
        ("Brand 1/4-inch TRS to XLR male, 10 ft", ("TRS-male", "XLR-male"), "balanced", 3.048),
        ("Brand 1/4-inch TS to 1/4-inch TS speaker cable, 5 m", ("TS-male", "TS-male"), "speaker", 5.0),
        ("Brand guitar cable 3 m", ("TS-male", "TS-male"), "unbalanced", 3.0),
        ("Brand speakON to banana plugs, 10 m", ("speakON", "banana"), "speaker", 10.0),
        (
            "Brand 3.5 mm TRS to dual 1/4-inch TS Y cable",
            ("3.5mm TRS-male", "dual TS-male"),
            "unbalanced",
            None,
        ),
        ("Brand MIDI cable 5-pin DIN 1 m", ("MIDI DIN-5 male", "MIDI DIN-5 male"), "data", 1.0),
    ],
)
def test_titles_are_read_with_the_question_lexicon(ontology, reading, title, ends, kind, length):
    cable = read_cable(title, [], ontology, reading)
    assert isinstance(cable, CableReading), cable
    assert (cable.from_end, cable.to_end) == ends
    assert cable.kind == kind
    assert cable.length_m == pytest.approx(length) if length else cable.length_m is None


def test_a_metre_is_not_a_male_plug(ontology, reading):
    """'6 m' after a number is a unit: the XLR end keeps the gender the title gives it."""
    cable = read_cable("Brand XLR female to XLR female 6 m", [], ontology, reading)
    assert isinstance(cable, CableReading)
    assert (cable.from_end, cable.to_end, cable.length_m) == ("XLR-female", "XLR-female", 6.0)


@pytest.mark.parametrize(
    ("title", "reason"),
    [
        ("Brand 1/4-inch jack lead, 3 m", "does not say which 1/4-inch jack"),
        ("Brand 1/4-inch TS to 1/4-inch TS cable, 3 m", "kind unreadable"),
        ("Brand boom microphone stand", "names no connector"),
        ("Brand XLR to TRS to TS", "names 3 connector ends"),
        ("Brand balanced XLR to RCA", "but a cable with XLR and RCA ends is unbalanced"),
        ("Brand adapter 3.5 mm female to 1/4-inch TRS male", "has a female 3.5 mm TRS end"),
    ],
)
def test_a_product_whose_ends_or_kind_cannot_be_read_is_left_out_with_the_reason(
    ontology, reading, title, reason
):
    result = read_cable(title, [], ontology, reading)
    assert isinstance(result, Unreadable)
    assert reason in result.reason


def test_custom_labels_win_over_the_title_and_other_labels_are_ignored(ontology, reading):
    labels = ["ends: TS to TS", "kind: speaker", "length: 7.5 m", "summer sale", "margin=high"]
    cable = read_cable("Brand 2 x 1.5 mm2 lead, 10 m", labels, ontology, reading)
    assert cable == CableReading("TS-male", "TS-male", "speaker", 7.5, True)
    bad = read_cable("Brand lead", ["ends: TS to TS", "kind: garden hose"], ontology, reading)
    assert isinstance(bad, Unreadable) and "garden hose" in bad.reason


def test_one_way_words_make_a_product_directional(ontology, reading):
    cable = read_cable("Brand RCA to XLR male line cable, one-way", [], ontology, reading)
    assert isinstance(cable, CableReading) and not cable.reversible
    assert read_cable("Brand RCA to XLR male line cable", [], ontology, reading).reversible


def _product(ident, ends, kind, length=None, availability="in_stock", price="10.00", reversible=True):
    cable = CableReading(ends[0], ends[1], kind, length, reversible)
    return Product(
        ident,
        ident,
        f"https://shop.example.com/{ident}",
        Decimal(price),
        "USD",
        Availability(availability),
        cable,
    )


CATALOG = Catalog.of(
    [
        _product("mic-3", ("XLR-female", "XLR-male"), "balanced", 3.0),
        _product("mic-6-out", ("XLR-female", "XLR-male"), "balanced", 6.0, "out_of_stock", "9.00"),
        _product("mic-6", ("XLR-male", "XLR-female"), "balanced", 6.0, price="12.00"),
        _product("mic-10", ("XLR-female", "XLR-male"), "balanced", 10.0, "backorder"),
        _product("trs-xlr", ("TRS-male", "XLR-male"), "balanced", 3.0),
        _product("gtr", ("TS-male", "TS-male"), "unbalanced", 6.0),
        _product("spk", ("TS-male", "TS-male"), "speaker", 6.0),
        _product("rca-xlr-oneway", ("RCA-male", "XLR-male"), "unbalanced", 2.0, reversible=False),
        _product("xlr-rca-oneway", ("XLR-male", "RCA-male"), "unbalanced", 2.0, reversible=False),
    ]
)


def _ids(need):
    return [p.id for p in fitting_products(need, CATALOG, limit=10)]


def test_matching_ends_in_either_order_for_a_reversible_cable_in_stock_first():
    need = CableNeed("XLR-female", "XLR-male", "balanced")
    assert _ids(need) == [
        "mic-3",
        "mic-6",
        "mic-10",
        "mic-6-out",
    ]  # in stock, then backorder, then out of stock


def test_matching_needs_the_stated_length():
    assert _ids(CableNeed("XLR-female", "XLR-male", "balanced", 5.0)) == ["mic-6", "mic-10", "mic-6-out"]
    assert _ids(CableNeed("XLR-female", "XLR-male", "balanced", 30.0)) == []
    assert _ids(CableNeed("XLR-female", "XLR-male", "balanced", 3.0))[0] == "mic-3"  # "3 m" is long enough


def test_matching_needs_the_same_kind():
    assert _ids(CableNeed("TS-male", "TS-male", "speaker")) == ["spk"]
    assert _ids(CableNeed("TS-male", "TS-male", "unbalanced")) == ["gtr"]


def test_a_one_way_product_fits_only_in_its_own_order():
    assert _ids(CableNeed("RCA-male", "XLR-male", "unbalanced")) == ["rca-xlr-oneway"]
    assert _ids(CableNeed("XLR-male", "RCA-male", "unbalanced")) == ["xlr-rca-oneway"]
    assert _ids(CableNeed("TRS-male", "XLR-male", "balanced")) == ["trs-xlr"]
    assert _ids(CableNeed("TS-male", "XLR-male", "balanced")) == []


def _answer(question, cable, entities=()):
    return Answer(
        question, Intent.CABLE_RECOMMENDATION, "", Basis.RULES, cable=cable, entities=tuple(entities)
    )


def test_an_answer_needs_a_speaker_cable_when_it_feeds_speaker_level_gear(ontology, reading):
    cable = Cable("TS-male", "TS-male")
    to_speakers = _answer(
        "amp into my cab, 5 m",
        cable,
        [Entity("amp", "amp", "device"), Entity("passive-speaker", "cab", "device")],
    )
    assert cable_need(to_speakers, ontology, reading) == CableNeed("TS-male", "TS-male", "speaker", 5.0)
    from_guitar = _answer(
        "guitar into amp", cable, [Entity("guitar", "guitar", "device"), Entity("amp", "amp", "device")]
    )
    assert cable_need(from_guitar, ontology, reading) == CableNeed("TS-male", "TS-male", "unbalanced", None)
    named = _answer("speaker cable for my amp", cable, [Entity("cable:speaker", "speaker cable", "cable")])
    assert cable_need(named, ontology, reading).kind == "speaker"


def test_the_ends_decide_the_kind_when_they_can(ontology, reading):
    """A chain that ends at passive speakers still needs a balanced cable for its XLR link."""
    chain = _answer(
        "mixer XLR out to a power amp, then to passive speakers",
        Cable("XLR-female", "XLR-male"),
        [Entity("mixer", "mixer", "device"), Entity("passive-speaker", "passive speakers", "device")],
    )
    assert cable_need(chain, ontology, reading).kind == "balanced"
    speakon = _answer("amp to speakers", Cable("speakON", "speakON"), [Entity("amp", "amp", "device")])
    assert cable_need(speakon, ontology, reading).kind == "speaker"


def test_an_answer_without_a_cable_needs_nothing(ontology, reading):
    assert cable_need(_answer("why does it hum?", None), ontology, reading) is None
    assert fitting_products(None, CATALOG) == ()


def test_a_product_with_midi_on_minijacks_sends_from_its_3_5_mm_jack(ontology):
    from service.core.normalize import read_question
    from service.core.rules import judge

    reading = read_question(
        "which lead from a Novation Circuit Tracks midi out into a Minilogue, whose midi in is 5-pin DIN?",
        ontology,
    )
    cable = judge(reading, ontology).cable
    assert cable is not None and (cable.from_end, cable.to_end) == ("3.5mm TRS-male", "MIDI DIN-5 male")
