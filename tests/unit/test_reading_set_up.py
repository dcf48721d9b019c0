"""How the reader keeps the set-up a post tells apart from the link it asks about, across sentences and turns.

Each sentence here is written for this test (not taken from an evaluation set) and checks one mechanism.
"""

from service.core.intent import Understanding
from service.core.lexicon import correct_spelling
from service.core.lexicon import lexicon_for
from service.core.normalize import read_question
from service.core.normalize import reading_context
from service.core.rules import judge
from service.types import Compatibility


def ends(reading):
    return [
        (link.source.device if link.source else None, link.dest.device if link.dest else None)
        for link in reading.links
    ]


def cable_name(question, ontology, context=None, understanding=None):
    judgement = judge(read_question(question, ontology, context, understanding), ontology)
    return judgement.cable.name if judgement.cable else None


def context_of(question, ontology, intent="cable_recommendation"):
    return {**reading_context(read_question(question, ontology)), "intent": intent}


def test_a_maker_named_alone_in_a_follow_up_is_the_product_named_before(ontology):
    context = context_of("Clocking my Korg Minilogue from a Roland TR-8S over MIDI, which lead?", ontology)
    follow_up = read_question("and the audio of the Korg into my mixer?", ontology, context)
    assert ("korg-minilogue", "mixer") in ends(follow_up)


def test_a_to_that_belongs_to_a_verb_joins_no_connectors_into_a_cable(ontology):
    # "want TO go" sits between "XLR" (the end of one sentence) and "1/4": no XLR-to-1/4 lead was named
    reading = read_question(
        "The Presonus Eris E5 speakers take TRS and also have XLR. I'd like to run 1/4 into 1/4. Which lead from "
        "my Audient iD14 line outs?",
        ontology,
    )
    cables = [link.cable for link in reading.links if link.cable is not None]
    assert cables and all("xlr" not in cable.ends for cable in cables)


def test_a_cable_said_with_sizes_only_follows_the_size_given_not_the_other_jack(ontology):
    question = (
        "Audient iD14 line outs feeding two Presonus Eris E5 (XLR or TRS inputs on those). Jack-to-jack, 1/4 "
        "to 1/4, is my plan. Which cable?"
    )
    assert cable_name(question, ontology) == "TRS-male to TRS-male"


def test_a_sentence_that_only_measures_the_run_is_not_the_link(ontology):
    # "desk" there is the furniture: the link is the one the first sentence draws
    reading = read_question(
        "Setting up a MOTU M2 into two JBL 305P MkII. Which cable should I get? Desk to speakers is roughly 1.5 m.",
        ontology,
    )
    assert ends(reading)[0] == ("motu-m2", "jbl-305p")


def test_a_follow_up_using_the_other_jack_drops_the_cable_that_does_not_fit_it(ontology):
    first = read_question(
        "Audient iD14 line outs feeding two Presonus Eris E5 (XLR or TRS inputs on those). Jack-to-jack, 1/4 "
        "to 1/4, is my plan. Which cable?",
        ontology,
    )
    context = {**reading_context(first), "intent": "cable_recommendation"}
    assert cable_name("and going into their XLR sockets instead, which lead?", ontology, context) == (
        "TRS-male to XLR-male"
    )


def test_consonants_alone_are_read_as_the_domain_word_they_shorten(ontology):
    lexicon = lexicon_for(ontology)
    fixed, _ = correct_spelling(["pssv", "spkrs", "on", "the", "gtr", "amp", "xlr"], lexicon)
    assert fixed[1] == "speakers" and fixed[4] == "guitar"
    assert fixed[6] == "xlr"  # a word the lexicon knows is never changed


def test_a_pronoun_sent_into_a_port_is_the_sender_named_before(ontology):
    # the asking sentence names only the desk's input; "it" is the sender told of before, not the laptop it
    # usually goes into
    reading = read_question(
        "Our vocalist uses a Rode NT-USB that normally plugs into a laptop over USB. Could we run it into the "
        "Yamaha MG10XU mic input for the gig?",
        ontology,
    )
    assert ends(reading)[0][0] == "rode-nt-usb"
    assert ends(reading)[0][1] in {"yamaha-mg10xu", "mixer"}


