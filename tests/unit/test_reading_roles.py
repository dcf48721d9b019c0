"""Roles follow the signal, whatever order the sentence names the gear in; the reader's general mechanisms.

Each sentence here is written for this test (not taken from an evaluation set) and checks one mechanism.
"""

import pytest

from service.core.normalize import read_question
from service.core.rules import judge
from service.types import Compatibility
from service.types import Intent


def link_devices(question, ontology):
    return link_devices_of(read_question(question, ontology))


def link_devices_of(reading):
    return [
        (link.source.device if link.source else None, link.dest.device if link.dest else None)
        for link in reading.links
    ]


def link_devices_of_hop(reading):
    """The two pieces of gear of the link the question asks about (its only or first link when it names no hop)."""
    asked = reading.links[reading.hop] if reading.hop is not None else reading.links[0]
    return (asked.source.device, asked.dest.device)


def judged(question, ontology):
    return judge(read_question(question, ontology), ontology)


def stated_balances(reading):
    """The balance the reading says any end of its links has."""
    return [
        stop.balance for link in reading.links for stop in (link.source, link.dest) if stop and stop.balance
    ]


def cable_of(question, ontology):
    judgement = judged(question, ontology)
    return judgement.cable.name if judgement.cable else None


@pytest.mark.parametrize(
    ("question", "source", "dest"),
    [
        # "from" marks the sender even when it comes second
        ("the keys amp on stage gets its signal from the mixer: what lead?", "mixer", "powered-speaker"),
        # gear with no outputs can only receive
        ("hooking a 1x12 cab up to a valve amp head, which lead?", "tube-amp", "passive-speaker"),
        # "into ... from": the receiver named first
        ("need a lead that goes into the mixer from a smartphone", "phone", "mixer"),
    ],
)
def test_roles_follow_the_signal(question, source, dest, ontology):
    assert link_devices(question, ontology)[0] == (source, dest)


def test_a_format_named_alone_names_both_ends_ports(ontology):
    assert cable_of(
        "lightpipe adat between an octopre and my audio interface, what do I need?", ontology
    ) == ("TOSLINK to TOSLINK")


def test_a_later_head_word_refers_back_to_the_gear_named_before(ontology):
    question = "Bought a phono preamp last week. What joins the record player to the preamp?"
    assert link_devices(question, ontology)[-1] == ("turntable", "phono-preamp")


def test_a_makers_name_alone_refers_back_to_the_product(ontology):
    question = "Rack: a Crown XLS 1002 power amp. Interface line outs will drive it. What runs from the interface to the Crown?"
    assert link_devices(question, ontology)[-1] == ("audio-interface", "crown-xls-1002")


def test_a_stereo_output_split_to_two_mono_inputs_gets_a_ts_plug_per_leg(ontology):
    question = "splitting a tablet's headphone out across two mono desk channels (TRS line ins) - cable?"
    assert cable_of(question, ontology) == "3.5mm TRS-male to dual TS-male"


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        (
            "a tablet's headphone out into the phone's TRRS headset socket - cable?",
            "3.5mm TRS-male to 3.5mm TRRS-male",
        ),
        (
            "laptop headphone jack into the 3.5mm mic input of a camera: which lead?",
            "3.5mm TRS-male to 3.5mm TRS-male",
        ),
    ],
)
def test_a_stereo_output_into_one_small_jack_is_not_split(question, cable, ontology):
    assert cable_of(question, ontology) == cable


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        # a 3.5 mm line out sends left and right even when the gear's port kind does not say stereo
        (
            "what lead from a field recorder's 3.5mm line out to the red and white RCA ins of a hi-fi amp?",
            "3.5mm TRS-male to dual RCA-male",
        ),
        # a pair of RCA outs into a minijack said to be stereo, and into a computer's line-in socket
        (
            "cable from the RCA rec out pair of a small desk into a dictaphone's 3.5 mm stereo line input?",
            "dual RCA-male to 3.5mm TRS-male",
        ),
        (
            "what cable from a DJ mixer's RCA booth outs into the line in of my laptop?",
            "dual RCA-male to 3.5mm TRS-male",
        ),
        # one mic into a stereo minijack stays one cable: a mono source has no left and right to split
        (
            "which cable from a dynamic mic's XLR into a camcorder's 3.5mm mic input?",
            "XLR-female to 3.5mm TRS-male",
        ),
    ],
)
def test_left_and_right_follow_what_the_ends_are_said_or_known_to_carry(question, cable, ontology):
    assert cable_of(question, ontology) == cable


def test_a_short_model_word_refers_back_to_the_product(ontology):
    question = (
        "MOTU M2 on the desk. Which cable runs from the M2 line outs into a powered speaker's XLR input?"
    )
    assert link_devices(question, ontology)[-1] == ("motu-m2", "powered-speaker")


def test_a_port_named_before_its_owner_belongs_to_the_owner(ontology):
    reading = read_question("is a lavalier mic fine with the TRRS socket on an old pixel?", ontology)
    dest = reading.links[0].dest
    assert dest is not None and dest.device == "phone" and "trrs" in dest.families


def test_a_balance_said_of_gear_describes_it_even_in_a_question(ontology):
    reading = read_question(
        "sm57 -> xlr -> mixer, the mixer main outs are balanced XLR, XLR leads -> powered speakers. balanced all the way?",
        ontology,
    )
    mixers = [s for link in reading.links for s in (link.source, link.dest) if s and s.device == "mixer"]
    assert any(s.balance == "balanced" for s in mixers)


def test_gear_right_before_a_describing_verb_opens_a_new_clause_without_punctuation(ontology):
    reading = read_question(
        "mixer got balanced xlr outs speakers have balanced xlr ins and i use xlr leads so balanced or not",
        ontology,
    )
    link = reading.links[0]
    assert (link.source.device, link.source.role) == ("mixer", "out")
    assert (link.dest.device, link.dest.role) == ("speakers", "in")
    assert judge(reading, ontology).balanced is True


def test_translated_role_words_name_outputs_and_inputs(ontology):
    # "exit"/"entrance" are literal translations of output/input (salida/entrada, Ausgang/Eingang)
    reading = read_question(
        "I connect the unsymmetrical klinke exit of my synth to the symmetrical XLR entrance of the desk. Cable?",
        ontology,
    )
    link = reading.links[0]
    assert (link.source.device, link.source.role, link.source.balance) == ("keyboard", "out", "unbalanced")
    assert (link.dest.device, link.dest.role, link.dest.balance) == ("mixer", "in", "balanced")


def test_an_output_of_gear_is_a_port_but_out_of_is_a_preposition(ontology):
    reading = read_question(
        "the balanced XLR outputs of my mixer to the XLR inputs of two speakers", ontology
    )
    link = reading.links[0]
    assert (link.source.device, link.source.role) == ("mixer", "out")
    assert link.dest.role == "in"


def test_a_level_said_alone_in_an_aside_describes_the_gear_before_it(ontology):
    reading = read_question(
        "Edifier desk speakers (RCA inputs, consumer level) fed from my interface's +4 dBu TRS line outs, ok?",
        ontology,
    )
    assert len(reading.links) == 1
    ends = {
        reading.links[0].source.device: reading.links[0].source,
        reading.links[0].dest.device: reading.links[0].dest,
    }
    assert "consumer" in ends["speakers"].qualifiers


def test_gear_said_to_be_left_out_behind_an_adjective_is_not_in_the_link(ontology):
    devices = link_devices(
        "my turntable straight into the phono input of the DJ mixer, no extra preamp, fine?", ontology
    )
    assert devices == [("turntable", "dj-mixer")]


def test_gear_renamed_right_away_by_a_sibling_class_is_one_piece_of_gear(ontology):
    devices = link_devices(
        "the desk's aux out is balanced TRS; the side monitor is a powered speaker with an XLR in", ontology
    )
    assert devices == [("mixer", "powered-speaker")]


def test_a_balance_word_ending_a_question_is_asked_not_said(ontology):
    question = "both my main outs are in use, so can i send the interface's headphone out into one monitor with a trs lead and keep it balanced?"
    reading = read_question(question, ontology)
    assert "balanced" not in stated_balances(reading)
    assert judge(reading, ontology).balanced is False


def test_gear_put_on_a_source_is_fed_by_it(ontology):
    # "on" between a DI and a bass is no port-on-gear: the bass feeds the DI
    assert link_devices("passive DI on the bass, DI out to the desk's XLR input. balanced?", ontology) == [
        ("guitar", "passive-di"),
        ("passive-di", "mixer"),
    ]
    # a mic on an amp takes no cable signal from it: nothing is reordered
    assert (
        link_devices("a mic on the guitar amp into the desk's XLR input, balanced?", ontology)[0][0] != "amp"
    )


def test_send_the_verb_is_not_an_effects_send(ontology):
    # "send" names a port only as a noun ("the send", "fx send"); as the verb it says nothing about the port
    question = "I'd like to send the desk's XLR main out on to a powered speaker's XLR input, which lead?"
    assert cable_of(question, ontology) == "XLR-female to XLR-male"


def test_a_stereo_output_named_by_size_gets_a_two_leg_plug(ontology):
    question = "which cable from the headphone out (1/4 inch) of my mixer to the 3.5mm aux in of a radio?"
    assert cable_of(question, ontology) == "TRS-male to 3.5mm TRS-male"


def test_a_digital_port_named_alone_meets_the_same_format(ontology):
    # one end named (the converter's word clock input); the other is a word clock output on unknown gear
    question = "what cable do I need to feed the converter's word clock input from the studio's master clock?"
    reading = read_question(question, ontology).with_intent(Intent.CABLE_RECOMMENDATION)
    judgement = judge(reading, ontology)
    assert judgement.cable is not None and judgement.cable.name == "BNC to BNC"


def test_a_port_the_gear_has_only_as_an_output_makes_it_the_sender(ontology):
    # the insert is the mixer's send (and return): the Y cable starts at the insert, whichever gear is named first
    assert cable_of("how do I connect my compressor into the insert jack of a desk channel?", ontology) == (
        "TRS-male to dual TS-male"
    )


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        # "jack" beside another connector in an "A to B" phrase is the 1/4-inch plug
        ("my drum machine is patched in with a jack to xlr lead, which ends is that?", "TS-male to XLR-male"),
        ("jack-to-jack cable from the synth to the little mixer?", "TS-male to TS-male"),
    ],
)
def test_jack_beside_another_connector_is_the_quarter_inch_plug(question, cable, ontology):
    assert cable_of(question, ontology) == cable


def test_jack_alone_stays_a_socket(ontology):
    reading = read_question("the output jack on my pedal crackles when I touch it", ontology)
    assert "quarter_inch" not in reading.families


def test_the_connector_named_on_the_receiver_outranks_what_the_sender_suggests(ontology):
    # a bass would pick a Hi-Z input, but the question names the preamp's XLR: its mic input, with phantom
    judgement = judged("bass into the preamp's XLR socket through a TS-to-XLR, 48V is on", ontology)
    assert judgement.links[0].dest.kind_id == "mic-in"
    assert "phantom-into-unbalanced" in {w.hazard for w in judgement.warnings}


def test_a_port_phrase_after_a_pronoun_belongs_to_the_gear_that_can_have_it(ontology):
    # studio monitors have no outputs, so "it has XLR outputs" is the mixer's; "they have combo inputs" theirs
    reading = read_question(
        "I own a mixer and a pair of studio monitors. It has XLR outputs, they have combo inputs. which lead?",
        ontology,
    )
    assert len(reading.links) == 1
    source, dest = reading.links[0].source, reading.links[0].dest
    assert (source.device, source.families) == ("mixer", ("xlr",))
    assert (dest.device, dest.qualifiers) == ("studio-monitor", ("combo",))


