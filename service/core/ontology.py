"""The connector ontology as plain frozen dataclasses, with the lookups the rules need.

Loading and validating the YAML happens in service/kb.py; this module never touches a file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from typing import Any

# Unknown keys in kb/*.yaml are typos; pydantic reads this plain dict when kb.py validates the dataclasses.
_STRICT = {"extra": "forbid"}


@dataclass(frozen=True)
class Source:
    """A citation behind a source tag."""

    __pydantic_config__ = _STRICT
    title: str
    authority: str


@dataclass(frozen=True)
class Family:
    """A connector family such as XLR or 1/4-inch TRS."""

    __pydantic_config__ = _STRICT
    name: str
    aliases: list[str]
    balanced: str
    sources: list[str]
    plug: str | dict[str, str] | None = None
    contacts: list[str] = field(default_factory=list)
    carries: list[str] = field(default_factory=list)
    resolves_to: list[str] = field(default_factory=list)
    pins: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PlugVariant:
    """One make of a connector family whose plugs fit only some of its jacks (speakON NL2/NL4, TRS-MIDI Type A/B).

    `fits`: the variants whose jacks this variant's plug goes into; `needs`: words one of which must be in the
    question for an alias to mean this variant ("type a" is a MIDI wiring only where MIDI is spoken of)."""

    __pydantic_config__ = _STRICT
    name: str
    family: str
    aliases: list[str]
    fits: list[str]
    sources: list[str]
    fit_text: str
    misfit_text: str
    needs: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CableType:
    """A whole cable people name by use ("mic cable", "aux cord")."""

    __pydantic_config__ = _STRICT
    name: str
    aliases: list[str]
    ends: list[str]
    kind: str
    split_ends: list[bool] = field(
        default_factory=list
    )  # an end that is a pair of plugs (the insert Y's two TS)


@dataclass(frozen=True)
class Level:
    """A signal level with its typical value."""

    __pydantic_config__ = _STRICT
    name: str
    typical: str
    sources: list[str]
    power: bool = False  # a level that drives a load (speaker level), not one a signal input takes


@dataclass(frozen=True)
class PortKind:
    """What a jack sends or expects: role, signal domain, level, balance."""

    __pydantic_config__ = _STRICT
    name: str
    role: str
    domain: str
    balance: str
    jacks: list[str]
    sources: list[str]
    level: str | None = None
    stereo: bool = False
    split: bool = False
    # one jack that sends and takes the signal back (an insert: out on the tip, back in on the ring), so gear
    # put on it is a loop, not a stop down the chain
    returns: bool = False
    hiz: bool = False
    phantom: bool = False
    # the input this output is made for, whatever gear it is on (a mic's: a mic input)
    feeds: str | None = None
    # an input with several jacks: the one a signal of each level goes into (a combo jack's XLR side is the mic's)
    jack_for_level: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Device:
    """A piece of gear and the ports it usually has."""

    __pydantic_config__ = _STRICT
    name: str
    aliases: list[str]
    sources: list[str]
    out: dict[str, str] = field(default_factory=dict)
    # "in" is a keyword, so the YAML key is mapped by kb.py
    inputs: dict[str, str] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    kind: str = ""  # for a product of kb/gear.yaml: the device class it belongs to
    is_a: str = ""  # for a class: the broader class a later, plainer word names it by ("the mic")
    spec: str = ""  # for a product: the maker's specification its ports come from
    variants: list[str] = field(default_factory=list)  # connector variants its jacks follow (TRS-MIDI Type B)
    out_to: dict[str, str] = field(
        default_factory=dict
    )  # device class -> the output used toward it, none said


@dataclass(frozen=True)
class Condition:
    """One attribute test of a rule's `when`."""

    key: str
    allowed: tuple[Any, ...] = ()
    negated: bool = False
    greater_than: float | None = None
    less_than: float | None = None

    def holds(self, attributes: dict[str, Any]) -> bool:
        """Tell whether the link attributes satisfy this test (a missing attribute never does)."""
        if self.key not in attributes or attributes[self.key] is None:
            return False
        value = attributes[self.key]
        if self.greater_than is not None or self.less_than is not None:
            if not isinstance(value, int | float) or isinstance(value, bool):
                return False
            return (self.greater_than is None or value > self.greater_than) and (
                self.less_than is None or value < self.less_than
            )
        values = set(value) if isinstance(value, list | tuple | set | frozenset) else {value}
        hit = bool(values & set(self.allowed))
        return not hit if self.negated else hit


