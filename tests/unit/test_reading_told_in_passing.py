"""How the reader treats what a post says in passing: brackets, headings, clauses that only tell, and doubt.

Each sentence here is written for this test (not taken from an evaluation set) and checks one mechanism.
"""

from service.core.normalize import read_question
from service.core.rules import judge
from service.types import Compatibility
from tests.unit.test_reading_roles import judged
from tests.unit.test_reading_roles import link_devices
from tests.unit.test_reading_roles import link_devices_of_hop

# the tape deck is not in the lexicon; "(RCA outs)" is all the reader knows of it
UNKNOWN_DECK_CHAIN = (
    "Teac X-1000R (RCA outs) -> RCA-TRS lead -> desk TRS line input -> TRS-XLR lead -> Yamaha HS8. "
    "Is all of that balanced?"
)


def test_a_bare_port_in_brackets_after_unknown_gear_is_that_gears_side_of_a_drawn_chain(ontology):
    judgement = judged(UNKNOWN_DECK_CHAIN, ontology)
    assert len(judgement.links) == 2
    assert judgement.balanced is False  # the unknown deck's RCA side decides


def test_gear_drawn_by_its_input_sends_on_from_its_output_even_after_unknown_gear(ontology):
    reading = read_question(UNKNOWN_DECK_CHAIN, ontology)
    assert reading.links[1].source.role is None  # the desk's input is not what feeds the speaker


def test_one_gear_named_twice_in_a_telling_clause_links_nothing(ontology):
    # "beside the desk" and "the desk's mic input" are one mixer; the link is the mic's, told a clause before
    reading = read_question(
        "The pulpit microphone plugs into a socket in the wall; the contractor laid shielded twin cable under the "
        "stage to another socket next to the desk, and a short XLR lead finishes the run to the desk's mic input. "
        "Can I count on "
        "this whole run being balanced?",
        ontology,
    )
    assert [(link.source.device, link.dest.device) for link in reading.links] == [("microphone", "mixer")]
    assert judge(reading, ontology).balanced is True


def test_the_balance_a_later_sentence_gives_a_side_named_before_is_that_sides(ontology):
    judgement = judged(
        "We run the desk's XLR main output to the jack half of the interface's combination input with an "
        "XLR-TRS lead; its manual calls those jack inputs balanced line inputs. Is that balanced?",
        ontology,
    )
    assert judgement.balanced is True


def test_a_port_word_in_a_heading_is_no_port_of_the_two_gear_the_post_names(ontology):
    judgement = judged(
        "Line check: word clock between the ADA8200 and the audio interface. Which cable, please?", ontology
    )
    assert judgement.cable is not None and judgement.cable.name == "BNC to BNC"


def test_a_port_word_in_a_heading_about_one_gear_is_kept(ontology):
    # "insert Y:" heads a post about one compressor's insert, not a link between two pieces of gear
    reading = read_question(
        "insert Y: the tip leg goes to the compressor input, the ring leg comes from the compressor output. correct?",
        ontology,
    )
    assert any(link.source and "insert" in link.source.qualifiers for link in reading.links)


def test_the_clause_after_but_asks_about_its_own_hop(ontology):
    judgement = judged(
        "Keys player here; the club's desk is a Mackie ProFX10v3 and the engineer asks for a DI. I own a Behringer "
        "DI100. Keys into the DI is done, but what lead belongs between the DI's XLR out and the mixer channel?",
        ontology,
    )
    assert judgement.cable is not None and judgement.cable.name == "XLR-female to XLR-male"


def test_a_negation_inside_brackets_does_not_doubt_the_balance_said_outside_them(ontology):
    judgement = judged(
        "My desk's manual (an old analogue one, I will not bore you with the brand) says the main outputs are "
        "balanced 1/4 inch TRS. I run TRS to XLR leads into my KRK Rokit 5 monitors, whose XLR inputs are "
        "balanced. Is the connection balanced end to end?",
        ontology,
    )
    assert judgement.balanced is True


def test_a_balance_said_after_idk_is_doubted(ontology):
    judgement = judged(
        "club desk's jack main outs -> TRS-XLR leads -> active speakers' XLR inputs (speakers say "
        "balanced). idk if the desk outs are balanced. is it balanced?",
        ontology,
    )
    assert judgement.balanced is None


def test_a_balance_the_user_cannot_find_leaves_a_class_default_open(ontology):
    # a recorder's line outs are taken as unbalanced unless said; "can't work out whether" says they are not known
    not_known = judged(
        "Picked up a secondhand Tascam recorder and I can't work out whether the line outputs are balanced. It "
        "feeds my Yamaha HS7 monitors on TRS leads. Balanced?",
        ontology,
    )
    untold = judged(
        "Picked up a secondhand Tascam recorder and its line outs feed my Yamaha HS7 monitors on TRS leads. "
        "Balanced?",
        ontology,
    )
    assert (not_known.balanced, untold.balanced) == (None, False)