def test_a_port_of_some_other_unnamed_gear_is_not_given_to_gear_that_has_its_own_port_named(ontology):
    reading = read_question(
        "A field recorder is on my rig. The recorder has a 3.5 mm line out and the new camera body has a 3.5 mm "
        "mic input. Which cable from the recorder to the camera?",
        ontology,
    )
    recorder = reading.links[-1].source
    assert recorder.role == "out" and recorder.qualifiers == ("line",)


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        # a size word before a socket word names the connector by its looks; the port word stays
        (
            "the drum machine's only out is a big headphone socket; the desk has two big jack line ins. lead?",
            "TRS-male to dual TS-male",
        ),
        (
            "lead from the little headphone socket of my laptop into a mixer line in?",
            "3.5mm TRS-male to dual TS-male",
        ),
        # after "like", the words between only describe the shape
        (
            "the interface's balanced outs look like big headphone jacks, my speakers take XLR. which cable?",
            "TRS-male to XLR-male",
        ),
    ],
)
def test_a_socket_described_by_its_size(question, cable, ontology):
    assert cable_of(question, ontology) == cable


def test_a_port_of_unnamed_gear_carries_the_format_of_the_end_it_joins(ontology):
    # BNC is used by AES3id, word clock and MADI: the named format decides, and AES3id is unbalanced
    judgement = judged(
        "an AES3id out on BNC goes to a BNC input on the other rack. is that balanced?", ontology
    )
    link = judgement.links[0]
    assert (link.source.kind_id, link.dest.kind_id) == ("aes3id-out", "aes3id-in")
    assert judgement.balanced is False


def test_a_format_and_a_jack_named_together_pick_that_formats_port_on_that_jack(ontology):
    judgement = judged("the preamp's ADAT out into an optical spdif input, ok?", ontology)
    assert judgement.links[0].dest.kind_id == "optical-in"
    assert judgement.compatibility.value == "does_not_work"


def test_an_xlr_line_jack_on_gear_of_unknown_balance_is_balanced(ontology):
    judgement = judged(
        "desk XLR main out into the amp rack's XLR input over a mic lead - balanced?", ontology
    )
    assert judgement.balanced is True
    said_unbalanced = judged("desk XLR out into an unbalanced XLR input on the amp, balanced link?", ontology)
    assert said_unbalanced.balanced is False


def test_an_input_a_cable_plugs_its_xlr_end_into_is_balanced_when_the_sender_is(ontology):
    # the monitors name no jack, but the cable's XLR end says which of their inputs it is
    judgement = judged("my interface's balanced line outs -> monitors, TRS to XLR leads. balanced?", ontology)
    assert judgement.balanced is True
    # a sender known only by its XLR sockets is a guess, and two guesses prove nothing
    guessed = judged(
        "going from the mixer's XLR main outs into powered speakers on mic leads, balanced?", ontology
    )
    assert guessed.balanced is None


def test_a_balance_word_closing_an_aside_describes_the_end_before_it(ontology):
    reading = read_question("desk out -> long XLR run -> amp rack input, balanced. Balanced link?", ontology)
    assert reading.links[-1].dest.balance == "balanced"


def test_a_balance_word_in_a_doubt_says_the_sides_balance_is_not_known(ontology):
    reading = read_question(
        "a cheap mixer, and I can't tell whether its outs are balanced; XLR leads to the speakers. balanced?",
        ontology,
    )
    assert stated_balances(reading) == ["unknown"]
    assert judge(reading, ontology).balanced is None


def test_to_after_a_setting_verb_names_the_gears_setting_not_a_destination(ontology):
    reading = read_question(
        "on the back of the record player I set the switch to LINE. will it work into my mixer's line input?",
        ontology,
    )
    assert [(link.source.device, link.dest.device) for link in reading.links] == [("turntable", "mixer")]
    assert "line" in reading.links[0].source.qualifiers
    assert judge(reading, ontology).compatibility is Compatibility.WORKS


def test_a_role_word_inside_a_port_phrase_does_not_make_it_an_input(ontology):
    # the "in" of "built-in" is no input
    reading = read_question("a record player with a built-in preamp into powered speakers, ok?", ontology)
    assert link_devices(reading.question, ontology) == [("turntable", "powered-speaker")]
    assert reading.links[0].source.qualifiers == ("line",)


def test_a_port_named_again_later_with_its_format_takes_the_format(ontology):
    judgement = judged(
        "can the ADAT out of my adat preamp feed the optical input on my audio interface? the interface manual "
        "says its optical in is S/PDIF only.",
        ontology,
    )
    assert judgement.compatibility is Compatibility.DOES_NOT_WORK
    said_adat = judged(
        "my interface's optical input is ADAT. the ADAT out of my expander into it, ok?", ontology
    )
    assert said_adat.compatibility is not Compatibility.DOES_NOT_WORK


def test_a_gear_word_used_as_a_verb_names_no_gear(ontology):
    reading = read_question(
        "going to mic up the guitar cab with an SM57 into the desk, which lead?", ontology
    )
    assert link_devices(reading.question, ontology) == [("shure-sm57", "mixer")]


def test_a_gear_word_after_a_determiner_is_the_noun_even_before_an_object_word(ontology):
    # "monitor THAT has": after "a small powered" the word names the speaker, not the verb "to monitor"
    reading = read_question(
        "my laptop needs to reach a small powered monitor that has one TRS line input, which lead?", ontology
    )
    assert link_devices(reading.question, ontology) == [("computer", "studio-monitor")]


def test_a_bracketed_aside_naming_connectors_describes_the_cable_before_it(ontology):
    reading = read_question(
        "my mixer feeds the powered speakers over some quarter-inch leads from the garage (TS ones). balanced?",
        ontology,
    )
    assert [link.cable.ends for link in reading.links if link.cable] == [("ts", "ts")]
    # an aside that says something else about the cable leaves its ends alone
    other = read_question(
        "my mixer feeds the powered speakers over XLR leads (with pins 1 and 3 tied at the TRS end). balanced?",
        ontology,
    )
    assert [link.cable.ends for link in other.links if link.cable] == [("xlr", "xlr")]


def test_built_in_says_a_part_is_built_in_not_which_way_the_signal_goes(ontology):
    # "built-in" must not make the pickup an input: the question's own "from ... into" decides the direction
    reading = read_question(
        "My Martin has a built-in pickup. Which lead runs from the guitar into my Behringer DI?", ontology
    )
    assert [link.source.role for link in reading.links if link.source] != ["in"]
    assert cable_of(reading.question, ontology) == "TS-male to TS-male"


@pytest.mark.parametrize("instrument", ["mandolin", "upright bass", "violin", "ukulele", "pickup", "harp"])
def test_an_acoustic_instrument_with_a_pickup_is_an_instrument_level_source(instrument, ontology):
    assert cable_of(f"what lead from my {instrument} into the hi-z input of my interface", ontology) == (
        "TS-male to TS-male"
    )


def test_a_product_named_in_full_is_referred_back_to_by_its_model_name(ontology):
    question = "Retiring my old Blue Yeti. Could the Yeti go to the XLR input of my preamp, so I get the sound from the preamp?"
    assert link_devices(question, ontology) == [("blue-yeti", "mic-preamp")]
    assert (
        judged(question, ontology).compatibility is Compatibility.DOES_NOT_WORK
    )  # USB audio is no mic signal


def test_the_run_asked_about_by_its_length_is_the_cable_said_with_that_length(ontology):
    judgement = judged(
        "My bass goes over a short jack lead into an active DI, and then a 15 m XLR lead runs from the DI to "
        "the stage box. Is the 15 m run balanced?",
        ontology,
    )
    assert judgement.balanced is True


def test_a_connector_before_a_cable_named_by_its_use_is_the_whole_cable(ontology):
    reading = read_question("is an RCA patch cord ok from the CD player's coax out to the DAC?", ontology)
    assert [link.cable.ends for link in reading.links if link.cable] == [("rca", "rca")]


def test_spanish_gear_and_port_words_are_read(ontology):
    reading = read_question("can my micro condensador go into the mixer's linea input?", ontology)
    assert link_devices(reading.question, ontology) == [("condenser-mic", "mixer")]
    assert reading.links[0].dest.qualifiers == ("line",)


def test_speakers_rated_at_a_speaker_load_are_passive(ontology):
    judgement = judged("can my DAC board's output drive two 4 ohm 3W speakers straight?", ontology)
    assert judgement.compatibility is Compatibility.DOES_NOT_WORK  # a line output needs an amplifier between


@pytest.mark.parametrize(
    "question",
    [
        "the mic stand wobbles; what lead from my SM58 into the mixer?",
        "the little mixer at the piano bar: which lead from my SM58 into it?",
    ],
)
def test_a_gear_word_that_only_modifies_the_next_word_names_no_gear(question, ontology):
    assert link_devices(question, ontology) == [("shure-sm58", "mixer")]


def test_a_balance_said_after_the_word_jack_is_the_ports(ontology):
    judgement = judged(
        "my drum machine's manual says the outs are 6.3 mm jack unbalanced. I run a TRS lead into the desk's "
        "balanced line input. Balanced?",
        ontology,
    )
    assert judgement.balanced is False


def test_an_interconnect_is_a_cable(ontology):
    judgement = judged(
        "my stereo receiver feeds the sub over a long RCA interconnect; is that balanced?", ontology
    )
    assert judgement.balanced is False
    assert not judgement.warnings  # the receiver's line out, not its speaker terminals


def test_the_gear_phantom_is_switched_on_for_is_not_a_link_end(ontology):
    judgement = judged("SM58 into channel 3 of the desk; 48V is on for the choir condensers. fine?", ontology)
    assert len(judgement.links) == 1
    assert judgement.compatibility.value == "works"


def test_a_format_named_on_a_jack_of_its_variant_is_that_variant(ontology):
    # "AES" on BNC is AES3id: joining it to AES3 on XLR needs a balun, it is not a plain cable
    judgement = judged("the desk's AES out is XLR and the recorder's AES in is BNC. ok?", ontology)
    assert judgement.links[0].dest.kind_id == "aes3id-in"
    assert judgement.compatibility.value == "works_with_caveat"


def test_an_xlr_output_goes_into_the_xlr_side_of_an_input_that_has_both(ontology):
    assert cable_of(
        "feed the second powered speaker from the first one's XLR thru output. lead?", ontology
    ) == ("XLR-female to XLR-male")


def test_a_usb_mic_sends_over_usb(ontology):
    judgement = judged("usb mic into my laptop, which cable?", ontology)
    assert judgement.links[0].source.kind.domain == "usb"


def test_a_question_about_the_leg_on_one_connector_gets_that_leg(ontology):
    question = (
        "Guitar into a DI box, then the DI's XLR output runs 25 m to the stage box. Is that XLR leg balanced?"
    )
    judgement = judged(question, ontology)
    assert judgement.balanced is True


def test_a_follow_up_naming_one_end_takes_the_other_from_the_answer_before(ontology):
    from service.core.normalize import reading_context

    first = read_question(
        "ran a mono guitar lead from the mixer's headphone out into a powered monitor. ok?", ontology
    )
    context = {**reading_context(first), "intent": first.intent.value}
    from service.core.intent import Understanding

    asks_for_a_cable = Understanding(0.0, {"cable_recommendation": 0.9, "concept": 0.1})
    follow_up = read_question(
        "she has two studio monitors with 1/4 inputs. what cable then?", ontology, context, asks_for_a_cable
    )
    link = follow_up.links[0]
    assert (link.source.device, link.dest.device) == ("mixer", "studio-monitor")
    assert link.cable is None  # the mono lead asked about before is not the answer to "what cable then?"


def test_a_one_letter_gender_counts_only_beside_a_connector(ontology):
    reading = read_question("I'm running 12 m of cable from the mixer to the amp, which lead?", ontology)
    assert all(stop.gender is None for link in reading.links for stop in (link.source, link.dest) if stop)
    assert read_question("need an xlr m to trs lead", ontology).links[0].cable.genders[0] == "male"


def test_a_model_word_refers_back_to_the_product_named_in_full(ontology):
    question = (
        "My interface is an Audient iD44. The synth's line outs go where on the iD44? which cable to it?"
    )
    assert "audient-id44" in {
        link.dest.device for link in read_question(question, ontology).links if link.dest
    }


def test_an_output_named_before_from_gear_is_that_gears(ontology):
    # "line outputs from a drum machine" are the drum machine's, not the condenser mics' named before
    reading = read_question(
        "My condenser mics stay on phantom. Line outputs from a drum machine go into the TRS side of the "
        "interface's combo inputs. Is that ok?",
        ontology,
    )
    stops = [s for link in reading.links for s in (link.source, link.dest) if s]
    assert all("line" not in s.qualifiers for s in stops if s.device == "condenser-mic")
    assert any("line" in s.qualifiers and s.device_text == "drum machine" for s in stops)


