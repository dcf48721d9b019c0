"""Audit of kb/ against ../shared/reference/domain-truth.md, sections 5 (pair grid and pair notes) and 6 (hazards).

Every row (every cell of the 5.1 grid) has a case whose id names it. Questions are our own words; the expected
values are what the reference says. The rules are under test, not the question classifier, so every question is
read as in domain (as in test_rules.py); the section 6 rows are also asked of the whole Engine.
"""

from __future__ import annotations

import pytest

from service.core.intent import Understanding
from service.core.normalize import read_question
from service.core.rules import judge
from service.types import Compatibility

IN_DOMAIN = Understanding(0.0, {"compatibility": 1.0})
ANY = object()  # "the reference says nothing checkable here" (n/a balance, no cable named)

WORKS, CAVEAT, NO, UNSAFE = "works", "works_with_caveat", "does_not_work", "unsafe"


def verdict_for(question, ontology):
    reading = read_question(question, ontology, understanding=IN_DOMAIN)
    return judge(reading, ontology)


def check(j, balanced=ANY, compatibility=ANY, cable=ANY, hazard=None, rule=None, no_hazard=None):
    if compatibility is not ANY:
        allowed = {compatibility} if isinstance(compatibility, str) else set(compatibility)
        assert j.compatibility is not None and j.compatibility.value in allowed, j
    if balanced is not ANY:
        assert j.balanced is balanced, j
    if cable is not ANY:
        assert j.cable is not None and j.cable.name == cable, j.cable
    hazards = {w.hazard for w in j.warnings}
    if hazard:
        assert hazard in hazards, hazards
    if no_hazard:
        assert no_hazard not in hazards, hazards
    if rule:
        assert rule in {f.id for f in j.facts} | {r for link in j.links for r in link.rule_ids}, j.facts


# --- 5.1 quick grid ------------------------------------------------------------------------------------------
# The reference grid, transcribed (upper triangle, row x column). U* is written P.

COLUMNS = ["XLR-M", "XLR-F", "TRS1/4", "TRS3.5", "TS1/4", "TS3.5", "RCA", "TRRS", "speakON", "banana", "MIDI",
           "USB", "TOSLINK", "BNC"]  # fmt: skip
REFERENCE_GRID = {
    "XLR-M": ["G", "B", "B", "C", "P", "P", "P", "C", "H", "H", "X", "X", "X", "C"],
    "XLR-F": ["G", "B", "C", "U", "U", "U", "C", "H", "H", "X", "X", "X", "C"],
    "TRS1/4": ["B", "U", "U/C", "U", "U/C", "C", "H", "H", "X", "X", "X", "X"],
    "TRS3.5": ["U", "C", "C", "U", "C", "H", "H", "D", "X", "X", "X"],
    "TS1/4": ["U", "U", "U", "C", "S", "S", "X", "X", "X", "X"],
    "TS3.5": ["U", "U", "C", "H", "H", "X", "X", "X", "X"],
    "RCA": ["U", "C", "H", "H", "X", "X", "X", "D"],
    "TRRS": ["C", "X", "X", "X", "X", "X", "X"],
    "speakON": ["S", "S", "X", "X", "X", "X"],
    "banana": ["S", "X", "X", "X", "X"],
    "MIDI": ["D", "X", "X", "X"],
    "USB": ["D", "X", "X"],
    "TOSLINK": ["D", "X"],
    "BNC": ["D"],
}
# How a user names each end.
END_WORDS = {
    "XLR-M": "XLR-male",
    "XLR-F": "XLR-female",
    "TRS1/4": "1/4-inch TRS",
    "TRS3.5": "3.5mm TRS",
    "TS1/4": "1/4-inch TS",
    "TS3.5": "3.5mm mono",
    "RCA": "RCA",
    "TRRS": "TRRS",
    "speakON": "speakON",
    "banana": "banana",
    "MIDI": "MIDI DIN",
    "USB": "USB",
    "TOSLINK": "TOSLINK",
    "BNC": "BNC",
}
ONE_CONDUCTOR = {"TRS3.5", "TS1/4", "TS3.5", "RCA", "TRRS"}
ANALOG = {"XLR-M", "XLR-F", "TRS1/4"} | ONE_CONDUCTOR
# What each code of the reference means as a verdict with no gear named.
CODE_VERDICT = {
    "G": CAVEAT,  # gender changer: check it is not output to output
    "B": WORKS,
    "U": WORKS,
    "U/C": (WORKS, CAVEAT),
    "C": CAVEAT,
    "P": CAVEAT,  # works unbalanced, unsafe into phantom
    "S": WORKS,  # speaker pairing, amp to passive speaker
    "H": UNSAFE,
    "D": CAVEAT,  # only if both ends speak the same format
    "X": NO,
}
# Cells whose code is two codes at once in the reference: the ordinary analog reading is the one asked.
DUAL = {("XLR-M", "XLR-F"): WORKS, ("RCA", "RCA"): WORKS, ("TS1/4", "TS1/4"): WORKS}


