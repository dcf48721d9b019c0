"""Hazards fire whatever was asked: a cable question, a balance question or a plain statement."""

from __future__ import annotations

import pytest

from service.core.normalize import read_question
from service.core.rules import judge
from service.types import Compatibility

CASES = [
    (
        "phantom-into-unbalanced",
        "which cable for my synth's RCA out into a mixer mic input? phantom power is on",
    ),
    ("phantom-into-unbalanced", "is a TS to XLR-male adapter into a mic input with 48v on balanced?"),
    (
        "phantom-into-line-output",
        "my laptop's line out goes to an XLR mic input with phantom on via an XLR cable",
    ),
    ("speaker-out-into-input", "what cable from my guitar amp's speaker out to my interface's line input?"),
    ("speaker-out-into-input", "is XLR to speakON balanced?"),
    ("stereo-into-balanced-input", "phone headphone out into one balanced TRS line input using a TRS cable"),
    ("instrument-cable-as-speaker-cable", "can I use a guitar cable between my amp head and the cab?"),
    ("hot-patching-phantom", "is it ok to repatch the patchbay with phantom on?"),
    ("tube-amp-no-load", "my tube amp without a speaker connected, is that a problem?"),
    ("lifting-safety-ground", "should I use a cheater plug to stop the hum?"),
    ("exposed-speaker-terminals", "connecting banana plugs while the amp is switched on"),
    ("grounding-balanced-output-cold", "wiring an XLR to TS lead: tie pin 3 to pin 1?"),
    ("speaker-polarity", "I wired + and - backwards on one speaker"),
    ("line-into-mic-input", "can my drum machine line out go into the mic input of the mixer?"),
    ("phantom-instrument", "48v is on and I plug my bass into the combo input"),
]


@pytest.mark.parametrize(("hazard", "question"), CASES, ids=[f"{h}: {q[:40]}" for h, q in CASES])
def test_hazard_fires(hazard, question, ontology):
    judgement = judge(read_question(question, ontology), ontology)
    assert hazard in {w.hazard for w in judgement.warnings}


def test_every_hazard_has_a_case(ontology):
    covered = {hazard for hazard, _ in CASES}
    missing = set(ontology.hazards) - covered - {"phantom-pop", "ribbon-phantom", "y-cable-outputs"}
    assert not missing, f"add a case for {sorted(missing)}"


@pytest.mark.parametrize(
    "question",
    [
        "plug a ribbon mic in with phantom on",
        "swapping mics with phantom on",
        "y cable to combine left and right",
    ],
)
def test_the_remaining_hazards_fire_too(question, ontology):
    assert judge(read_question(question, ontology), ontology).warnings


def test_a_hazards_words_match_their_plurals_too(ontology):
    from service.core.normalize import read_question
    from service.core.rules import judge

    judgement = judge(
        read_question("unplugging condensers on the desk with 48v left on, anything to fear?", ontology),
        ontology,
    )
    assert "phantom-pop" in {w.hazard for w in judgement.warnings}


def test_a_hazards_hyphenated_words_match_as_the_reader_writes_them(ontology):
    # kb says "2-prong adapter"; the reader splits hyphens, and so must the hazard's phrases
    judgement = judge(
        read_question("we put a 2-prong adapter on the amp's mains cord and the hum went", ontology), ontology
    )
    assert "lifting-safety-ground" in {w.hazard for w in judgement.warnings}


def test_phantom_named_by_its_button_label_is_phantom(ontology):
    question = "we swap the choir mics mid-service with the 48 button pressed and the PA up, anything to worry about?"
    judgement = judge(read_question(question, ontology), ontology)
    assert "phantom-pop" in {w.hazard for w in judgement.warnings}


def test_a_speaker_level_hazard_is_not_raised_over_a_line_level_link_the_question_names(engine):
    # reads near "powered mixer speaker outs into powered speakers", but a main out carries line level
    answer = engine.answer(
        "desk's XLR main out straight to an active PA speaker on a 25 m mic lead, alright?"
    )
    assert answer.verdict.compatibility is not Compatibility.UNSAFE
    assert not any(w.hazard == "speaker-out-into-input" for w in answer.verdict.warnings)
    # ...while the speaker outputs of a powered mixer still are
    danger = engine.answer("can the speaker outs of my powered mixer go into my active PA speakers?")
    assert danger.verdict.compatibility is Compatibility.UNSAFE