def test_a_follow_up_that_only_compares_other_gear_does_not_replace_the_link(ontology):
    from service.core.intent import Understanding
    from service.core.normalize import reading_context

    first = read_question("new condenser mic into the mixer's XLR input, which cable?", ontology)
    context = {**reading_context(first), "intent": "cable_recommendation"}
    symptom = Understanding(0.0, {"troubleshooting": 0.9, "concept": 0.1})
    follow_up = read_question(
        "no signal at all, yet my SM58 works on the same lead", ontology, context, symptom
    )
    # a symptom question naming other gear for comparison is not "the SM58 into the mixer"
    joined = [(link.source.device, link.dest.device) for link in follow_up.links if link.source and link.dest]
    assert ("shure-sm58", "mixer") not in joined


def test_phantom_switched_on_in_a_follow_up_reaches_the_link_asked_about_before(ontology):
    from service.core.normalize import reading_context

    first = read_question("bass into the mixer's XLR input with a jack-to-XLR adapter, ok?", ontology)
    context = {**reading_context(first), "intent": "compatibility"}
    follow_up = read_question(
        "oh, the choir condensers need 48V and it's one global switch on the mixer", ontology, context
    )
    judgement = judge(follow_up, ontology)
    assert "phantom-into-unbalanced" in {w.hazard for w in judgement.warnings}


def test_a_later_mention_of_gear_says_which_jack_it_has(ontology):
    # the first sentence names the gear, the second its sockets; the cable follows the sockets
    assert (
        cable_of(
            "I record a podcast with a USB condenser on my old laptop. The mic has a USB-C socket and the "
            "laptop only has rectangular USB ports. Which lead do I buy?",
            ontology,
        )
        == "USB-C to USB-A"
    )


def test_gear_the_question_says_is_missing_is_not_in_the_link(ontology):
    # "doesn't have a preamp" names no preamp in the chain: the deck goes into the phono stage bought for it
    assert link_devices(
        "My record deck doesn't have a preamp inside, so I got a phono preamp. What connects the two?",
        ontology,
    ) == [("turntable", "phono-preamp")]


def test_each_rca_plug_of_a_stereo_pair_into_a_quarter_inch_input_is_a_ts_leg(ontology):
    cable = cable_of("cable from my CD player's RCA outs to the mixer's 1/4 inch line ins?", ontology)
    assert cable == "RCA-male to TS-male"


def test_a_port_named_after_its_gear_does_not_repeat_the_gear(ontology):
    finding = judged("what lead from my turntable to a phono preamp?", ontology).links[0]
    assert not finding.source.name.lower().startswith("turntable turntable")


def test_a_plainer_word_for_gear_named_just_before_is_the_same_gear(ontology):
    # the Crown is a power amp; "the amp's jack" in the next sentence is the Crown's, not a second amp
    reading = read_question(
        "My Crown XLS has NL4 outputs. Can the amp's jack take a speaker cable with plain NL2 plugs?",
        ontology,
    )
    devices = {s.device for link in reading.links for s in (link.source, link.dest) if s and s.device}
    assert "amp" not in devices


def test_the_second_one_of_a_kind_is_another_piece_of_gear(ontology):
    assert link_devices(
        "my first powered speaker has an XLR link out. I want to feed the second speaker from it. Which cable?",
        ontology,
    ) == [("powered-speaker", "speakers")]


def test_a_follow_up_about_the_same_cable_puts_that_cable_on_the_new_link(ontology):
    from service.core.intent import Understanding
    from service.core.normalize import reading_context

    first = read_question("5-pin MIDI from my controller keyboard to the groovebox, what cable?", ontology)
    context = {**reading_context(first), "intent": "cable_recommendation", "cable_families": ["midi", "midi"]}
    asks = Understanding(0.0, {"compatibility": 0.9, "concept": 0.1})
    follow_up = read_question(
        "can the groovebox's beats reach my mixer over that same lead?", ontology, context, asks
    )
    assert judge(follow_up, ontology).compatibility is Compatibility.DOES_NOT_WORK  # MIDI carries no audio
    # a symptom compared on the same cable is not a question about that cable
    symptom = Understanding(0.0, {"troubleshooting": 0.9, "concept": 0.1})
    compared = read_question(
        "no sound, though my other mic is fine on that same cable", ontology, context, symptom
    )
    assert not any(link.cable and link.cable.ends == ("midi", "midi") for link in compared.links)


def test_thru_before_the_is_a_preposition_not_the_midi_thru_port(ontology):
    reading = read_question("does audio go thru the cable from the synth to the mixer?", ontology)
    assert all("thru" not in s.qualifiers for link in reading.links for s in (link.source, link.dest) if s)


def test_a_hyphenated_prefix_is_not_gear_but_the_word_alone_is(ontology):
    # "pre-fader" is a kind of send; "the pre" alone is studio talk for a mic preamp
    prefader = read_question("can I take a pre-fader aux from the desk into my recorder?", ontology)
    assert "mic-preamp" not in prefader.devices
    assert (
        "mic-preamp" in read_question("ribbon into the pre with a standard XLR lead, fine?", ontology).devices
    )


def test_a_port_described_in_a_later_sentence_decides_the_link_asked_after(ontology):
    # the TV's optical out is S/PDIF; the interface's optical port is said to be ADAT only: they do not lock
    judgement = judged(
        "There's a telly and an interface here. The telly has just an optical out, while the interface's optical "
        "port only takes ADAT. Will a TOSLINK lead between them work?",
        ontology,
    )
    assert judgement.compatibility is Compatibility.DOES_NOT_WORK


def test_a_format_and_a_jack_named_together_mean_that_formats_port_on_that_jack(ontology):
    finding = judged(
        "my ADAT preamp's optical out into the interface's optical S/PDIF input, will it lock?", ontology
    ).links[0]
    assert finding.dest.kind.domain == "spdif"
    assert finding.dest.jack == "toslink"


def test_two_instruments_of_one_class_keep_their_own_words(ontology):
    # a drum machine and a synth are both the keyboard class; "the drum machine" later means the drum machine
    cable = cable_of(
        "Hooking the drum machine up to my synth. The drum machine has a 5-pin MIDI out and the synth only a "
        "3.5 mm TRS MIDI in. One cable, which?",
        ontology,
    )
    assert cable == "MIDI DIN-5 male to 3.5mm TRS-male"


def test_both_joining_two_connectors_describes_one_piece_of_gear(ontology):
    # "both XLR and quarter-inch inputs" are the monitors'; the interface keeps its own TRS outputs
    reading = read_question(
        "got a Scarlett 2i2 and two powered monitors; the monitors have both XLR and quarter-inch inputs. "
        "Which lead for the XLR side?",
        ontology,
    )
    interface = next(s for link in reading.links for s in (link.source, link.dest) if s and s.device)
    assert "xlr" not in interface.families


def test_an_input_with_two_jacks_takes_the_one_the_output_has_and_rca_outs_are_analog(ontology):
    cable = cable_of(
        "my little interface only has RCA outputs, and the speakers have both RCA and quarter inch inputs. cable?",
        ontology,
    )
    assert cable == "RCA-male to RCA-male"


def test_gear_named_after_as_is_the_part_played_not_more_gear(ontology):
    reading = read_question(
        "want to use my old hi-fi speakers as monitors off the interface, what cable?", ontology
    )
    assert "studio-monitor" not in reading.devices


def test_a_port_word_before_off_the_gear_is_that_gears_output(ontology):
    # "the mains come off the mixer on XLR": the mixer's main outputs feed the recorder's TRS line ins
    assert (
        cable_of(
            "my field recorder takes 1/4 inch TRS line ins; the mains come off the mixer on XLR. Lead?",
            ontology,
        )
        == "XLR-female to TRS-male"
    )


def test_the_controller_after_a_named_dj_controller_is_that_controller(ontology):
    reading = read_question(
        "The DJ brings a Pioneer DDJ-FLX4 with RCA outs. Can the controller go straight into our powered speakers?",
        ontology,
    )
    assert "midi-controller" not in {
        s.device for link in reading.links for s in (link.source, link.dest) if s
    }


def test_gear_named_again_in_the_next_sentence_brings_its_jacks(ontology):
    # the second sentence describes the mixer the first one sends to: its colour-coded sockets are RCA
    assert (
        cable_of(
            "want the laptop's headphone jack feeding the church mixer. The mixer has red and white sockets "
            "marked tape in. Lead?",
            ontology,
        )
        == "3.5mm TRS-male to dual RCA-male"
    )


def test_a_later_mention_says_which_side_of_the_gear_is_used(ontology):
    # the recorder was introduced by its inputs; "recorder out" in the last sentence is the side that sends
    reading = read_question(
        "I have a Zoom H6 with four XLR inputs and a mixer. Which lead do I need (H6 out to the mixer line in)?",
        ontology,
    )
    recorder = next(
        s for link in reading.links for s in (link.source, link.dest) if s and s.device == "zoom-h6"
    )
    assert recorder.role == "out"


def test_its_port_belongs_to_the_gear_just_named(ontology):
    # "its 3.5 mm line out" is the recorder's, so the link runs recorder -> camera, both on 3.5 mm jacks
    assert (
        cable_of(
            "I film with a mirrorless camera and record sound on a Tascam DR-40X; I want to run its 3.5mm line out "
            "into the camera's 3.5mm mic input. Cable?",
            ontology,
        )
        == "3.5mm TRS-male to 3.5mm TRS-male"
    )


def test_outboard_patched_into_an_insert_gets_the_y_cable_from_the_insert(ontology):
    # the insert jack sends first whatever order the sentence names them in, and it is TRS even though each of
    # its two signals is unbalanced; "patch" before "the" is the verb, not a patch cable
    assert (
        cable_of("gonna patch the old compressor into channel 2's insert on the desk, what lead?", ontology)
        == "TRS-male to dual TS-male"
    )


def test_speakers_said_to_have_no_power_cord_are_passive(ontology):
    judgement = judged(
        "the village hall has two old wall speakers with no power cord on them, only wires. can the mixer's "
        "line outs drive them directly?",
        ontology,
    )
    assert judgement.compatibility is Compatibility.DOES_NOT_WORK


def test_the_cable_the_question_asks_about_outranks_one_the_set_up_mentions(ontology):
    judgement = judged(
        "Left the speaker lead at home. Could I run a guitar lead from the head to the 4x12 just for rehearsal?",
        ontology,
    )
    assert judgement.compatibility is Compatibility.UNSAFE


def test_a_side_and_the_balance_said_of_it_are_an_end_of_the_link(ontology):
    reading = read_question(
        "the outputs are balanced and the inputs are balanced as well, with TRS leads between. balanced?",
        ontology,
    )
    ends = [s for link in reading.links for s in (link.source, link.dest) if s]
    assert {(s.role, s.balance) for s in ends} == {("out", "balanced"), ("in", "balanced")}
    assert judge(reading, ontology).balanced is True


def test_the_jack_chosen_on_gear_stays_chosen_when_its_other_jacks_are_listed(ontology):
    assert (
        cable_of(
            "My interface has TRS line outs. I want to go into the XLR inputs on my studio monitors (they have both "
            "XLR and TRS on the back). Which lead?",
            ontology,
        )
        == "TRS-male to XLR-male"
    )


def test_a_chain_question_about_a_stretch_of_it_judges_that_stretch(ontology):
    # the instrument cable before the DI is unbalanced; the asked stretch from the DI to the desk is not, and
    # "20 m" is a length, not a male XLR
    judgement = judged(
        "keys → jack lead → passive DI → 30 m XLR → stage box → desk. is the run from the DI to the desk balanced?",
        ontology,
    )
    assert judgement.balanced is True
    assert judgement.compatibility is not Compatibility.DOES_NOT_WORK


def test_a_shorter_name_inside_an_earlier_products_name_is_that_product(ontology):
    reading = read_question(
        "We run a Behringer X32 Compact and two powered speakers. The X32 has XLR main outs. Which cable to the "
        "speakers?",
        ontology,
    )
    devices = {s.device for link in reading.links for s in (link.source, link.dest) if s}
    assert "behringer-x32" not in devices
    assert "behringer-x32-compact" in devices


