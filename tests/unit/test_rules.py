"""Table-driven rules: every pair of cable ends, and links described with gear."""

from __future__ import annotations

import itertools

import pytest

from service.core.intent import Understanding
from service.core.normalize import read_question
from service.core.rules import judge
from service.types import Compatibility

# Every end family with a plug, in the words a user would type.
END_WORDS = {
    "xlr": "XLR",
    "trs": "TRS",
    "ts": "TS",
    "trs35": "3.5mm TRS",
    "ts35": "3.5mm mono",
    "trrs": "TRRS",
    "rca": "RCA",
    "speakon": "speakON",
    "banana": "banana",
    "midi": "MIDI DIN",
    "usb_a": "USB-A",
    "usb_b": "USB-B",
    "usb_c": "USB-C",
    "toslink": "TOSLINK",
    "bnc": "BNC",
}
ONE_CONDUCTOR = {"ts", "ts35", "rca", "trrs", "trs35"}
GRID_ID = {"xlr": "xlr_m", "usb_a": "usb", "usb_b": "usb", "usb_c": "usb"}
PAIRS = list(itertools.product(END_WORDS, repeat=2))


# The rules are under test here, not the domain gate: every question is taken as in domain.
IN_DOMAIN = Understanding(0.0, {"compatibility": 1.0})


def verdict_for(question, ontology):
    reading = read_question(question, ontology, understanding=IN_DOMAIN)
    return reading, judge(reading, ontology)


def cable_asked(question, ontology):
    """The judgement of a question read as asking which cable to use."""
    reading = read_question(
        question, ontology, understanding=Understanding(0.0, {"cable_recommendation": 1.0})
    )
    return judge(reading, ontology)


@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}-{b}" for a, b in PAIRS])
def test_every_pair_of_ends_follows_the_grid(a, b, ontology):
    reading, j = verdict_for(f"is {END_WORDS[a]} to {END_WORDS[b]} ok?", ontology)
    assert reading.links and reading.links[0].cable is not None, reading
    assert reading.links[0].cable.ends == (a, b)
    # an XLR-to-XLR cable with no gender said is the usual female-to-male one; a lone XLR end is taken as male
    ids = ("xlr_f", "xlr_m") if a == b == "xlr" else (GRID_ID.get(a, a), GRID_ID.get(b, b))
    code = ontology.pair_code(*ids)
    assert j.compatibility == Compatibility(ontology.pair_codes[code].verdict)
    analog = {"xlr", "trs"} | ONE_CONDUCTOR
    if {a, b} <= analog and (a in ONE_CONDUCTOR or b in ONE_CONDUCTOR):
        assert j.balanced is False, "a link through a one-conductor end is never balanced"
    if {a, b} <= {"xlr", "trs"}:
        assert j.balanced is None, "balanced only if the gear is: it depends"
    if code == "H":
        assert any(w.hazard == "speaker-out-into-input" for w in j.warnings)
    if code == "P":
        assert any(w.hazard == "phantom-into-unbalanced" for w in j.warnings)


LINKS = [
    # question, balanced, compatibility, cable name
    ("interface balanced TRS out into monitor's balanced XLR input", True, "works", "TRS-male to XLR-male"),
    ("mic -> xlr cable -> interface mic input", True, "works", "XLR-female to XLR-male"),
    ("guitar into the interface's hi-z input", False, "works", "TS-male to TS-male"),
    ("guitar into a regular line input on my mixer", False, "works_with_caveat", "TS-male to TS-male"),
    ("amp speaker out into my interface line input", None, "unsafe", None),
    ("power amp speakON out to passive speakers' binding posts", None, "works", "speakON to banana"),
    (
        "laptop headphone jack to the mixer's balanced line input with a 3.5mm to TRS cable",
        False,
        "works_with_caveat",
        None,
    ),
    ("turntable into the phono input of my DJ mixer", False, "works", "RCA-male to RCA-male"),
    # a mono unbalanced leg on a small plug gains nothing from a TRS plug at the other end
    (
        "the module's 3.5mm mono out into a 1/4 inch line input of the mixer",
        False,
        "works",
        "3.5mm TS-male to TS-male",
    ),
    ("turntable direct to the interface line in", False, "does_not_work", None),
    ("MIDI out of my keyboard into the MIDI out of my synth", None, "does_not_work", None),
    ("keyboard midi out into synth midi in", None, "works", "MIDI DIN-5 male to MIDI DIN-5 male"),
    ("CD player's coaxial out into the optical input of my interface", None, "does_not_work", None),
    ("DI box XLR out into the mixer's TRS line input", None, "works_with_caveat", "XLR-female to TRS-male"),
    ("synth line out into my interface mic input", None, "works_with_caveat", None),
    # said to need phantom, a condenser is silent on plug-in power; not said, it may be one that runs on it
    ("my condenser mic needs 48V phantom, into the camera's 3.5mm mic input", None, "does_not_work", None),
    ("my condenser mic into the camera's 3.5mm mic input", False, "works_with_caveat", None),
    # a laptop's one combined headset jack takes a mic on its TRRS contacts, and sends on its headphone side
    (
        "dynamic mic into my laptop's headset jack",
        False,
        "works_with_caveat",
        "XLR-female to 3.5mm TRRS-male",
    ),
    # (its stereo side into one named line input: both sides arrive only through a splitter into two inputs)
    ("laptop headset jack into the mixer's line input", False, "works_with_caveat", None),
    # an interface has no amplifier: its "speaker outs" are its monitor outs, line level
    ("the interface's balanced speaker outs into the powered monitors with TRS cables", None, "works", None),
]


@pytest.mark.parametrize(
    ("question", "balanced", "compatibility", "cable"), LINKS, ids=[q for q, *_ in LINKS]
)
def test_links_described_with_gear(question, balanced, compatibility, cable, ontology):
    _, j = verdict_for(question, ontology)
    assert j.compatibility == Compatibility(compatibility)
    if balanced is not None or compatibility != "does_not_work":
        assert j.balanced is balanced
    if cable:
        assert j.cable is not None and j.cable.name == cable


def test_phantom_into_an_unbalanced_adapter_is_unsafe(ontology):
    _, j = verdict_for(
        "synth RCA out into a mixer mic input with an RCA to XLR-male cable, phantom power is on", ontology
    )
    assert j.compatibility is Compatibility.UNSAFE
    assert j.warnings[0].hazard == "phantom-into-unbalanced" and j.warnings[0].severity.value == "danger"