def _grid_cases():
    for r, row in enumerate(COLUMNS):
        for offset, code in enumerate(REFERENCE_GRID[row]):
            col = COLUMNS[r + offset]
            first, last = row, col
            # A female XLR end sits at the output and a male one at the input.
            if last == "XLR-F" or first == "XLR-M":
                first, last = last, first
            question = f"is a {END_WORDS[first]} to {END_WORDS[last]} cable ok?"
            yield pytest.param(question, row, col, code, id=f"5.1 {row} x {col} ({code})")


@pytest.mark.parametrize(("question", "row", "col", "code"), list(_grid_cases()))
def test_grid_cell(question, row, col, code, ontology):
    j = verdict_for(question, ontology)
    compatibility = DUAL.get((row, col), CODE_VERDICT[code])
    balanced = ANY
    if {row, col} <= ANALOG:
        balanced = False if {row, col} & ONE_CONDUCTOR else None  # B: depends on the gear at each end
    hazard = {"P": "phantom-into-unbalanced", "H": "speaker-out-into-input"}.get(code)
    check(j, balanced=balanced, compatibility=compatibility, hazard=hazard)


def test_grid_has_every_cell():
    assert sum(len(cells) for cells in REFERENCE_GRID.values()) == 14 * 15 // 2
    assert len(list(_grid_cases())) == 105


# --- 5.1 general rules and 5.2 detailed pair notes -----------------------------------------------------------