def test_a_cable_drawn_before_the_first_gear_read_is_not_put_on_a_later_hop(ontology):
    # "Gibbonwood 77" is gear the reader does not know: the instrument lead after it is that hop's, not the DI's
    reading = read_question(
        "Gibbonwood 77 -> instrument lead -> passive DI -> XLR -> stage box -> desk. Is that all balanced after the "
        "DI? The guitar-to-DI lead is a plain instrument lead, I know.",
        ontology,
    )
    kinds = [link.cable.kind for link in reading.links if link.cable]
    assert "instrument" not in kinds
    assert judge(reading, ontology).balanced is True


def test_the_jack_named_on_the_gear_decides_over_a_cable_the_poster_owns(engine):
    answer = engine.answer(
        "All the TRS leads I have are too short, and I'd rather use the XLR inputs on my monitors. Which cable do I "
        "need from the interface's line outs to them?"
    )
    assert (answer.cable.from_end, answer.cable.to_end) == ("TRS-male", "XLR-male")


def test_product_names_with_their_numbers_spelled_out_are_read(ontology):
    devices = {
        stop.device
        for stop in (
            s
            for link in read_question(
                "going from the scarlett two i two outs to my yamaha hs five speakers, trs both ends",
                ontology,
            ).links
            for s in (link.source, link.dest)
        )
        if stop
    }
    assert {"focusrite-scarlett-2i2", "yamaha-hs5"} <= devices


def test_a_gender_after_to_with_no_connector_of_its_own_is_the_connector_named_before(ontology):
    # "XLR male to male": both ends are male XLR plugs, and a mic's male output takes neither
    reading = read_question(
        "bought an XLR male to male lead. will it connect my dynamic mic to my mixer?", ontology
    )
    cables = [link.cable for link in reading.links if link.cable]
    assert cables and cables[0].ends == ("xlr", "xlr") and cables[0].genders == ("male", "male")
    assert judge(reading, ontology).compatibility is Compatibility.DOES_NOT_WORK


def test_words_joined_by_a_slash_are_read_one_by_one(ontology):
    reading = read_question(
        "my amp's phones/rec out into both inputs of the interface, which cable?", ontology
    )
    assert reading.links and "tape" in reading.links[0].source.qualifiers


def test_gear_named_again_in_the_same_words_right_after_brings_its_jacks(ontology):
    reading = read_question(
        "which cable from my dj controller to my speakers, the speakers have XLR inputs", ontology
    )
    assert len(reading.links) == 1
    assert reading.links[0].dest.families == ("xlr",)


def test_a_cable_described_after_it_is_named_does_not_give_its_plugs_to_the_gear(ontology):
    reading = read_question(
        "My interface feeds two powered monitors using old guitar cables, the 1/4 inch ones with one black ring "
        "on the plug. Is this setup balanced?",
        ontology,
    )
    assert reading.links and "ts" not in reading.links[0].dest.families


def test_a_cable_in_a_later_sentence_goes_on_the_hop_into_the_gear_that_sentence_names(ontology):
    reading = read_question(
        "mic -> XLR -> interface -> monitors. For the monitors I used two guitar cables. Balanced?", ontology
    )
    kinds = [link.cable.kind if link.cable else None for link in reading.links]
    assert kinds[-1] == "instrument" and kinds[0] != "instrument"


def test_a_follow_up_naming_one_end_again_takes_that_ends_place(engine):
    first = engine.answer("which cable from my Scarlett 2i2 line outs to the TRS inputs of my Yamaha HS5s?")
    answer = engine.answer(
        "the TRS ones in the shop are all too short. If I use the XLR jacks on the HS5s instead, which cable do I "
        "need?",
        first.context,
    )
    assert (answer.cable.from_end, answer.cable.to_end) == ("TRS-male", "XLR-male")


def test_a_port_word_that_is_the_verb_after_its_subject_names_no_port(ontology):
    # "we send out 1 and 2": the desk's outputs, not an aux send
    reading = read_question(
        "From the X32 we send out 1 and out 2 over XLR cables into two powered speakers. Is that balanced?",
        ontology,
    )
    qualifiers = {q for link in reading.links for s in (link.source, link.dest) if s for q in s.qualifiers}
    assert "send" not in qualifiers
    assert judge(reading, ontology).links[0].source.kind.balance == "balanced"


def test_an_insert_lead_named_by_its_name_has_the_pair_of_ts_plugs(ontology):
    assert cable_of("which insert lead from the desk channel to the outboard compressor?", ontology) == (
        "TRS-male to dual TS-male"
    )


def test_gear_named_in_the_plural_is_read_after_a_brand_ending_in_s(ontology):
    # "PreSonus Eris E5s": the brand and series words keep their "s"; only the model number is plural
    from service.core.lexicon import find_mentions
    from service.core.lexicon import lexicon_for
    from service.core.lexicon import tokenize

    mentions = find_mentions(tokenize("a pair of presonus eris e5s"), lexicon_for(ontology))
    assert any(m.kind == "device" and m.id == "presonus-eris-e5" for m in mentions)


def test_both_reaches_to_the_end_of_its_sentence_only(ontology):
    # "the X32 side is male" describes the desk's jack, not the speakers' too
    assert (
        cable_of(
            "What cable from the X32's XLR outs into the XLR inputs on the speakers? Both are XLR so a mic cable? "
            "but the X32 side is male and I'm confused.",
            ontology,
        )
        == "XLR-female to XLR-male"
    )


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        (
            "my keyboard has a round socket with five little holes marked OUT and the sound module has the same "
            "marked IN. which cable?",
            "MIDI DIN-5 male to MIDI DIN-5 male",
        ),
        (
            "the interface outs are balanced 1/4 inch and the monitors have three-pin sockets. which cable between "
            "them?",
            "TRS-male to XLR-male",
        ),
    ],
)
def test_a_connector_described_by_its_pin_count_is_read(question, cable, ontology):
    assert cable_of(question, ontology) == cable


def test_gear_named_alone_in_a_follow_up_fills_the_end_the_link_before_left_open(ontology):
    from service.core.intent import Understanding
    from service.core.normalize import reading_context

    first = read_question(
        "the tablet plays into one channel through a 3.5mm to XLR cable; why so thin?", ontology
    )
    assert first.links and first.links[0].dest is None
    context = {**reading_context(first), "intent": "troubleshooting"}
    asks_for_a_cable = Understanding(0.0, {"cable_recommendation": 0.9, "concept": 0.1})
    follow_up = read_question(
        "What do we buy then? The desk has a stereo channel with two 1/4 inch jacks.",
        ontology,
        context,
        asks_for_a_cable,
    )
    link = follow_up.links[0]
    assert link.source is not None and link.dest is not None
    assert (link.source.device, link.dest.device) == ("phone", "mixer")


@pytest.mark.parametrize("question", ["so it's balanced all the way thru?", "is that balanced right thru."])
def test_a_link_word_ending_the_sentence_is_not_a_port(question, ontology):
    reading = read_question(question, ontology)
    assert not any(
        stop and "thru" in stop.qualifiers for link in reading.links for stop in (link.source, link.dest)
    )


def test_a_thru_port_named_with_its_owner_stays_a_port(ontology):
    reading = read_question("the keyboard's midi out goes to the synth's thru?", ontology)
    assert reading.links and "thru" in reading.links[0].dest.qualifiers


@pytest.mark.parametrize(
    ("question", "source_port"),
    [
        ("is it fine to push line level into the mic input of my little desk?", "line-out"),
        ("mic-level signal to a line input, does that work at all?", "mic-out"),
    ],
)
def test_a_level_said_to_go_into_something_is_the_sending_end(question, source_port, ontology):
    finding = judged(question, ontology).links[0]
    assert finding.source is not None and finding.source.kind_id == source_port
    assert finding.compatibility == Compatibility.WORKS_WITH_CAVEAT


def test_gear_renamed_by_a_narrower_class_is_the_gear_named_before(ontology):
    question = (
        "what lead from the amp to the sub? it's a passive sub with binding posts, the amp has speakON outs"
    )
    assert link_devices(question, ontology) == [("amp", "passive-speaker")]
    assert cable_of(question, ontology) == "speakON to banana"


def test_a_maker_then_an_unknown_model_then_the_class_is_one_piece_of_gear(ontology):
    question = "bass DI -> Mackie Zorbulator mixer -> powered speakers, is every hop balanced?"
    assert [d for _, d in link_devices(question, ontology)] == ["mixer", "powered-speaker"]


def test_each_of_the_gear_named_before_is_that_gear_not_another_one(ontology):
    question = (
        "My power amp only has speakON outs. The passive monitors have binding posts for banana plugs. "
        "What cable from the amp to each speaker?"
    )
    assert cable_of(question, ontology) == "speakON to banana"


def test_a_product_named_with_a_class_word_is_that_product(ontology):
    # "receiver" alone is a hi-fi receiver; the BLX4 before it says which receiver this is
    question = "the BLX4 receiver goes into the mixer with a normal XLR cable, is that balanced?"
    assert link_devices(question, ontology)[0][0] == "shure-blx4"


def test_a_port_labelled_with_its_name_is_one_port(ontology):
    question = "My hi-fi amp has an input labelled PHONO. Can my turntable plug into it?"
    assert link_devices(question, ontology) == [("turntable", "hifi-amp")]
    assert judged(question, ontology).compatibility == Compatibility.WORKS


def test_a_question_that_draws_one_hop_of_a_longer_chain_asks_about_that_hop(ontology):
    question = (
        "Bass -> Sansamp pedal -> amp -> cab on stage. The amp has an XLR DI out that goes to the desk. "
        "Is the amp DI out -> desk connection balanced?"
    )
    assert link_devices(question, ontology) == [("amp", "mixer")]
    assert judged(question, ontology).balanced is True


def test_a_bare_size_beside_another_connector_in_a_to_phrase_is_that_plug(ontology):
    # "3.5" alone is a number; in "3.5-to-RCA" it names the 3.5 mm plug (kb/reading.yaml paired_family_words)
    reading = read_question(
        "I bought a 3.5-to-RCA cable for the laptop, is that right for the mixer?", ontology
    )
    assert any(link.cable and link.cable.ends == ("trs35", "rca") for link in reading.links)


@pytest.mark.parametrize(
    ("question", "devices"),
    [
        # a word that is gear and adjective: gear when nothing touches it ...
        (
            "the synth has red and white outs and the family stereo has red and white ins, which cable?",
            {"hifi-amp"},
        ),
        # ... an adjective when a connector, port or cable word does
        ("my synth's stereo headphone socket into the mixer, what lead?", {"mixer"}),
        ("laptop into the desk with a 3.5 mm stereo to XLR lead, ok?", {"mixer"}),
    ],
)
def test_a_gear_word_that_is_also_an_adjective_names_gear_only_alone(question, devices, ontology):
    receivers = {dest for _, dest in link_devices(question, ontology)}
    assert receivers == devices


def test_a_computers_combined_headset_jack_sends_on_its_headphone_side(ontology):
    question = "my chromebook's combo headphone/mic jack into the bookshelf speakers' RCA inputs, what cable?"
    assert cable_of(question, ontology) == "3.5mm TRS-male to dual RCA-male"


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        # no word says which way: a controller's usual output is its USB port, so it sends to the computer ...
        (
            "new laptop only has USB-C ports, my pad controller has a USB-B socket. which cable?",
            "USB-B to USB-C",
        ),
        # ... an audio interface's usual output is analog, so it is the computer's USB that sends
        ("my laptop only has usb-a and my audio interface has usb-b, what cable?", "USB-A to USB-B"),
        # the keyboard's end is MIDI, not USB: the host rule does not apply
        (
            "keyboard with a 5-pin MIDI out and a computer with USB-A, what do I buy?",
            "MIDI DIN-5 male to USB-A",
        ),
    ],
)
def test_a_usb_link_with_no_direction_said_runs_from_the_gear_that_usually_sends_over_usb(
    question, cable, ontology
):
    assert cable_of(question, ontology) == cable