def test_xlr_genders_must_mate(ontology):
    _, j = verdict_for(
        "can I use a TRS to XLR-male cable from my mixer's XLR main out into a TRS line input?", ontology
    )
    assert j.compatibility is Compatibility.DOES_NOT_WORK
    assert "rule.mating.xlr-gender" in {f.id for f in j.facts}


def test_stereo_headphone_out_into_one_balanced_input_warns_left_minus_right(ontology):
    _, j = verdict_for(
        "phone headphone out into one balanced TRS line input on the mixer with a TRS cable", ontology
    )
    assert any(w.hazard == "stereo-into-balanced-input" for w in j.warnings)


def test_chain_names_the_link_where_balance_breaks(ontology):
    reading, j = verdict_for(
        "mic -> XLR -> interface, then TS cables from the interface outs to the monitors", ontology
    )
    assert len(j.links) == 2
    assert [f.balanced for f in j.links] == [True, False]
    assert j.balanced is False


def test_every_connector_family_has_a_pair_case():
    families_with_plugs = {
        "xlr",
        "trs",
        "ts",
        "trs35",
        "ts35",
        "trrs",
        "rca",
        "speakon",
        "banana",
        "midi",
        "usb_a",
        "usb_b",
        "usb_c",
        "toslink",
        "bnc",
    }
    assert families_with_plugs == set(END_WORDS)


def _link(source, dest):
    from service.core.reading import LinkSpec
    from service.core.reading import Stop

    return LinkSpec(Stop(device=source[0], qualifiers=source[1], role="out"), None, Stop(**dest))


def test_a_link_joining_two_outputs_among_plausible_ones_is_set_aside_as_misread(ontology):
    from dataclasses import replace

    from service.core.reading import Reading
    from service.types import Intent

    good = _link(("keyboard", ("line",)), {"device": "mixer", "qualifiers": ("line",), "role": "in"})
    misread = _link(("mixer", ("main",)), {"device": "keyboard", "qualifiers": ("headphone",), "role": "out"})
    prose = Reading(question="q", cleaned="q", intent=Intent.COMPATIBILITY, links=(good, misread))
    judgement = judge(prose, ontology)
    assert judgement.compatibility is Compatibility.WORKS
    assert len(judgement.links) == 1  # and it is not listed in the answer either
    # a chain the user drew with arrows lists every link and is balanced only if all are, but whether it works
    # is still decided by the links that read as connections
    drawn = judge(replace(prose, drawn=True), ontology)
    assert drawn.compatibility is Compatibility.WORKS
    assert len(drawn.links) == 2
    # on its own, two outputs joined is the answer
    alone = judge(replace(prose, links=(misread,)), ontology)
    assert alone.compatibility is Compatibility.DOES_NOT_WORK


def test_two_different_speaker_loads_stated_are_a_mismatch_warning(ontology):
    reading = read_question(
        "my valve head is set to 8 ohm and the only cab is 4 ohms, can I play tonight?", ontology
    )
    assert reading.speaker_loads == (8.0, 4.0)
    judgement = judge(reading, ontology)
    assert judgement.compatibility is Compatibility.WORKS_WITH_CAVEAT
    assert "tube-amp-no-load" in {w.hazard for w in judgement.warnings}
    # a cable's characteristic impedance is not a speaker load
    assert read_question("is 75 ohm coax fine for S/PDIF?", ontology).speaker_loads == ()


def test_a_cable_of_a_named_kind_outranks_a_plain_one_on_the_same_link(ontology):
    judgement = judge(
        read_question(
            "power amp to the passive sub: any quarter inch cable works, so I used a guitar lead. ok?",
            ontology,
        ),
        ontology,
    )
    assert judgement.compatibility is Compatibility.UNSAFE


def test_a_synths_line_out_of_unstated_balance_makes_a_balance_verdict_depend_but_takes_a_ts_lead(ontology):
    # the balance hinges on the synth's outputs, which the question does not state
    assert (
        judge(
            read_question("TRS leads from my synth into the desk's line ins: balanced now?", ontology),
            ontology,
        ).balanced
        is None
    )
    # ...yet the usual lead for it is TS, and a TS lead makes the link unbalanced whatever the synth has
    assert (
        judge(
            read_question("TS leads from my synth into the desk's line ins: balanced?", ontology), ontology
        ).balanced
        is False
    )
    cable = judge(
        read_question("what lead from my drum machine's output to a DI box?", ontology), ontology
    ).cable
    assert cable is not None and cable.name == "TS-male to TS-male"


def test_a_tv_into_an_spdif_input_must_be_set_to_pcm(ontology):
    judgement = judge(
        read_question("TV's optical out into the optical S/PDIF in of my interface, ok?", ontology), ontology
    )
    assert judgement.compatibility is Compatibility.WORKS_WITH_CAVEAT
    assert any("PCM" in r for f in judgement.links for r in f.reasons)


def test_spdif_coax_over_an_ordinary_rca_lead_is_a_caveat_and_over_no_named_cable_it_works(ontology):
    ordinary = judge(
        read_question(
            "CD player's S/PDIF coax out into the interface's coax in with a normal RCA cable, fine?",
            ontology,
        ),
        ontology,
    )
    assert ordinary.compatibility is Compatibility.WORKS_WITH_CAVEAT
    plain = judge(
        read_question("CD player's S/PDIF coax out into the interface's coax input, fine?", ontology),
        ontology,
    )
    assert plain.compatibility is Compatibility.WORKS


def test_a_headphone_plug_of_the_other_size_needs_only_an_adapter(ontology):
    judgement = judge(
        read_question(
            "my earbuds' small 3.5 mm plug into the mixer's 1/4 inch headphone socket, ok?", ontology
        ),
        ontology,
    )
    assert judgement.compatibility is Compatibility.WORKS
    assert any("adapter" in r for f in judgement.links for r in f.reasons)


def test_a_reamp_box_sends_an_unbalanced_instrument_signal_to_the_amp(ontology):
    judgement = judge(
        read_question("which lead from the reamp box's output into the guitar amp's input?", ontology),
        ontology,
    )
    assert judgement.cable is not None and judgement.cable.name == "TS-male to TS-male"