PAIR_NOTES = [
    # XLR-F -> XLR-M ("mic cable")
    pytest.param(
        "is a mic into the interface's mic input over an XLR cable balanced?",
        dict(balanced=True, compatibility=WORKS, cable="XLR-female to XLR-male"),
        id="5.2 XLR-F -> XLR-M mic cable",
    ),
    pytest.param(
        "ribbon mic into a mic input with phantom on, XLR cable",
        dict(hazard="ribbon-phantom"),
        id="5.2 XLR-F -> XLR-M mic cable: phantom and a ribbon",
    ),
    # gender changers
    pytest.param(
        "is a XLR-male to XLR-male cable ok?",
        dict(compatibility=CAVEAT),
        id="5.2 XLR-M <-> XLR-M gender changer",
    ),
    pytest.param(
        "XLR-female to XLR-female cable from the mixer's XLR out into the recorder's XLR out",
        dict(compatibility=NO),
        id="5.2 XLR-F <-> XLR-F joining two outputs",
    ),
    # TRS-male -> XLR-male
    pytest.param(
        "is a TRS-male to XLR-male cable from a balanced interface line out into a balanced monitor input balanced?",
        dict(balanced=True, compatibility=WORKS, cable="TRS-male to XLR-male", rule="rule.wiring.trs-xlr"),
        id="5.2 TRS-male -> XLR-male",
    ),
    pytest.param(
        "headphone out into the mixer's balanced XLR input with a TRS to XLR-male cable",
        dict(balanced=False, hazard="stereo-into-balanced-input"),
        id="5.2 TRS-male -> XLR-male from a stereo headphone out",
    ),
    # XLR-female -> TRS-male
    pytest.param(
        "is an XLR-female to TRS cable from the mixer's balanced XLR out into the interface's balanced TRS line "
        "input balanced?",
        dict(balanced=True, compatibility=WORKS, cable="XLR-female to TRS-male"),
        id="5.2 XLR-female -> TRS-male",
    ),
    pytest.param(
        "dynamic mic into the interface's TRS line input with an XLR-female to TRS cable",
        dict(compatibility=CAVEAT, rule="rule.level.mic-into-line"),
        id="5.2 XLR-female -> TRS-male: mic into a line-only input",
    ),
    # XLR <-> TS
    pytest.param(
        "mixer's balanced XLR out into a guitar amp input with an XLR-female to TS cable",
        dict(balanced=False, compatibility=CAVEAT, cable="XLR-female to TS-male"),
        id="5.2 XLR <-> TS: balanced out into TS input",
    ),
    pytest.param(
        "unbalanced synth TS out into the mixer's balanced XLR line input with a TS to XLR-male cable",
        dict(balanced=False, compatibility=CAVEAT, cable="TS-male to XLR-male"),
        id="5.2 XLR <-> TS: unbalanced source into an XLR input",
    ),
    pytest.param(
        "keyboard TS out into the mixer mic input with a TS to XLR-male cable, phantom power is on",
        dict(balanced=False, compatibility=UNSAFE, hazard="phantom-into-unbalanced"),
        id="5.2 XLR <-> TS: XLR-male end into phantom",
    ),
    # XLR <-> RCA
    pytest.param(
        "CD player RCA out into the mixer's balanced XLR line input with an RCA to XLR-male cable",
        dict(balanced=False, compatibility=CAVEAT, cable="RCA-male to XLR-male"),
        id="5.2 XLR <-> RCA: consumer gear into a pro XLR input",
    ),
    pytest.param(
        "mixer's balanced XLR main out into the hi-fi RCA input with an XLR-female to RCA cable",
        dict(balanced=False, compatibility=CAVEAT, cable="XLR-female to RCA-male"),
        id="5.2 XLR <-> RCA: pro XLR out into consumer gear",
    ),
    pytest.param(
        "CD player RCA out into the mixer's mic input with an RCA to XLR-male cable",
        dict(balanced=False, hazard="phantom-into-unbalanced"),
        id="5.2 XLR <-> RCA: same phantom hazard as TS",
    ),
    # 3.5 mm TRS -> XLR
    pytest.param(
        "laptop headphone out into one mixer XLR input with a 3.5mm TRS to XLR-male cable",
        dict(balanced=False, compatibility=(CAVEAT, NO), hazard="stereo-into-balanced-input"),
        id="5.2 3.5mm TRS -> XLR",
    ),
    # XLR mic -> 3.5 mm camera/PC input
    pytest.param(
        "dynamic XLR mic into my camera's 3.5mm mic input",
        dict(balanced=False, compatibility=CAVEAT),
        id="5.2 XLR mic -> 3.5mm camera mic input",
    ),
    pytest.param(
        "condenser XLR mic into my camera's 3.5mm mic input",
        dict(balanced=False, compatibility=CAVEAT, rule="rule.phantom.condenser-needs-it"),
        id="5.2 XLR mic -> 3.5mm camera mic input: plug-in power is not phantom",
    ),
    # XLR <-> TRRS
    pytest.param(
        "XLR mic into my phone's headset jack",
        dict(balanced=False, compatibility=CAVEAT),
        id="5.2 XLR <-> TRRS phone",
    ),
    # XLR <-> speakON / banana
    pytest.param(
        "amp speakON output into the mixer's XLR input",
        dict(compatibility=UNSAFE, hazard="speaker-out-into-input"),
        id="5.2 XLR <-> speakON: speaker level into an XLR input",
    ),
    pytest.param(
        "mixer XLR out into passive speaker binding posts",
        dict(compatibility=NO),
        id="5.2 XLR <-> banana: line out into a passive speaker",
    ),
    # XLR <-> BNC
    pytest.param(
        "is an XLR to BNC cable ok for AES3 to AES3id?",
        dict(compatibility=CAVEAT),
        id="5.2 XLR <-> BNC: AES3 to AES3id needs a balun",
    ),
    pytest.param(
        "can I run AES3 from an XLR output into an AES3id BNC input?",
        dict(compatibility=CAVEAT, rule="rule.domain.aes3-aes3id"),
        id="5.2 XLR <-> BNC: AES3 output into an AES3id input",
        marks=pytest.mark.xfail(
            reason="the reader has no port word or generic port for AES3/AES3id: a format named without gear "
            "does not pick the port kind, so the link is read as line out -> word clock in",
            strict=True,
        ),
    ),
    pytest.param(
        "mixer line out into a BNC word clock input with an XLR to BNC cable",
        dict(compatibility=NO),
        id="5.2 XLR <-> BNC: analog is no",
    ),
    # TRS <-> TRS
    pytest.param(
        "balanced TRS line out of the interface into the compressor's balanced TRS input with a TRS cable",
        dict(balanced=True, compatibility=WORKS, cable="TRS-male to TRS-male"),
        id="5.2 TRS <-> TRS balanced mono",
    ),
    pytest.param(
        "headphone out into a balanced TRS input with a TRS cable",
        dict(balanced=False, hazard="stereo-into-balanced-input"),
        id="5.2 TRS <-> TRS: stereo headphone out into a balanced input",
    ),
    pytest.param(
        "is it safe to repatch TRS cables on the patchbay with phantom on?",
        dict(hazard="hot-patching-phantom"),
        id="5.2 TRS <-> TRS: patching with phantom on",
    ),
    # TRS jack <-> TS plug
    pytest.param(
        "balanced TRS line out into an unbalanced line input with a TS cable",
        dict(balanced=False, compatibility=CAVEAT, cable="TS-male to TS-male"),
        id="5.2 TRS jack <-> TS plug: balanced out",
    ),
    pytest.param(
        "headphone out into a mono input with a TS cable",
        dict(balanced=False, compatibility=CAVEAT, rule="rule.stereo.into-mono-plug"),
        id="5.2 TRS jack <-> TS plug: headphone out gives one channel",
    ),
    pytest.param(
        "balanced TRS out into a TS input, should I tie the cold leg pin 3 to ground?",
        dict(balanced=False, hazard="grounding-balanced-output-cold"),
        id="5.2 TRS jack <-> TS plug: grounding the cold leg",
    ),
    # TRS -> dual TS insert
    pytest.param(
        "insert cable from the mixer insert jack to a compressor",
        dict(balanced=False, compatibility=WORKS, cable="TRS-male to dual TS-male"),
        id="5.2 TRS1/4 -> dual TS insert Y",
    ),
    # TRS 1/4 <-> 3.5 mm TRS
    pytest.param(
        "3.5mm TRS to 1/4-inch TRS adapter, balanced?",
        dict(balanced=False, compatibility=WORKS),
        id="5.2 TRS1/4 <-> 3.5mm TRS headphone adapter",
    ),
    # TRS -> RCA
    pytest.param(
        "interface balanced TRS out into the hi-fi RCA input with a TRS to RCA cable",
        dict(balanced=False, compatibility=CAVEAT, rule="rule.level.pro-into-consumer"),
        id="5.2 TRS1/4 -> RCA: balanced out into consumer in",
    ),
    pytest.param(
        "headphone out into the hi-fi amp's RCA input with a TRS to dual RCA cable",
        dict(balanced=False, compatibility=(WORKS, CAVEAT), cable="TRS-male to dual RCA-male"),
        id="5.2 TRS1/4 -> 2xRCA: headphone out into hi-fi",
    ),
    # TS <-> TS instrument
    pytest.param(
        "guitar into the amp with a TS cable",
        dict(balanced=False, compatibility=WORKS, cable="TS-male to TS-male"),
        id="5.2 TS <-> TS instrument",
    ),
    pytest.param(
        "guitar into the amp with a 20 m TS cable",
        dict(balanced=False, compatibility=CAVEAT, rule="rule.impedance.long-instrument-cable"),
        id="5.2 TS <-> TS instrument: long run loses treble",
    ),
    # TS <-> TS speaker cable
    pytest.param(
        "amp head speaker out to the cab with a speaker cable",
        dict(compatibility=WORKS),
        id="5.2 TS <-> TS speaker cable",
    ),
    pytest.param(
        "amp head speaker out to the cab with a guitar cable",
        dict(compatibility=UNSAFE, hazard="instrument-cable-as-speaker-cable"),
        id="5.2 TS <-> TS speaker: instrument cable as speaker cable",
    ),
    pytest.param(
        "guitar into the amp with a speaker cable",
        dict(compatibility=CAVEAT, rule="rule.speaker.speaker-cable-for-signal"),
        id="5.2 TS <-> TS speaker: speaker cable as instrument cable is noisy",
    ),
    # TS <-> RCA / TS3.5
    pytest.param(
        "CD player RCA out into the mixer's unbalanced TS line input with an RCA to TS cable",
        dict(balanced=False, compatibility=WORKS, cable="RCA-male to TS-male"),
        id="5.2 TS <-> RCA",
    ),
    pytest.param(
        "synth 3.5mm mono out into the mixer's unbalanced line input",
        dict(balanced=False, compatibility=WORKS),
        id="5.2 TS <-> TS3.5",
    ),
    # amp out -> passive speaker
    pytest.param(
        "power amp speakON out to the passive speaker's speakON input",
        dict(compatibility=WORKS, cable="speakON to speakON"),
        id="5.2 speakON amp out -> passive speaker",
    ),
    pytest.param(
        "power amp speakON out into the passive speaker's NL4 jack with an NL2 cable",
        dict(compatibility=WORKS),
        id="5.2 speakON NL2 plug into an NL4 jack",
    ),
    pytest.param(
        "is it ok to run my tube amp with no speaker connected?",
        dict(hazard="tube-amp-no-load"),
        id="5.2 amp out -> passive speaker: tube amp needs a load",
    ),
    # line out -> passive speaker
    pytest.param(
        "interface line out straight into passive speakers",
        dict(compatibility=NO),
        id="5.2 line out -> passive speaker",
    ),
    # amp speaker out -> any input
    pytest.param(
        "guitar amp speaker out into my delay pedal input",
        dict(compatibility=UNSAFE, hazard="speaker-out-into-input"),
        id="5.2 amp speaker out -> any input",
    ),
    # 3.5 mm aux
    pytest.param(
        "phone headphone out into the powered speakers' 3.5mm aux input with an aux cable",
        dict(balanced=False, compatibility=WORKS),
        id="5.2 3.5mm TRS <-> 3.5mm TRS aux",
    ),
    pytest.param(
        "laptop headphone out into two mixer line inputs with a 3.5mm to dual RCA cable",
        dict(balanced=False, compatibility=WORKS, cable="3.5mm TRS-male to dual RCA-male"),
        id="5.2 3.5mm -> 2xRCA",
    ),
    # 3.5 mm TRS <-> TRRS
    pytest.param(
        "lavalier mic 3.5mm TRS plug into my phone's TRRS headset jack",
        dict(balanced=False, compatibility=CAVEAT, rule="rule.trs.into-trrs"),
        id="5.2 3.5mm TRS -> TRRS phone",
    ),
    pytest.param(
        "the on-camera mic's 3.5mm TRS to 3.5mm TRS lead plugged straight into a phone headset jack",
        dict(balanced=False, compatibility=CAVEAT, rule="rule.trs-plug.into-headset-jack"),
        id="5.2 TRS lead -> phone headset jack",
    ),
    pytest.param(
        "phone headset mic TRRS into the camera's 3.5mm mic input",
        dict(balanced=False, compatibility=CAVEAT, rule="rule.trrs.into-trs"),
        id="5.2 TRRS -> 3.5mm TRS camera",
    ),
    # RCA <-> RCA
    pytest.param(
        "CD player RCA out to the hi-fi amp's RCA input",
        dict(balanced=False, compatibility=WORKS, cable="RCA-male to RCA-male"),
        id="5.2 RCA <-> RCA analog",
    ),
    pytest.param(
        "S/PDIF coax out into the S/PDIF coax input",
        dict(balanced=False, compatibility=WORKS),
        id="5.2 RCA <-> RCA S/PDIF coax",
    ),
    pytest.param(
        # "use 75 ohm cable (ordinary RCA may work over short runs)"
        "S/PDIF coax out into the S/PDIF coax input with an ordinary RCA cable",
        dict(balanced=False, compatibility=CAVEAT, rule="rule.digital.spdif-on-audio-rca-cable"),
        id="5.2 RCA <-> RCA S/PDIF coax over an audio RCA cable",
    ),
    pytest.param(
        # "Turntable: needs a phono preamp/PHONO input": a box to add, as passive speakers need an amp
        "turntable straight into my interface line input",
        dict(balanced=False, compatibility=NO, rule="rule.level.phono-into-line"),
        id="5.2 RCA <-> RCA turntable needs a phono preamp",
    ),
    pytest.param(
        "turntable into the phono input of my DJ mixer",
        dict(balanced=False, compatibility=WORKS),
        id="5.2 RCA <-> RCA turntable into PHONO",
    ),
    # RCA <-> BNC
    pytest.param(
        "is an RCA to BNC cable ok from a S/PDIF coax output into a BNC S/PDIF input?",
        dict(balanced=False, compatibility=WORKS),
        id="5.2 RCA <-> BNC same 75-ohm signal",
    ),
    pytest.param(
        "S/PDIF coax out into a word clock input",
        dict(compatibility=NO),
        id="5.2 RCA <-> BNC: word clock is not audio",
    ),
    # RCA coax <-> TOSLINK
    pytest.param(
        "CD player's coaxial out into the optical input of my interface",
        dict(compatibility=NO),
        id="5.2 RCA coax S/PDIF <-> TOSLINK",
    ),
    # speakON <-> banana
    pytest.param(
        "amp speakON out to speaker binding posts",
        dict(compatibility=WORKS, cable="speakON to banana"),
        id="5.2 speakON <-> banana",
    ),
    pytest.param(
        "power amp speaker out to a passive speaker with banana plugs, amp switched on",
        dict(hazard="exposed-speaker-terminals"),
        id="5.2 speakON <-> banana: exposed contacts, power off",
    ),
    # MIDI
    pytest.param(
        "keyboard MIDI out into synth MIDI in",
        dict(compatibility=WORKS, cable="MIDI DIN-5 male to MIDI DIN-5 male"),
        id="5.2 MIDI <-> MIDI",
    ),
    pytest.param(
        "keyboard MIDI out into synth MIDI in with a 30 m MIDI cable",
        dict(compatibility=CAVEAT, rule="rule.midi.too-long"),
        id="5.2 MIDI <-> MIDI longer than 15 m",
    ),
    pytest.param(
        "keyboard's 5-pin MIDI out into the computer's USB port",
        dict(compatibility=NO),
        id="5.2 MIDI DIN <-> USB",
    ),
    pytest.param(
        "keyboard 5-pin MIDI out into the synth's 3.5mm TRS MIDI in",
        dict(compatibility=CAVEAT, rule="rule.midi.trs-type"),
        id="5.2 MIDI DIN <-> 3.5mm TRS",
    ),
    pytest.param(
        "keyboard MIDI out into the mixer line input",
        dict(compatibility=NO),
        id="5.2 MIDI <-> any audio input",
    ),
    # USB, TOSLINK, BNC
    pytest.param(
        "interface USB port into the computer USB port",
        dict(compatibility=WORKS),
        id="5.2 USB <-> USB",
    ),
    pytest.param(
        "ADAT out into the ADAT in of my interface",
        dict(compatibility=WORKS, cable="TOSLINK to TOSLINK"),
        id="5.2 TOSLINK <-> TOSLINK same format",
    ),
    pytest.param(
        "ADAT optical out into an optical S/PDIF input with a TOSLINK cable",
        dict(compatibility=NO),
        id="5.2 TOSLINK <-> TOSLINK ADAT is not S/PDIF",
    ),
    pytest.param(
        "word clock out into the word clock in with a BNC cable",
        dict(compatibility=WORKS, cable="BNC to BNC"),
        id="5.2 BNC <-> BNC",
    ),
    # 5.1 general rules
    pytest.param(
        "mixer line out into the computer's USB port",
        dict(compatibility=NO),
        id="5.1 general: analog end into USB needs an interface",
    ),
    pytest.param(
        "the mixer's XLR mic input fed from the amp's speaker out",
        dict(compatibility=UNSAFE, hazard="speaker-out-into-input"),
        id="5.1 general: speaker-level end into a mic input",
    ),
]