def test_a_speaker_cable_hazard_named_by_its_words_needs_a_speaker_level_link(ontology):
    # "guitar cable" and "speaker" are both said, but the cable runs between two line-level ports
    line_level = judge(
        read_question(
            "guitar cable from the interface line out into the monitor speaker's TRS input, ok?", ontology
        ),
        ontology,
    )
    assert "instrument-cable-as-speaker-cable" not in {w.hazard for w in line_level.warnings}
    # between an amp and its cab the same words still warn
    amp_to_cab = judge(
        read_question("guitar cable from the amp head's speaker out to the cab, ok?", ontology), ontology
    )
    assert "instrument-cable-as-speaker-cable" in {w.hazard for w in amp_to_cab.warnings}


def test_a_cable_hazard_said_of_an_amp_into_its_speaker_makes_the_link_unsafe(ontology):
    # the danger is the cable on a link between two speaker-level ends: the amp-to-speaker link itself is sound
    question = (
        "Out of speaker wire tonight: can a guitar lead join the amp head's speaker jack to the passive cab?"
    )
    assert judge(read_question(question, ontology), ontology).compatibility is Compatibility.UNSAFE
    # a speaker output into a line input is unsafe; an amp into its cab named with the same words is not
    cab = "the amp's speaker output goes into the cab's input with a speakON lead, fine?"
    assert judge(read_question(cab, ontology), ontology).compatibility is not Compatibility.UNSAFE


def test_a_hazard_matched_by_meaning_brings_the_hazards_raised_with_it(ontology):
    from service.core.classifier import FaqMatch
    from service.core.rules import with_hazard_by_meaning
    from service.types import Intent

    reading = read_question("may I warm the valve amp up with the loudspeakers disconnected?", ontology)
    reading = type(reading)(**{**reading.__dict__, "intent": Intent.HAZARD})
    match = FaqMatch("speaker-out-into-input", 0.7, 0.2, True, tied=("tube-amp-no-load",))
    judgement = with_hazard_by_meaning(judge(reading, ontology), reading, match, ontology)
    assert {"speaker-out-into-input", "tube-amp-no-load"} <= {w.hazard for w in judgement.warnings}


@pytest.mark.parametrize(
    "question",
    ["should phantom be on for my SM58?", "Our little desk: is its 48V switch meant to be on for the SM58s?"],
)
def test_a_mic_phantom_is_asked_for_is_the_link_and_no_unbalanced_hazard_is_matched_over_it(
    question, ontology
):
    from service.core.classifier import FaqMatch
    from service.core.rules import with_hazard_by_meaning
    from service.types import Intent

    reading = read_question(question, ontology)
    judgement = judge(reading, ontology)
    # the mic phantom is "for" is the only gear (or is beside only the gear that sends phantom): it is the source
    assert any("rule.phantom.dynamic-safe" in f.rule_ids for f in judgement.links)
    assert judgement.balanced is True
    # a phantom-into-unbalanced match by meaning does not contradict a link judged balanced
    reading = type(reading)(**{**reading.__dict__, "intent": Intent.HAZARD})
    match = FaqMatch("phantom-into-unbalanced", 0.7, 0.2, True)
    by_meaning = with_hazard_by_meaning(judgement, reading, match, ontology)
    assert "phantom-into-unbalanced" not in {w.hazard for w in by_meaning.warnings}


def test_a_phantom_hazard_is_not_raised_when_the_question_says_phantom_is_off(ontology):
    from service.core.classifier import FaqMatch
    from service.core.rules import with_hazard_by_meaning
    from service.types import Intent

    question = (
        "synth into the desk's XLR mic input with a TS to XLR adapter, phantom is off on that channel. ok?"
    )
    reading = read_question(question, ontology)
    assert reading.phantom == "off"
    judgement = judge(reading, ontology)
    assert not any(ontology.hazards[w.hazard].needs_phantom for w in judgement.warnings)
    reading = type(reading)(**{**reading.__dict__, "intent": Intent.COMPATIBILITY})
    match = FaqMatch("phantom-into-unbalanced", 0.7, 0.2, True)
    by_meaning = with_hazard_by_meaning(judgement, reading, match, ontology)
    assert "phantom-into-unbalanced" not in {w.hazard for w in by_meaning.warnings}
    # with phantom on, the same adapter is the danger
    on = judge(read_question(question.replace("phantom is off", "phantom is on"), ontology), ontology)
    assert "phantom-into-unbalanced" in {w.hazard for w in on.warnings}


def test_a_danger_the_question_sets_up_decides_that_it_does_not_safely_work(ontology):
    from service.types import Compatibility

    def verdict(question):
        return judge(read_question(question, ontology), ontology).compatibility

    # speaker level into an input: unsafe, even where the links read from a long post say "works"
    assert (
        verdict(
            "Night recording plan: the speaker output on my Vox AC15 (the jack its own speaker plugs into) run "
            "into the Hi-Z input of my Audient iD4 with a jack lead. Would that work?"
        )
        is Compatibility.UNSAFE
    )
    # the amp's speaker output into its passive cab is what that output is for
    assert verdict("power amp speaker outs to my passive PA cabs with speakON leads, will it work?") is not (
        Compatibility.UNSAFE
    )