@dataclass(frozen=True)
class LinkRule:
    """A rule that judges one link when all of its conditions hold."""

    id: str
    when: tuple[Condition, ...]
    verdict: str
    text: str
    sources: tuple[str, ...]
    hazard: str | None = None
    suggests: tuple[str, ...] = ()  # device ids of the gear its text tells the user to put in between
    misread_among_links: bool = False  # among several links read from prose, more likely a misreading
    # the cable is what is wrong (another cable between the same ports clears it) when these conditions hold too;
    # None: the rule never blames the cable
    wrong_cable: tuple[Condition, ...] | None = None

    def applies(self, attributes: dict[str, Any]) -> bool:
        """Tell whether every condition holds for these link attributes."""
        return all(condition.holds(attributes) for condition in self.when)

    def blames_cable(self, attributes: dict[str, Any]) -> bool:
        """Tell whether, applying to these attributes, the rule says the cable is what is wrong."""
        return self.wrong_cable is not None and all(c.holds(attributes) for c in self.wrong_cable)


@dataclass(frozen=True)
class Hazard:
    """A hazard the service warns about, fired by a link rule or by the question's own words."""

    id: str
    severity: str
    title: str
    text: str
    sources: tuple[str, ...]
    mentions: tuple[tuple[str, ...], ...] = ()
    mitigated_when: tuple[Condition, ...] = ()
    mitigated_text: str = ""
    levels: tuple[str, ...] = ()  # the hazard needs an end at one of these signal levels (empty: any link)
    # ...and it is that level reaching an end at another one (speaker level into a line input), not a link
    # between two ends at that level (an amp into its cab)
    across_levels: bool = False
    needs_phantom: bool = False  # it exists only while phantom power is on
    needs_unbalanced: bool = (
        False  # it needs unbalanced wiring: not matched by meaning over links judged balanced
    )
    gear: tuple[str, ...] = ()  # device classes that fire it, with `absent`: a tube amp...
    absent: tuple[str, ...] = ()  # ...with one of these said to be missing ("the cab left unplugged")
    absent_gear: tuple[str, ...] = ()  # ...or gear of these classes said to be missing ("the 4x12 unplugged")
    # a broader class named by itself, no product, may be one of `gear` ("my 5150 head": a head of unknown make
    # may have valves), so it fires the hazard too
    maybe_gear: tuple[str, ...] = ()
    into_one: IntoOne | None = (
        None  # joining words, said with only one input to feed ("a Y cable ... one input")
    )


@dataclass(frozen=True)
class IntoOne:
    """Several sources joined into a single input: a `join` phrase, and a `one` word at most `window` words before
    an input word (terms.yaml roles `in`)."""

    join: tuple[str, ...]
    one: frozenset[str]
    window: int


@dataclass(frozen=True)
class FactRecord:
    """A general rule quoted when a verdict rests on it."""

    id: str
    text: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class SignalFormat:
    """A named signal format (AES3id, S/PDIF, ADAT...)."""

    __pydantic_config__ = _STRICT
    aliases: list[str]
    domain: str
    balance: str
    jack: str
    text: str
    sources: list[str]
    on_jack: dict[str, str] = field(
        default_factory=dict
    )  # family -> the format it is on that jack (AES on BNC)


@dataclass(frozen=True)
class PairCode:
    """What a code of the end-pair grid means."""

    __pydantic_config__ = _STRICT
    verdict: str
    text: str


@dataclass(frozen=True)
class Terms:
    """Vocabulary that steers question reading (kb/terms.yaml)."""

    port_words: dict[str, tuple[str, ...]]
    roles: dict[str, tuple[str, ...]]
    balance_words: dict[str, tuple[str, ...]]
    domain_terms: tuple[str, ...]
    weak_terms: tuple[str, ...]
    shared_terms: tuple[str, ...]
    injection: tuple[str, ...]
    spelling: tuple[str, ...]
    words: frozenset[str] = frozenset()  # English words spelled right (kb/words.txt): never "corrected"


