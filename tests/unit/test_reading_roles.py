"""Roles follow the signal, whatever order the sentence names the gear in; the reader's general mechanisms.

Each sentence here is written for this test (not taken from an evaluation set) and checks one mechanism.
"""

import pytest

from service.core.normalize import read_question
from service.core.rules import judge


def link_devices(question, ontology):
    reading = read_question(question, ontology)
    return [
        (link.source.device if link.source else None, link.dest.device if link.dest else None)
        for link in reading.links
    ]


def cable_of(question, ontology):
    judgement = judge(read_question(question, ontology), ontology)
    return judgement.cable.name if judgement.cable else None


@pytest.mark.parametrize(
    ("question", "source", "dest"),
    [
        # "from" marks the sender even when it comes second
        ("I want to feed the keyboard amp from the mixer, which cable?", "mixer", "powered-speaker"),
        # gear with no outputs can only receive
        ("the 2x12 cab and my amp head, what goes between them?", "guitar-amp", "passive-speaker"),
        # "into ... from": the receiver named first
        ("what lead goes into the mixer from my phone?", "phone", "mixer"),
    ],
)
def test_roles_follow_the_signal(question, source, dest, ontology):
    assert link_devices(question, ontology)[0] == (source, dest)


def test_a_format_named_alone_names_both_ends_ports(ontology):
    assert cable_of("adat out of the octopre into my audio interface, what do I need?", ontology) == (
        "TOSLINK to TOSLINK"
    )


def test_a_later_head_word_refers_back_to_the_gear_named_before(ontology):
    question = "I got a phono preamp for my record player. Which cable from the turntable into the preamp?"
    assert link_devices(question, ontology)[-1] == ("turntable", "phono-preamp")


def test_a_makers_name_alone_refers_back_to_the_product(ontology):
    question = "My rack has a Crown XLS 1002 and my interface feeds it. Which cable from the interface to the Crown?"
    assert link_devices(question, ontology)[-1] == ("audio-interface", "crown-xls-1002")


def test_a_stereo_output_split_to_two_mono_inputs_gets_a_ts_plug_per_leg(ontology):
    question = "tablet headphone out into two mono channels of the desk, each a 1/4 TRS line input. cable?"
    assert cable_of(question, ontology) == "3.5mm TRS-male to dual TS-male"


def test_a_port_named_before_its_owner_belongs_to_the_owner(ontology):
    reading = read_question("can my lav mic be used with the headset jack on my old samsung?", ontology)
    dest = reading.links[0].dest
    assert dest is not None and dest.device == "phone" and "trrs" in dest.families


def test_a_balance_said_of_gear_describes_it_even_in_a_question(ontology):
    reading = read_question(
        "sm58 -> xlr -> mixer, mixer main outs are balanced TRS, TRS leads -> powered speakers. balanced?",
        ontology,
    )
    mixers = [s for link in reading.links for s in (link.source, link.dest) if s and s.device == "mixer"]
    assert any(s.balance == "balanced" for s in mixers)
