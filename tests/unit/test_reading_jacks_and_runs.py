"""Which of a gear's jacks a post uses, and which run of a chain it asks about.

Each sentence here is written for this test (not taken from an evaluation set) and checks one mechanism.
"""

from service.core.normalize import read_question
from service.core.rules import judge
from tests.unit.test_reading_roles import cable_of
from tests.unit.test_reading_roles import judged
from tests.unit.test_reading_roles import link_devices


def dest_families(question, ontology):
    return [link.dest.families for link in read_question(question, ontology).links if link.dest]


def test_a_gear_said_again_with_one_of_its_ports_puts_the_link_on_that_port(ontology):
    question = "Audient iD4 + Genelec 8030, and I'll go into the XLR ins on the 8030s. Which lead do I order?"
    reading = read_question(question, ontology)
    assert [(link.source.device, link.dest.device) for link in reading.links] == [
        ("audient-id4", "genelec-8030")
    ]
    assert reading.links[0].dest.families == ("xlr",)


def test_a_use_word_picks_one_of_the_jacks_the_gear_was_said_to_have(ontology):
    question = (
        "An Audient iD14 and two Adam T5V. The Adams offer RCA, XLR and TRS sockets, and we will use their "
        "XLR sockets since they latch. Cable please?"
    )
    assert dest_families(question, ontology) == [("xlr",)]
    assert cable_of(question, ontology) == "TRS-male to XLR-male"


def test_a_use_word_before_a_cable_or_after_a_negator_picks_no_jack(ontology):
    using_cables = (
        "The power amp offers speakON plus binding posts; the cabs offer speakON plus 1/4 jacks. The last crew "
        "was using 1/4 speaker cables. Which lead goes amp to cabinet?"
    )
    not_using = (
        "The power amp offers speakON outs; the cabs offer speakON plus 1/4 inputs. What goes from the amp to "
        "the cabs? Or why not simply use the 1/4 ones?"
    )
    assert cable_of(using_cables, ontology) == "speakON to speakON"
    assert cable_of(not_using, ontology) == "speakON to speakON"


def test_a_makers_name_refers_back_to_a_product_named_by_its_model_alone(ontology):
    question = (
        "Just got a Scarlett Solo plus a pair of HS8s. Running TRS-TRS out of the line outs into TRS ins on the "
        "rear of the Yamahas. Balanced or not?"
    )
    assert link_devices(question, ontology)[-1] == ("focusrite-scarlett-solo", "yamaha-hs8")


def test_a_comma_clause_of_the_sentence_a_question_points_back_to_names_the_run(ontology):
    question = (
        "keys -> active DI -> 20 m XLR -> wall box -> FOH desk. The keys-to-box lead is a plain jack lead, "
        "my worry is the stretch after the DI up to the FOH desk. Balanced, that bit?"
    )
    reading = read_question(question, ontology)
    assert reading.links[0].source.device == "active-di"
    assert judged(question, ontology).balanced is True


def test_a_question_naming_the_two_ends_of_a_chain_told_before_asks_about_the_whole_chain(ontology):
    question = (
        "Bingo night: a dynamic mic on an XLR lead into the club's mixer, then from that mixer's RCA rec out "
        "on a red and white lead into the old amplifier. Microphone to amplifier, balanced overall?"
    )
    reading = read_question(question, ontology)
    assert [link.source.device for link in reading.links][:1] == ["dynamic-mic"]
    assert "mixer" in {link.dest.device for link in reading.links}
    assert judged(question, ontology).balanced is False


def test_a_cable_said_after_gear_passes_the_signal_on_is_on_the_hop_out_of_it(ontology):
    question = (
        "An SM58 on an XLR lead into a Behringer Xenyx 1832, then from that mixer's main out we run a plain 1/4 "
        "inch TS instrument lead into the powered wedge's TRS socket. Mic to wedge, balanced overall?"
    )
    into_the_speaker = [
        link
        for link in read_question(question, ontology).links
        if link.dest.device in ("powered-speaker", "wedge", "stage-monitor")
    ]
    assert into_the_speaker[0].cable is not None
    assert judged(question, ontology).balanced is False


def test_a_pronoun_wired_to_an_output_is_the_gear_that_takes_the_signal(ontology):
    question = "Found two passive shelf speakers that came from a hifi. Could I hook them to my MiniFuse 2's line outs?"
    assert link_devices(question, ontology) == [("arturia-minifuse-2", "passive-speaker")]