@dataclass(frozen=True)
class FaqEntry:
    """A curated answer to a situation the rules cannot read as one link (kb/faq.yaml)."""

    id: str
    intent: str
    questions: tuple[str, ...]
    answer: str
    sources: tuple[str, ...]
    compatibility: str | None = None
    balanced: bool | None = None
    hazards: tuple[str, ...] = ()
    cable: tuple[str, str] | None = None  # contract end names, sending end first
    see: tuple[str, ...] = ()
    families: tuple[str, ...] = ()  # connectors most of its questions name: the entry is about them
    devices: tuple[str, ...] = ()  # gear classes most of its questions name


@dataclass(frozen=True)
class SubstitutionWords:
    """Words by which a follow-up says one piece of gear becomes another: "the speakers WERE monitors" (`becomes`:
    the new gear is said second), "a dynamic INSTEAD OF the condenser" (`reversed`: the new gear is said first)."""

    __pydantic_config__ = _STRICT
    becomes: tuple[str, ...] = ()
    reversed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Grammar:
    """How the reader reads links and the judging defaults (kb/reading.yaml); see that file for each field."""

    __pydantic_config__ = _STRICT
    fillers: frozenset[str]
    cable_words: frozenset[str]
    separators: dict[str, str]
    attachers: dict[str, str]
    genders: dict[str, str]
    split_words: frozenset[str]
    channel_words: dict[str, str]
    phantom_words: tuple[str, ...]
    phantom_on: frozenset[str]
    phantom_off: frozenset[str]
    all_ends_words: frozenset[str]
    negators: frozenset[str]
    predicate_words: frozenset[str]
    link_words: frozenset[str]
    follow_up_cues: str
    port_role_words: dict[str, frozenset[str]]
    qualifier_roles: dict[str, str]
    family_merge: tuple[FamilyMerge, ...]
    default_port: str
    phantom_port: str
    instrument_cable_source: dict[str, str]
    level_ports: dict[str, str]
    domain_ports: dict[str, str]
    balance_domains: frozenset[str]
    stereo_plugs: frozenset[str]
    mono_pair_plugs: frozenset[str]
    mono_plug: dict[str, str]
    grid_ids: dict[str, str | dict[str, str]]
    pair_hazards: dict[str, str]
    midi_over_jack: MidiOverJack
    cite: dict[str, str]
    paired_family_words: dict[str, str] = field(default_factory=dict)
    pair_joiners: frozenset[str] = frozenset()
    role_prepositions: frozenset[str] = frozenset()
    placement_words: frozenset[str] = frozenset()
    # "ONE of the line channels": an owner attacher right after one of these picks among, it names no owner
    partitive_words: frozenset[str] = frozenset()
    # "the card OF sound": a two-word gear name said the Romance way round, joined by one of these
    compound_joiners: frozenset[str] = frozenset()
    # "the entry MIC", "an input LINE": the side said first and then what it is for (the Romance order), word ->
    # port qualifier
    qualifiers_after_role: dict[str, str] = field(default_factory=dict)
    # "the CD player's phono outs": a port word that is also a plug's name, on gear with no such port, is the plug
    qualifier_plugs: dict[str, str] = field(default_factory=dict)
    # "we PREFER XLR there": words that pick one of the jacks gear was said to have
    choice_words: frozenset[str] = frozenset()
    # "its PHONO/LINE switch": the flag an output gets when the question names two of its levels at once
    two_levels_flag: str = ""
    # an output on one of these plugs is a left/right pair unless the question says mono (a 3.5 mm line out)
    stereo_output_plugs: frozenset[str] = frozenset()
    sized_sockets: SizedSockets | None = None
    counted_pins: CountedPins | None = None
    counted_bands: CountedPins | None = None  # "a big plug with two black stripes" is TRS
    counted_contacts: CountedPins | None = None  # a jack "with three contacts" is TRS
    balanced_line_jacks: frozenset[str] = frozenset()
    gear_verbs: GearVerbs | None = None
    phantom_for: frozenset[str] = frozenset()
    negated_verbs: frozenset[str] = frozenset()
    other_instance_words: frozenset[str] = frozenset()
    same_cable_words: tuple[str, ...] = ()
    cable_back_references: tuple[str, ...] = ()
    gear_adjectives: frozenset[str] = frozenset()
    absence_words: frozenset[str] = frozenset()
    # "the speaker cable AS AN instrument lead": a thing said before one of these phrases is used in the role of the
    # thing after it
    used_as: tuple[str, ...] = ()
    absence_window: int = 3
    doubt_words: frozenset[str] = frozenset()
    not_knowing_words: frozenset[str] = frozenset()
    kind_words: frozenset[str] = frozenset()
    clause_possessives: frozenset[str] = frozenset()
    asking_pronouns: frozenset[str] = frozenset()
    object_pronouns: frozenset[str] = frozenset()
    phantom_needed: frozenset[str] = frozenset()
    determiners: frozenset[str] = frozenset()
    demonstratives: frozenset[str] = frozenset()  # "THAT box": pointing back to gear, as determiners do
    part_words: frozenset[str] = frozenset()
    audio_asked: AudioAsked | None = None
    setting_verbs: frozenset[str] = frozenset()
    usb_hosts: frozenset[str] = frozenset()
    usb_senders: frozenset[str] = frozenset()  # gear whose USB mainly sends to the host (a keyboard's notes)
    usb_port: str = ""  # the generic port word (ports.yaml generic) of a USB port
    hyphen_prefixes: frozenset[str] = frozenset()
    speaker_load_ohms: tuple[float, float] = (2.0, 16.0)
    unbalanced_wiring: tuple[str, ...] = ()
    # "pins 1 and 3 soldered together", "pin 1 joined with pin 3": a cable's two pins named as a joined pair,
    # however the joining is worded, is wired unbalanced
    joined_pins: tuple[str, ...] = ()
    pin_words: tuple[str, ...] = ()
    pin_joiners: tuple[str, ...] = ()
    # "the manual DOESN'T SAY", "NOTHING LABELLED": the question says the gear's balance is not documented, so an
    # XLR jack is no proof of a balanced output
    unstated_balance: tuple[str, ...] = ()
    role_played_words: frozenset[str] = frozenset()
    coordinators: frozenset[str] = frozenset()
    # "the DX7's keyboard BECAUSE the DX7 keys feel better": a word that opens a new clause
    clause_openers: frozenset[str] = frozenset()
    clause_subjects: frozenset[str] = frozenset()
    placed_levels: frozenset[str] = frozenset()
    one_end_phrases: tuple[str, ...] = ()
    infinitive_marks: frozenset[str] = frozenset()
    infinitive_heads: frozenset[str] = frozenset()
    # "outputs that LOOK LIKE big headphone holes": a port word after one of these describes a jack's shape, not
    # what the port is for
    likeness_phrases: tuple[str, ...] = ()
    # "into ONE quarter-inch line in", "a SINGLE input": said right before an input, it takes one channel (mono)
    single_input_words: frozenset[str] = frozenset()
    # "the TWO line inputs", "BOTH inputs": said right before inputs, a pair of jacks that take one leg each
    pair_input_words: frozenset[str] = frozenset()
    # "an output FOR the speaker box", "posts WHERE the speakers hook up": gear named after one of these, right
    # after a jack, is what the jack feeds (a speaker output) when the signal goes on to other gear
    purpose_words: frozenset[str] = frozenset()
    # "the phones KNOB", "the mic FADER": a gear word right before one of these names a control, not the gear
    control_words: frozenset[str] = frozenset()
    # "the mic STAND", "her piano TEACHER", "the piano BAR": a gear word right before one of these names that thing
    compound_heads: frozenset[str] = frozenset()
    not_gear_phrases: tuple[str, ...] = ()
    naming_words: frozenset[str] = frozenset()  # "outputs the manual CALLS balanced"
    alternative_words: frozenset[str] = frozenset()  # "nothing about +4 OR -10": a negation reaches over it
    capacity_words: frozenset[str] = frozenset()  # "for MORE mic inputs": ports wanted, not in use
    question_openers: frozenset[str] = frozenset()  # "WHICH one do I buy.": a sentence that asks without "?"
    label_words: frozenset[str] = frozenset()  # "a hole MARKED phones": the word after is the jack's label
    serving_verbs: frozenset[str] = frozenset()  # "the sockets the mics USE": the gear before names the jack
    same_port_words: frozenset[str] = frozenset()  # "that SAME optical input" in a follow-up
    # phantom "for THAT CHANNEL" in a follow-up is not on the link before
    one_channel_words: tuple[str, ...] = ()
    place_pronouns: frozenset[str] = (
        frozenset()
    )  # "put the line out in THERE": the role word before is a preposition
    every_end_phrases: tuple[str, ...] = ()  # "XLR at both ends": a cable with that connector at each end
    substitution_words: SubstitutionWords | None = None
    # "put a DI box NEXT TO the keyboard": in a follow-up, gear said to go beside one end of the link before
    placement_near: tuple[str, ...] = ()
    # "a passive DI BETWEEN the keys and the snake": in a follow-up, gear put between the two ends of the link before
    placement_between: tuple[str, ...] = ()
    # "the stereo ONE", "the mono VERSION": a word standing in for a noun; a gear adjective before it is no gear
    noun_stand_ins: frozenset[str] = frozenset()
    # "if I FORGET the DI": in a follow-up, gear said after one of these is taken out of the chain before
    removal_words: frozenset[str] = frozenset()
    # "LEAVING ASIDE the pickup end, is the DI's leg balanced?": a clause opening with one of these names what the
    # question is not about, as a negator opening it does
    set_aside_words: frozenset[str] = frozenset()
    # "the TECHNICS hi-fi amp": a maker's name that is also a class alias says only who made the class word after it
    maker_names: frozenset[str] = frozenset()
    # "XLR on the speaker END": a gear word right before one of these names that gear's end of the cable
    cable_end_words: frozenset[str] = frozenset()
    # "the long leg AFTER the DI": the hop one piece of gear sends on
    after_words: frozenset[str] = frozenset()
    # "I DON'T MEAN the patch cord": after a negator, the rest of the clause is what the question is not about
    disowning_verbs: frozenset[str] = frozenset()
    # "the preamp INSIDE", "a phono stage BUILT IN": a part named before the word that says it is built in, phrase
    # said after -> the words the lexicon knows before the part ("built in preamp")
    postposed_modifiers: dict[str, str] = field(default_factory=dict)
    fit_sides: FitSides | None = None
    device_refinements: tuple[DeviceRefinement, ...] = ()
    spoken_numbers: dict[str, int] = field(default_factory=dict)

    def merged(self, families: frozenset[str]) -> str | None:
        """The one family a phrase naming all of `families` means, if the grammar knows it."""
        return next((m.becomes for m in self.family_merge if frozenset(m.families) == families), None)