def test_a_named_cable_that_does_not_fit_the_jack_named_is_not_the_one_recommended(ontology):
    question = (
        "My DJ controller's master out is RCA. The powered speakers only have XLR sockets. What cable? The shop "
        "suggested an RCA to 1/4 lead, which I doubt fits."
    )
    asks_for_a_cable = Understanding(0.0, {"cable_recommendation": 0.9, "concept": 0.1})
    assert cable_name(question, ontology, understanding=asks_for_a_cable) == "RCA-male to XLR-male"


def test_a_connector_before_a_word_and_a_side_is_that_ports(ontology):
    # "RCA tape inputs of my amp": the RCA is the amp's input, not the deck's output named before
    reading = read_question(
        "My cassette deck's headphone output goes where? I want it in the two RCA tape inputs of my amplifier.",
        ontology,
    )
    stops = [s for link in reading.links for s in (link.source, link.dest) if s]
    assert all("rca" not in s.families for s in stops if s.device == "tape-deck")
    assert any("rca" in s.families for s in stops if s.device == "amp")


def test_a_size_number_before_to_and_a_split_word_names_the_plug(ontology):
    reading = read_question("laptop headphone jack to my monitors, 3.5 to 2x ts. fine?", ontology)
    cable = next(link.cable for link in reading.links if link.cable is not None)
    assert cable.ends[0] == "trs35"


def test_a_splitter_into_two_inputs_is_not_a_stereo_source_into_one(ontology):
    reading = read_question(
        "A tablet's headphone socket, a mini-jack to dual TS splitter, and the plugs go in mixer channels 5 and "
        "6 (one in 5, one in 6). Will that work?",
        ontology,
        understanding=Understanding(0.0, {"compatibility": 0.9, "concept": 0.1}),
    )
    assert judge(reading, ontology).compatibility is Compatibility.WORKS


RUN_ASKED_BY_ITS_LENGTH = (
    "Church stage: acoustic guitar -> LR Baggs DI -> 30m XLR through the snake -> Behringer X32. The guitar to "
    "DI is a short lead. It's the long 30m stretch I worry about: is THAT part balanced?"
)


def test_a_length_in_the_asking_sentence_picks_the_run_drawn_with_it(ontology):
    reading = read_question(RUN_ASKED_BY_ITS_LENGTH, ontology)
    assert reading.hop is not None
    asked = reading.links[reading.hop]
    assert asked.source is not None and asked.source.device == "di-box"
    assert judge(reading, ontology).balanced is True


def test_the_answer_about_one_run_of_a_chain_leads_with_that_run(engine):
    answer = engine.answer(RUN_ASKED_BY_ITS_LENGTH)
    assert answer.text.startswith("Yes, the link")
    assert "every link" not in answer.text


def test_a_follow_up_naming_only_a_port_moves_that_end_of_the_link_asked_before(engine):
    first = engine.answer(
        "The desk is a Yamaha MG10XU; the PA is two QSC K12.2 tops. I'm using the desk's XLR main outputs. "
        "Which lead to each speaker?"
    )
    follow_up = engine.answer(
        "and off the 1/4 inch main outs (balanced TRS) instead, which lead?", first.context
    )
    assert follow_up.cable is not None
    assert follow_up.cable.name == "TRS-male to XLR-male"  # the speakers keep the XLR end answered before


def test_a_question_comparing_plugs_tells_of_no_set_up(ontology):
    from service.core.compose import compose_answer
    from service.types import Intent

    reading = read_question("ts versus trrs plugs?", ontology).with_intent(Intent.CONCEPT)
    answer = compose_answer(reading, judge(reading, ontology), (), ontology, None, None)
    assert "In your setup" not in answer.text


def test_a_class_named_by_a_model_number_is_searched_by_its_class_name_too(ontology):
    from service.core.query import with_gear_classes

    reading = read_question("c214 gives nothing through the desk, why", ontology)
    assert "condenser mic" in with_gear_classes(reading, ontology)
    nickname = read_question("the desk hums, why", ontology)
    assert with_gear_classes(nickname, ontology) == nickname.search_query


def test_gear_wanted_in_number_is_why_gear_was_bought_not_an_end(ontology):
    reading = read_question(
        "My interface's optical in takes ADAT. I got a Behringer ADA8200 so I'd have 8 more mic preamps for the "
        "kit. Which lead joins them?",
        ontology,
    )
    assert "mic-preamp" not in {
        stop.device for link in reading.links for stop in (link.source, link.dest) if stop
    }