def test_the_last_word_of_a_products_class_name_after_a_pointing_word_is_that_product(ontology):
    # a Radial JDI is a DI box: "that box" is the JDI, whose output is an XLR
    question = "Bought a Radial JDI for the keys. Which lead goes from that box over to the stage snake?"
    assert link_devices(question, ontology) == [("radial-jdi", "stage-box")]
    assert cable_of(question, ontology) == "XLR-female to XLR-male"


def test_a_pronoun_the_signal_comes_from_is_not_the_gear_another_was_bought_for(ontology):
    question = "Picked up a passive DI for my keyboard. What lead do I run from it to the mixer?"
    assert link_devices(question, ontology) == [("passive-di", "mixer")]


def test_a_jack_said_after_rather_than_is_not_in_use(ontology):
    question = "Audient iD14 into Kali LP-6s. I will plug into XLR sockets of the Kalis rather than the TRS ones. Cable?"
    assert dest_families(question, ontology) == [("xlr",)]


def test_a_follow_up_naming_an_input_by_its_number_does_not_keep_the_port_said_before(ontology):
    from service.core.intent import Understanding
    from service.core.normalize import reading_context

    def asking(intent):
        return Understanding(0.0, {intent: 1.0})

    first = read_question(
        "Thinking of running my Blues Junior's speaker out into the Scarlett 2i2's instrument input with a "
        "guitar lead. OK?",
        ontology,
        None,
        asking("compatibility"),
    )
    later = read_question(
        "Ok, scrap that. Plan B: I'll mic the amp, SM57 into input 1 of the 2i2. Which lead do I need "
        "between the 57 and the interface?",
        ontology,
        reading_context(first),
        asking("cable_recommendation"),
    )
    assert later.links[0].dest.qualifiers == ()
    assert cable_of_reading(later, ontology) == "XLR-female to XLR-male"


def cable_of_reading(reading, ontology):
    from service.core.rules import judge

    judgement = judge(reading, ontology)
    return judgement.cable.name if judgement.cable else None


def test_a_port_taken_off_the_back_of_gear_is_that_gears_port(ontology):
    question = (
        "The XLR DI out off the back of my bass amp runs down the multicore into the desk's mic input. "
        "Balanced the whole way?"
    )
    reading = read_question(question, ontology)
    first = reading.links[0]
    assert (first.source.device, first.source.role, first.source.qualifiers) == ("guitar-amp", "out", ("di",))
    assert judged(question, ontology).balanced is True


def test_a_role_word_after_a_port_that_says_its_side_is_a_preposition(ontology):
    # "in" after "tape out" says where the jack sits, not that the port is an input
    question = "The desk has an RCA tape out in back. Can it go to the hi-fi amp's RCA aux input?"
    reading = read_question(question, ontology)
    assert [(link.source.role, link.dest.role) for link in reading.links] == [("out", "in")]


def test_phantom_for_one_channel_in_a_follow_up_leaves_the_link_before_alone(ontology):
    from service.core.normalize import reading_context

    first = read_question("bass into the mixer's XLR input with a jack-to-XLR adapter, ok?", ontology)
    context = {**reading_context(first), "intent": "compatibility"}
    follow_up = read_question(
        "cool. my cohost has an SM58 on input 4 with a normal XLR lead. is it safe to turn phantom on for that channel?",
        ontology,
        context,
    )
    assert [link.source.device for link in follow_up.links] == ["shure-sm58"]
    assert "phantom-into-unbalanced" not in {w.hazard for w in judge(follow_up, ontology).warnings}


def test_another_piece_of_the_same_class_in_a_follow_up_is_not_the_gear_named_before(ontology):
    from service.core.normalize import reading_context

    first = read_question(
        "Is it fine to take the EXT SPEAKER jack of my Fender Hot Rod Deluxe into my Scarlett Solo's INST input?",
        ontology,
    )
    context = {**reading_context(first), "intent": "compatibility"}
    follow_up = read_question(
        "ok, and my other small practice amp's line out into the Solo's INST input, what cable then?",
        ontology,
        context,
    )
    assert [link.source.device for link in follow_up.links if link.source] == ["guitar-amp"]


def test_a_format_a_port_is_said_to_accept_is_that_ports_format(ontology):
    question = (
        "The eight-channel preamp sends ADAT from its optical out. The interface has an optical input too, but "
        "the spec sheet says it accepts only S/PDIF. One plastic cable fits both; does this work?"
    )
    reading = read_question(question, ontology)
    assert [link.dest.formats for link in reading.links if link.dest] == [("spdif",)]
    assert judged(question, ontology).compatibility.value == "does_not_work"