def test_a_port_named_by_its_balance_is_stated_not_guessed(ontology):
    # "the interface's balanced outs": the question says which output, so the link is not a guess
    judgement = judge(
        read_question("my interface's balanced outs into the monitors' TRS inputs, fine?", ontology), ontology
    )
    assert not any(f.guessed for f in judgement.links)


def test_a_ts_plug_in_a_named_trs_input_is_a_caveat_unless_the_source_is_unbalanced_anyway(ontology):
    questions = {
        "TS guitar cable from the interface line out into the monitor's TRS input, ok?": Compatibility.WORKS_WITH_CAVEAT,
        "RCA to TS cable from the cd player's RCA outs into the mixer's TRS line input, ok?": Compatibility.WORKS,
        # a keyboard's outs are usually unbalanced, not known to be: the TS lead still gives up the input's balance
        "the synth's 1/4 outs to the console's balanced TRS line ins with TS leads, fine?": Compatibility.WORKS_WITH_CAVEAT,
        "the synth's 1/4 outs, they're unbalanced, to the console's balanced TRS line ins with TS leads, fine?": (
            Compatibility.WORKS
        ),
    }
    for question, verdict in questions.items():
        assert judge(read_question(question, ontology), ontology).compatibility is verdict, question


def test_a_mic_into_gear_the_catalog_does_not_know_gets_a_mic_cable_to_an_assumed_mic_input(ontology):
    # kb/ports.yaml `feeds`: a microphone's output is made for a mic input, whatever the unknown gear is
    for question in (
        "which cable do I need from my dynamic mic into the zorblatt 3000?",
        "how do I connect my dynamic mic to the zorblatt 3000, what cable?",
    ):
        judgement = cable_asked(question, ontology)
        assert judgement.cable is not None and judgement.cable.name == "XLR-female to XLR-male", question
        assert all(f.guessed for f in judgement.links) and "assumed" in judgement.links[0].dest.name


def test_a_mic_on_a_small_plug_is_not_assumed_to_go_into_an_xlr_mic_input(ontology):
    judgement = cable_asked("my lapel mic has a 3.5 mm plug, which cable into the zorblatt 3000?", ontology)
    assert judgement.cable is None or "XLR" not in judgement.cable.name


def test_a_jack_the_gears_class_does_not_list_is_believed_as_that_jacks_usual_port(ontology):
    # a hi-fi amp's class lists only speaker outputs; RCA outputs on it are line-level pre-outs, not speaker level
    _, line = verdict_for("my stereo amp's RCA outputs into the powered speaker's RCA input, ok?", ontology)
    assert line.compatibility is Compatibility.WORKS and not line.warnings
    assert line.links[0].source.kind_id == "consumer-out"
    # the class's default still decides when the jack is one of its own
    _, speaker = verdict_for(
        "my stereo amp's banana outputs into the powered speaker's RCA input, ok?", ontology
    )
    assert speaker.links[0].source.kind.level == "speaker"


def test_a_named_cable_whose_plugs_cannot_carry_a_digital_or_midi_port_does_not_join_them(ontology):
    _, din = verdict_for("can a 5-pin MIDI cable connect my synth to the computer's USB port?", ontology)
    assert din.compatibility is Compatibility.DOES_NOT_WORK
    assert "rule.plug.cannot-carry-port" in din.links[0].rule_ids
    _, usb = verdict_for("can a USB cable connect my synth's USB port to the computer's USB port?", ontology)
    assert usb.compatibility is Compatibility.WORKS
    _, trs_midi = verdict_for(
        "my synth's 3.5mm MIDI out to a DIN MIDI in, with a TRS to DIN adapter, ok?", ontology
    )
    assert "rule.plug.cannot-carry-port" not in trs_midi.links[0].rule_ids


def test_a_jack_on_gear_with_several_ports_of_that_jack_is_the_jacks_usual_port(ontology):
    # a mixer has RCA tape ins and a PHONO input; "the RCA inputs" without "phono" are the line-level ones
    _, judgement = verdict_for(
        "my phone into the mixer's RCA inputs with a 3.5mm to RCA cable, ok?", ontology
    )
    assert judgement.links[0].dest.kind.level != "phono"
    assert judgement.compatibility is Compatibility.WORKS


def test_a_hifi_amplifier_drives_speakers_from_binding_posts(ontology):
    judgement = cable_asked(
        "which speaker wire plugs from my stereo amp to the bookshelf speakers?", ontology
    )
    assert judgement.cable is not None and judgement.cable.name == "banana to banana"


@pytest.mark.parametrize(
    "question",
    [
        "can I plug a speakON to jack adapter into the line input of my mixer?",
        "a banana to XLR lead into the interface's mic input, ok?",
    ],
)
def test_a_plug_made_only_for_speaker_level_makes_the_unnamed_end_a_speaker_output(question, ontology):
    _, j = verdict_for(question, ontology)
    assert j.links and j.links[0].source is not None and j.links[0].source.kind.level == "speaker"
    assert j.compatibility is Compatibility.UNSAFE


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        ("my lav mic into the camera, which cable?", ("3.5mm TRS-male", "3.5mm TRS-male")),
        ("on-camera mic into a phone's headset jack: what lead?", ("3.5mm TRS-male", "3.5mm TRRS-male")),
    ],
)
def test_a_camera_mic_sends_mic_level_on_a_small_plug(question, cable, ontology):
    j = cable_asked(question, ontology)
    assert j.cable is not None and (j.cable.from_end, j.cable.to_end) == cable
    assert j.links[0].source.kind.level == "mic"


def test_an_xlr_to_xlr_cable_with_no_gender_said_is_the_usual_female_to_male_one(ontology):
    from service.core.normalize import read_question
    from service.core.rules import judge
    from service.types import Compatibility

    def verdict(question):
        return judge(read_question(question, ontology), ontology).compatibility

    assert verdict("can I plug two XLR cables together end to end?") is Compatibility.WORKS
    assert verdict("is an XLR male to XLR male cable ok?") is Compatibility.WORKS_WITH_CAVEAT


def test_audio_asked_of_a_midi_link_is_a_no_though_the_midi_link_is_sound(ontology):
    from service.core.normalize import read_question
    from service.core.rules import judge

    def verdict(question):
        return judge(read_question(question, ontology), ontology).compatibility

    assert verdict("drum machine's MIDI out into the synth's MIDI in, will that work?") is Compatibility.WORKS
    asked = verdict(
        "drum machine's MIDI out into the synth's MIDI in: will the drum machine's audio come through?"
    )
    assert asked is Compatibility.DOES_NOT_WORK