def _phantom_by_meaning(question, ontology):
    """The hazards a compatibility question gets when its nearest hazard in meaning is phantom-into-unbalanced."""
    from service.core.classifier import FaqMatch
    from service.core.rules import with_hazard_by_meaning
    from service.types import Intent

    reading = read_question(question, ontology)
    reading = type(reading)(**{**reading.__dict__, "intent": Intent.COMPATIBILITY})
    match = FaqMatch("phantom-into-unbalanced", 0.7, 0.2, True)
    return {
        w.hazard for w in with_hazard_by_meaning(judge(reading, ontology), reading, match, ontology).warnings
    }


def test_no_phantom_hazard_is_matched_over_gear_that_has_no_phantom_input(ontology):
    # a headset on a headphone jack: nothing there sends or takes phantom
    assert "phantom-into-unbalanced" not in _phantom_by_meaning(
        "my gaming headset into the interface's headphone jack, fine?", ontology
    )
    # a mic read at the receiving end is a link read backwards: the hazard stays possible
    assert "phantom-into-unbalanced" in _phantom_by_meaning(
        "an XLR to TS adapter from the desk into my condenser mic, fine?", ontology
    )


def test_a_tube_amp_said_to_lack_its_cab_raises_the_no_load_hazard_in_any_words(ontology):
    def fired(question):
        return {w.hazard for w in judge(read_question(question, ontology), ontology).warnings}

    # a product of the tube-amp class, and a class word refined by "valve" in its sentence
    assert "tube-amp-no-load" in fired("can I practise on my JCM800 tonight and leave the cab disconnected?")
    assert "tube-amp-no-load" in fired("my head is an old valve one; can it run with no cabinet hooked up?")
    # the same words about an amp that is not a tube amp, or a tube amp with its cab connected, raise nothing
    assert "tube-amp-no-load" not in fired("can I practise on my Katana 50 and leave the cab disconnected?")
    assert "tube-amp-no-load" not in fired("my JCM800 is plugged into its cab with a speaker cable, ok?")
    # an amp of unknown make may have valves: a head named only by its class, said to lack its cab, raises it
    assert "tube-amp-no-load" in fired(
        "is it fine to run my old head with no cab plugged in for silent practice?"
    )
    # the missing load named as speaker gear, not as a word of the hazard's own
    assert "tube-amp-no-load" in fired(
        "going direct from my JCM800's line out; may I leave the 2x12 unplugged?"
    )
    assert "tube-amp-no-load" not in fired(
        "going direct from my JCM800's line out; the 2x12 stays plugged in"
    )


def test_sources_joined_into_a_single_input_raise_the_y_cable_hazard(ontology):
    def fired(question):
        return {w.hazard for w in judge(read_question(question, ontology), ontology).warnings}

    joined = "my tablet and my drum machine into the one free input on the desk with a y lead, fine?"
    assert "y-cable-outputs" in fired(joined)
    assert "y-cable-outputs" in fired(
        "can a splitter put the laptop and the keyboard together into one mixer input?"
    )
    # one output split to two inputs joins nothing
    assert "y-cable-outputs" not in fired(
        "a y cable from my phone's headphone out to two speakers' inputs, ok?"
    )


def test_a_question_whose_words_raise_a_hazard_is_answered_whatever_the_domain_model_says(ontology):
    from service.core.intent import Understanding
    from service.types import Intent

    sure_it_is_not = Understanding(0.97, {"hazard": 0.4, "concept": 0.6})
    question = "bandmate wants to fire up his JCM800 with no cab connected, it's only quieter he says. true?"
    reading = read_question(question, ontology, understanding=sure_it_is_not)
    assert reading.intent is Intent.HAZARD
    other = read_question("what's the best pizza in town?", ontology, understanding=sure_it_is_not)
    assert other.intent is Intent.OUT_OF_DOMAIN


def test_swapping_mic_cables_with_phantom_on_pops_too(ontology):
    question = "is it bad to unplug the XLR cables at the stage box while phantom is on and the PA is up?"
    judgement = judge(read_question(question, ontology), ontology)
    assert "phantom-pop" in {w.hazard for w in judgement.warnings}