@dataclass(frozen=True)
class AudioAsked:
    """Audio asked of a link that cannot carry it ("will that MIDI cable bring the synth's audio back?"):
    kb/reading.yaml audio_asked."""

    __pydantic_config__ = _STRICT
    words: frozenset[str]  # words that name sound itself
    domains: frozenset[str]  # port domains that carry no audio
    rule: str  # the link rule (rules.yaml) whose verdict and text answer it


@dataclass(frozen=True)
class FitSides:
    """Which words say a connector variant is a plug or a jack (kb/reading.yaml fit_sides)."""

    __pydantic_config__ = _STRICT
    plug: frozenset[str]
    jack: frozenset[str]
    into: frozenset[str]  # "an NL4 INTO an NL2": the first is the plug, the second the jack
    clause_breaks: frozenset[str] = frozenset()  # where a variant's side words stop counting
    window: int = 6


@dataclass(frozen=True)
class DeviceRefinement:
    """Words in the same sentence that make a general device class a narrower one: "speakers ... without a
    power cord" are passive speakers (kb/reading.yaml device_refinements)."""

    __pydantic_config__ = _STRICT
    device: str
    words: tuple[str, ...]
    becomes: str
    denied: bool = False  # the words count only when the sentence says the gear lacks them ("no power cord")
    load: bool = False  # a speaker load in ohms said in the sentence counts too ("8 ohm 1W speakers")