def test_a_long_unbalanced_line_run_works_with_a_caveat_and_a_short_one_just_works(ontology):
    def finding(question):
        judgement = judge(read_question(question, ontology, understanding=IN_DOMAIN), ontology)
        return judgement.compatibility, {rule for link in judgement.links for rule in link.rule_ids}

    long_verdict, long_rules = finding(
        "can a drum machine's unbalanced line out run 25 m to the desk's line in on a TS cable?"
    )
    short_verdict, short_rules = finding(
        "can a drum machine's unbalanced line out run 2 m to the desk's line in on a TS cable?"
    )
    assert long_verdict is Compatibility.WORKS_WITH_CAVEAT
    assert "rule.length.long-unbalanced-line" in long_rules
    assert short_verdict is Compatibility.WORKS
    assert not any(rule.startswith("rule.length.") for rule in short_rules)


def test_a_quarter_inch_headphone_out_into_a_consumer_input_works_with_a_level_caveat(ontology):
    _, quarter_inch = verdict_for(
        "my digital piano's 1/4 inch TRS headphone out into the RCA aux inputs of a hi-fi amp, will it work?",
        ontology,
    )
    _, minijack = verdict_for(
        "my phone's 3.5mm headphone out into the RCA aux inputs of a hi-fi amp, ok?", ontology
    )
    assert quarter_inch.compatibility is Compatibility.WORKS_WITH_CAVEAT
    assert any(
        "rule.level.quarter-inch-headphone-into-consumer" in link.rule_ids for link in quarter_inch.links
    )
    assert minijack.compatibility is Compatibility.WORKS


def test_a_plug_picked_for_a_usually_unbalanced_output_does_not_decide_the_balance(ontology):
    # no jack is named on the synth: the TS plug the cable would usually have is a guess, so it depends
    _, j = verdict_for("my synth into the interface's balanced TRS input. balanced?", ontology)
    assert j.balanced is None
    assert any("output" in c for c in j.conditions)
    # ...and once the question names the synth's jack, the plug is a fact
    _, j = verdict_for("my synth's TS out into the interface's balanced TRS input. balanced?", ontology)
    assert j.balanced is False
    # a jack named by its size only, on outputs said to be either, is no fact either
    _, j = verdict_for(
        "My synth has two 1/4 inch outputs and the label on them says nothing about balanced or unbalanced. If I "
        "run TRS leads to the interface's balanced line inputs, balanced?",
        ontology,
    )
    assert j.balanced is None
    # the cable it recommends is still the usual one
    _, j = verdict_for("which cable from my synth to my mixer's line input?", ontology)
    assert j.cable is not None and j.cable.name.startswith("TS-male")


def test_a_balance_said_later_of_a_side_of_gear_named_before_is_the_gears(ontology):
    _, j = verdict_for(
        "We run the keyboard into the desk's TRS input with a TRS lead. The keyboard's manual says its outputs are "
        "unbalanced. Is that balanced?",
        ontology,
    )
    assert j.balanced is False
    assert any("output" in c for c in j.links[0].balance_culprits)


def test_a_line_source_into_a_combo_jack_takes_its_quarter_inch_side(ontology):
    _, j = verdict_for(
        "which cable from the turntable's RCA line out into the interface's combo input?", ontology
    )
    assert j.cable is not None and j.cable.name == "RCA-male to TS-male"
    # a mic still takes the XLR side, and a jack the question names is kept
    _, j = verdict_for("which cable from my dynamic mic into the interface's combo input?", ontology)
    assert j.cable is not None and j.cable.name == "XLR-female to XLR-male"


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        # an interface's or recorder's XLR side is its mic preamp: a desk's XLR line out goes into the jack side
        (
            "which lead from the desk's XLR main out into my Scarlett 2i2's combo input?",
            "XLR-female to TRS-male",
        ),
        (
            "XLR line out of the mixer to the line input of my audio interface, what cable",
            "XLR-female to TRS-male",
        ),
        # ...also when the question names both of the combo's jacks
        (
            "the mixer's XLR main out into the field recorder's combo inputs (they take XLR or 1/4 inch), which lead?",
            "XLR-female to TRS-male",
        ),
        # a powered speaker's combo takes line level on both sides: XLR to XLR
        (
            "which lead from the desk's XLR main out into the combo input of my powered speaker?",
            "XLR-female to XLR-male",
        ),
        # ...and an unbalanced jack goes into its jack side
        (
            "keyboard's unbalanced 1/4 inch out into the combo input of my powered speaker, what cable?",
            "TS-male to TS-male",
        ),
    ],
)
def test_a_line_level_xlr_output_goes_into_the_side_of_a_combo_made_for_line_level(question, cable, ontology):
    _, j = verdict_for(question, ontology)
    assert j.cable is not None and j.cable.name == cable


def test_a_coaxial_spdif_output_is_no_optical_one(ontology):
    _, j = verdict_for(
        "the transport's coaxial S/PDIF output into the DAC's optical input, will that work?", ontology
    )
    assert j.compatibility is Compatibility.DOES_NOT_WORK


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        # RCA outputs come as a left/right pair; one small stereo jack takes both
        (
            "the desk's RCA tape outs into the 3.5 mm line in of my field recorder, which lead?",
            ("dual RCA-male", "3.5mm TRS-male"),
        ),
        # into a 1/4-inch input nothing says stereo: one channel, one plug each end
        (
            "turntable preamp RCA out into my interface's 1/4 line input, which cable?",
            ("RCA-male", "TS-male"),
        ),
        # said mono, the RCA output is one plug
        (
            "the mono RCA sub out into my recorder's 3.5 mm line in, which lead?",
            ("RCA-male", "3.5mm TRS-male"),
        ),
    ],
)
def test_paired_rca_outputs_into_one_small_stereo_jack_take_a_dual_rca_lead(question, cable, ontology):
    j = cable_asked(question, ontology)
    assert j.cable is not None and (j.cable.from_end, j.cable.to_end) == cable