def test_a_tube_amp_whose_cab_the_question_means_to_unplug_has_no_load(ontology):
    question = "Quiet recording idea: can I disconnect the cab from my tube amp and only use its line out to the interface?"
    judgement = judge(read_question(question, ontology), ontology)
    assert "tube-amp-no-load" in {w.hazard for w in judgement.warnings}


def test_a_phantom_hazard_matched_by_meaning_needs_an_input_that_can_carry_phantom(ontology):
    # a MIDI input has no phantom: an adapter there is no phantom danger
    assert "phantom-into-unbalanced" not in _phantom_by_meaning(
        "my synth's MIDI in is a 3.5 mm TRS jack and my adapter is a 5-pin DIN one, ok?", ontology
    )
    # a mic input can carry phantom, so the same match still warns
    assert "phantom-into-unbalanced" in _phantom_by_meaning(
        "synth into the desk's XLR mic input with a TS to XLR adapter, ok?", ontology
    )


def test_a_hazard_said_between_a_follow_up_and_the_question_before_it_is_said(ontology):
    from service.core.hazard_words import hazards_said_across

    earlier = "which lead from the amp's binding posts to the passive speakers"
    said = {h.id for h in hazards_said_across(earlier, "can i do it with the amp switched on", (), ontology)}
    assert "exposed-speaker-terminals" in said
    # a follow-up that says none of its words adds nothing, nor does one the earlier question said all of
    assert not hazards_said_across(earlier, "and how long can that lead be", (), ontology)
    assert not hazards_said_across(earlier + " with the amp switched on", "and with speakon", (), ontology)


def test_a_ribbon_named_in_a_follow_up_to_phantom_is_the_ribbon_hazard(ontology):
    from service.core.hazard_words import hazards_said
    from service.core.hazard_words import hazards_said_across

    assert "ribbon-phantom" in {
        h.id for h in hazards_said("phantom on with my ribbon mic, fine?", (), ontology)
    }
    earlier = "channel 4 has 48v for the condenser"
    # the ribbon is gear of the follow-up only: the earlier turn, with its own gear, did not name it
    said = hazards_said_across(
        earlier, "and the old ribbon on ch2", ["ribbon-mic"], ontology, earlier_devices=[]
    )
    assert "ribbon-phantom" in {h.id for h in said}


def test_the_connectors_the_answer_before_judged_count_as_said_in_a_follow_up(ontology):
    from service.core.normalize import read_question

    # the turn before named no binding posts; its answer judged a speakON-to-banana cable
    context = {
        "v": 1,
        "intent": "cable_recommendation",
        "question": "the amp I borrowed has twist-lock outputs, which cable to the speakers?",
        "links": [{"source": {"device": "power-amp", "role": "out"}, "dest": {"device": "passive-speaker"}}],
        "cable_families": ["speakon", "banana"],
    }
    reading = read_question("can i hook them up while the amp is switched on?", ontology, context=context)
    assert "exposed-speaker-terminals" in reading.hazards_said
    # without the judged connectors nothing in the two turns says binding posts
    reading = read_question(
        "can i hook them up while the amp is switched on?",
        ontology,
        context={**context, "cable_families": []},
    )
    assert "exposed-speaker-terminals" not in reading.hazards_said


def test_phantom_named_by_its_lamp_and_a_distributed_speaker_line_are_read(ontology):
    def fired(question):
        return {w.hazard for w in judge(read_question(question, ontology), ontology).warnings}

    reading = read_question(
        "my TS-to-XLR adapter goes into the desk and the 48 light is glowing, ok?", ontology
    )
    assert reading.phantom == "on"
    assert "speaker-out-into-input" in fired(
        "can we tap the 70V speaker line into the recorder's line input?"
    )
    # a French speaker's words for an amp and a guitar lead
    assert "instrument-cable-as-speaker-cable" in fired(
        "from the ampli to the enceinte passive with a cable de guitare, is it ok?"
    )


def test_gear_of_a_class_a_hazard_names_counts_as_its_words(ontology):
    # "@microphone" in phantom-pop's mentions: a mic named by its model is a mic
    said = read_question("Is it fine to unplug the NT1 while 48V is still on?", ontology)
    assert said.devices and "microphone" in ontology.class_chain(said.devices[0])
    assert "phantom-pop" in said.hazards_said
    # ...and plugging any cable into a channel with phantom on pops the same way
    swapped = read_question("We unplug the DI lead mid-set with 48V up. Issue?", ontology)
    assert "phantom-pop" in swapped.hazards_said


