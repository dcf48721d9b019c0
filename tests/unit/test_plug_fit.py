"""Connector makes that only partly mate (kb/connectors.yaml variants): which is the plug, which the jack, and
whether it goes in. Sentences are written for these tests."""

from dataclasses import replace

import pytest

from service.core.fit import plug_fit
from service.core.intent import Understanding
from service.core.lexicon import clean
from service.core.lexicon import tokenize
from service.core.normalize import read_question
from service.core.rules import judge
from service.errors import KBInvalid
from service.kb import _cross_check
from service.types import Compatibility


def fit_of(question, ontology):
    return read_question(question, ontology).fit


@pytest.mark.parametrize(
    ("question", "plug", "jack", "fits"),
    [
        (
            "my speaker leads all have NL4 plugs and the new wedge only has an NL2 socket",
            "speakon-nl4",
            "speakon-nl2",
            False,
        ),
        ("can an NL2 cable go in the NL4 output of the power amp?", "speakon-nl2", "speakon-nl4", True),
        # the side word comes before the variant
        (
            "the socket on the cabinet is NL2, the lead I bought is a 4 pole speakon",
            "speakon-nl4",
            "speakon-nl2",
            False,
        ),
        # no side words at all: "X into Y" makes X the plug
        ("will nl4 fit into nl2?", "speakon-nl4", "speakon-nl2", False),
        # a variant's name in the plural
        (
            "my speakON lead has four poles, the amp's speakON socket has two poles. fits?",
            "speakon-nl4",
            "speakon-nl2",
            False,
        ),
        (
            "the drum machine's MIDI in is a Type B jack, my adapter is Type A",
            "midi-type-a",
            "midi-type-b",
            False,
        ),
        # one side said ("adapter"); the variant said of neither side is the other one
        (
            "My groovebox does its MIDI on a 3.5mm socket, and the manual says it's Type B. Will my Type A adapter do?",
            "midi-type-a",
            "midi-type-b",
            False,
        ),
    ],
)
def test_which_end_is_the_plug_and_whether_it_fits(question, plug, jack, fits, ontology):
    fit = fit_of(question, ontology)
    assert fit is not None
    assert (fit.plug, fit.jack, fit.fits) == (plug, jack, fits)
    assert fit.sources


def test_a_variant_word_counts_only_where_its_subject_is_spoken_of(ontology):
    # "type a" is a USB shape here, not a MIDI wiring
    assert fit_of("usb type a on the laptop to the interface's type b port, which lead?", ontology) is None


def test_two_jacks_of_one_make_are_no_fit_question(ontology):
    tokens = tokenize(clean("the sub's NL4 in is fed from the amp rack's NL4 out"))
    assert plug_fit(tokens, frozenset(), ontology) is None


def test_a_plug_that_does_not_fit_decides_the_verdict_and_says_why(ontology):
    judgement = judge(
        read_question("my NL4 speaker cable into the cab's NL2 jack, will it work?", ontology), ontology
    )
    assert judgement.compatibility is Compatibility.DOES_NOT_WORK
    focus = judgement.links[judgement.focus]
    assert "does not fit" in focus.reasons[0]


def test_a_plug_that_fits_leaves_the_cable_to_the_link(ontology):
    asks_for_a_cable = Understanding(0.0, {"cable_recommendation": 0.9, "compatibility": 0.1})
    reading = read_question(
        "which lead from the amp's NL4 output to the speaker, my spares are NL2 cables",
        ontology,
        None,
        asks_for_a_cable,
    )
    judgement = judge(reading, ontology)
    assert judgement.cable is not None


def test_a_variant_must_fit_variants_of_its_own_family(ontology):
    broken = dict(ontology.variants)
    broken["speakon-nl2"] = replace(broken["speakon-nl2"], fits=["midi-type-a"])
    with pytest.raises(KBInvalid, match="variants.speakon-nl2.fits"):
        _cross_check(replace(ontology, variants=broken))


def test_a_variant_said_by_gear_whose_jacks_follow_another_is_the_plug_that_misfits(ontology):
    # kb/gear.yaml: the MicroFreak's TRS-MIDI jacks are Type B, the NTS-1's Type A
    fit = fit_of("The cheap MIDI adapter I got is a Type A one. Will it work on my MicroFreak?", ontology)
    assert fit is not None and (fit.plug, fit.jack, fit.fits) == ("midi-type-a", "midi-type-b", False)
    fit = fit_of("The cheap MIDI adapter I got is a Type A one. Will it work on my NTS-1?", ontology)
    assert fit is not None and fit.fits


def test_two_variants_named_as_a_pair_of_terms_are_no_misfit(ontology):
    # "Type A / Type B" names the two wirings, not the two ends of a link
    assert fit_of("what is the difference between TRS MIDI type A / type B?", ontology) is None