def test_a_dac_takes_a_digital_signal_in_and_sends_line_level_out(ontology):
    j = cable_asked(
        "I want the TV's sound in the DAC in my hi-fi rack; the TV has an optical out. Which lead?", ontology
    )
    assert j.cable is not None and (j.cable.from_end, j.cable.to_end) == ("TOSLINK", "TOSLINK")
    j = cable_asked("my USB DAC's line out into the hi-fi amp's aux in, which cable?", ontology)
    assert j.links[0].source.kind.domain == "analog" and j.cable.to_end == "RCA-male"


def test_a_bare_plus_four_or_minus_ten_names_the_level_of_the_port_it_is_said_of(ontology):
    reading, j = verdict_for(
        "a tape deck with -10 RCA outputs feeding my interface's +4 balanced line inputs, ok?", ontology
    )
    link = reading.links[0]
    assert "consumer" in link.source.qualifiers and "pro" in link.dest.qualifiers
    assert j.compatibility is Compatibility.WORKS_WITH_CAVEAT


@pytest.mark.parametrize(
    ("question", "device", "cable"),
    [
        ("which cable from my powered mixer to my passive speakers?", "powered-mixer", ("speakON", "banana")),
        (
            "my MIDI interface's out to the synth's MIDI in, which cable?",
            "midi-interface",
            ("MIDI DIN-5 male", "MIDI DIN-5 male"),
        ),
    ],
)
def test_common_gear_classes_are_known_with_their_usual_ports(question, device, cable, ontology):
    j = cable_asked(question, ontology)
    assert j.links[0].source.device == device
    assert j.cable is not None and (j.cable.from_end, j.cable.to_end) == cable


def test_a_karaoke_machines_mic_jack_is_an_unbalanced_quarter_inch_mic_input(ontology):
    reading, j = verdict_for(
        "Will my SM58 work in my karaoke machine's mic input with an XLR to 1/4 cable?", ontology
    )
    dest = j.links[0].dest
    assert dest.kind.level == "mic" and dest.kind.balance == "unbalanced" and "xlr" not in dest.kind.jacks
    assert j.compatibility is Compatibility.WORKS_WITH_CAVEAT


def test_a_receiver_named_with_an_rca_cable_sends_from_its_line_level_outputs(ontology):
    _, j = verdict_for("receiver to my powered sub with an RCA cable, ok?", ontology)
    assert j.links[0].source.kind.level == "consumer_line"
    assert j.compatibility is Compatibility.WORKS
    _, j = verdict_for("my receiver to the passive speakers, ok?", ontology)
    assert j.links[0].source.kind.level == "speaker"


def test_a_popular_shotgun_into_a_cinema_cameras_xlr_input_with_phantom_on_works(ontology):
    reading, j = verdict_for("an MKE600 shotgun on the Sony FX6's XLR input, 48 V on: ok?", ontology)
    link = reading.links[0]
    assert link.source.device == "sennheiser-mke-600" and link.dest.device == "sony-fx6"
    assert j.compatibility is Compatibility.WORKS


def test_a_phone_lav_on_a_trrs_plug_into_a_cameras_mic_jack_needs_an_adapter(ontology):
    _, j = verdict_for(
        "my phone lav has a TRRS plug; straight into my camera's 3.5 mm mic jack, ok?", ontology
    )
    assert j.compatibility is Compatibility.WORKS_WITH_CAVEAT
    assert j.links[0].dest.kind.jacks == ["trs35"]


@pytest.mark.parametrize(
    ("question", "port"),
    [
        # both a mic and a line port are named: the jack named picks one, else what the other end sends does
        (
            "Every line channel on the little desk is taken, leaving one XLR mic channel. Can the drum machine's"
            " out go into that XLR mic channel?",
            "mic-in",
        ),
        (
            "My band's mixer has XLR main outs. The recorder's mic inputs are all used by drum mics so I want two"
            " of its line inputs. What cable goes from the mixer outs to the recorder's line ins?",
            "line-in",
        ),
    ],
)
def test_of_two_ports_named_on_one_gear_the_jack_then_the_sending_level_decides(question, port, ontology):
    judgement = judge(read_question(question, ontology), ontology)
    assert judgement.links[0].dest.kind_id == port


def test_an_xlr_end_of_a_named_cable_into_gear_nobody_knows_is_a_balanced_xlr_input(ontology):
    question = (
        "Scarlett 2i2 line outs to my new Quasarfield Q7s with TRS to XLR leads. Balanced the whole way?"
    )
    reading = read_question(question, ontology, understanding=Understanding(0.0, {"balanced_check": 1.0}))
    assert judge(reading, ontology).balanced is True


def test_the_end_of_a_cable_that_fits_the_one_jack_named_goes_on_that_jack(ontology):
    from service.core.reading import CableSpec
    from service.core.reading import LinkSpec
    from service.core.reading import Reading
    from service.core.reading import Stop
    from service.types import Intent

    # read receiving end first: only the camera's jack is named, so the 3.5 mm end goes on it and the
    # female XLR end on the mic
    camera = Stop(device="camera", qualifiers=("mic",), role="in", families=("trs35",))
    cable = CableSpec(ends=("xlr", "trs35"), genders=("female", None), explicit_ends=True)
    link = LinkSpec(camera, cable, Stop(device="shure-sm58"))
    judgement = judge(
        Reading(question="q", cleaned="q", intent=Intent.COMPATIBILITY, links=(link,)), ontology
    )
    assert "rule.mating.xlr-gender" not in judgement.links[0].rule_ids
    assert judgement.compatibility is Compatibility.WORKS_WITH_CAVEAT


@pytest.mark.parametrize(
    ("question", "rule"),
    [
        # an input said to be one of several takes one channel of a stereo source
        ("Can my tablet's headphone out go into one line input on the desk?", "rule.stereo.into-one-input"),
        # a lead with one mono plug at the far end carries one side of a stereo output
        (
            "Can I run my laptop headphone out into the mixer's line input with a 3.5mm TRS to mono 1/4 TS lead?",
            "rule.stereo.onto-one-mono-plug",
        ),
    ],
)
def test_a_stereo_source_that_can_reach_only_one_channel_is_a_caveat(question, rule, ontology):
    _, judgement = verdict_for(question, ontology)
    assert rule in {r for f in judgement.links for r in f.rule_ids}
    assert judgement.compatibility is Compatibility.WORKS_WITH_CAVEAT