@dataclass(frozen=True)
class GearVerbs:
    """Gear words that are also verbs ("mic up the kick"); kb/reading.yaml gear_verbs."""

    __pydantic_config__ = _STRICT
    words: frozenset[str]
    objects: frozenset[str]
    port_words: frozenset[str] = (
        frozenset()
    )  # "WE SEND out 1 and 2": after a subject, the port word is the verb
    subjects: frozenset[str] = frozenset()


@dataclass(frozen=True)
class CountedPins:
    """A connector described by how many pins or holes it has ("a round socket, 5 small holes"), or a
    plug by how many insulating bands it has ("two black stripes") or contacts ("a three-contact jack");
    kb/reading.yaml counted_pins, counted_bands, counted_contacts."""

    __pydantic_config__ = _STRICT
    families: dict[int, str]
    words: frozenset[str]
    between: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SizedSockets:
    """A socket described by its size ("the big headphone-type jack"); kb/reading.yaml sized_sockets."""

    __pydantic_config__ = _STRICT
    sizes: dict[str, str]
    sockets: frozenset[str]
    between: frozenset[str]
    likeness: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Calibration:
    """How sure an answer is, from its signals (service/core/confidence.py); kb/calibration.yaml, written by
    `cablewise calibrate`.

    p = sigmoid(bias + sum(weight * signal)) is the fitted probability of being right (signals missing from
    `weights` are ignored). `confident_from` is the lowest p at which answers were still at least 95% right
    out of fold; p is rescaled, keeping its order, so that exactly those answers reach 0.8: "confidence >= 0.8"
    then means "right at least 95% of the time", at the price of under-stating the answers just below.
    """

    weights: dict[str, float] = field(default_factory=dict)
    bias: float = 0.0
    confident_from: float = 0.8
    fitted_on: str = ""

    def probability(self, signals: dict[str, float]) -> float:
        """The confidence of an answer with these signals, in 0..1."""
        z = self.bias + sum(w * signals.get(name, 0.0) for name, w in self.weights.items())
        p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
        t = min(max(self.confident_from, 1e-6), 1.0)
        if p >= t:
            return CONFIDENT + (1.0 - CONFIDENT) * ((p - t) / (1.0 - t) if t < 1.0 else 0.0)
        return CONFIDENT * p / t