@pytest.mark.parametrize(("question", "expected"), PAIR_NOTES)
def test_pair_note(question, expected, ontology):
    check(verdict_for(question, ontology), **expected)


# --- 6 hazards -----------------------------------------------------------------------------------------------

HAZARDS = [
    pytest.param(
        "is it safe to plug an XLR to TS adapter into a mic input with phantom power on?",
        dict(compatibility=UNSAFE, hazard="phantom-into-unbalanced"),
        id="H1 phantom into an unbalanced adapter",
    ),
    pytest.param(
        "unbalanced XLR cable with pins 1 and 3 bridged into a mic input with 48V on",
        dict(hazard="phantom-into-unbalanced"),
        id="H1 phantom into an XLR with pins 1 and 3 bridged",
    ),
    pytest.param(
        "laptop line out into the mixer's XLR mic input with 48V phantom on",
        dict(hazard="phantom-into-line-output"),
        id="H2 phantom into a line-level output",
    ),
    pytest.param(
        "is it safe to repatch TRS cables on the patchbay with phantom on?",
        dict(hazard="hot-patching-phantom"),
        id="H3 hot-patching TRS with phantom on",
    ),
    pytest.param(
        "can I unplug my condenser mic with phantom power on and the faders up?",
        dict(hazard="phantom-pop"),
        id="H4 plugging mics with phantom on",
    ),
    pytest.param(
        "guitar amp speaker out into my interface line input",
        dict(compatibility=UNSAFE, hazard="speaker-out-into-input"),
        id="H5 speaker out into line input",
    ),
    pytest.param(
        "phone headphone out into one balanced TRS line input on the mixer with a TRS cable",
        dict(balanced=False, hazard="stereo-into-balanced-input", compatibility=(CAVEAT, NO)),
        id="H6 stereo headphone out into one balanced input",
    ),
    pytest.param(
        "can I use a y cable to join the left and right outputs into one mono input?",
        dict(hazard="y-cable-outputs"),
        id="H7 Y-cable shorting two outputs",
    ),
    pytest.param(
        "can I use a guitar cable from the amp head speaker out to the cab?",
        dict(compatibility=UNSAFE, hazard="instrument-cable-as-speaker-cable"),
        id="H8 instrument cable as speaker cable",
    ),
    pytest.param(
        "is it ok to run my tube amp with no speaker connected?",
        dict(hazard="tube-amp-no-load"),
        id="H9 tube amp with no load",
    ),
    pytest.param(
        "tube amp head speaker out into a cab with the wrong impedance",
        dict(hazard="tube-amp-no-load"),
        id="H9 tube amp with a wrong-impedance load",
    ),
    pytest.param(
        "can I cut the ground pin off my amp's power cord to stop the hum?",
        dict(hazard="lifting-safety-ground"),
        id="H10 lifting the mains safety ground",
    ),
    pytest.param(
        "balanced line out of my preamp into a mic input with an XLR cable",
        dict(compatibility=CAVEAT, hazard="line-into-mic-input"),
        id="H11 line level into a mic input (distortion, not damage)",
    ),
    pytest.param(
        "will phantom power fry my dynamic mic on a balanced XLR cable?",
        dict(
            balanced=True,
            compatibility=WORKS,
            rule="rule.phantom.dynamic-safe",
            no_hazard="phantom-into-unbalanced",
        ),
        id="myth phantom fries a dynamic mic",
    ),
]


@pytest.mark.parametrize(("question", "expected"), HAZARDS)
def test_hazard_rule(question, expected, ontology):
    check(verdict_for(question, ontology), **expected)


@pytest.mark.parametrize(("question", "expected"), HAZARDS)
def test_hazard_answer(question, expected, engine):
    """The whole Engine, classifier included, still shows the hazard (or, for the myth, no danger)."""
    answer = engine.answer(question)
    assert answer.verdict is not None, answer.text
    hazards = {w.hazard for w in answer.verdict.warnings}
    if expected.get("hazard"):
        assert expected["hazard"] in hazards, hazards
    if expected.get("compatibility") == UNSAFE:
        assert answer.verdict.compatibility is Compatibility.UNSAFE
    if expected.get("no_hazard"):
        assert not any(w.severity.value == "danger" for w in answer.verdict.warnings), hazards