@pytest.mark.parametrize(
    "question",
    [
        "Which lead from my recorder's stereo 3.5mm line out to the two line inputs of my interface?",
        "what cable takes the synth's stereo 3.5mm out into inputs 1 and 2 of my interface",
        "Cable for my recorder's stereo 3.5mm line out into both line channels of the desk?",
    ],
)
def test_a_stereo_plug_into_two_inputs_splits_into_one_mono_plug_each(question, ontology):
    _, j = verdict_for(question, ontology)
    assert j.cable is not None and j.cable.to_end == "dual TS-male", question


def test_one_of_two_inputs_is_one_input(ontology):
    _, j = verdict_for(
        "Which lead from my recorder's stereo 3.5mm line out to one of the two line inputs?", ontology
    )
    assert j.cable is not None and not j.cable.to_end.startswith("dual")


def test_a_stereo_source_into_a_pair_or_on_rca_pairs_keeps_both_sides(ontology):
    for question in (
        "Can my tablet's headphone out go into two line inputs on the desk?",
        "CD player RCA outs into the desk's line inputs with RCA to mono TS leads, ok?",
    ):
        _, judgement = verdict_for(question, ontology)
        rules = {r for f in judgement.links for r in f.rule_ids}
        assert not rules & {"rule.stereo.into-one-input", "rule.stereo.onto-one-mono-plug"}, question


def test_a_cable_made_for_one_kind_of_port_leaves_gear_from_that_port(ontology):
    # speaker cable from a powered mixer is on its speaker outputs: into powered speakers that is unsafe
    _, j = verdict_for(
        "Our speaker cables run from the powered mixer to the new powered speakers, can we keep using them?",
        ontology,
    )
    assert j.links[0].source.kind_id and "speaker" in j.links[0].source.kind_id
    assert j.compatibility is Compatibility.UNSAFE
    # ...and into passive speakers, which is what those outputs are for, it works
    _, j = verdict_for("Our speaker cables run from the powered mixer to the passive speakers, ok?", ontology)
    assert j.compatibility is not Compatibility.UNSAFE


def test_phantom_said_on_for_gear_puts_a_line_source_on_its_mic_input(ontology):
    # the recorder's XLR inputs take line or mic; with 48 V switched on, the line output meets phantom
    question = (
        "The desk's balanced TRS main out goes to the field recorder's XLR input with a TRS to XLR lead, "
        "and the recorder has phantom switched on. Fine?"
    )
    _, j = verdict_for(question, ontology)
    assert j.links[0].dest.kind.phantom
    assert "phantom-into-line-output" in {w.hazard for w in j.warnings}
    # with phantom off nothing moves the link off the line input the level suggests
    _, j = verdict_for(question.replace("phantom switched on", "phantom switched off"), ontology)
    assert not j.links[0].dest.kind.phantom


def test_a_condenser_on_a_mic_input_is_reminded_of_phantom_until_it_is_said_on(ontology):
    def rules(question):
        return {r for f in verdict_for(question, ontology)[1].links for r in f.rule_ids}

    assert "rule.phantom.condenser-waits-for-it" in rules(
        "which cable for my condenser into the mixer's mic input?"
    )
    assert "rule.phantom.condenser-waits-for-it" not in rules(
        "my condenser into the mixer's mic input, phantom is on. ok?"
    )


def test_a_cable_said_to_go_into_the_gear_a_link_starts_from_is_not_that_links_cable(ontology):
    # the TS lead goes into the DI: it is the hop before, so the DI-to-desk run keeps its XLR cable
    _, j = verdict_for(
        "The violin pickup runs through a short TS cable into my Radial DI, and a 20 m XLR cable goes from the "
        "DI's XLR out to the desk's mic input. Is the 20 m run balanced?",
        ontology,
    )
    assert j.balanced is True


def test_a_port_word_that_names_a_format_decides_on_gear_that_lists_neither(ontology):
    # a recorder class lists no optical port: "optical input marked ADAT" is an ADAT input, not S/PDIF
    _, j = verdict_for(
        "the laptop has an optical out, and my recorder has an optical input marked ADAT. Will a fiber between "
        "them work?",
        ontology,
    )
    assert j.compatibility is Compatibility.DOES_NOT_WORK


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        (
            "The interface outputs are TRS balanced and the KRK speakers have the combined input (XLR and jack in"
            " one). I prefer the jack of the speaker, not the XLR. Which cable to buy?",
            "TRS-male to TRS-male",
        ),
        (
            "Outputs of my mixer: balanced TRS. The powered monitors take XLR only on one side and have a combo"
            " input; I'd go with the XLR side, not the quarter-inch. Which cable to buy?",
            "TRS-male to XLR-male",
        ),
    ],
)
def test_a_jack_the_question_says_it_is_not_using_is_not_the_receiving_one(question, cable, ontology):
    _, j = verdict_for(question, ontology)
    assert j.cable is not None and j.cable.name == cable


def test_gear_named_without_a_port_meets_a_digital_port_through_its_port_of_that_format(ontology):
    j = cable_asked(
        "Our mixing desk is the master clock, and the recorder has a word clock input on BNC. What lead?",
        ontology,
    )
    assert j.cable is not None and j.cable.name == "BNC to BNC"
    # asked whether it works, gear with no port of that format stays on its audio one: "no cable makes this work"
    _, asked = verdict_for(
        "Will my TV's optical output go into one of the analog inputs on my small mixer?", ontology
    )
    assert asked.compatibility is not Compatibility.WORKS


def test_an_xlr_jack_proves_no_balance_when_the_question_says_the_papers_do_not_tell(ontology):
    said = "A second-hand rack reverb has XLR outputs; an XLR cable runs from them into the desk's XLR line input."
    _, assumed = verdict_for(f"{said} Balanced?", ontology)
    assert (
        assumed.balanced is True
    )  # an XLR line jack is taken as balanced unless the question says otherwise
    _, unknown = verdict_for(f"{said} Its manual doesn't say what kind of output it is. Balanced?", ontology)
    assert unknown.balanced is None


def test_a_digital_port_named_beside_other_sockets_keeps_its_own_jack(ontology):
    j = cable_asked(
        "My TV's only audio out is optical. The AV receiver has an optical in as well as many RCA sockets."
        " Which cable goes from the TV to the receiver?",
        ontology,
    )
    assert j.cable is not None and j.cable.name == "TOSLINK to TOSLINK"