def test_a_jack_named_by_size_alone_leaves_a_usually_unbalanced_output_undecided(ontology):
    assert (
        judged("my synth's 1/4 inch out -> TRS cable -> interface line in. balanced?", ontology).balanced
        is None
    )
    labelled = judged(
        "my synth's 1/4 inch out, labelled 'unbal', TRS cable to the interface line in. balanced?", ontology
    )
    assert labelled.balanced is False


def test_a_balance_word_asked_by_inversion_describes_nothing(ontology):
    reading = read_question("a trs cable from my synth to my interface line input is that balanced", ontology)
    assert not stated_balances(reading)


def test_a_question_pointing_at_a_part_asks_about_the_hop_the_sentence_before_names(ontology):
    question = (
        "Keys -> short jack lead -> passive DI -> long XLR run -> stage box. The jack lead is unbalanced, I know. "
        "I mean the run from the DI's XLR out to the stage box. Is that part balanced? The drummer brings his own mics."
    )
    assert judged(question, ontology).balanced is True
    # without a word pointing at a part, the whole chain is asked about
    whole = question.replace("Is that part balanced?", "Is it balanced?")
    assert judged(whole, ontology).balanced is False


def test_gear_named_in_parentheses_in_a_drawn_chain_is_an_aside(ontology):
    question = (
        "guitar -> jack lead -> DI box (phantom from the mixer) -> XLR -> stage box. which cable for each?"
    )
    assert link_devices(question, ontology) == [("guitar", "di-box"), ("di-box", "stage-box")]


def test_a_port_right_after_on_is_the_gears_own(ontology):
    question = "the mixer's main out is XLR. going into a powered speaker that takes XLR or 1/4 on a combo jack. cable?"
    assert link_devices(question, ontology) == [("mixer", "powered-speaker")]


def test_gear_said_to_be_sold_is_not_in_the_link(ontology):
    question = (
        "I sold my old monitors and got a pair of powered speakers with XLR inputs only. my interface outs are TRS. "
        "which cable?"
    )
    assert all("studio-monitor" not in pair for pair in link_devices(question, ontology))


def test_a_mic_line_is_a_cable_not_a_line_level_port(ontology):
    reading = read_question("an SM58 on a 50 m mic line through the multicore, any issue?", ontology)
    assert all(
        "line" not in stop.qualifiers for link in reading.links for stop in (link.source, link.dest) if stop
    )
    # the hop a cable word names in the question is the one asked about
    assert judged(
        "bass into a DI, then the DI's XLR out 30 m to the desk. is that XLR run balanced?", ontology
    ).balanced


def test_a_balance_word_in_a_negated_clause_says_the_balance_is_not_known(ontology):
    reading = read_question(
        "the desk's booth out (TRS, the manual doesn't say anything about balanced) to a monitor with a TRS to XLR "
        "cable. balanced?",
        ontology,
    )
    assert stated_balances(reading) == ["unknown"]
    assert judge(reading, ontology).balanced is None


def test_audio_inside_a_port_label_keeps_the_port_of_gear_the_lexicon_does_not_know(ontology):
    # "AUDIO OUT" is how the socket is labelled; the gear (a hotel's signage player) is not in the lexicon
    question = (
        "The signage player has a 3.5mm AUDIO OUT and the desk has two RCA inputs. Which lead do I buy?"
    )
    assert cable_of(question, ontology) == "3.5mm TRS-male to dual RCA-male"


def test_in_before_a_channel_word_is_the_preposition(ontology):
    reading = read_question(
        "I want the tablet's sound in stereo on the desk's two line inputs. cable?", ontology
    )
    assert all(link.source is None or link.source.role != "in" for link in reading.links)
    assert link_devices(
        "I want the tablet's audio in stereo on the desk's two line inputs. cable?", ontology
    )[0] == (
        "phone",
        "mixer",
    )


def test_of_after_a_word_that_picks_among_names_no_owner(ontology):
    # "into one OF my monitor's inputs": the headphone output is not the monitor's
    reading = read_question(
        "The front headphone out still works. Can I run a TRS lead from the headphone output into one of my "
        "monitor's TRS inputs?",
        ontology,
    )
    link = reading.links[-1]
    assert link.source.qualifiers == ("headphone",)
    assert link.dest.device == "studio-monitor"
    assert "headphone" not in link.dest.qualifiers


def test_a_side_said_of_gear_without_that_side_names_a_port_kind(ontology):
    # headphones have no outputs, so "the exit of headphones" is a headphone output (of the laptop)
    reading = read_question(
        "I want to connect the laptop (the exit of headphones) to the entrance of my speakers with RCA. Cable?",
        ontology,
    )
    source = reading.links[0].source
    assert (source.device, source.qualifiers, source.role) == ("computer", ("headphone",), "out")
    # monitors do have inputs: "the entry of my monitors" stays the monitors' input
    assert link_devices("the exit of my interface to the entry of my monitors, which cable?", ontology) == [
        ("audio-interface", "studio-monitor")
    ]


def test_a_gear_word_that_is_an_adjective_names_gear_only_after_a_determiner(ontology):
    aside = link_devices(
        "my keyboard headphone out (big jack, stereo) into the mixer, which cable?", ontology
    )
    assert aside == [("keyboard", "mixer")]
    assert ("phone", "hifi-amp") in link_devices(
        "can my phone go into the old stereo in the kitchen?", ontology
    )


def test_a_size_word_after_the_socket_word_names_the_connector(ontology):
    # Romance word order: "jack big" is the big (1/4-inch) jack, "jack small" the 3.5 mm one
    reading = read_question("my phone has the jack small, the mixer has the jack big. which cable?", ontology)
    assert [stop.families for stop in (reading.links[0].source, reading.links[0].dest)] == [
        ("trs35",),
        ("quarter_inch",),
    ]


def test_a_cable_length_spelled_out_is_read(ontology):
    assert read_question(
        "a guitar lead about sixty feet long into the desk, ok?", ontology
    ).length_m == pytest.approx(18.288)
    assert read_question(
        "one hundred feet of mic cable to the stage box", ontology
    ).length_m == pytest.approx(30.48)
    assert read_question("one long lead from the keyboard to the desk", ontology).length_m is None


def test_a_compound_said_with_of_the_romance_way_round_is_the_gear(ontology):
    # "table de mixage", "carte son": the two-word name read the other way round
    assert link_devices(
        "the exit of my card of sound to the entry of the table of mixing, which cable?", ontology
    ) == [("audio-interface", "mixer")]
    reading = read_question(
        "can I take the exit for the speaker of my amplifier of guitar into the mixer?", ontology
    )
    assert "guitar-amp" in reading.devices


def test_a_port_said_to_be_what_the_gears_side_is_belongs_to_that_gear(ontology):
    reading = read_question(
        "My old CD player's only digital out is a coaxial S/PDIF jack, and my interface takes optical only. "
        "Does a plain adapter plug join them?",
        ontology,
    )
    cd_player = next(
        s for link in reading.links for s in (link.source, link.dest) if s and s.device == "cd-player"
    )
    assert "spdif" in cd_player.qualifiers


def test_a_port_after_a_separator_and_of_is_not_the_sending_gears(ontology):
    reading = read_question(
        "my condenser goes into the 1/4 side of the combo jack via an XLR to TRS lead. will phantom reach it?",
        ontology,
    )
    assert reading.links and reading.links[0].dest is not None
    assert "combo" in reading.links[0].dest.qualifiers
    assert "combo" not in reading.links[0].source.qualifiers


def test_in_a_drawn_chain_the_cable_drawn_between_two_stops_is_that_hops(ontology):
    reading = read_question(
        "SM58 -> 10 m XLR cable -> mixer mic input. balanced? my guitar cables always buzz so I worry",
        ontology,
    )
    assert reading.links[0].cable is not None and reading.links[0].cable.ends == ("xlr", "xlr")


def test_a_makers_name_in_the_plural_refers_back_to_the_pair(ontology):
    question = "I have an Audient iD14 and two Adam T5Vs. I'd like to use the XLR inputs on the Adams. cable?"
    judgement = judged(question, ontology)
    assert judgement.cable is not None and judgement.cable.name == "TRS-male to XLR-male"


@pytest.mark.parametrize(
    "question",
    [
        "my mixer has the main outputs in XLR and my interface has line inputs in TRS, what cable?",
        "the desk has outs in XLR, and the interface has line ins in TRS. which cable?",
    ],
)
def test_in_right_before_a_connector_says_what_the_side_just_named_is_on(question, ontology):
    link = read_question(question, ontology).links[0]
    assert (link.source.role, link.source.families) == ("out", ("xlr",))
    assert (link.dest.role, link.dest.families) == ("in", ("trs",))


@pytest.mark.parametrize(
    "question",
    [
        "I put the output of my synth into the entry mic of the mixer, is it ok?",
        "I plug my synth output in the input of micro of my mixer, it is ok?",
    ],
)
def test_a_side_said_before_what_it_is_for_names_a_port_not_gear(question, ontology):
    reading = read_question(question, ontology)
    assert all(s.device != "microphone" for link in reading.links for s in (link.source, link.dest) if s)
    dest = reading.links[-1].dest
    assert (dest.device, dest.role, dest.qualifiers) == ("mixer", "in", ("mic",))


def test_the_input_of_a_speaker_is_still_that_speakers_input(ontology):
    dest = read_question("mixer main out into the input of speaker 2, which cable?", ontology).links[-1].dest
    assert "speaker" not in dest.qualifiers


def test_gear_after_on_past_a_separator_receives_the_output_before_it(ontology):
    reading = read_question(
        "The groovebox has MIDI in and out only. If I patch the MIDI out into channel 3 on the desk, do I get sound?",
        ontology,
    )
    link = reading.links[-1]
    assert link.source.qualifiers == ("midi",) and link.source.device != "mixer"
    assert link.dest.device == "mixer"


def test_in_between_gear_and_a_word_that_names_nothing_says_where_the_gear_is(ontology):
    link = read_question(
        "the projector in room 12 has a 3.5 mm audio out; which cable to the mixer's RCA aux inputs?",
        ontology,
    ).links[0]
    assert (link.source.device, link.source.role) == ("projector", "out")


def test_a_plainer_name_that_goes_on_to_describe_the_gear_is_the_same_gear(ontology):
    reading = read_question(
        "The snake's return feeds a powered wedge through an XLR to TS adapter since the wedge only has a"
        " quarter-inch input. Balanced?",
        ontology,
    )
    assert len(reading.links) == 1
    assert reading.links[0].dest.device == "powered-speaker"


def test_another_word_for_the_same_class_with_nothing_between_is_the_same_instrument(ontology):
    one = read_question(
        "Our keys guy runs his electric piano's 1/4 outs into my mixer's line ins with guitar cables. Balanced?",
        ontology,
    )
    assert len(one.links) == 1 and one.links[0].dest.device == "mixer"


def test_a_class_word_after_a_product_names_it_so_a_later_bare_class_word_is_that_product(ontology):
    reading = read_question(
        "My Shure BLX4 receiver has an XLR out; I run it into channel 2 of my mixer. Is the receiver to mixer"
        " run balanced?",
        ontology,
    )
    assert [link.source.device for link in reading.links] == ["shure-blx4"]


def test_a_balance_someone_insists_on_is_a_claim_to_check_not_said_of_the_gear(ontology):
    reading = read_question(
        "A bandmate insists the Juno's outputs are balanced. I use TRS cables into the mixer. Is it balanced?",
        ontology,
    )
    assert stated_balances(reading) == []


def test_a_port_word_said_of_what_a_jack_looks_like_names_no_port(ontology):
    reading = read_question(
        "My stage piano has two outputs shaped like chunky headphone holes. What lead goes to the mixer?",
        ontology,
    )
    assert "headphone" not in reading.links[0].source.qualifiers
    # said plainly, it is the headphone output
    plain = read_question("My stage piano's headphone output to the mixer: what lead?", ontology)
    assert "headphone" in plain.links[0].source.qualifiers