def test_a_format_the_manual_is_said_not_to_mention_is_not_the_ports(ontology):
    reading = read_question(
        "ADA8200 optical out to my interface's optical in over toslink. In the manual the optical input is given "
        "as S/PDIF optical, and there's no mention of ADAT. Will it work?",
        ontology,
    )
    formats = {f for link in reading.links for stop in (link.source, link.dest) if stop for f in stop.formats}
    assert "adat" not in formats
    assert judge(reading, ontology).compatibility is Compatibility.DOES_NOT_WORK


def test_a_gender_said_after_a_plug_of_one_kind_is_not_passed_to_the_next_end(ontology):
    reading = read_question("will an RCA female to XLR male adapter fit my mixer's XLR input?", ontology)
    cable = next(link.cable for link in reading.links if link.cable is not None)
    assert cable.ends == ("rca", "xlr")
    assert cable.genders[-1] == "male"


def test_a_sender_plugged_into_a_pronoun_goes_into_the_input_told_of_before(ontology):
    reading = read_question(
        "Every line input on my little desk is in use; what's left is one XLR channel for mics alone. Could I plug my "
        "Roland Juno-DS into it using a jack to XLR lead?",
        ontology,
    )
    link = reading.links[0]
    assert link.source is not None and link.source.device == "roland-juno-ds"
    assert link.dest is not None and link.dest.role == "in" and "mic" in link.dest.qualifiers


def test_inputs_alone_in_the_linking_sentence_take_the_sender_told_of_before(ontology):
    reading = read_question(
        "Songs off my phone through our Yamaha MG10XU. I want L and R to go into the pair of quarter-inch line "
        "inputs of a stereo channel. What lead?",
        ontology,
    )
    link = reading.links[0]
    assert link.source is not None and link.source.device == "phone"
    assert link.dest is not None and link.dest.role == "in"


def test_a_short_word_inside_a_products_name_refers_back_to_it(ontology):
    reading = read_question(
        "Line 6 HX Stomp into the FOH desk. Which lead is needed from the HX main outs to the snake?",
        ontology,
    )
    assert ends(reading)[0] == ("line-6-hx-stomp", "stage-box")


def test_a_jack_wanted_on_one_side_picks_it_among_the_jacks_of_a_combo_input(ontology):
    # the monitors were said to have combo inputs (XLR or TRS); the later sentence wants the locking one
    question = (
        "At home I run an Audient iD4; the speakers are Adam T5V, combo inputs on each. The Audient line outs are "
        "quarter-inch balanced. We'd want XLR on the speaker end since it latches. Which cable?"
    )
    assert cable_name(question, ontology) == "TRS-male to XLR-male"


def test_a_jack_preferred_after_a_list_of_jacks_is_the_one_used(ontology):
    question = (
        "From the desk's TRS booth outs to monitors with XLR/TRS combo ins, we would like XLR. Which lead?"
    )
    assert cable_name(question, ontology) == "TRS-male to XLR-male"


def test_a_jack_said_after_a_negated_choice_is_not_chosen(ontology):
    # "sounds like" and "not ... want" choose nothing: the TRS jacks the outs have stay the plug
    question = (
        "Audient iD4 TRS outs into monitors with XLR/TRS combo ins. I do not want XLR here, the shop says it "
        "sounds like XLR is overkill. Which lead?"
    )
    assert cable_name(question, ontology) != "TRS-male to XLR-male"


def _cable_kind(question, ontology):
    reading = read_question(question, ontology)
    return [link.cable.kind for link in reading.links if link.cable is not None]


def test_a_gear_word_before_plugs_and_a_cable_word_names_the_kind_of_cable(ontology):
    # "guitar ... cable" is an instrument cable, not a guitar at one end of the link
    question = "Tonight the Orange head feeds its 2x12 cab over a spare guitar jack cable. Any risk?"
    assert _cable_kind(question, ontology) == ["instrument"]
    assert judge(read_question(question, ontology), ontology).compatibility == Compatibility.UNSAFE


def test_a_cable_said_of_gear_the_romance_way_round_is_that_kind_of_cable(ontology):
    question = (
        "From the power amp over to that passive box, may I use one jack cable of guitar? Tonight only."
    )
    assert _cable_kind(question, ontology) == ["instrument"]


def test_a_cable_said_to_be_missing_gives_way_to_the_one_offered_instead(ontology):
    question = "The amp to the passive wedge: our speaker lead is lost, so one bass cable will do for it?"
    assert _cable_kind(question, ontology) == ["instrument"]