@pytest.mark.parametrize(
    "question",
    ["its 1/4 inch outputs into the guitar amp's input", "1/4 inch line outputs into the pedal's TS input"],
)
def test_an_output_not_known_balanced_into_a_ts_input_takes_a_ts_plug_at_both_ends(question, ontology):
    # the link is unbalanced whatever the output is: a TRS plug's ring would have nothing to carry
    cable = cable_asked(question, ontology).cable
    assert cable is not None and cable.name == "TS-male to TS-male"


def test_gear_whose_maker_gives_it_a_usb_c_port_is_joined_with_usb_c_plugs(ontology):
    # the catalog knows the port, so a question that names no USB jack still gets the right plugs
    cable = cable_asked("what lead do I need between my iPad Air and the MOTU M4?", ontology).cable
    assert cable is not None and cable.name == "USB-C to USB-C"


@pytest.mark.parametrize(
    ("question", "verdict"),
    [
        # the answer's splitter lead is what makes it work: one plain lead into that one input carries one side
        (
            "can the practice amp's headphone jack go into the interface's instrument input?",
            "works_with_caveat",
        ),
        # the question says two inputs: the splitter is the plain answer
        ("can the practice amp's headphone jack go into the mixer's two line inputs?", "works"),
        # a stereo pair of RCA inputs takes both sides
        ("can the practice amp's headphone jack go into the hi-fi's RCA input?", "works"),
    ],
)
def test_a_stereo_output_into_one_named_mono_input_works_only_with_a_splitter_into_two(
    question, verdict, ontology
):
    reading = read_question(question, ontology, understanding=Understanding(0.0, {"compatibility": 1.0}))
    assert judge(reading, ontology).compatibility == Compatibility(verdict)


@pytest.mark.parametrize(
    ("question", "rule_id"),
    [
        (
            "my AT2020 goes into the mixer's mic input, do I have to turn phantom on?",
            "rule.phantom.condenser-needs-it",
        ),
        ("SM58 into the interface's mic input: does it want the 48V?", "rule.phantom.dynamic-needs-none"),
        ("SM58 into the interface's mic input, which cable?", None),
    ],
)
def test_whether_a_mic_needs_phantom_is_said_when_the_question_brings_phantom_up(question, rule_id, ontology):
    _, j = verdict_for(question, ontology)
    rules = {r for f in j.links for r in f.rule_ids if r.startswith("rule.phantom.") and "need" in r}
    assert rules == ({rule_id} if rule_id else set())


def test_adat_above_48k_carries_fewer_channels_so_it_is_a_caveat(ontology):
    base = "optical lead, preamp ADAT out feeding the ADAT in of my interface, recording at {}: will it work?"
    verdicts = {
        rate: judge(read_question(base.format(rate), ontology), ontology).compatibility
        for rate in ("48k", "96 kHz")
    }
    assert verdicts == {"48k": Compatibility.WORKS, "96 kHz": Compatibility.WORKS_WITH_CAVEAT}


def test_only_rates_digital_audio_runs_at_are_read_as_sample_rates():
    from service.core.lexicon import sample_rates_in_khz

    assert sample_rates_in_khz("at 96k, sometimes 44100 hz, never 88.2 khz") == [96.0, 44.1, 88.2]
    assert sample_rates_in_khz("a 10k resistor and a 1k pot") == []


def test_a_condenser_said_to_need_phantom_into_an_input_said_to_have_none_does_not_work(ontology):
    question = "my condenser needs phantom power; the speaker's mic input has no phantom. will it work?"
    judgement = judge(read_question(question, ontology), ontology)
    assert judgement.compatibility is Compatibility.DOES_NOT_WORK
    assert any("rule.phantom.condenser-said-to-need-it-without-it" in f.rule_ids for f in judgement.links)


def test_a_port_word_a_one_level_jack_cannot_carry_yields_to_the_jack(ontology):
    reading = read_question(
        "Our Behringer EP2000 drives the mains. Can its speakON output feed a powered sub's XLR input?",
        ontology,
    )
    judgement = judge(reading, ontology)
    assert judgement.links[0].source.kind_id == "speaker-out"
    assert judgement.compatibility is Compatibility.UNSAFE


# --- the cable that puts right what the question's own cable gets wrong ---------------------------------------


@pytest.mark.parametrize(
    ("question", "verdict", "remedy"),
    [
        # same plugs, another kind of cable: speaker cable, not the guitar lead
        (
            "from the amp head's speaker jack to the cab's 1/4 jack, using a spare guitar lead: what should I use?",
            Compatibility.UNSAFE,
            "TS-male to TS-male",
        ),
        # the gear's own jacks decide: both ends are balanced TRS, so TRS plugs carry both legs
        (
            "balanced TRS line output of the interface feeding a balanced TRS line input on the desk over a TS instrument cable",
            Compatibility.WORKS_WITH_CAVEAT,
            "TRS-male to TRS-male",
        ),
        # plugs of the same shape with both legs: a combo input takes the TRS plug as well as an XLR
        (
            "balanced line output of the interface feeding the monitor's combo input (XLR or 1/4) over a TS guitar cable",
            Compatibility.WORKS_WITH_CAVEAT,
            "TRS-male to TRS-male",
        ),
        # a phone's headset jack wants a four-pole plug: keep the mic's TRS end, change the other
        (
            "my lav mic has a 3.5mm TRS plug; with a 3.5mm TRS to 3.5mm TRS lead into the phone's TRRS headset jack",
            Compatibility.WORKS_WITH_CAVEAT,
            "3.5mm TRS-male to 3.5mm TRRS-male",
        ),
    ],
)
def test_a_cable_the_rules_blame_gets_a_remedy(ontology, question, verdict, remedy):
    j = judge(read_question(question, ontology, understanding=IN_DOMAIN), ontology)
    assert j.compatibility is verdict, j
    (link,) = [f for f in j.links if f.remedy]
    assert link.cable is not None and link.remedy is not None
    assert link.remedy.name == remedy and j.cable == link.remedy, j.links


def test_a_cable_that_fits_gets_no_remedy(ontology):
    question = "balanced TRS line output of the interface feeding a balanced TRS line input on the desk over a TRS cable"
    j = judge(read_question(question, ontology, understanding=IN_DOMAIN), ontology)
    assert j.compatibility is Compatibility.WORKS and j.balanced is True
    assert all(f.remedy is None for f in j.links) and j.cable.name == "TRS-male to TRS-male"