@pytest.mark.parametrize(
    ("question", "source", "dest"),
    [
        # gear words left untranslated, accents typed or not
        ("Minha guitarra vai com cabo P10 na entrada da mesa de som, certo?", "guitar", "mixer"),
        ("Die Gitarre in den Eingang vom Mischpult, geht das?", "guitar", "mixer"),
        ("Le micro dynamique dans l'entrée de la carte son?", "dynamic-mic", "audio-interface"),
        ("Le micro dynamique dans l'entree de la carte son?", "dynamic-mic", "audio-interface"),
    ],
)
def test_gear_named_in_the_writers_own_language_is_read(question, source, dest, ontology):
    assert link_devices(question, ontology) == [(source, dest)]


def test_a_part_said_to_be_built_in_after_its_name_is_that_port_not_more_gear(ontology):
    reading = read_question(
        "My record player, with the phono preamp inside, has RCA outs. Which cable into my speaker's aux input?",
        ontology,
    )
    assert link_devices(reading.question, ontology) == [("turntable", "speakers")]
    assert "line" in reading.links[0].source.qualifiers


@pytest.mark.parametrize("setting", ["set to line", "switchable to line", "selectable to line"])
def test_to_after_a_setting_word_names_a_setting_not_where_the_signal_goes(setting, ontology):
    question = (
        f"The camera has XLR inputs {setting}. I want to send the recorder's line outputs over. What cable?"
    )
    assert link_devices(question, ontology) == [("recorder", "camera")]


# gear with inputs only, named after "for"/"where" right after a jack, names what the jack feeds; the jack stays
# on the gear that has it
JACKS_NAMED_BY_WHAT_THEY_FEED = {
    "my practice amp has a jack for the speaker cabinet. could I patch that jack into my recorder's line in?": "guitar-amp",
    "there are two binding posts on the amp where the speakers connect; can wires from them go into my mixer?": "amp",
}


@pytest.mark.parametrize(("question", "owner"), JACKS_NAMED_BY_WHAT_THEY_FEED.items())
def test_a_jack_named_by_the_gear_it_feeds_is_that_kind_of_output(question, owner, ontology):
    (link,) = read_question(question, ontology).links
    assert (link.source.device, link.source.qualifiers) == (owner, ("speaker",))
    assert judged(question, ontology).compatibility is Compatibility.UNSAFE


def test_a_jack_of_gear_that_only_receives_is_not_named_by_the_gear_it_is_for(ontology):
    # the cab's jack is for the speaker connection but the cab sends nothing: no speaker output appears
    reading = read_question(
        "the cab has a jack for the speaker lead; which cable from the head to it?", ontology
    )
    assert all("speaker" not in (link.source.qualifiers if link.source else ()) for link in reading.links)


def test_a_port_named_by_its_socket_reads_the_same_in_the_plural(ontology):
    # "mic jacks" are mic inputs like "mic jack"; "speaker inputs" stay the speakers' own inputs
    reading = read_question(
        "my drum machine feeds two of the desk's mic jacks through a TS to XLR loom", ontology
    )
    assert [link.dest.qualifiers for link in reading.links] == [("mic",)]
    assert (
        link_devices("the speaker inputs take XLR from the mixer, which cable?", ontology)[0][1] == "speakers"
    )


def test_what_the_asker_figured_about_balance_is_checked_not_taken(ontology):
    # the asker's own guess is a claim to check: a headphone output stays unbalanced
    question = (
        "from my stage piano's phones jack a TRS to TRS lead goes into my interface; "
        "I assumed that makes it balanced. does it?"
    )
    assert judged(question, ontology).balanced is False


def test_a_gear_word_before_a_control_word_names_a_control(ontology):
    # "the phones knob" is a level control on the desk, not a phone in the link
    reading = read_question(
        "my headphones go into the desk's phones jack; careful with the phones knob?", ontology
    )
    assert "phone" not in [stop.device for link in reading.links for stop in (link.source, link.dest) if stop]


@pytest.mark.parametrize(
    ("question", "devices"),
    [
        # gear a jack is "for" stays the destination when nothing after it receives the signal
        ("which cable from the mixer output for my speakers?", [("mixer", "speakers")]),
        # a preamp a turntable feeds is a phono preamp
        ("what lead goes from my turntable to the preamp?", [("turntable", "phono-preamp")]),
    ],
)
def test_the_gear_each_end_is(question, devices, ontology):
    assert link_devices(question, ontology) == devices


def test_mobile_before_a_noun_is_an_adjective(ontology):
    # "mobile DJ" is a DJ who travels, not a phone in the link
    devices = link_devices(
        "mobile DJ here: my controller's RCA outs into powered speakers, which cable?", ontology
    )
    assert all("phone" not in pair for pair in devices)


def test_a_balance_said_with_a_channel_word_of_a_side_is_that_sides_balance(ontology):
    reading = read_question(
        "Drum machine into the desk's line input. The drum machine manual says the output jack is mono and"
        " unbalanced. I use a TRS lead; is that balanced?",
        ontology,
    )
    link = reading.links[0]
    assert (link.source.device, link.source.role, link.source.balance) == ("keyboard", "out", "unbalanced")
    assert judge(reading, ontology).balanced is False


def test_a_pronoun_plugged_into_a_port_of_the_gear_named_with_it_is_gear_named_before(ontology):
    reading = read_question(
        "My dad gave me his old SM57. The desk here is a Behringer Q1202USB and I'd like to plug it into the"
        " mic input on channel 2. Which lead?",
        ontology,
    )
    link = reading.links[0]
    assert link.source.device == "shure-sm57"
    assert (link.dest.device, link.dest.role, link.dest.qualifiers) == ("behringer-q1202usb", "in", ("mic",))


def test_a_port_word_ending_in_a_preposition_before_a_determiner_is_the_gear_and_the_preposition(ontology):
    reading = read_question(
        "the mic in a drawer, the interface on the desk: which cable joins them?", ontology
    )
    assert "microphone" in reading.devices
    assert all(
        "mic" not in stop.qualifiers for link in reading.links for stop in (link.source, link.dest) if stop
    )


def test_an_output_plugged_into_a_pronoun_goes_into_gear_an_earlier_sentence_named(ontology):
    reading = read_question(
        "The recorder's optical input only takes ADAT, the manual says. Could I plug the game console's optical"
        " out into it and record the console sound?",
        ontology,
    )
    link = reading.links[0]
    assert (link.source.device, link.source.role) == ("game-console", "out")
    assert link.dest.device == "recorder"
    assert judge(reading, ontology).compatibility == Compatibility.DOES_NOT_WORK


def test_a_gear_adjective_before_looking_describes_a_plug_not_gear(ontology):
    reading = read_question(
        "My only lead is a TRS one (the stereo looking one). Guitar -> amp with it, fine?", ontology
    )
    assert "hifi-amp" not in reading.devices
    assert (reading.links[0].source.device, reading.links[0].dest.device) == ("guitar", "amp")


def test_a_gear_word_naming_a_video_call_is_no_gear(ontology):
    reading = read_question(
        "For our weekly zoom calls, what lead takes the laptop's headphone out to my powered speaker's RCA inputs?",
        ontology,
    )
    assert all(not d.startswith("zoom") and d != "recorder" for d in reading.devices)
    assert (reading.links[0].source.device, reading.links[0].dest.device) == ("computer", "powered-speaker")


def test_spelled_out_laptop_and_mike_jack_are_the_laptop_and_its_mic_input(ontology):
    reading = read_question("can my usb microphone go in the mike jack on my lap top?", ontology)
    assert "computer" in reading.devices
    assert any(
        "mic" in stop.qualifiers for link in reading.links for stop in (link.source, link.dest) if stop
    )


def test_two_sources_joined_by_and_each_go_into_what_follows(ontology):
    reading = read_question(
        "Can both my tablet and my laptop play into the one aux input of my mixer?", ontology
    )
    pairs = [(link.source.device, link.dest.device) for link in reading.links if link.source and link.dest]
    assert ("phone", "mixer") in pairs and ("computer", "mixer") in pairs
    assert ("phone", "computer") not in pairs


def test_two_pieces_of_gear_joined_by_and_without_a_link_after_are_not_two_sources(ontology):
    reading = read_question(
        "My son got a Squier Strat and a Boss Katana 50 for his birthday and no lead came with them. Which lead"
        " do I buy? The shop offered 'instrument', 'speaker' and 'patch' leads.",
        ontology,
    )
    pairs = [(link.source.device, link.dest.device) for link in reading.links if link.source and link.dest]
    assert ("guitar", "boss-katana-50-mkii") in pairs and ("guitar", "speakers") not in pairs


def test_a_gear_word_in_a_phrase_naming_furniture_is_no_gear(ontology):
    reading = read_question(
        "Our ceiling speakers are passive. Could they run straight off the line out of the streamer at the front"
        " desk?",
        ontology,
    )
    assert "mixer" not in reading.devices
    assert reading.links[0].dest.device == "passive-speaker"


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        (
            "which lead runs from the console's XLR output into that quarter-inch socket?",
            "XLR-female to TRS-male",
        ),
        (
            "I need to get from the mixer's XLR output to a quarter-inch jack, which cable?",
            "XLR-female to TRS-male",
        ),
    ],
)
def test_a_jack_right_after_into_following_an_output_is_the_receiving_end(question, cable, ontology):
    reading = read_question(question, ontology)
    assert reading.links and reading.links[0].dest is not None
    assert "quarter_inch" in reading.links[0].dest.families
    assert cable_of(question, ontology) == cable


def test_a_pronoun_after_on_is_the_owner_so_the_gear_after_it_does_not_take_the_port(ontology):
    question = (
        "the field recorder has a USB-C socket on it and my desktop only takes USB-A, what lead do I buy?"
    )
    assert cable_of(question, ontology) == "USB-C to USB-A"


def test_the_last_word_of_a_gears_name_said_again_after_the_is_that_gear(ontology):
    question = (
        "We bought a passive DI box for the keys. What lead runs from the box's XLR output to the snake?"
    )
    assert link_devices(question, ontology)[-1] == ("passive-di", "stage-box")


def test_a_gear_adjective_before_a_bracketed_connector_describes_the_cable(ontology):
    reading = read_question(
        "all I own is a stereo (TRS) patch lead, will it do for the bass into the combo amp?", ontology
    )
    assert "hifi-amp" not in reading.devices


def test_a_balance_said_in_a_bracketed_aside_right_after_gear_is_that_gears(ontology):
    question = "The desk's aux out (Yamaha call it impedance balanced) runs over a TRS lead to the wedge's TRS input."
    reading = read_question(question, ontology)
    assert reading.links and reading.links[0].source.balance == "impedance_balanced"


def test_the_output_named_later_of_gear_the_signal_went_into_is_not_the_side_it_came_in_by(ontology):
    reading = read_question(
        "The bass goes on a guitar lead into an active DI, and the DI's XLR out runs to the snake. Balanced?",
        ontology,
    )
    into_the_di = [
        link for link in reading.links if link.dest is not None and link.dest.device == "active-di"
    ]
    assert into_the_di and into_the_di[0].dest.role != "out" and "xlr" not in into_the_di[0].dest.families


@pytest.mark.parametrize(
    ("question", "mixer"),
    [
        # the processor named first, the insert after it
        (
            "I bought a second-hand compressor and want it on the insert of my Mackie 1402VLZ4's vocal channel. "
            "The channel's insert is just one socket. Which lead do I need?",
            "mackie-1402vlz4",
        ),
        # the mixer, then a mic, then the insert said of the mic's channel, then the processor
        (
            "My Soundcraft EPM8 has the vocal mic on channel 2, whose strip carries an insert socket. I got an EQ "
            "with a separate input and output; what cable joins them?",
            "soundcraft-epm8",
        ),
        # the insert named with no gear, the mixer named elsewhere
        (
            "Mackie 1202VLZ4 here. I'd like a limiter on one channel through the insert. Which cable?",
            "mackie-1202vlz4",
        ),
    ],
)
def test_gear_put_on_an_insert_is_a_loop_from_the_insert_to_the_processor(question, mixer, ontology):
    reading = read_question(question, ontology)
    assert [(link.source.device, link.source.qualifiers, link.dest.device) for link in reading.links] == [
        (mixer, ("insert",), "outboard")
    ]
    assert cable_of(question, ontology) == "TRS-male to dual TS-male"