def test_a_speaker_cable_used_as_a_guitar_cable_is_not_the_guitar_cable_as_speaker_cable_hazard(ontology):
    from service.core.hazard_words import hazards_said
    from service.core.lexicon import clean

    def said(question: str) -> set[str]:
        return {h.id for h in hazards_said(clean(question), (), ontology)}

    assert "instrument-cable-as-speaker-cable" in said(
        "would a guitar cable do as the speaker cable to my cab?"
    )
    assert "instrument-cable-as-speaker-cable" not in said(
        "is it ok to play through the speaker cable as an instrument lead?"
    )


def test_a_product_with_no_speaker_level_output_needs_no_port_named_to_rule_the_speaker_hazards_out(ontology):
    # no port of the MOTU is named, but none of its outputs is speaker level: the guitar leads join line levels
    product = judge(
        read_question("Can I use my old guitar cables from the MOTU M2 to my JBL 305P speakers?", ontology),
        ontology,
    )
    assert "instrument-cable-as-speaker-cable" not in {w.hazard for w in product.warnings}
    # a class of gear ("an amp") may have a speaker output, so the same words about it still warn
    amp = judge(read_question("Can old guitar leads join the amp and my speakers?", ontology), ontology)
    assert "instrument-cable-as-speaker-cable" in {w.hazard for w in amp.warnings}


def test_two_outputs_joined_into_one_mixer_channel_raise_the_y_cable_hazard(ontology):
    fired = {
        w.hazard
        for w in judge(
            read_question(
                "two laptops but one free mixer channel: can I y-cable both headphone outs together into that "
                "one channel?",
                ontology,
            ),
            ontology,
        ).warnings
    }
    assert "y-cable-outputs" in fired


def test_no_analog_level_hazard_is_matched_over_a_digital_link_the_question_names(ontology):
    from service.core.classifier import FaqMatch
    from service.core.rules import with_hazard_by_meaning
    from service.types import Intent

    match = FaqMatch("speaker-out-into-input", 0.7, 0.2, True)

    def by_meaning(question):
        reading = read_question(question, ontology)
        reading = type(reading)(**{**reading.__dict__, "intent": Intent.COMPATIBILITY})
        return {
            w.hazard
            for w in with_hazard_by_meaning(judge(reading, ontology), reading, match, ontology).warnings
        }

    assert "speaker-out-into-input" not in by_meaning(
        "Can my TV optical output go into my interface's ADAT input?"
    )
    # the same match over an analog link whose levels are not ruled out still warns
    assert "speaker-out-into-input" in by_meaning("Can the amp output go into my interface input?")


def test_the_phantom_pop_hazard_is_read_in_past_tense_verbs_too(ontology):
    fired = {
        w.hazard
        for w in judge(
            read_question(
                "I yanked the mic lead out with 48V on and it thumped, did I break anything?", ontology
            ),
            ontology,
        ).warnings
    }
    assert "phantom-pop" in fired


def test_a_danger_matched_by_meaning_at_the_level_of_a_sending_port_makes_a_link_with_no_far_end_unsafe(
    ontology,
):
    from service.core.classifier import FaqMatch
    from service.core.rules import with_hazard_by_meaning
    from service.types import Intent

    # the far end is gear the lexicon does not know, so no link gets a verdict of its own
    question = "The bass combo has a socket labelled SPEAKER OUT; he'd run a lead off that into the tape gizmo. Wise?"
    reading = read_question(question, ontology)
    reading = type(reading)(**{**reading.__dict__, "intent": Intent.COMPATIBILITY})
    judgement = judge(reading, ontology)
    assert judgement.compatibility is None
    match = FaqMatch("speaker-out-into-input", 0.6, 0.1, True)
    assert with_hazard_by_meaning(judgement, reading, match, ontology).compatibility is Compatibility.UNSAFE
    # a danger whose level no sending port has is a warning only
    line_out = read_question("The mixer's line out runs into the tape gizmo. Wise?", ontology)
    line_out = type(line_out)(**{**line_out.__dict__, "intent": Intent.COMPATIBILITY})
    judged_line = judge(line_out, ontology)
    assert with_hazard_by_meaning(judged_line, line_out, match, ontology).compatibility is not (
        Compatibility.UNSAFE
    )


def test_an_xlr_lead_to_a_passive_speaker_finds_no_line_input_on_it(ontology):
    question = "A friend lent me his passive PA speaker. Would XLR into it off the board out do?"
    assert judge(read_question(question, ontology), ontology).compatibility is Compatibility.DOES_NOT_WORK


def test_a_phrasal_verb_of_a_hazard_said_of_someone_else_raises_it(ontology):
    question = "Our drummer pulls out his condenser mic with 48V on every gig and the PA thumps. Risky?"
    assert "phantom-pop" in {w.hazard for w in judge(read_question(question, ontology), ontology).warnings}