def test_a_balance_said_after_a_comma_belongs_to_the_port_said_to_be_a_jack_before_it(ontology):
    question = "The Prophet's main out is a quarter-inch jack, unbalanced (its handbook). TRS lead to my interface: balanced?"
    reading = read_question(question, ontology)
    assert reading.links[0].source.balance == "unbalanced"
    assert judge(reading, ontology).balanced is False


def test_ports_named_in_the_plural_in_the_set_up_are_the_port_asked_about(ontology):
    question = (
        "Per its manual, this desk's aux sends are impedance balanced. A TRS lead runs off an aux send into a "
        "wedge's balanced TRS input. Does that hop stay balanced end to end?"
    )
    assert judge(read_question(question, ontology), ontology).balanced is True


def test_a_chain_through_one_product_has_no_link_inside_that_product(ontology):
    # the mixer is passed through: its mic input ends one hop, its XLR outs start the next
    question = (
        "Rig for the quiz night: Shure SM7B -> 8 m XLR -> Soundcraft Notepad-12FX channel 3 mic input, and then "
        "the Notepad-12FX XLR mains -> XLR -> QSC K10.2. Balanced hop by hop?"
    )
    reading = read_question(question, ontology)
    assert all(
        not (link.source and link.dest and link.source.device == link.dest.device) for link in reading.links
    )
    assert judge(reading, ontology).balanced is True


def test_a_product_named_again_by_its_model_name_and_number_is_that_product(ontology):
    question = (
        "Podcast desk: Shure SM7B -> XLR lead -> Universal Audio Volt 2 channel 2 -> Volt 2 line outs -> TRS leads -> "
        "Yamaha HS5 monitors. All balanced?"
    )
    reading = read_question(question, ontology)
    assert [link.source.device for link in reading.links if link.source][-1] == "ua-volt-2"


def test_gear_the_next_hop_starts_from_is_the_gear_just_reached(ontology):
    question = "My banjo goes to one Radial PZ-DI, and next XLR runs from that DI over to an X32 stage box. Phantom fine?"
    devices = [
        stop.device for link in read_question(question, ontology).links for stop in (link.source, link.dest)
    ]
    assert "di-box" not in devices  # "the DI" is the PZ-DI, not a second box


def test_gear_a_clause_only_owns_is_not_linked_to_what_the_next_clause_plugs_in(ontology):
    reading = read_question(
        "I keep a condenser mic in the cupboard, and I run my synth into the mixer. Which cable?", ontology
    )
    assert ends(reading) == [("keyboard", "mixer")]


def test_a_clause_that_points_back_with_a_pronoun_continues_the_sentence(ontology):
    reading = read_question(
        "My synth has a headphone out and I mean to send it on to the mixer, which cable?", ontology
    )
    assert ends(reading) == [("keyboard", "mixer")]
    assert "headphone" in reading.links[0].source.qualifiers


def test_a_follow_up_points_back_to_the_link_the_verdict_rested_on(engine):
    first = engine.answer(
        "My laptop feeds the desk's line input, and the keyboard goes into a mic channel through a TS to XLR "
        "adapter, with phantom switched on for the condenser. Any problem?"
    )
    assert first.verdict.compatibility is Compatibility.UNSAFE
    assert first.context["links"][0]["source"]["device"] == "keyboard"  # the unsafe link, not the laptop's
    follow_up = engine.answer(
        "and my dynamic mic on the next channel with an XLR lead, fine with the phantom on?", first.context
    )
    assert follow_up.verdict.compatibility is not Compatibility.UNSAFE


def test_a_to_that_marks_an_infinitive_links_nothing(ontology):
    reading = read_question(
        "Could I wire my Behringer UMC22 line outs directly to my passive bookshelf speakers? They sounded fine on "
        "my old stereo receiver and I don't plan to buy monitors.",
        ontology,
    )
    assert ends(reading) == [("behringer-umc22", "passive-speaker")]
    assert judge(reading, ontology).compatibility is Compatibility.DOES_NOT_WORK  # no power amp, no harm


def test_a_verb_after_an_infinitive_mark_can_still_link(ontology):
    reading = read_question(
        "The lectern mic needs to reach the desk in the far corner of the church. Which lead?", ontology
    )
    assert ends(reading) == [("microphone", "mixer")]