CONFIDENT = 0.8  # the confidence from which an answer must be right 95% of the time


@dataclass(frozen=True)
class FamilyMerge:
    """One cable phrase naming all of `families` means `becomes` ("3.5mm mono (TS) jack" is 3.5 mm TS)."""

    __pydantic_config__ = _STRICT
    families: tuple[str, ...]
    becomes: str


@dataclass(frozen=True)
class MidiOverJack:
    """MIDI carried on an audio jack (the TRS-MIDI adapters)."""

    __pydantic_config__ = _STRICT
    signal: str
    families: tuple[str, ...]
    # the wiring types ("type a"): one said twice and no other (the device's and the adapter's) is a match
    types: tuple[str, ...] = ()


@dataclass(frozen=True)
class InBetween:
    """A device the connection planner may put between two pieces of gear (kb/planner.yaml)."""

    id: str
    name: str
    device: Device  # the ports a plan may use (and the flags the rules read)
    judged_as: str  # the device id the rules read: its class, or its own id for a part with its own ports
    channels: int  # audio channels one unit carries: a stereo plan needs two units of a 1-channel part
    why: str
    sources: tuple[str, ...]
    only_into: tuple[str, ...] = ()  # port kinds its outputs may feed (a headphone amp: headphones); () any


@dataclass(frozen=True)
class Adapter:
    """Plugs into a `plug`-family jack and takes a cable end of the `socket` family (kb/planner.yaml)."""

    id: str
    name: str
    plug: str
    socket: str
    why: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class PlannerKit:
    """What the connection planner may use besides the gear itself (kb/planner.yaml; see that file's grammar)."""

    in_between: dict[str, InBetween]
    cables: frozenset[frozenset[str]]  # end-family pairs sold as one cable
    adapters: tuple[Adapter, ...]
    cable_kinds: dict[str, str]  # signal level or domain -> connectors.yaml cable kind
    jacks: dict[str, dict[str, tuple[str, ...]]]  # device class -> port kind -> the families it really has
    stereo_sources: frozenset[str]
    stereo_sinks: frozenset[str]
    stereo_domains: frozenset[str]
    gear_ports: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # class -> side -> ports
    attached: frozenset[str] = frozenset()  # port kinds that are a plug on the gear's own cable
    optional_ports: dict[str, frozenset[str]] = field(
        default_factory=dict
    )  # class -> port kinds only some have
    max_in_between: int = 2
    max_plans: int = 3

    def jacks_on(self, device: str | None, kind: str = "") -> dict[str, tuple[str, ...]]:
        """Port kind -> the jacks this gear really has: its class's (`kind`, for a product), then its own."""
        return {**self.jacks.get(kind or device or "", {}), **self.jacks.get(device or "", {})}