def test_a_class_word_said_again_is_the_product_named_in_brackets_after_it_first(ontology):
    question = (
        "Our handheld's receiver (a Shure SLX4) sits by the stage. "
        "Which lead takes the receiver into the Soundcraft EPM8?"
    )
    assert link_devices(question, ontology) == [("shure-slx4", "soundcraft-epm8")]


def test_a_bracket_saying_what_kind_of_gear_does_not_make_it_other_gear(ontology):
    question = "My amp (guitar) sits on the floor. Can an SM57 go into the amp with an XLR to jack lead?"
    assert link_devices(question, ontology)[-1][1] != "guitar"


def test_a_maker_said_again_alone_is_the_gear_it_was_said_before(ontology):
    question = (
        "Running a feed to a Denon hi-fi amp in the office off the X32's XLR outs. "
        "The Denon only has RCA ins. Which lead?"
    )
    (link,) = read_question(question, ontology).links
    assert (link.source.device, link.dest.device, link.dest.families) == (
        "behringer-x32",
        "hifi-amp",
        ("rca",),
    )
    assert cable_of(question, ontology) == "XLR-female to RCA-male"


def test_gear_in_a_bracketed_aside_leaves_what_follows_to_the_gear_before_it(ontology):
    question = (
        "The old wireless receiver (the one the presenter's headset talks to) has one unbalanced mono 1/4-inch "
        "output; the desk offers 1/4-inch line inputs. What cable?"
    )
    (link,) = read_question(question, ontology).links
    assert (link.source.device, link.dest.device) == ("microphone", "mixer")
    assert cable_of(question, ontology) == "TS-male to TS-male"


def test_a_gear_word_before_mix_names_the_blend_unless_it_labels_a_port(ontology):
    # a blend named by what it is made of is no gear
    mix = "I record a stereo mix of the gig into my Zoom H6 from the desk. Which cable?"
    assert set(read_question(mix, ontology).devices) == {"mixer", "zoom-h6"}
    # a head word that starts a port's name is that port's label: the link still starts at its gear
    label = "The karaoke machine's mic mix out goes to the desk. Which cable?"
    assert link_devices(label, ontology) == [("karaoke-machine", "mixer")]


def test_non_native_words_for_cable_mixer_and_what_a_manual_writes_are_read(ontology):
    question = (
        "From my mikser I take the main out XLR into the interface. Is that balanced? "
        "And my drum machine output, manual write unbalanced, with TRS kabel into the interface?"
    )
    reading = read_question(question, ontology)
    assert "mixer" in reading.devices
    assert any(link.cable and link.cable.ends == ("trs", "trs") for link in reading.links)
    assert "unbalanced" in stated_balances(reading)


def test_a_gear_word_then_a_connector_then_a_side_the_gear_lacks_names_a_port(ontology):
    # a mic has no inputs: "the mic XLR input" is a mic input with an XLR jack, not a microphone in the chain
    question = "Can the desk's line output be patched to the old field recorder's mic-only XLR input?"
    (link,) = read_question(question, ontology).links
    assert (link.dest.device, link.dest.qualifiers, link.dest.families) == ("recorder", ("mic",), ("xlr",))


def test_a_role_word_before_a_pronoun_of_place_is_a_preposition(ontology):
    question = "The last free channel on my Mackie 402VLZ4 is a mic input. Could the Minilogue's line out go in there?"
    (link,) = read_question(question, ontology).links
    assert (link.source.device, link.source.role, link.dest.device) == (
        "korg-minilogue",
        "out",
        "mackie-402vlz4",
    )


def test_a_cable_asked_by_its_connector_is_for_the_link_whose_sender_has_that_output(ontology):
    question = (
        "Two mics feed my Yamaha MG10XU, and its USB port runs to the laptop. "
        "That computer has just USB-A. Which USB cable do I get?"
    )
    reading = read_question(question, ontology)
    assert reading.hop is not None
    assert reading.links[reading.hop].source.device == "yamaha-mg10xu"
    assert cable_of(question, ontology) == "USB-B to USB-A"


def test_a_follow_up_naming_gear_the_answer_suggested_by_a_plain_noun_means_that_gear(ontology):
    from service.core.compose import compose_answer
    from service.core.intent import Understanding

    asks_for_a_cable = Understanding(0.0, {"cable_recommendation": 0.9, "concept": 0.1})
    first = read_question("can my bass go straight into the desk's XLR mic input?", ontology)
    answer = compose_answer(first, judge(first, ontology), (), ontology)
    assert answer.context["suggested"] == ["di-box"]  # the rule's text told the user to use a DI box
    second = read_question(
        "right, what lead from the bass into that box?", ontology, answer.context, asks_for_a_cable
    )
    assert link_devices_of(second) == [("guitar", "di-box")]
    assert judge(second, ontology).cable.name == "TS-male to TS-male"
    second_answer = compose_answer(second, judge(second, ontology), (), ontology)
    third = read_question(
        "and the box on to the desk, what lead?", ontology, second_answer.context, asks_for_a_cable
    )
    assert link_devices_of(third)[0] == ("di-box", "mixer")
    assert judge(third, ontology).cable.name == "XLR-female to XLR-male"


def test_gear_said_again_in_a_follow_up_keeps_the_port_the_conversation_named(ontology):
    from service.core.normalize import reading_context

    first = read_question("my turntable goes into the phono RCA sockets of my active speakers", ontology)
    context = reading_context(first)
    follow_up = read_question(
        "I bought a phono preamp. Which leads from the preamp to the speakers?", ontology, context
    )
    (link,) = follow_up.links
    assert (link.dest.device, link.dest.families) == ("powered-speaker", ("rca",))


def test_gear_in_a_short_heading_is_no_stop_of_the_chain_after_it(ontology):
    question = (
        "Keys DI test: Radial ProDI (XLR out) -> XLR -> stage box -> X32 inputs. Is every leg balanced?"
    )
    reading = read_question(question, ontology)
    assert reading.links[0].source.device == "radial-prodi"
    assert judge(reading, ontology).balanced is True
    # a heading that names the only gear still counts
    assert link_devices("Insert Y: tip plug to the compressor input, right?", ontology)[0][1] == "outboard"


def test_a_gear_word_right_before_connector_and_cable_words_describes_the_cable(ontology):
    question = "a dynamic mic into my practice amp, using an XLR/1/4 mono guitar jack cable: balanced?"
    assert link_devices(question, ontology) == [("dynamic-mic", "guitar-amp")]


def test_a_balance_said_of_gear_in_a_follow_up_is_said_of_its_audio_port_not_the_port_before(ontology):
    from service.core.normalize import reading_context

    first = read_question(
        "My synth's MIDI OUT goes to the computer's USB port with an adapter, ok?", ontology
    )
    follow_up = read_question(
        "Also its audio outs are unbalanced jacks, and TRS cables take them to my interface line inputs. "
        "Balanced then?",
        ontology,
        reading_context(first),
    )
    assert judge(follow_up, ontology).balanced is False
    assert all("midi" not in link.source.qualifiers for link in follow_up.links if link.source)


def test_an_output_drawn_one_arrow_after_gear_is_that_gears_way_out(ontology):
    question = (
        "SM58 -> XLR lead -> mixer channel 3 -> MAIN OUT XLR -> XLR lead -> powered speaker. All balanced?"
    )
    reading = read_question(question, ontology)
    assert link_devices_of(reading) == [("shure-sm58", "mixer"), ("mixer", "powered-speaker")]
    assert "xlr" in reading.links[1].source.families


def test_a_balance_a_manual_lists_in_the_sentence_after_the_gear_is_said_of_its_ports(ontology):
    question = (
        "My vintage synth. Its spec sheet gives the 1/4-inch outs as unbalanced. TRS cables run from "
        "them to my interface's line inputs. Is it balanced now?"
    )
    assert "unbalanced" in stated_balances(read_question(question, ontology))


def test_a_port_of_no_gear_in_the_story_before_a_drawn_chain_is_no_stop(ontology):
    question = (
        "They gave me the feed over a spare line: desk XLR out -> XLR cable -> powered speaker XLR input. "
        "Balanced?"
    )
    assert link_devices(question, ontology) == [("mixer", "powered-speaker")]


def test_a_cable_wired_with_its_cold_pin_bridged_is_unbalanced_whatever_its_plugs(ontology):
    question = (
        "My mixer's XLR line out feeds a long run; in one plug of that lead pins 1 and 3 are bridged. "
        "Is that run balanced?"
    )
    assert judged(question, ontology).balanced is False


def test_of_in_the_next_sentence_owns_no_port_of_the_sentence_before(ontology):
    question = (
        "Output side: a Focusrite Scarlett 2i2, balanced line outs on TRS. Input side: a pair of powered speakers, "
        "XLR input only. Cable?"
    )
    reading = read_question(question, ontology)
    assert link_devices_of(reading) == [("focusrite-scarlett-2i2", "powered-speaker")]
    assert "line" in reading.links[0].source.qualifiers
    assert cable_of(question, ontology) == "TRS-male to XLR-male"


def test_plugs_described_by_stripes_and_sockets_by_colour_name_their_connectors(ontology):
    question = (
        "Our keyboard's headphone jack takes a big plug with two black stripes, and our speaker has one red "
        "and one white socket. Which cord joins them?"
    )
    assert cable_of(question, ontology) == "TRS-male to dual RCA-male"


def test_a_gear_word_printed_on_a_jack_is_its_label_not_gear(ontology):
    reading = read_question(
        "The piano has a socket labelled PHONES. Can it go into my powered speaker's RCA inputs?", ontology
    )
    assert link_devices_of(reading) == [("keyboard", "powered-speaker")]
    assert "headphone" in reading.links[0].source.qualifiers


def test_a_cable_a_plug_is_likened_to_is_no_cable_of_the_link(ontology):
    reading = read_question(
        "My keyboard's output takes a plug just like the ones on a guitar lead. Can it go into my mixer?",
        ontology,
    )
    assert all(link.cable is None for link in reading.links)


def test_gear_said_to_use_a_jack_names_what_the_jack_is_for(ontology):
    reading = read_question(
        "Can the keyboard's output go into one of the round sockets the mics use on our mixer?", ontology
    )
    assert link_devices_of(reading) == [("keyboard", "mixer")]
    assert "mic" in reading.links[0].dest.qualifiers


def test_a_channel_word_before_out_of_makes_it_a_port_not_a_preposition(ontology):
    assert link_devices("Which lead from the STEREO OUT of my mixer to the power amp?", ontology) == [
        ("mixer", "power-amp")
    ]


def test_a_side_of_no_named_gear_said_to_be_a_connector_is_a_port(ontology):
    question = (
        "My lighting desk's audio input is one 3.5mm stereo socket. I feed it from the RCA record outs on the "
        "mixer. Which cable?"
    )
    assert cable_of(question, ontology) == "dual RCA-male to 3.5mm TRS-male"


def test_a_negation_reaches_over_or_to_the_next_thing_named(ontology):
    reading = read_question(
        "The old interface has two jacks marked LINE OUT, nothing about +4 or -10. TRS cables go from them "
        "to my monitors. Balanced?",
        ontology,
    )
    assert all(
        "consumer" not in stop.qualifiers
        for link in reading.links
        for stop in (link.source, link.dest)
        if stop
    )


def test_a_port_label_in_quotes_after_marked_is_said_of_the_gear_before(ontology):
    question = (
        "The desk's free channels have just quarter-inch sockets marked 'Line'. My CD player has RCA "
        "outs. Will an RCA to jack cable work?"
    )
    assert link_devices(question, ontology) == [("cd-player", "mixer")]


def test_a_heading_of_six_words_before_its_colon_names_no_stop(ontology):
    question = (
        "New toy on the desk today: Behringer UMC404HD. First job: a Rode NT1 condenser into input 1. "
        "Which lead?"
    )
    assert link_devices(question, ontology) == [("rode-nt1", "behringer-umc404hd")]


def test_a_product_in_brackets_a_few_words_after_a_class_word_narrows_it(ontology):
    question = (
        "There's a speaker up on a tall stand in the school hall (a Yamaha DBR10) and a small mixer. Which "
        "lead is right for the mixer XLR out into the speaker?"
    )
    assert link_devices(question, ontology) == [("mixer", "yamaha-dbr10")]