def test_a_claim_to_check_and_a_products_own_spec_are_not_made_unknown(ontology):
    claimed = judged(
        "My friend claims the Tascam recorder's line outs are balanced. TRS leads into my Yamaha HS7. Balanced?",
        ontology,
    )
    specified = judged(
        "can't find whether the Scarlett 2i2 outputs are balanced, TRS leads into my Yamaha HS7. balanced?",
        ontology,
    )
    assert (claimed.balanced, specified.balanced) == (False, True)


def test_a_computer_drawn_into_an_interface_with_no_port_said_reaches_it_over_usb(ontology):
    judgement = judged(
        "Playback chain: laptop -> Audient iD14 balanced TRS outputs -> TRS to XLR leads -> power amp XLR inputs "
        "(electronically balanced). Is each link balanced?",
        ontology,
    )
    assert judgement.balanced is True
    told = judged("laptop headphone out into the interface line inputs, which cable?", ontology)
    assert told.cable is not None and "USB" not in told.cable.name  # a port said is the port used


def test_a_bare_output_recapped_after_gear_was_named_by_its_output_is_that_output(ontology):
    reading = read_question(
        "The old sound module says BALANCED above its two 1/4 inch outputs. Those go into line inputs 1/2 of my "
        "Audient iD14, balanced per the manual, over TRS cables. So: output balanced, cable TRS, input balanced. "
        "Is the connection really balanced?",
        ontology,
    )
    assert len(reading.links) == 1
    assert judge(reading, ontology).balanced is True


def test_gear_in_a_clause_that_opens_with_a_negator_is_not_the_hop_asked_about(ontology):
    judgement = judged(
        "Stage rig: Korg Kronos (outputs unbalanced, per the manual) -> short 1/4 inch lead -> Radial J48 -> 30 m "
        "XLR through the multicore -> stagebox. Not interested in the short jack lead by the synth, only the long "
        "leg after the J48 into the stagebox: is that part balanced?",
        ontology,
    )
    assert judgement.balanced is True


def test_a_drawn_hop_of_unknown_gear_and_its_side_is_a_stop_the_signal_passes_through(ontology):
    # "Zarvox PX-900" is no gear the lexicon knows; its inputs are a stop, and it drives the speakers over speakON
    reading = read_question(
        "Shure SM58 -> XLR cable -> Yamaha MG10XU -> XLR to TS cables -> Zarvox PX-900 inputs -> speakON -> "
        "passive speakers. Balanced from start to finish?",
        ontology,
    )
    assert len(reading.links) == 3
    judgement = judge(reading, ontology)
    assert judgement.balanced is False
    assert (
        judgement.links[-1].compatibility is Compatibility.WORKS
    )  # an amp's speaker output into the speakers


def test_the_jack_the_question_names_on_a_side_is_that_ends_jack_not_every_jack_said_of_the_gear(ontology):
    judgement = judged(
        "Ripping records this winter off an AT-LP120XUSB; I set its preamp switch to LINE, so "
        "the RCA outs give line level. I would rather use my Audient iD14 than the turntable's own USB since the "
        "iD14 sounds better. The iD14 has combo XLR/jack inputs. Which lead should go from the turntable's RCA "
        "outputs to both inputs of the Audient?",
        ontology,
    )
    assert judgement.cable is not None and judgement.cable.from_end.startswith("RCA")


def test_a_level_word_on_a_port_the_product_specifies_keeps_that_ports_balance(ontology):
    # the Digi 003's line inputs are balanced TRS by its spec; "set to +4" names the level they expect
    judgement = judged(
        "API 512c XLR output -> female XLR to TRS lead -> the Digi 003's line input, set to +4. Balanced end to end?",
        ontology,
    )
    assert judgement.balanced is True


def test_a_di_boxs_thru_is_its_instrument_level_output_to_the_amp(ontology):
    judgement = judged(
        "Active DI on the bass, and its thru jack goes to my amp. Which cable from the thru to the amp?",
        ontology,
    )
    assert judgement.cable is not None and judgement.cable.name == "TS-male to TS-male"
    assert judgement.compatibility is Compatibility.WORKS


def test_audio_gear_named_after_what_it_feeds_is_turned_to_follow_the_signal(ontology):
    # read in word order the DI would feed the keyboard, whose only input is MIDI
    question = "48V stays switched on across the desk. Can it damage the passive DI box, or the synth plugged in behind it?"
    assert link_devices(question, ontology) == [("keyboard", "passive-di")]


def test_gear_named_before_a_kind_word_and_a_cable_word_names_the_cable_not_gear(ontology):
    question = (
        "The keyboard is on stage with a DI next to it, and from the DI a long microphone-type cable runs 25 metres "
        "to the desk. Is that run balanced?"
    )
    assert link_devices(question, ontology) == [("keyboard", "di-box"), ("di-box", "mixer")]