@pytest.mark.parametrize(
    ("question", "cable"),
    [
        # a computer is the USB host: its ports are USB-A (or USB-C), the gear's is the USB-B socket
        ("which cable from the midi controller's usb port into my laptop?", "USB-B to USB-A"),
        # a phone's USB port is USB-C (kb/planner.yaml jacks)
        ("what lead from my midi keyboard's usb port into the phone?", "USB-B to USB-C"),
    ],
)
def test_usb_ends_are_the_jacks_each_gear_really_has(ontology, question, cable):
    j = judge(read_question(question, ontology, understanding=IN_DOMAIN), ontology)
    assert j.cable is not None and j.cable.name == cable, j.links


def test_a_hop_that_joins_two_inputs_does_not_decide_when_another_link_reads_as_a_connection(ontology):
    # "+4" read as a second input makes a misread input-to-input hop; the deck-to-interface link decides
    question = (
        "Old tape deck with RCA line outs, and my interface offers balanced 1/4 inch line inputs set for +4. "
        "Do levels line up when one goes into the other with RCA to TS cables?"
    )
    j = judge(read_question(question, ontology), ontology)
    assert j.compatibility is not None and j.compatibility is not Compatibility.DOES_NOT_WORK, j.links
    assert all("rule.direction.in-to-in" not in f.rule_ids for f in j.links)


def test_a_combo_input_of_gear_with_no_papers_leaves_the_balance_open(ontology):
    # a combo jack may be wired either way; with no specification to say which, the verdict depends on it
    question = (
        "A no-name USB interface, no specs at all, with combo inputs. From the Yamaha MG10XU's balanced XLR main "
        "out over an XLR-TRS lead into the jack part of a combo: is that a balanced link?"
    )
    reading = read_question(question, ontology, understanding=Understanding(0.0, {"balanced_check": 1.0}))
    assert judge(reading, ontology).balanced is None


def test_phono_said_of_gear_with_no_phono_port_is_the_rca_plug(ontology):
    # a CD player has no turntable-level output: its "phono outs" are RCA line outputs
    _, judgement = verdict_for("CD player phono outs -> mixer line ins, fine?", ontology)
    assert judgement.compatibility != Compatibility.DOES_NOT_WORK
    assert judgement.links[0].source.kind.level != "phono"


@pytest.mark.parametrize(
    ("question", "compatibility"),
    [
        # no phono stage inside: a box has to be added
        (
            "Rega Planar 3 direct to interface line ins, fine?",
            Compatibility.DOES_NOT_WORK,
        ),
        # the product has a PHONO/LINE switch (kb/gear.yaml flags): a setting, not a missing box
        (
            "AT-LP60X direct to interface line ins, fine?",
            Compatibility.WORKS_WITH_CAVEAT,
        ),
        # ...and on unnamed gear when the question names both of its output's levels
        (
            "Record player, PHONO / LINE switch on its back, direct to powered speaker aux in?",
            Compatibility.WORKS_WITH_CAVEAT,
        ),
    ],
)
def test_a_turntable_into_a_line_input_needs_a_phono_stage_unless_it_has_one_to_switch(
    question, compatibility, ontology
):
    _, judgement = verdict_for(question, ontology)
    assert judgement.compatibility == compatibility


def test_a_jack_said_with_its_side_names_the_port_over_an_analog_port_word_said_elsewhere(ontology):
    question = (
        "Our stage piano, a Roland FP-30X, offers a 5 pin MIDI OUT. Its headphone socket already feeds my in-ears. "
        "Could a MIDI lead from it into channel 2 of the mixer let the room hear the piano?"
    )
    judgement = judge(read_question(question, ontology), ontology)
    assert judgement.compatibility is Compatibility.DOES_NOT_WORK  # MIDI carries no audio
    assert judgement.links[0].source.kind.domain == "midi"


def test_rca_leads_into_a_named_line_input_keep_it_a_line_input(ontology):
    # the interface's only RCA jacks are its S/PDIF coax, but RCA usually carries analog audio: the leads say
    # which plug meets the line input, not that the line input is digital
    judgement = judge(
        read_question(
            "Could a cassette deck feed my audio interface's pair of line ins over the RCA leads it ships with?",
            ontology,
        ),
        ontology,
    )
    assert judgement.links[0].dest.kind.domain == "analog"
    # a jack of one non-audio signal beside the port word still names the port ("its 5-pin MIDI in")
    midi = judge(read_question("keyboard controller USB into the synth's 5-pin MIDI in", ontology), ontology)
    assert midi.links[0].dest.kind.domain == "midi"


def test_a_bass_cab_named_by_its_speaker_sizes_is_a_passive_speaker(ontology):
    judgement = judge(
        read_question("Spare guitar lead between my bass head and the 4x10 tonight, ok?", ontology), ontology
    )
    assert judgement.compatibility is Compatibility.UNSAFE


def test_a_mic_hole_on_gear_is_its_mic_input(ontology):
    reading = read_question("an SM58 into the tiny party speaker's 1/4 inch mic hole, which lead?", ontology)
    assert reading.links[0].dest.qualifiers == ("mic",)


def test_a_trs_midi_adapter_of_the_wiring_type_the_device_uses_works_and_one_of_no_stated_type_is_a_caveat(
    ontology,
):
    def verdict(question):
        # the link itself, not only the plug variants the question names, is judged by the type said
        return judge(read_question(question, ontology), ontology).links[0].compatibility

    matched = (
        "My Korg NTS-1 mk2 takes MIDI on a 3.5mm TRS jack, which its manual lists as Type A. I have a Type A "
        "minijack to 5-pin DIN adapter. Will a 5-pin lead from my MPK Mini's MIDI out through that adapter work?"
    )
    unknown = (
        "My Korg NTS-1 mk2 takes MIDI on a 3.5mm TRS jack. I have some minijack to 5-pin DIN adapter from a drawer. "
        "Will a 5-pin lead from my MPK Mini's MIDI out through that adapter work?"
    )
    assert verdict(matched) is Compatibility.WORKS
    assert verdict(unknown) is Compatibility.WORKS_WITH_CAVEAT