def test_ports_wanted_in_number_are_no_jack_of_the_link(ontology):
    question = (
        "I got a Behringer ADA8200 for more mic inputs; the interface here is an 18i20. "
        "Which cable joins them?"
    )
    reading = read_question(question, ontology)
    assert all("mic" not in stop.qualifiers for link in reading.links for stop in (link.source, link.dest))
    assert cable_of(question, ontology) == "TOSLINK to TOSLINK"


def test_gear_whose_usual_output_is_made_for_the_others_input_sends(ontology):
    question = (
        "Growing an Audient iD44 by adding a Behringer ADA8200 for the drum kit; what goes between them?"
    )
    assert link_devices(question, ontology)[0] == ("behringer-ada8200", "audient-id44")
    assert cable_of(question, ontology) == "TOSLINK to TOSLINK"


def test_a_shop_named_after_an_instrument_is_no_gear(ontology):
    reading = read_question(
        "A Guitar Center guy said TRS cables make it balanced, so my keyboard into the desk with TRS is balanced?",
        ontology,
    )
    assert link_devices_of(reading) == [("keyboard", "mixer")]


def test_mono_plugs_said_of_a_cable_make_its_ends_one_conductor_plugs(ontology):
    question = (
        "My interface feeds my monitors. I use the 1/4 leads from my drawer, mono plugs on them. "
        "Is the interface to monitor link balanced?"
    )
    reading = read_question(question, ontology)
    assert reading.links[0].cable.ends == ("ts", "ts")
    judgement = judge(reading, ontology)
    assert judgement.balanced is False
    assert any("TRS or XLR" in culprit for finding in judgement.links for culprit in finding.balance_culprits)


def test_a_sentence_opening_with_a_question_word_asks_without_a_question_mark(ontology):
    question = (
        "Keys rig: synth -> Radial ProDI -> stage box XLR input. Which lead should I use from DI to stage box"
    )
    assert link_devices(question, ontology) == [("radial-prodi", "stage-box")]


def test_gear_said_to_be_built_in_is_a_part_of_other_gear_not_a_stop(ontology):
    question = (
        "My small tube combo has an ext speaker jack. I want a cable from it into my interface's instrument "
        "input, with the internal speaker still hooked up. Fine?"
    )
    assert link_devices(question, ontology) == [("tube-amp", "audio-interface")]
    assert judged(question, ontology).compatibility is Compatibility.UNSAFE


def test_gear_said_to_be_disconnected_right_after_its_name_is_no_stop(ontology):
    question = (
        "My old hi-fi amp has no line out. Could I take its speaker terminals (with the speakers "
        "disconnected) into an interface line input?"
    )
    assert link_devices(question, ontology) == [("hifi-amp", "audio-interface")]
    assert judged(question, ontology).compatibility is Compatibility.UNSAFE
    # a word that negates what follows it says nothing of the gear before it
    assert link_devices("Can my synth go into my mixer without a DI?", ontology) == [("keyboard", "mixer")]


def test_a_cable_that_cannot_go_into_a_side_said_with_its_connector_is_another_hops(ontology):
    question = (
        "My bass feeds an active DI over a jack lead, while the DI's XLR output feeds the stage box. Is the "
        "snake run, DI to desk, balanced?"
    )
    reading = read_question(question, ontology)
    assert link_devices_of(reading) == [("active-di", "mixer")]
    assert reading.links[0].cable is None
    assert judge(reading, ontology).balanced is True


def test_a_model_word_inside_a_product_name_refers_back_to_it(ontology):
    # "the Volt" after "Universal Audio Volt 276": the 1/4-inch outs on it are the Volt's
    reading = read_question(
        "I run a Universal Audio Volt 276 into a pair of Yamaha HS7 monitors. On the Volt there are just 1/4 outs, "
        "so which cable?",
        ontology,
    )
    (link,) = reading.links
    assert link.source.device == "ua-volt-276" and "quarter_inch" in link.source.families


def test_an_english_word_inside_a_product_name_does_not_refer_back(ontology):
    # "the model" is no short name of the Behringer Model D
    reading = read_question(
        "Our band has a Behringer Model D and a mixer; the model only has a 1/4 out, which cable?", ontology
    )
    assert not any(
        "quarter_inch" in stop.families
        for link in reading.links
        for stop in (link.source, link.dest)
        if stop and stop.device == "behringer-model-d"
    )


@pytest.mark.parametrize(
    ("question", "family"),
    [
        ("the deck takes a quarter-inch three-contact plug on its input", "trs"),
        ("all I have is a lead with a two-contact plug on it", "ts"),
        ("the phone wants a 4-pole plug", "trrs"),
        # pins stay pins: a three-pin socket is an XLR
        ("the desk has a three-pin socket for it", "xlr"),
    ],
)
def test_a_jack_plug_counted_by_its_contacts_names_its_connector(ontology, question, family):
    from service.core.lexicon import clean
    from service.core.lexicon import find_mentions
    from service.core.lexicon import lexicon_for
    from service.core.lexicon import tokenize

    mentions = find_mentions(tokenize(clean(question)), lexicon_for(ontology))
    families = [m.id for m in mentions if m.kind == "family"]
    assert family in families, families


def test_channel_inside_a_port_phrase_keeps_the_port(ontology):
    # "one balanced channel input" is an input, however many words sit inside the phrase
    reading = read_question(
        "could I use a TRS lead from the headphone out into one balanced channel input?", ontology
    )
    (link,) = reading.links
    assert link.source is not None and link.source.role == "out"
    assert link.dest is not None and link.dest.role == "in" and link.dest.balance == "balanced"


@pytest.mark.parametrize(("said", "family"), [("a 3.5 TRS output", "trs35"), ("a 3.5 mono out", "ts35")])
def test_a_size_without_its_unit_before_the_kind_names_the_small_jack(ontology, said, family):
    reading = read_question(f"my wireless receiver has {said}, which cable into the camera?", ontology)
    assert any(family in stop.families for link in reading.links for stop in (link.source, link.dest) if stop)


def test_a_size_and_a_kind_side_by_side_are_one_jack_not_a_cable(ontology):
    reading = read_question(
        "The desk's balanced XLR output feeds a reel to reel; its input takes a quarter-inch three-contact plug. "
        "Which cable?",
        ontology,
    )
    (link,) = reading.links
    assert link.cable is None
    assert link.dest is not None and link.dest.device == "tape-deck" and link.dest.families == ("trs",)
    assert (
        cable_of(
            "The desk's balanced XLR output feeds a reel to reel; its input takes a quarter-inch three-contact plug. "
            "Which cable?",
            ontology,
        )
        == "XLR-female to TRS-male"
    )


def test_a_keyboards_usb_sends_to_the_computer_when_no_word_says_which_way(ontology):
    # kb/reading.yaml usb_senders: a keyboard's USB port carries its notes to the host
    assert cable_of("my keyboard's port is usb-b; the laptop has only usb-c. which cable?", ontology) == (
        "USB-B to USB-C"
    )


@pytest.mark.parametrize(
    "question",
    [
        # the receiving gear is named first, by its jacks; the sender only by an output port word
        "Sunday mornings the hi-fi plays my takes. The field recorder has a tiny headphone socket and the hi-fi "
        "has red and white RCA sockets at the back. Which lead goes between?",
        "My stereo has RCA sockets and my drum machine a headphone out. What cable joins them?",
    ],
)
def test_gear_named_by_an_output_port_sends(question, ontology):
    reading = read_question(question, ontology)
    assert [link.source.qualifiers for link in reading.links if link.source] == [("headphone",)]


def test_a_phones_headphone_jack_still_takes_a_mic(ontology):
    # a mic only sends: the phone's headphone jack is where it goes in (the headset jack)
    reading = read_question("Which lead between my lavalier mic and the phone's headphone jack?", ontology)
    assert link_devices_of(reading) == [("camera-mic", "phone")]


def test_a_makers_name_that_is_also_a_class_word_is_the_product_named_before(ontology):
    # Tascam and Zoom make recorders too: "the Tascam" after its full name is that product, not a recorder
    reading = read_question(
        "Our Tascam US-16x08 sits under the desk. Do I need a DI to get my bass into the Tascam?", ontology
    )
    assert "tascam-us-16x08" in reading.devices and "recorder" not in reading.devices


def test_the_ports_the_asking_sentence_names_win_over_the_set_up(ontology):
    # the set-up names the mixer's mic inputs (all used); the question names another port of the same gear
    reading = read_question(
        "Every XLR mic input on the Tascam US-16x08 is busy with the drum mics. What goes between the X32 XLR "
        "outputs and the Tascam's TRS line inputs?",
        ontology,
    )
    assert link_devices_of(reading) == [("behringer-x32", "tascam-us-16x08")]
    assert reading.links[0].dest.qualifiers == ("line",)
    assert (
        cable_of(
            "Every XLR mic input on the Tascam US-16x08 is busy with the drum mics. What goes between "
            "the X32 XLR outputs and the Tascam's TRS line inputs?",
            ontology,
        )
        == "XLR-female to TRS-male"
    )


def test_an_output_alone_with_a_cable_is_the_sending_end(ontology):
    # "going to use": that "to" leads into nothing; an output port is where the cable starts
    reading = read_question(
        "Want to try the DDJ-400 headphone out and a TRS-to-male-XLR lead, any problem?", ontology
    )
    assert reading.links[0].source is not None and reading.links[0].source.qualifiers == ("headphone",)
    assert reading.links[0].dest is None


def test_what_both_says_is_said_of_the_ends_it_lists(ontology):
    # the output is said to be unbalanced; "both" lists the cable and the input, not every end
    reading = read_question(
        "Recording a Minilogue into a Scarlett 2i2. The Minilogue handbook lists the main output as a 1/4 inch "
        "unbalanced jack. I use TRS leads into a 2i2 line input, and since both the lead and the interface input "
        "are balanced, is the whole thing balanced?",
        ontology,
    )
    assert reading.links[0].source is not None and reading.links[0].source.balance == "unbalanced"


def test_both_ends_of_a_cable_says_nothing_of_a_later_clause(ontology):
    reading = read_question(
        "Piano headphone socket to the interface line in with TRS plugs on both ends, so that is a "
        "balanced hookup, yes?",
        ontology,
    )
    assert stated_balances(reading) == []


def test_a_balance_said_of_gear_with_inputs_only_is_said_of_its_inputs(ontology):
    reading = read_question(
        "The 4i4 line outs feed my monitors over TRS, and the monitors are marked balanced at the rear. Balanced?",
        ontology,
    )
    assert reading.links[0].dest is not None and reading.links[0].dest.balance == "balanced"


def test_gear_only_named_in_the_set_up_is_no_end_of_the_link(ontology):
    # no sentence links the gear: the two pieces whose jacks the post describes are the ends, not the laptop
    reading = read_question(
        "My rig: a Roland TR-8S, an old laptop running Ableton, and KRK Rokit 5s. The TR-8S has 1/4 inch mix "
        "outs and the Rokits have XLR and TRS inputs. Which lead joins those two?",
        ontology,
    )
    assert link_devices_of(reading) == [("roland-tr-8s", "krk-rokit-5")]


def test_a_port_said_after_a_sender_and_into_is_the_port_of_gear_named_before(ontology):
    # "into" joins the bass to the port; the port is the mixer's, named a sentence earlier
    reading = read_question(
        "Our trio plays through a Yamaha MG10XU. I normally run my Fender Precision Bass (passive, no preamp) right "
        "into a quarter-inch socket on stereo channel 7/8, which I think are plain line inputs, using an "
        "ordinary guitar cable. Fine?",
        ontology,
    )
    assert link_devices_of(reading) == [("guitar", "yamaha-mg10xu")]


def test_gear_the_signal_passes_through_sits_between_the_sender_and_where_it_goes(ontology):
    # "to the desk through a DI": the DI is named after the desk but the signal reaches it first
    for via in ("through a", "thru the", "via the"):
        devices = link_devices(
            f"my bass runs to the desk {via} DI box on the floor, balanced the whole way?", ontology
        )
        assert devices == [("guitar", "di-box"), ("di-box", "mixer")], via