def test_gear_of_a_class_in_the_next_sentence_is_not_the_product_named_before(ontology):
    reading = read_question(
        "The hall owns a Yamaha MG10XU. I plan on the Xenyx main out into its line input. Which cable?",
        ontology,
    )
    assert all(
        "xenyx" not in stop.text for link in reading.links for stop in (link.source, link.dest) if stop
    )


def test_connectors_said_at_one_end_and_the_other_are_the_cables_ends(ontology):
    reading = read_question(
        "Between the desk's main outputs and the powered speakers runs a lead that is RCA at one end and TRS at "
        "the other end. Balanced?",
        ontology,
    )
    cable = reading.links[0].cable
    assert cable is not None and cable.ends == ("rca", "trs")
    assert judge(reading, ontology).balanced is False  # the RCA end carries one leg


def test_a_connector_said_at_one_end_alone_leaves_the_other_end_open(ontology):
    reading = read_question(
        "The shop stocks long leads, each with a single XLR at one end. Which from my interface outs to the monitors?",
        ontology,
    )
    assert all(link.cable is None or link.cable.ends != ("xlr", "xlr") for link in reading.links)


def test_a_port_of_no_gear_belongs_to_the_product_named_with_its_class_word(ontology):
    reading = read_question(
        "The Peavey 6505 amp lives in my garage. Which lead from the speaker outputs into my audio interface?",
        ontology,
    )
    assert reading.links[0].source.device == "peavey-6505-plus"  # not left without gear by the word "amp"
    assert judge(reading, ontology).compatibility is Compatibility.UNSAFE


def test_with_no_sentence_linking_gear_the_port_said_of_it_last_is_the_one_asked_about(ontology):
    reading = read_question(
        "My rack holds a Focusrite Scarlett 18i20 and a Behringer ADA8200 sharing ADAT. There is WORD CLOCK OUT on "
        "the 18i20, plus WORD CLOCK IN on the ADA8200. Which cable is that?",
        ontology,
    )
    assert [(link.source.qualifiers, link.dest.qualifiers) for link in reading.links] == [
        (("wordclock",), ("wordclock",))
    ]
    assert judge(reading, ontology).cable.name == "BNC to BNC"


def test_a_jack_said_of_the_gear_again_in_an_aside_is_the_jack_of_the_port_named_before(ontology):
    question = (
        "Yamaha MG10XU main outputs: XLR (male ones on the desk). The mix goes into line inputs five and six of my "
        "Focusrite Scarlett 18i8, 1/4 inch TRS. Which cable?"
    )
    assert cable_name(question, ontology) == "XLR-female to TRS-male"


def test_a_mic_put_on_a_sound_source_is_not_cabled_to_it(ontology):
    reading = read_question(
        "I set an SM57 on the bass amp and ran it into my audio interface. Any risk?", ontology
    )
    assert ends(reading) == [("shure-sm57", "audio-interface")]
    assert judge(reading, ontology).compatibility is Compatibility.WORKS  # no amp speaker output in the link


def test_a_product_named_in_full_as_its_maker_prints_it_is_read_in_the_plural_too(ontology):
    # the curated aliases say "kali lp-8"; the maker's own name has "Audio" in it, and a pair is "LP-8s"
    reading = read_question("Two Kali Audio LP-8s hang off my mixer's main outs. Which leads?", ontology)
    assert any("kali-lp-8" in pair for pair in ends(reading))


def test_a_product_name_another_product_goes_by_is_no_alias_of_it(ontology):
    # "Focusrite Scarlett Solo (3rd gen)" without its brackets is what the plain Solo is called
    assert "focusrite scarlett solo" not in ontology.devices["focusrite-scarlett-solo-3rd-gen"].aliases
    assert "focusrite scarlett solo" in ontology.devices["focusrite-scarlett-solo"].aliases


def test_a_determiner_between_two_products_of_different_kinds_starts_other_gear(ontology):
    # "an" written for "and": still two pieces of gear, not one described by the other
    reading = read_question("For tonight's gig it's a Shure SM7B an a Yamaha MG10XU. Which lead?", ontology)
    assert ends(reading) == [("shure-sm7b", "yamaha-mg10xu")]


def test_the_jacks_a_link_reaches_are_the_ones_used_of_those_listed_before(ontology):
    question = (
        "My Genelec 8030s accept XLR, TRS and RCA. Which lead goes from the TRS outs of my interface to the XLR "
        "inputs on the Genelecs?"
    )
    assert cable_name(question, ontology) == "TRS-male to XLR-male"