def test_the_to_of_a_fixed_phrase_links_nothing(ontology):
    judgement = judged(
        "A friend at the hi-fi club has a pro CD player whose XLR outs are balanced according to its manual. I will "
        "run XLR leads from it into my power amplifier's XLR inputs, balanced as well. Balanced throughout?",
        ontology,
    )
    assert judgement.balanced is True


def test_a_clause_opener_and_a_possessive_start_a_clause_with_its_own_link(ontology):
    # "... a preamp, WHILE MY synth plugs into a line input": the preamp does not feed the synth
    question = "how come my dynamic mic needs a preamp, while my synth plugs directly into a line input?"
    assert ("mic-preamp", "keyboard") not in link_devices(question, ontology)


def test_an_impedance_said_between_a_balance_and_a_port_describes_the_same_end(ontology):
    reading = read_question(
        "A broadcast amplifier's transformer-balanced 600 ohm output (XLR) feeds a field recorder's balanced "
        "XLR line input through shielded pair. Balanced?",
        ontology,
    )
    assert reading.links[0].source.balance == "balanced"


def test_a_jack_denied_in_brackets_after_one_gear_is_still_the_other_gears_jack(ontology):
    # "(only USB, no DIN)" is said of the controller; the synth's DIN input named after it stays a DIN input
    controller_aside = judged(
        "Could the Akai LPK25 (just a USB socket, no DIN at all) drive the 5-pin MIDI input on a Behringer TD-3 if "
        "I find a plug adapter?",
        ontology,
    )
    assert controller_aside.compatibility is Compatibility.DOES_NOT_WORK
    # ...while a jack denied of the receiving gear itself is none of its jacks
    reading = read_question(
        "Running the Scarlett line outs into the Yamaha HS8 (the XLR inputs, not the 1/4 inch ones): which lead?",
        ontology,
    )
    assert "trs" not in reading.links[0].dest.families


def test_a_clause_setting_gear_aside_is_not_the_hop_asked_about(ontology):
    reading = read_question(
        "Violin pickup into a short jack lead into an active DI box, then the box's XLR out along the multicore "
        "to the mixer's mic input. Ignoring the violin end, is the stretch between DI and mixer balanced?",
        ontology,
    )
    assert reading.hop is not None
    assert link_devices_of_hop(reading) == ("active-di", "mixer")


def test_a_question_carrying_a_drawn_chain_on_to_new_gear_reads_that_gear_too(ontology):
    reading = read_question(
        "Mandolin pickup -> jack lead -> active DI. Leaving aside the mandolin end: from the DI's XLR on down the "
        "multicore into the desk's mic channel: that stretch, balanced?",
        ontology,
    )
    assert [link.dest.device for link in reading.links][-1] == "mixer"
    assert judge(reading, ontology).balanced is True


def test_a_sentence_saying_what_the_question_is_not_about_draws_no_link(ontology):
    reading = read_question(
        "My Jazz bass feeds a Radial JDI by my feet, then a 20 m XLR lead from the DI's output into the stagebox "
        "for the desk. I am not talking about the little lead between bass guitar and DI box. Only the 20 metre "
        "run between DI and stagebox. Is that bit balanced?",
        ontology,
    )
    assert link_devices_of_hop(reading) == ("radial-jdi", "stage-box")
    assert judge(reading, ontology).balanced is True


def test_a_maker_name_before_a_class_word_says_who_made_that_gear(ontology):
    # "technics" alone reads as a turntable; before "receiver" it only names the receiver's maker
    reading = read_question(
        "Which lead from my iPad's headphone out to the Technics receiver's AUX input?", ontology
    )
    assert link_devices_of_hop(reading) == ("phone", "hifi-amp")


def test_a_connector_said_at_one_gears_end_of_the_cable_is_the_plug_there(ontology):
    # the 305P's combo input takes XLR or TRS; "XLR on the monitor side" picks the XLR
    judgement = judged(
        "MOTU M4 line outs to a JBL 305P MkII with its XLR/TRS combo input. Put XLR on the monitor side please, "
        "which cable do I get?",
        ontology,
    )
    cable = judgement.links[0].cable
    assert (cable.from_end, cable.to_end) == ("TRS-male", "XLR-male")


def test_the_leg_after_one_gear_is_the_hop_that_gear_sends_on(ontology):
    reading = read_question(
        "Violin into an active DI on the floor, and from there 40 m of XLR back towards the mixing desk. Is the "
        "stretch past the DI balanced?",
        ontology,
    )
    assert link_devices_of_hop(reading) == ("active-di", "mixer")
    assert judge(reading, ontology).balanced is True