@dataclass(frozen=True, eq=False)  # identity hash: the lexicon is cached per ontology
class Ontology:
    """Everything the rules know, validated and cross-checked by service/kb.py."""

    sources: dict[str, Source]
    families: dict[str, Family]
    cables: dict[str, CableType]
    levels: dict[str, Level]
    ports: dict[str, PortKind]
    devices: dict[str, Device]
    facts: dict[str, FactRecord]
    link_rules: tuple[LinkRule, ...]
    hazards: dict[str, Hazard]
    formats: dict[str, SignalFormat]
    pair_codes: dict[str, PairCode]
    pair_grid: dict[frozenset[str], str]
    pair_sources: tuple[str, ...]
    terms: Terms
    generic_ports: dict[str, dict[str, str]]
    faq: dict[str, FaqEntry] = field(default_factory=dict)
    grammar: Grammar | None = None  # None only in ontologies built by hand in tests
    calibration: Calibration | None = None  # kb/calibration.yaml, written by `cablewise calibrate`
    planner: PlannerKit | None = None  # kb/planner.yaml: in-between devices, cables and adapters
    variants: dict[str, PlugVariant] = field(default_factory=dict)  # connectors.yaml variants
    glossary: dict[str, str] = field(default_factory=dict)  # kb/glossary.yaml: other languages' gear words

    def signal_domains(self, device_id: str) -> set[str]:
        """The signal domains the device's ports carry, on either side (a TV: analog and S/PDIF, never ADAT)."""
        device = self.devices[device_id]
        return {
            self.ports[p].domain for p in (*device.out.values(), *device.inputs.values()) if p in self.ports
        }

    def related_families(self, families: set[str] | tuple[str, ...]) -> set[str]:
        """The families with the ones they resolve to and the broader ones that resolve to them ("1/4-inch" and
        TS, TRS): what a size-only word and a specific plug have in common."""
        out = set(families)
        for fam in families:
            out |= set(self.families[fam].resolves_to)
            out |= {f for f, body in self.families.items() if fam in body.resolves_to}
        return out

    def plug_of(self, family_id: str, gender: str | None = None) -> str | None:
        """Name the contract cable end for a family (XLR needs the gender of the plug)."""
        plug = self.families[family_id].plug
        if isinstance(plug, dict):
            return plug.get(gender or "")
        return plug

    def pair_code(self, a: str, b: str) -> str | None:
        """Look up the grid code for two end families in either order."""
        return self.pair_grid.get(frozenset((a, b)))

    def class_chain(self, device_id: str) -> list[str]:
        """The device, its class, and the classes that class is one of: an SM7B is a dynamic mic is a mic."""
        chain = [device_id]
        while len(chain) < 5:
            body = self.devices[chain[-1]]
            up = body.kind or body.is_a
            if not up or up in chain:
                break
            chain.append(up)
        return chain

    def fact(self, fact_id: str):
        """Return a FactRecord by id (KeyError names a missing fact, which kb tests prevent)."""
        return self.facts[fact_id]


def gear_class(device_id: str, ontology: Ontology) -> str:
    """The device class of a product of kb/gear.yaml ("shure-sm58" -> "dynamic-mic"), or the class itself."""
    return ontology.devices[device_id].kind or device_id