def test_a_series_name_said_after_the_maker_refers_back_to_the_product(ontology):
    reading = read_question(
        "We own a Roland Juno-DS61 for church. The Juno's MIDI OUT goes into the Yamaha MG10XU's line input.",
        ontology,
    )
    assert ends(reading) == [("roland-juno-ds", "yamaha-mg10xu")]


def test_the_link_a_question_asks_about_comes_before_one_it_only_tells_of(ontology):
    reading = read_question(
        "I picked up a Schiit Mani 2 for the turntable. What lead sits between that turntable and the Mani's input? "
        "Next month I'll connect the Mani to my hi-fi amp.",
        ontology,
    )
    assert ends(reading) == [("turntable", "schiit-mani-2")]


def test_gear_said_between_a_possessive_and_a_socket_word_names_a_jack(ontology):
    # "loudspeaker" there is what the terminals feed, not a speaker cabled to the desk
    reading = read_question(
        "Is it fine to wire the power amplifier's loudspeaker terminals straight into the desk's line jack?",
        ontology,
    )
    assert ends(reading) == [("power-amp", "mixer")]
    assert judge(reading, ontology).compatibility is Compatibility.UNSAFE


def test_an_input_said_by_its_number_is_an_audio_channel_of_the_gear(ontology):
    # the MIDI lead and the MIDI OUT do not make "input 2" the interface's MIDI IN
    reading = read_question(
        "My drum machine's MIDI OUT feeds input 2 of my Focusrite Scarlett 4i4 over a MIDI lead and a DIN-to-jack "
        "adapter. Any good?",
        ontology,
    )
    dest = reading.links[0].dest
    assert dest.device == "focusrite-scarlett-4i4" and dest.numbered
    assert judge(reading, ontology).compatibility is Compatibility.DOES_NOT_WORK


def test_a_port_said_of_both_pieces_of_gear_is_each_ones_own(ontology):
    # the ADAT port named first stays the link's only until both are said to have word clock jacks
    question = (
        "An Audient ASP880 feeds my RME Fireface UFX II over ADAT. Both have BNC word clock jacks. Which lead "
        "clocks one from the other?"
    )
    assert cable_name(question, ontology) == "BNC to BNC"


def test_a_port_said_of_both_is_not_given_to_gear_that_has_none(ontology):
    # "(both line inputs)" is said of the two channels, not of the phone that feeds them
    reading = read_question(
        "Phone feeds the Yamaha MG10XU on a minijack-to-dual-TS lead: left plug in ch 7, right in ch 8 (both line "
        "inputs). OK?",
        ontology,
    )
    phone = next(link.source for link in reading.links if link.source and link.source.device == "phone")
    assert "line" not in phone.qualifiers


def test_what_microphones_are_put_on_listed_in_brackets_is_no_stop(ontology):
    reading = read_question(
        "Two Shure SM57s (kick + bass cab) will sit on inputs 3 and 4 of my Focusrite Scarlett 4i4. Fine?",
        ontology,
    )
    assert ends(reading) == [("shure-sm57", "focusrite-scarlett-4i4")]


def test_a_side_said_to_be_the_same_one_is_not_given_to_other_gear(ontology):
    context = context_of("Desk 1/4 outs run TRS-to-XLR leads over to active cabinets. Balanced?", ontology)
    reading = read_question(
        "The hall amp takes 1/4 jacks only. Fed off those same outputs over a TS lead, is it safe?",
        ontology,
        context,
    )
    assert all(link.source is None or link.source.device != "amp" for link in reading.links)


def test_a_series_name_said_alone_is_gear_of_the_class_of_all_its_products(ontology):
    # no Fireface model is named: the series' products are all audio interfaces
    reading = read_question(
        "Which lead carries ADAT from a Behringer ADA8200 across to the Fireface?", ontology
    )
    assert ends(reading) == [("behringer-ada8200", "audio-interface")]


def test_new_gear_said_for_it_with_no_direction_is_what_the_thing_asked_about_goes_into(ontology):
    context = context_of("Is a Shure SM58 okay in my guitar amp's input via an XLR-TS lead?", ontology)
    follow_up = read_question(
        "ok, and which lead for it then if I buy a Focusrite Scarlett Solo?", ontology, context
    )
    assert ends(follow_up)[0] == ("shure-sm58", "focusrite-scarlett-solo")
