"""Read a question into a Reading: entities, the links it describes (output -> cable -> input), and an intent."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from service.core.fit import plug_fit
from service.core.hazard_words import hazards_said
from service.core.hazard_words import hazards_said_across
from service.core.intent import Understanding
from service.core.intent import decide
from service.core.lexicon import Lexicon
from service.core.lexicon import Mention
from service.core.lexicon import clean
from service.core.lexicon import correct_spelling
from service.core.lexicon import find_mentions
from service.core.lexicon import impedances_in_ohms
from service.core.lexicon import lengths_in_metres
from service.core.lexicon import lexicon_for
from service.core.lexicon import phrase_pattern
from service.core.lexicon import sample_rates_in_khz
from service.core.lexicon import split_slashed
from service.core.lexicon import tokenize
from service.core.lexicon import words_besides_impedances
from service.core.ontology import Device
from service.core.ontology import Grammar
from service.core.ontology import Ontology
from service.core.ontology import gear_class
from service.core.reading import SINGLE_INPUT
from service.core.reading import TWO_INPUTS
from service.core.reading import CableSpec
from service.core.reading import LinkSpec
from service.core.reading import Reading
from service.core.reading import Stop
from service.types import Entity
from service.types import Intent

CONTEXT_VERSION = 1
CONTEXT_DEVICES = 12  # gear a context remembers across turns
BOTH_REACH = 3  # "both ... balanced": the words between "both" and what it says of every end
CABLE_LENGTH_REACH = 3  # "a 20 m XLR cable": a length this many words before a cable word is that cable's
MODEL_NAME_LETTERS = 4  # a shorter last word of a product's name ("air", "max") is too likely another word
# ...but a word inside the name, said after a determiner, may be short ("a Line 6 HX Stomp ... the HX's outs"): it
# must also be no English word (kb/words.txt) and no word the lexicon knows
INNER_MODEL_LETTERS = 2
MIN_PORT_KIND_LETTERS = 3  # "tape", "aux", "main": shorter words are particles ("na", "in", "to")
GROUP_KINDS = {
    "family",
    "cable",
    "device",
    "port",
    "level",
    "balance",
    "format",
    "gender",
    "dual",
    "mono",
    "role",
    "cableword",
}
BREAKERS = {".", "?", "!", ";", ":", ","}
SENTENCE_END = {".", "?", "!", ";"}
PHANTOM_STATE_REACH = 12  # words after a mention of phantom power that may say whether it is on
MODEL_WORDS_AFTER_BRAND = (
    3  # "Yamaha Club V S115V": words after a maker's name that may hold its model number
)
USED_REACH = (
    6  # "we'll USE its XLR jacks on the Genelecs": words before gear that may say the port is the one used
)
XLR_JACK_GENDER = {"in": "female", "out": "male"}  # the gender of the XLR jack on each side of gear (AES14)
CHOICE_REACH = 3  # "I'd LIKE XLR": words before a jack said on its own that may say it is the one chosen
NEGATOR_REACH = 4  # "NOT supposed to be using ...": words before a choice word that may deny it
DENIED_PORT_REACH = 3  # "no link or thru out": words a negator reaches over to deny a port
HEADING_WORDS = 6  # a colon this early closes a heading ("Keys DI test:"), not a list of the gear's parts
BRACKET_REACH = (
    10  # words from a class word to a bracket naming its product ("a speaker on a stand (a DBR10)")
)
FROM_OWNER_REACH = 5  # "the XLR DI out OFF THE BACK OF MY bass amp": words from a port to "from"/"off" gear
HOP_PLACE_REACH = 3  # "the leg after THE little DI": words back from gear to the word placing a hop past it
ASIDE_WORDS = 6  # an aside in brackets says a balance of the gear before it within this many words
ASIDE_OPENING_WORDS = 4  # words an aside may open with before what it names: "(the 2-conductor TS kind)"
INHERIT_BELOW = 0.4  # a follow-up the classifier is unsure of keeps the previous question's intent
ALTERNATIVE_REACH = (
    3  # "nothing about +4 or -10": words back from "or" to the start of the thing denied before it
)
NEGATION_REACH = 4  # "do not have a | power cord": how far before a phrase a negator still denies it


def read_question(
    question: str,
    ontology: Ontology,
    context: Mapping[str, Any] | None = None,
    understanding: Understanding | None = None,
) -> Reading:
    """Read a question; `context` is the previous answer's context when this may be a follow-up.

    `understanding` is the trained classifier's view of the question (the Engine computes it from the text and
    the sentence vector); without it only the lexicon's evidence decides the domain.
    """
    lexicon = lexicon_for(ontology)
    cleaned = clean(_joined_prefixes(question, _grammar(ontology)))
    tokens, corrections = correct_spelling(split_slashed(tokenize(cleaned), lexicon), lexicon)
    text = " ".join(tokens)
    g = _grammar(ontology)
    # "plug them in the desk's socket", "out of the phone": a role word right before "the"/"my" is a preposition
    # ...unless a connector or balance word right before makes it a noun ("the TRS out of my synth")
    found = find_mentions(tokens, lexicon)
    # ...and "the laptop's audio IN stereo": right before a channel word it is the preposition too
    # ...and a channel word before it makes it a noun when "of" names its owner ("the STEREO OUT OF our desk";
    # "the old stereo IN the kitchen" is gear and a preposition)
    owner_words = {word for word, role in g.attachers.items() if role == "owner"}
    ends_described = {m.end for m in found if m.kind in {"family", "balance"}} | {
        m.end
        for m in found
        if m.kind == "mono" and tokens[m.end + 1 : m.end + 2] in [[w] for w in owner_words]
    }
    channel_said_at = {m.start for m in found if m.kind == "mono"}
    mentions = [
        m
        for m in found
        if not (
            (
                (m.kind == "role" and m.text in g.role_prepositions and m.start not in ends_described)
                or (m.kind == "port" and m.text in g.link_words)
            )
            and m.end < len(tokens)
            and (tokens[m.end] in g.fillers or (m.kind == "role" and m.end in channel_said_at))
        )
        and not _preposition_at_clause_end(m, tokens, found, g)
        and not _preposition_after_a_sided_port(m, found, ontology, g)
        and not _ends_a_modifier(m, tokens, g)
        # "put the synth's line out IN THERE": a role word before a pronoun of place is the preposition
        and not (
            m.kind == "role"
            and m.text in g.role_prepositions
            and tokens[m.end : m.end + 1] in [[w] for w in g.place_pronouns]
        )
    ]
    mentions = _gear_before_a_preposition(mentions, tokens, lexicon, g)
    mentions = _cable_put_in(mentions, g)
    mentions = _refined_devices(mentions, tokens, g)
    mentions = _without_gear_verbs(mentions, tokens, g)
    mentions = _without_gear_adjectives(mentions, tokens, g)
    mentions = _without_controls(mentions, tokens, g)
    mentions = _without_port_verbs(mentions, tokens, lexicon, g)
    mentions = _settings_described(mentions, tokens, g)
    mentions = _without_infinitive_marks(mentions, tokens, g)
    mentions = _without_roles_played(mentions, tokens, g)
    mentions = _without_stray_letters(mentions, tokens)
    mentions = _without_partitive_owners(mentions, tokens, g)
    mentions = _without_connector_prepositions(mentions, tokens, g)
    mentions = _without_place_prepositions(mentions, tokens, g)
    mentions = _without_likenesses(mentions, tokens, g)
    mentions = _without_capacity_wanted(mentions, tokens, g)
    mentions = _without_absent_gear(mentions, tokens, g)
    mentions = _without_gear_naming_a_cable_kind(mentions, tokens, g)
    mentions = _without_denied_ports(mentions, tokens, g)
    mentions = _parts_said_built_in(mentions, tokens, lexicon, g)
    mentions = _single_inputs(mentions, tokens, g)
    mentions = _two_inputs(mentions, tokens, g)
    mentions = _ports_named_by_gear_words(mentions, tokens, lexicon, ontology, g)
    mentions = _gear_words_naming_a_jack(mentions, tokens, lexicon, ontology)
    mentions = _gear_words_naming_a_cable(mentions, tokens, lexicon, g)
    mentions = _ports_named_for_gear(mentions, tokens, lexicon, ontology, g)
    mentions = _labels_naming_ports(mentions, tokens, lexicon, g)
    mentions = _without_phantom_beneficiaries(mentions, tokens, ontology, g)
    mentions = _nouns_standing_for_gear(mentions, tokens, lexicon, ontology, g)
    mentions = _brand_references(tokens, mentions, ontology, g, _products_before(context, ontology))
    mentions = _nouns_naming_gear_before(mentions, tokens, lexicon, g, _gear_before(context, ontology))
    mentions = _classes_naming_gear_before(mentions, tokens, ontology, g, _devices_before(context, ontology))
    mentions = _without_gear_in_asides(mentions, tokens, ontology, g)
    mentions = _elided_families(mentions)
    evidence_words = _evidence_words(text, mentions, ontology)
    evidence = bool(evidence_words)
    injection = any(re.search(pattern, question.lower()) for pattern in ontology.terms.injection)
    stops, cables, arrows = _elements(
        tokens, _without_doubted_balance(_without_heading(mentions, tokens, g), tokens, g), ontology
    )
    if arrows:
        stops = _unknown_gear_in_drawn_hops(stops, cables, tokens, mentions, g)
        stops = _without_preamble(_without_asides(stops, tokens), tokens, g)
    else:
        stops = _gear_passed_through_in_between(stops, tokens, mentions, ontology, g)
    from_positions = frozenset(m.start for m in mentions if m.kind == "sep" and m.id == "comes_from")
    to_positions = frozenset(m.start for m in mentions if m.kind == "sep" and m.id == "leads_to")
    introduced = _introduced_by(tokens, mentions, g)
    sentence_of = _sentence_index(tokens)
    asking = _asking_sentences(tokens, sentence_of, g)
    asked = frozenset(i for i, sentence in enumerate(sentence_of) if sentence in asking)
    asked |= _cable_referred_back(tokens, cables, sentence_of, asking, g)
    swapped_in = _cables_swapped_in(tokens, cables, sentence_of, g)
    gear_said_in: dict[int, set[str]] = {}
    for m in mentions:
        if m.kind == "device":
            gear_said_in.setdefault(sentence_of[min(m.start, len(sentence_of) - 1)], set()).add(m.id)
    gear_at = {m.start: m.id for m in mentions if m.kind == "device"}
    links, is_chain = _links(
        stops,
        cables,
        arrows,
        from_positions,
        to_positions,
        introduced,
        ontology,
        asked,
        sentence_of,
        gear_said_in,
        gear_at,
        swapped_in,
        _coordinated_sources(stops, tokens, ontology, g) if not arrows else frozenset(),
        frozenset(c.position for c in cables if _cable_missing(c, tokens, g)),
    )
    links = _between_gears(_own_ports_folded_in(links), ontology)
    links = _ports_of_the_one_gear(links, mentions, tokens, ontology, g)
    links = _without_denied_jacks(links, mentions, tokens, ontology, g)
    links = _plugs_said_at_gear_ends(links, mentions, tokens, ontology, g)
    links = _senders_feed_receivers(links, introduced, ontology)
    links = [_audio_into_gear_that_takes_it(link, introduced, ontology) for link in links]
    links = [_turned_from_its_output(link, introduced, ontology) for link in links]
    links = links if arrows else [_turned_to_what_it_feeds(link, introduced, ontology) for link in links]
    links = _gear_on_a_loop(links, ontology)
    is_chain = is_chain and len(links) >= 2
    hop = _hop(tokens, mentions, links, ontology) if is_chain else None
    span = _hop_span(tokens, mentions, links, ontology) if is_chain and hop is None else None
    if span is not None:
        # "bass -> DI -> XLR -> snake -> desk. is the run from the DI to the desk balanced?": that part only
        links = links[span[0] : span[1] + 1]
        is_chain = len(links) >= 2
    lengths = lengths_in_metres(cleaned, lexicon.numbers)
    if understanding is None:
        understanding = Understanding(0.0 if evidence else 1.0, {"concept": 1.0})
    # an answer in the domain before, with links or not ("set both units to internal clock ... which setting
    # changes?" follows a troubleshooting answer that linked nothing)
    has_context = (
        isinstance(context, Mapping)
        and context.get("v") == CONTEXT_VERSION
        and bool(context.get("links") or context.get("intent"))
    )
    said = tuple(h.id for h in hazards_said(text, (m.id for m in mentions if m.kind == "device"), ontology))
    decision = decide(
        understanding,
        evidence=evidence,
        shared_evidence_only=_only_shared_evidence(evidence_words, ontology),
        injection=injection,
        follow_up=has_context,
        words=len(tokens),
        chain=is_chain,
        linked=any(_names_a_connection(link) for link in links),
        hazard=bool(said),
    )
    reading = Reading(
        question=question,
        cleaned=text,
        intent=decision.intent,
        entities=_entities(mentions, ontology),
        links=tuple(links),
        phantom=_phantom_state(tokens, mentions, g),
        phantom_needed=_phantom_needed(tokens, mentions, g),
        phantom_said=any(m.kind == "phantom" for m in mentions),
        length_m=max(lengths) if lengths else None,
        sample_rate_khz=max(sample_rates_in_khz(cleaned), default=None),
        wired_unbalanced=(
            bool(g.unbalanced_wiring) and phrase_pattern(g.unbalanced_wiring).search(text) is not None
        )
        or _pins_joined(text, g),
        balance_unstated=bool(g.unstated_balance)
        and phrase_pattern(g.unstated_balance).search(text) is not None,
        speaker_loads=tuple(
            ohms
            for ohms in impedances_in_ohms(cleaned)
            if g.speaker_load_ohms[0] <= ohms <= g.speaker_load_ohms[1]
        ),
        formats=tuple(dict.fromkeys(m.id for m in mentions if m.kind == "format")),
        families=tuple(dict.fromkeys(m.id for m in mentions if m.kind == "family")),
        devices=tuple(dict.fromkeys(m.id for m in mentions if m.kind == "device")),
        is_chain=is_chain,
        drawn=arrows,
        hop=hop,
        refusal=decision.refusal,
        hazards_said=said,
        corrections=tuple(corrections),
        search_query=question.strip(),
        understanding=understanding,
        intent_confidence=decision.confidence,
        elliptical=decision.elliptical,
        mentions_balance=any(m.kind == "balance" for m in mentions),
        fit=plug_fit(
            tokens,
            frozenset(i for m in mentions if m.kind == "device" for i in range(m.start, m.end)),
            ontology,
            tuple((m.start, m.id) for m in mentions if m.kind == "device"),
            frozenset(m.id for m in mentions if m.kind == "family"),
        ),
    )
    if has_context and not reading.refusal and context is not None:
        reading = _apply_context(reading, context, ontology)
        reading = replace(reading, devices_before=_devices_before(context, ontology))
        reading = replace(reading, hazards_said=_hazards_said_across_turns(reading, context, ontology))
    return reading


def _a_link_of_its_own(links: tuple[LinkSpec, ...], before: LinkSpec, ontology: Ontology) -> bool:
    """A follow-up names both ends of a link, and neither is the same end (gear on the same side) as before."""

    def same_end(new: Stop, old: Stop | None, side: str) -> bool:
        return (
            old is not None and _same_device(old, new, ontology) and (new.role or side) == (old.role or side)
        )

    return any(
        link.source is not None
        and link.dest is not None
        and link.source.device is not None
        and link.dest.device is not None
        and not same_end(link.source, before.source, "out")
        and not same_end(link.dest, before.dest, "in")
        for link in links
    )


def _hazards_said_across_turns(
    reading: Reading, context: Mapping[str, Any], ontology: Ontology
) -> tuple[str, ...]:
    """A hazard the follow-up and the question before it say between them (hazard_words.hazards_said_across),
    or the follow-up says of gear an earlier turn named ("can I unplug the speaker?" after a valve amp)."""
    devices = reading.devices + reading.devices_before
    own = hazards_said(reading.cleaned, devices, ontology) if reading.devices_before else []
    before = context.get("question")
    earlier = " ".join(tokenize(clean(before))) if isinstance(before, str) and before else ""
    # the connectors the answer before judged count as said: "can I hook them up with the amp on?" after a
    # speakON-to-banana cable is about binding posts, even when only the first turn named them
    judged = [
        f for f in (*context.get("cable_families", ()), *context.get("families", ())) if isinstance(f, str)
    ]
    earlier = " ".join([earlier, *dict.fromkeys(judged)]).strip()
    across = (
        hazards_said_across(earlier, reading.cleaned, devices, ontology, reading.devices_before)
        if earlier
        else []
    )
    return tuple(dict.fromkeys(reading.hazards_said + tuple(h.id for h in (*own, *across))))


def _unknown_gear_in_drawn_hops(
    stops: list[Stop], cables: list[CableSpec], tokens: list[str], mentions: list[Mention], g: Grammar
) -> list[Stop]:
    """ "... -> XLR-to-TS cables -> QSC RMX 1450a inputs -> speakON -> ...": a hop of a drawn chain that names
    gear the lexicon does not know, then only a side, is a stop of that unknown gear on that side."""
    arrows_at = [i for i, tok in enumerate(tokens) if tok == "->"]
    sentence_of = _sentence_index(tokens)
    added = []
    for after, before in zip(arrows_at, arrows_at[1:], strict=False):
        inside = [m for m in mentions if after < m.start < before]
        roles = [m for m in inside if m.kind == "role"]
        if (
            len(roles) != 1
            or len(inside) != 1
            or sentence_of[after] != sentence_of[before]
            or any(after < s.position < before for s in stops)
            or any(after < c.position < before for c in cables)
        ):
            continue
        named = [tok for tok in tokens[after + 1 : roles[0].start] if tok not in g.fillers]
        if named and roles[0].end == before:
            added.append(
                Stop(role=roles[0].id, text=" ".join(tokens[after + 1 : before]), position=after + 1)
            )
    return sorted(stops + added, key=lambda stop: stop.position) if added else stops


def _without_asides(stops: list[Stop], tokens: list[str]) -> list[Stop]:
    """ "bass -> DI (phantom from the board) -> stage box": gear named inside parentheses in a drawn chain is an
    aside about the stop before it, not a stop of the chain. But "Revox B77 (RCA outputs) -> ...": a bare port in
    brackets after gear the lexicon does not know is that gear's side, the only stop of its hop."""
    depth, inside, opened = 0, set(), {}
    for i, tok in enumerate(tokens):
        if tok == "(" and depth == 0:
            opened_at = i
        depth += (tok == "(") - (tok == ")")
        if depth > 0 and tok != "(":
            inside.add(i)
            opened[i] = opened_at
    hop_starts = [i for i, tok in enumerate(tokens) if tok == "->"]

    def only_stop_of_its_hop(stop: Stop) -> bool:
        start = max((i for i in hop_starts if i < stop.position), default=-1)
        return not stop.device and not any(
            start < other.position < opened[stop.position] for other in stops if other is not stop
        )

    kept = [stop for stop in stops if stop.position not in inside or only_stop_of_its_hop(stop)]
    return kept if len(kept) >= 2 else stops


def _without_preamble(stops: list[Stop], tokens: list[str], g: Grammar) -> list[Stop]:
    """ "They gave me the feed over a spare line: desk XLR out -> cable -> speaker": in a drawn chain, a port of no
    gear said before the colon that opens the drawing is the story of the set-up, not a stop of the chain."""
    drawn = {word for word, role in g.separators.items() if role == "arrow"}
    first_arrow = next((i for i, tok in enumerate(tokens) if tok in drawn), None)
    if first_arrow is None:
        return stops
    colon = next((i for i in range(first_arrow - 1, -1, -1) if tokens[i] in {":", ".", "?", "!"}), None)
    if colon is None or tokens[colon] != ":":
        return stops
    kept = [stop for stop in stops if stop.device or stop.position > colon]
    return kept if sum(stop.position > colon for stop in kept) >= 2 else stops


def _without_heading(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "Keys DI test: ProDI (XLR out) -> XLR -> multicore", "Stage PA: two passive tops ...": a post that opens
    with a short heading and a colon names its topic there; gear in the heading is no stop of the links the rest
    describes, when the rest names two pieces of gear of its own."""
    colon = next((i for i, tok in enumerate(tokens[: HEADING_WORDS + 1]) if tok == ":"), None)
    if colon is None or sum(m.kind == "device" and m.start > colon for m in mentions) < 2:
        return mentions
    # "Our Yamaha MG10XU: an AT2020 on channel 1 ..." names the gear itself, not a topic ("check", "loop")
    named = {i for m in mentions if m.end <= colon for i in range(m.start, m.end)}
    if all(i in named or tok in g.fillers for i, tok in enumerate(tokens[:colon])):
        return mentions
    # ("Parts list: word clock lead joining the converter and the interface": a port word in the heading is no
    # port of either when the rest names two pieces of gear; "insert Y: tip into the comp's input, ring from its
    # output" is about the one gear's insert)
    two_gear = len({m.id for m in mentions if m.kind == "device" and m.start > colon}) >= 2
    dropped = ("device", "port") if two_gear else ("device",)
    return [m for m in mentions if not (m.kind in dropped and m.end <= colon)]


def _names_a_connection(link: LinkSpec) -> bool:
    """Two pieces of gear, and a connector, cable or port named for the link between them: what only a cabling
    question says (a question about choosing gear names gear, not how it connects)."""
    if not (link.source and link.dest and link.source.device and link.dest.device):
        return False
    ends = (link.source, link.dest)
    return link.cable is not None or any(s.families or s.qualifiers or s.formats for s in ends)


def _cable_put_in(mentions: list[Mention], g: Grammar) -> list[Mention]:
    """ "ts cable IN balanced trs out": right after a cable, a role word that is also a preposition says where the
    cable goes ("into"), not which side a port is."""
    out = []
    for i, m in enumerate(mentions):
        after_cable = (
            i > 0 and mentions[i - 1].kind in {"cable", "cableword"} and mentions[i - 1].end == m.start
        )
        if m.kind == "role" and m.id == "in" and m.text in g.role_prepositions and after_cable:
            m = Mention("sep", "leads_to", m.text, m.start, m.end)
        out.append(m)
    return out


def _preposition_at_clause_end(m: Mention, tokens: list[str], mentions: list[Mention], g: Grammar) -> bool:
    """ "balanced all the way thru?": a port name that is also a link word, ending its clause with no determiner
    or gear word before it ("the thru", "midi thru"), is the preposition."""
    if m.kind != "port" or m.text not in g.link_words or m.start == 0:
        return False
    if m.end < len(tokens) and tokens[m.end] not in SENTENCE_END | BREAKERS:
        return False
    before = m.start - 1
    named_before = any(other.start <= before < other.end for other in mentions if other is not m)
    return tokens[before] not in g.fillers and not named_before


def _without_phantom_beneficiaries(
    mentions: list[Mention], tokens: list[str], ontology: Ontology, g: Grammar
) -> list[Mention]:
    """ "phantom stays switched on for the choir condensers": the gear phantom power serves is not in the link."""
    phantoms = [m for m in mentions if m.kind == "phantom"]
    if not phantoms or not g.phantom_for:
        return mentions

    def beneficiary(m: Mention) -> bool:
        if m.kind != "device":
            return False
        for p in phantoms:
            between = tokens[p.end : m.start]
            if p.end <= m.start and not set(between) & BREAKERS and g.phantom_for & set(between):
                after_for = between[max(i for i, t in enumerate(between) if t in g.phantom_for) + 1 :]
                if len(after_for) <= 3:
                    return True
        return False

    kept = [m for m in mentions if not beneficiary(m)]

    # "is phantom OK for my SM58?", "the desk's 48 V switch, fine for our dynamics?": when the gear left
    # is only what sends phantom (gear with mic inputs), the gear phantom serves is what the question is about
    def sends_phantom(device: str) -> bool:
        port = ontology.devices[device].inputs.get(g.phantom_port)
        return port is not None and ontology.ports[port].phantom

    if all(sends_phantom(m.id) for m in kept if m.kind == "device"):
        return mentions
    return kept


def _without_roles_played(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "feed the keyboard amp AS my monitor", "use the interface as a preamp": gear named after "as" is the part
    the other gear plays, not another piece of gear in the link."""
    if not g.role_played_words:
        return mentions
    return [
        m
        for m in mentions
        if not (m.kind == "device" and _word_before_is(tokens, m.start, g.role_played_words, g))
    ]


def _word_before_is(tokens: list[str], start: int, words: frozenset[str], g: Grammar) -> bool:
    """The word before `start`, past glue words, is one of `words` ("AS my monitor", "for MORE mic inputs")."""
    i = start - 1
    while i >= 0 and tokens[i] in g.fillers:
        i -= 1
    return i >= 0 and tokens[i] in words


def _elided_families(mentions: list[Mention]) -> list[Mention]:
    """ "an XLR male to male cable", "TRS male to female extension": a gender after "to" with no connector of its
    own is the connector named before the first gender."""
    out: list[Mention] = []
    for i, m in enumerate(mentions):
        if (
            m.kind == "gender"
            and i >= 3
            and mentions[i - 1].kind == "sep"
            and mentions[i - 1].id in ("leads_to", "arrow")
            and mentions[i - 2].kind == "gender"
            and mentions[i - 3].kind == "family"
            and mentions[i - 3].end == mentions[i - 2].start
            and mentions[i - 2].end == mentions[i - 1].start
            and mentions[i - 1].end == m.start
            and not (
                i + 1 < len(mentions) and mentions[i + 1].kind == "family" and mentions[i + 1].start == m.end
            )
        ):
            family = mentions[i - 3]
            out.append(Mention("family", family.id, family.text, m.start, m.start))
        out.append(m)
    return out


def _without_doubted_balance(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "a friend claims its outs are balanced", "... into the line input is that balanced": a balance word in a
    clause a doubt word opens, or asked by inversion, says nothing of the gear (the question still mentions
    balance). One in a clause that says it is not known ("I could not tell WHETHER the jacks are balanced", "the manual
    does not say anything about balanced") says the side's balance is unknown."""

    def doubt(m: Mention) -> str | None:
        before = tokens[max(0, m.start - 2) : m.start]
        if len(before) == 2 and before[0] in g.predicate_words and before[1] in g.asking_pronouns:
            return "asked"  # "is that balanced", asked with or without a question mark
        # "... and keep it balanced?", "is my synth signal balanced?": the word ends a question
        if m.end < len(tokens) and tokens[m.end] == "?":
            return "asked"
        start = m.start
        # ("(no idea of the brand, it is not printed anywhere) lists the outputs as balanced": an aside's words count alone)
        while start > 0 and tokens[start - 1] not in BREAKERS | {"(", ")"}:
            start -= 1
        clause = set(tokens[start : m.start])
        if clause & (g.not_knowing_words | g.negators):
            return "unknown"
        return "claimed" if clause & g.doubt_words else None

    kept = []
    for m in mentions:
        said = doubt(m) if m.kind == "balance" else None
        if said == "unknown":
            kept.append(replace(m, id="unknown"))
        elif said is None:
            kept.append(m)
    return kept


def _ports_named_by_gear_words(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, ontology: Ontology, g: Grammar
) -> list[Mention]:
    """ "the exit of headphones of my piano", "the entry of microphone on the mixer": a side said "of" gear that
    has no ports on that side names a port kind by the gear's word (headphones have no outputs, so "exit of
    headphones" is a headphone output), when that word and the side make a port phrase of the lexicon."""
    out: list[Mention | None] = list(mentions)
    for i, role in enumerate(mentions):
        if role.kind != "role" or i + 2 >= len(mentions):
            continue
        attach, gear = mentions[i + 1], mentions[i + 2]
        if not (
            attach.kind == "attach"
            and attach.id == "owner"
            and attach.start == role.end
            and gear.kind == "device"
            and all(tok in g.fillers for tok in tokens[attach.end : gear.start])
        ):
            continue
        device = ontology.devices[gear.id]
        if device.out if role.id == "out" else device.inputs:
            continue  # "the entry of my monitors" is the monitors' own input
        phrase = [*tokens[gear.start : gear.end], role.id]
        named = [m for m in find_mentions(phrase, lexicon) if m.kind == "port" and m.end == len(phrase)]
        if not named or named[0].start != 0:
            continue
        out[i + 1] = None
        out[i + 2] = replace(gear, kind="port", id=named[0].id)
    return [m for m in out if m is not None]


def _connectors_after(mentions: list[Mention], i: int, tokens: list[str], glue: frozenset[str]) -> int:
    """The index of the first mention after the run of connector words that follows mention `i` (i + 1 when none
    does); only `glue` words may sit between them ("mic-ONLY XLR input")."""
    j = i + 1
    while (
        j < len(mentions)
        and mentions[j].kind == "family"
        and all(tok in glue for tok in tokens[mentions[j - 1].end : mentions[j].start])
    ):
        j += 1
    return j


def _gear_words_naming_a_jack(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, ontology: Ontology
) -> list[Mention]:
    """ "into the mic XLR input of a recorder", "the headphone 3.5 mm out": a gear word, connector words, then a side
    the gear has no ports on (a mic has no inputs) names a port kind by the gear's word, as "mic input" does."""
    out = list(mentions)
    for i, gear in enumerate(mentions):
        j = _connectors_after(mentions, i, tokens, lexicon.fillers)
        if gear.kind != "device" or j == i + 1 or j >= len(mentions):
            continue  # no connector between: "mic input" is a port phrase of the lexicon already
        role = mentions[j]
        device = ontology.devices[gear.id]
        if (
            role.kind != "role"
            or not all(tok in lexicon.fillers for tok in tokens[mentions[j - 1].end : role.start])
            or (device.out if role.id == "out" else device.inputs)
        ):
            continue
        phrase = [*tokens[gear.start : gear.end], role.id]
        named = [m for m in find_mentions(phrase, lexicon) if m.kind == "port" and m.end == len(phrase)]
        if named and named[0].start == 0:
            out[i] = replace(gear, kind="port", id=named[0].id)
    return out


def _gear_words_naming_a_cable(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, g: Grammar
) -> list[Mention]:
    """ "an XLR to TS GUITAR jack lead", "a MIC xlr lead": a gear word right before connector words
    and a cable word says what the cable is for, not gear of the link. Where the gear word and the cable word
    alone name a kind of cable of the lexicon ("guitar ... cable", "cabo ... de guitarra"), it is that cable."""
    out: list[Mention] = []
    for i, m in enumerate(mentions):
        j = _connectors_after(mentions, i, tokens, frozenset())
        cable_next = (
            j < len(mentions) and mentions[j].kind == "cableword" and mentions[j].start == mentions[j - 1].end
        )
        # "jack cable" is read as one connector phrase that ends in the cable word
        names_a_cable = (
            m.kind == "device"
            and j > i + 1
            and (cable_next or tokens[mentions[j - 1].end - 1] in g.cable_words)
        )
        if not names_a_cable:
            out.append(m)
            continue
        word = (
            tokens[mentions[j].start : mentions[j].end] if cable_next else [tokens[mentions[j - 1].end - 1]]
        )
        kind = _cable_kind_named(tokens[m.start : m.end] + word, lexicon)
        if kind:
            out.append(Mention("cable", kind, " ".join(tokens[m.start : m.end]), m.start, m.end))
    return _cables_said_of_gear(out, tokens, lexicon, g)


def _cables_said_of_gear(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, g: Grammar
) -> list[Mention]:
    """The Romance order: "a jack cable OF guitar", "the TS cable OF guitar": a
    cable word, its plugs, a joiner and a gear word that together with the cable word names a kind of cable."""
    out = list(mentions)
    i = 0
    while i < len(out):
        m = out[i]
        i += 1
        if not (
            m.kind in ("cableword", "cable") or (m.kind == "family" and tokens[m.end - 1] in g.cable_words)
        ):
            continue
        j = _connectors_after(out, i - 1, tokens, frozenset())
        gear_at = j + 1 if j < len(out) and out[j].kind == "attach" else j
        if gear_at >= len(out) or out[gear_at].kind != "device":
            continue
        gear, joiner = out[gear_at], tokens[out[j - 1].end : out[gear_at].start]
        if len(joiner) != 1 or joiner[0] not in g.compound_joiners:
            continue
        kind = _cable_kind_named(tokens[gear.start : gear.end] + tokens[m.end - 1 : m.end], lexicon)
        if not kind:
            continue
        if m.kind == "family":  # the connector phrase keeps its plug; the cable's kind comes before it
            said = [Mention("cable", kind, m.text, m.start, m.start), m]
        else:
            said = [Mention("cable", kind, m.text, m.start, m.end)]
        out = out[: i - 1] + said + out[i:j] + out[gear_at + 1 :]
        i += len(said) - 1
    return out


def _cable_kind_named(phrase: list[str], lexicon: Lexicon) -> str | None:
    """The kind of cable these words name as a whole ("guitar cable": an instrument cable), if they do."""
    named = find_mentions(phrase, lexicon)
    whole = [n for n in named if n.kind == "cable" and n.start == 0 and n.end == len(phrase)]
    return whole[0].id if whole else None


LABEL_REACH = (
    3  # words from the jack word to the word that says it bears a label ("a hole on the back marked")
)


def _labels_naming_ports(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, g: Grammar
) -> list[Mention]:
    """ "a hole marked PHONES", "the socket labelled MIC": a gear word printed beside a jack is the jack's label,
    the port that gear word names ("phones" jack: a headphone output), not gear of the link. So is gear said to
    use the jack just named: "the round sockets the microphones USE" are mic inputs, and gear said between other
    gear's possessive and a socket word: "the amp's SPEAKER terminals" are its speaker outputs."""
    if not (g.label_words or g.serving_verbs):
        return mentions
    sockets = g.sized_sockets.sockets if g.sized_sockets else frozenset()
    jacks = sockets.union(*g.port_role_words.values())
    gear_ends = {m.end for m in mentions if m.kind == "device"}
    out = list(mentions)
    for j, gear in enumerate(mentions):
        if gear.kind != "device":
            continue
        k = gear.start - 1
        while k >= 0 and tokens[k] in {'"', "'"}:
            k -= 1
        labelled = (
            k >= 1 and tokens[k] in g.label_words and bool(set(tokens[max(0, k - LABEL_REACH) : k]) & jacks)
        )
        k = gear.start - 1
        while k >= 0 and tokens[k] in g.determiners:
            k -= 1
        serving = (
            k >= 0 and tokens[k] in jacks and gear.end < len(tokens) and tokens[gear.end] in g.serving_verbs
        )
        # "the amplifier's LOUDSPEAKER terminals": a gear word between another gear's possessive and a socket word
        # names that gear's jack for it
        possessed = (
            gear.start >= 2
            and tokens[gear.start - 1] == "'s"
            and gear.start - 1 in gear_ends
            and gear.end < len(tokens)
            and tokens[gear.end] in sockets
        )
        if not (labelled or serving or possessed):
            continue
        phrase = [*tokens[gear.start : gear.end], "jack"]
        named = [m for m in find_mentions(phrase, lexicon) if m.kind == "port" and m.start == 0]
        if named and named[0].end >= gear.end - gear.start:
            out[j] = replace(gear, kind="port", id=named[0].id)
    return out


def _ports_named_for_gear(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, ontology: Ontology, g: Grammar
) -> list[Mention]:
    """ "the amp has an output for the speaker box. I want that output in my interface", "screw posts on the amp
    where the speakers hook up ... into the mic jack": gear with jacks on one side only, named just after a jack
    and a purpose word, is what that jack serves (a speaker output), not a stop of the link, when the question
    names gear on the far side of the signal too (a sink cannot pass the signal on). Without that gear ("the mixer
    output for my speakers?") the speakers stay the destination."""
    if not g.purpose_words:
        return mentions
    sockets = g.sized_sockets.sockets if g.sized_sockets else frozenset()
    out: list[Mention | None] = list(mentions)
    for j, gear in enumerate(mentions):
        if gear.kind != "device":
            continue
        device = ontology.devices[gear.id]
        if bool(device.out) == bool(device.inputs):
            continue  # gear with both sides may pass the signal on
        side = "out" if device.inputs else "in"
        k = gear.start - 1
        while k >= 0 and tokens[k] in g.fillers:
            k -= 1
        if k <= 0 or tokens[k] not in g.purpose_words:
            continue
        if tokens[:k].count("(") > tokens[:k].count(")") and not _aside_describes_gear_before(tokens, k, g):
            continue  # an aside ("(jack outs for monitors go to the headphone amp)") does not reshape the link
        jack = _jack_served(mentions[:j], tokens, k, side, sockets)
        if jack is None:
            continue
        jack_at, jack_end, first_dropped = jack
        far = mentions[j + 1 :] if side == "out" else [m for m in mentions[:j] if m.end <= jack_at]
        if not any(m.kind in {"device", "port"} for m in far):
            continue
        owners = [m for m in mentions[:j] if m.kind == "device" and m.end <= jack_at]
        owned_after = [m for m in mentions[first_dropped:j] if m.kind == "device"]
        owner = (owned_after or owners or [None])[-1]
        if owner is not None and not (
            ontology.devices[owner.id].out if side == "out" else ontology.devices[owner.id].inputs
        ):
            continue  # "the cab has jacks for the speaker connection": the cab's jacks do not send
        said = tokens[gear.start : gear.end]
        for words in (said, gear.id.split("-"), *([word] for word in said)):
            phrase = [*words, side]
            named = [m for m in find_mentions(phrase, lexicon) if m.kind == "port" and m.end == len(phrase)]
            if named and named[0].start == 0:
                # the jack's own name now, joined to the jack's phrase (or to the gear it is said to be on: "posts
                # on the amp where"); a place said between ("posts on the back where") goes
                joined_at = owned_after[-1].end if owned_after else jack_end
                out[j] = replace(gear, kind="port", id=named[0].id, start=joined_at)
                if not owned_after:
                    for i in range(first_dropped, j):
                        out[i] = None
                break
    return [m for m in out if m is not None]


def _aside_describes_gear_before(tokens: list[str], at: int, g: Grammar) -> bool:
    """ "the phone (IT HAS a 3.5 jack for the headphones)": an aside that opens by describing the gear before it."""
    opened = max(i for i in range(at) if tokens[i] == "(")
    return (
        opened + 2 < len(tokens)
        and tokens[opened + 1] in g.object_pronouns
        and g.attachers.get(tokens[opened + 2]) == "describes"
    )


def _jack_served(
    before: list[Mention], tokens: list[str], purpose_at: int, side: str, sockets: frozenset[str]
) -> tuple[int, int, int] | None:
    """The jack said right before the purpose word at `purpose_at`: (its start, its end, index of the first
    mention after it). A side, port or connector mention a few words before ("posts on the back where", "posts on
    the amp where"), or a bare socket word right before ("a jack for")."""
    if tokens[purpose_at - 1] in sockets:
        return purpose_at - 1, purpose_at, len(before)
    candidates = [i for i, m in enumerate(before) if m.kind not in {"attach", "device"}]
    if not candidates:
        return None
    i = candidates[-1]
    jack = before[i]
    between = before[i + 1 :]
    gap = tokens[jack.end : purpose_at]
    if (
        jack.kind not in {"role", "port", "family"}
        or (jack.kind == "role" and jack.id != side)
        or len(gap) > 4
        or set(gap) & BREAKERS
        or sum(m.kind == "device" for m in between) > 1
        or (between and not any(m.kind == "attach" and m.id == "owner" for m in between))
    ):
        return None
    return jack.start, jack.end, i + 1


def _without_partitive_owners(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "the laptop on ONE OF the line channels": "of" after a word that picks among names no owner, so the
    channels are not the laptop's."""
    return [
        m
        for m in mentions
        if not (
            m.kind == "attach"
            and m.id == "owner"
            and m.start > 0
            and tokens[m.start - 1] in g.partitive_words
        )
    ]


def _gear_past_a_separator(before: Stop, gear_at: int, groups: list[list[Mention]]) -> bool:
    """ "the MIDI out INTO channel 3 ON the desk": gear after "on"/"of" past a separator is the next stop, not the
    owner of the port before it; unless a side is named after the separator ("... to the INPUT of speaker 2")."""
    seps = [
        grp[0].start for grp in groups if grp[0].kind == "sep" and before.position < grp[0].start < gear_at
    ]
    return bool(seps) and not any(
        grp[0].kind in {"role", "port"} and seps[-1] < grp[0].start < gear_at for grp in groups
    )


def _preposition_after_a_sided_port(m: Mention, found: list[Mention], ontology: Ontology, g: Grammar) -> bool:
    """ "the RCA tape out IN the back", "its line out ON the left": a role word that is also a preposition, right
    after a port phrase whose own last word says its side, is the preposition; a port has one side."""
    if m.kind != "role" or m.text not in g.role_prepositions:
        return False
    side_words = {w for words in ontology.terms.roles.values() for w in words}
    return any(p.kind == "port" and p.end == m.start and p.text.split()[-1] in side_words for p in found)


def _without_place_prepositions(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "the projector IN room 114", "the mixer IN booth 2": a role word that is also a preposition, right after gear
    and before a word that names nothing, says where the gear is, not which side of it is meant ("IN the rack" is
    the preposition already, by `role_prepositions`)."""
    device_ends = {m.end for m in mentions if m.kind == "device"}
    starts = {m.start for m in mentions}

    def says_where(m: Mention) -> bool:
        after = m.end
        return (
            m.kind == "role"
            and m.text in g.role_prepositions
            and m.start in device_ends
            and after < len(tokens)
            and tokens[after].isalnum()
            and tokens[after] not in g.fillers
            and after not in starts
        )

    return [m for m in mentions if not says_where(m)]


def _without_denied_ports(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "XLR ins only, NO link or thru out": a port said not to be there (a negator a few words before it,
    over other words of a list joined by "or") is no stop of the link."""
    starts = {i for m in mentions for i in range(m.start, m.end)}

    def denied(m: Mention) -> bool:
        for at in range(m.start - 1, max(-1, m.start - 1 - DENIED_PORT_REACH), -1):
            if tokens[at] in g.negators:
                return True
            if at in starts or not tokens[at].isalnum():
                return False
        return False

    return [m for m in mentions if not (m.kind == "port" and denied(m))]


def _ends_a_modifier(m: Mention, tokens: list[str], g: Grammar) -> bool:
    """ "a Taylor with a built-IN pickup": a role word that closes a modifier phrase (`postposed_modifiers`) says the
    part is built in, not which way the signal goes."""
    return m.kind == "role" and any(
        len(words := phrase.split()) > 1 and tokens[max(0, m.end - len(words)) : m.end] == words
        for phrase in g.postposed_modifiers
    )


def _parts_said_built_in(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, g: Grammar
) -> list[Mention]:
    """ "a turntable with the preamp inside": gear words then a word saying they are built in read as the phrase
    said the other way round ("built in preamp"), when the lexicon knows that phrase as a port. Gear words said
    built in the usual way round that the lexicon does not read as a port ("the combo's INTERNAL speaker", "the
    laptop's BUILT-IN speakers") name a part of gear, no stop of a link."""
    out = [(_built_in_port(m, tokens, lexicon, g) if m.kind == "device" else None) or m for m in mentions]
    prefixes = [before.split() for before in set(g.postposed_modifiers.values())]
    return [
        m
        for m in out
        if not (
            m.kind == "device"
            and any(m.start >= len(p) and tokens[m.start - len(p) : m.start] == p for p in prefixes)
        )
    ]


def _built_in_port(m: Mention, tokens: list[str], lexicon: Lexicon, g: Grammar) -> Mention | None:
    for after, before in g.postposed_modifiers.items():
        words = after.split()
        if tokens[m.end : m.end + len(words)] != words:
            continue
        said = before.split() + tokens[m.start : m.end]
        found = find_mentions(said, lexicon)
        if len(found) == 1 and found[0].kind == "port" and (found[0].start, found[0].end) == (0, len(said)):
            end = m.end + len(words)
            return Mention("port", found[0].id, " ".join(tokens[m.start : end]), m.start, end)
    return None


def _single_inputs(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "a phone going into ONE quarter-inch line in": a single input takes one channel, added as a channel
    mention the stop carries (Stop.channels SINGLE_INPUT); "one of the inputs" picks one of several and says
    nothing of channels."""
    added = []
    for m in _input_mentions(mentions, g):
        for i in range(max(0, m.start - 3), m.start):
            if tokens[i] in g.single_input_words and g.attachers.get(tokens[i + 1]) != "owner":
                if not set(tokens[i + 1 : m.start]) & BREAKERS:
                    added.append(Mention("mono", SINGLE_INPUT, tokens[i], i, i + 1))
                break
    return sorted(mentions + added, key=lambda m: m.start) if added else mentions


def _two_inputs(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "the TWO line inputs", "inputs 1 AND 2", "channels 5/6": inputs said to be a pair of jacks take one leg
    each (Stop.channels TWO_INPUTS); "one of the two inputs" picks one of them and says nothing of a pair."""
    added = []
    for m in _input_mentions(mentions, g):
        before = range(max(0, m.start - 3), m.start)
        counted = next((i for i in before if tokens[i] in g.pair_input_words), None)
        if counted is not None and (
            set(tokens[counted + 1 : m.start]) & BREAKERS or _picks_one(tokens, counted, g)
        ):
            counted = None
        numbered = _two_numbers(tokens[m.end : m.end + 3], g)
        if m.kind != "port" and not _owned_after(m.end + numbered, mentions, tokens, g):
            continue  # a bare "inputs" with no gear after it is no end of its own
        if counted is not None:
            added.append(Mention("mono", TWO_INPUTS, tokens[counted], counted, counted + 1))
        elif numbered:
            added.append(
                Mention(
                    "mono", TWO_INPUTS, " ".join(tokens[m.end : m.end + numbered]), m.end, m.end + numbered
                )
            )
    return sorted(mentions + added, key=lambda m: m.start) if added else mentions


def _owned_after(at: int, mentions: list[Mention], tokens: list[str], g: Grammar) -> bool:
    """ "inputs 1 and 2 OF MY M2": gear named right after an owner word owns the bare input word (else the input
    word alone, "inputs 3 and 4 on the front", is no end of its own)."""
    if at >= len(tokens) or g.attachers.get(tokens[at]) != "owner":
        return False
    return any(m.kind == "device" and at < m.start <= at + 3 for m in mentions)


def _picks_one(tokens: list[str], at: int, g: Grammar) -> bool:
    """ "ONE of the two inputs": a single-input word just before the count word picks one of the pair."""
    return bool(set(tokens[max(0, at - 3) : at]) & g.single_input_words)


def _two_numbers(words: list[str], g: Grammar) -> int:
    """ "1 and 2", "1 2" (from "1-2"), "5/6": two channel numbers right after the input word; how many words."""
    if words and re.fullmatch(r"\d+/\d+", words[0]):
        return 1
    if len(words) >= 2 and words[0].isdigit() and words[1].isdigit():
        return 2
    return (
        3
        if len(words) >= 3 and words[0].isdigit() and words[1] in g.coordinators and words[2].isdigit()
        else 0
    )


def _input_mentions(mentions: list[Mention], g: Grammar) -> list[Mention]:
    """The mentions that name an input: the role word ("in", "inputs") or a port phrase headed by one."""
    return [
        m
        for m in mentions
        if (m.kind == "role" and m.id == "in")
        or (m.kind == "port" and m.text.split()[-1] in g.port_role_words.get("in", ()))
    ]


LIKENESS_REACH = 4  # words from "looks like" to the port word it describes ("look like a big headphone hole")


def _without_likenesses(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "two outputs that look like oversized headphone holes": a port word said of what a jack looks like names
    its shape (a connector, when the lexicon reads one there), not what the port is for; a cable said so ("a big
    plug, like the ones on a guitar lead") shows the plug's shape and is no cable of the link."""
    ends = set()
    for phrase in g.likeness_phrases:
        words = phrase.split()
        ends |= {i + len(words) for i in range(len(tokens)) if tokens[i : i + len(words)] == words}

    def likened(m: Mention) -> bool:
        return any(
            end <= m.start <= end + LIKENESS_REACH and not set(tokens[end : m.start]) & BREAKERS
            for end in ends
        )

    return [m for m in mentions if not (m.kind in ("port", "cable") and likened(m))]


def _without_gear_naming_a_cable_kind(
    mentions: list[Mention], tokens: list[str], g: Grammar
) -> list[Mention]:
    """ "a long mic-style lead with the round plugs runs to the console": gear named right before a kind word and
    a cable word says what kind of cable it is; no microphone is in the set-up."""
    return [
        m
        for m in mentions
        if not (
            m.kind == "device"
            and tokens[m.end : m.end + 1]
            and tokens[m.end] in g.kind_words
            and tokens[m.end + 1 : m.end + 2]
            and tokens[m.end + 1] in g.cable_words
        )
    ]


def _without_absent_gear(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "its binding posts (the cab DISCONNECTED) into my recorder's input": gear said to be
    out of the set-up right after its name is no stop of the link ("my amp WITHOUT the neighbours hearing" is no
    absence: a word that negates what follows it says nothing of the gear before it)."""
    said_after = [[w] for w in set(g.absence_words) - set(g.negators)]
    return [m for m in mentions if not (m.kind == "device" and tokens[m.end : m.end + 1] in said_after)]


def _without_capacity_wanted(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "bought an ADA8200 for MORE mic inputs", "I need EXTRA line ins": ports wanted in number are why gear was
    bought, not a jack of the link asked about."""
    if not g.capacity_words:
        return mentions

    port_words = {i for m in mentions if m.kind in ("port", "device") for i in range(m.start, m.end)}

    def wanted(m: Mention) -> bool:
        # ("an 8-channel ADAT box for six MORE mic preamps": gear wanted in number, past a count, is why it was bought)
        i = m.start - 1
        while i >= 0 and (tokens[i] in g.fillers or tokens[i].isdigit() or i in port_words):
            i -= 1
        return i >= 0 and tokens[i] in g.capacity_words

    return [m for m in mentions if not (m.kind in ("port", "role", "device") and wanted(m))]


def _without_connector_prepositions(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "the exit of master IN XLR male", "outputs IN TRS": a role word that is also a preposition, right before a
    connector and a few words after the side was already said, says what connector that side is on."""
    sides = [m for m in mentions if m.kind in ("role", "port")]  # "outs", "main outputs": a side said
    family_starts = {m.start for m in mentions if m.kind == "family"}

    def says_the_connector(m: Mention) -> bool:
        if m.kind != "role" or m.text not in g.role_prepositions or m.end not in family_starts:
            return False
        side = next((r for r in reversed(sides) if r.end <= m.start), None)
        return (
            side is not None
            and m.start - side.end <= 3
            and not set(tokens[side.end : m.start]) & (BREAKERS | set(g.separators))
        )

    return [m for m in mentions if not says_the_connector(m)]


def _without_stray_letters(mentions: list[Mention], tokens: list[str]) -> list[Mention]:
    """A one-letter word ("m" for male) counts only right beside a connector ("XLR m", "f XLR") and never after
    a number: the "m" of "I'm", of "12 m" and of "20 m XLR" is no plug gender."""
    connector_edges = {m.start for m in mentions if m.kind == "family"} | {
        m.end for m in mentions if m.kind == "family"
    }

    def after_a_number(m: Mention) -> bool:
        return m.start > 0 and tokens[m.start - 1].replace(".", "", 1).isdigit()

    return [
        m
        for m in mentions
        if len(m.text) > 1
        or m.kind == "family"
        or ((m.start in connector_edges or m.end in connector_edges) and not after_a_number(m))
    ]


def _refined_devices(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "two old speakers ... (passive, I think)": a general class with a refining word in its sentence is the
    narrower class (kb/reading.yaml device_refinements)."""
    if not g.device_refinements:
        return mentions
    sentence_of = _sentence_index(tokens)
    words_in: dict[int, str] = {}
    for i, sentence in enumerate(sentence_of):
        words_in[sentence] = f"{words_in.get(sentence, '')} {tokens[i]}"

    def sentence(m: Mention) -> int:
        return sentence_of[min(m.start, len(sentence_of) - 1)]

    named = {(sentence(m), m.id) for m in mentions if m.kind == "device"}
    out = []
    for m in mentions:
        if m.kind == "device":
            text = words_in.get(sentence(m), "")
            m = next(
                (
                    replace(m, id=r.becomes)
                    for r in g.device_refinements
                    # the narrower class named in the sentence already ("a passive wedge with a speaker socket")
                    # is the gear the words describe
                    if r.device == m.id
                    and (sentence(m), r.becomes) not in named
                    and (
                        (bool(r.words) and _said(r.words, text, g, denied=r.denied))
                        or (r.load and _speaker_load_said(text, g))
                    )
                ),
                m,
            )
        out.append(m)
    return out


def _speaker_load_said(text: str, g: Grammar) -> bool:
    """ "some 8 ohm 1W speakers": an impedance in the range of loudspeaker loads."""
    low, high = g.speaker_load_ohms
    return any(low <= ohms <= high for ohms in impedances_in_ohms(text))


def _said(words: tuple[str, ...], text: str, g: Grammar, *, denied: bool) -> bool:
    """One of the phrases is in the text, said to be there ("it has its own power cord") or, with `denied`,
    said to be missing ("they have no power plug", "don't have a power cord"): a negator a few words before it,
    in its clause."""
    for match in phrase_pattern(words).finditer(text):
        before = text[: match.start()].split()[-NEGATION_REACH:]
        clause = before[max((i + 1 for i, w in enumerate(before) if w in BREAKERS), default=0) :]
        if any(w in g.negators for w in clause) == denied:
            return True
    return False


def _without_gear_verbs(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "mic up the kick", "mic the guitar cab with an SM57": a gear word followed by an object is the verb, and
    the gear it acts on is a sound source in the room, not an end of the link."""
    verbs = g.gear_verbs
    if verbs is None:
        return mentions
    # "patch the compressor into the insert", "wire the speakers": a cable word before an object is the verb;
    # the gear after it is still an end of the link. After a determiner it is the noun ("a cable THAT has ...")
    mentions = [
        m
        for m in mentions
        if not (
            m.kind == "cableword"
            and m.end < len(tokens)
            and tokens[m.end] in verbs.objects
            and not (m.start > 0 and tokens[m.start - 1] in g.fillers)
        )
    ]
    verb_ends = [
        m.end
        for m in mentions
        if m.kind == "device"
        and m.text in verbs.words
        and m.end < len(tokens)
        and tokens[m.end] in verbs.objects
        and not _after_determiner(m, tokens, g)
    ]
    if not verb_ends:
        return mentions

    def acted_on(m: Mention) -> bool:
        return any(
            end <= m.start <= end + 3
            and all(t in verbs.objects or t in g.fillers for t in tokens[end : m.start])
            for end in verb_ends
        )

    return [m for m in mentions if m.end not in verb_ends and not (m.kind == "device" and acted_on(m))]


def _class_head_words(device: str, ontology: Ontology) -> list[str]:
    """The last word of the name of each class the gear is of ("box" of "DI box"), for a product only."""
    if not ontology.devices[device].kind:
        return []
    return [
        name.split()[-1].lower()
        for cls in _broader(device, ontology)[1:]
        if (name := ontology.devices[cls].name) and name.split()[-1].isalpha()
    ]


def _nouns_standing_for_gear(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, ontology: Ontology, g: Grammar
) -> list[Mention]:
    """ "a little grey box (the DI, I think) ... from the guitar into THE BOX": a plain noun said again after "the"
    (and a word or two: "the blue box") is the gear it was first said with, when that gear was named right after
    it in brackets or an apposition, or when the noun ended the gear's own name ("a stereo DI box ... the box's
    outputs")."""
    covered = {i for m in mentions for i in range(m.start, m.end)}
    devices = [m for m in mentions if m.kind == "device"]
    said_with: dict[str, Mention] = {}
    added: list[Mention] = []
    renamed: dict[int, Mention] = {}
    for i, tok in enumerate(tokens):
        named_with = next((m for m in devices if m.end - 1 == i and m.end - m.start >= 2), None)
        if named_with is not None and tok.isalpha() and len(tok) >= 3 and tok not in lexicon.reach:
            said_with.setdefault(tok, named_with)
        # "a Radial PZ-DI ... from THAT BOX to the snake": the last word of the name of the gear's class ("DI box")
        for ended in (m for m in devices if m.end - 1 == i):
            for head in _class_head_words(ended.id, ontology):
                if len(head) >= 3 and head not in lexicon.reach:
                    said_with.setdefault(head, ended)
        gear_here = next((m for m in devices if m.start == i), None)
        if gear_here is not None and gear_here.end - gear_here.start <= 2:
            renamed.update(_class_word_said_again(gear_here, tokens, devices, said_with, ontology, g))
            if gear_here.end == i + 1:
                continue
        if i in covered or not tok.isalpha() or len(tok) < 3 or tok in lexicon.reach:
            continue
        if tok in said_with:
            # "the box", "the blue box": a determiner, then at most two words that name nothing
            pointers = g.determiners | g.demonstratives
            d = next((j for j in range(i - 1, max(-1, i - 4), -1) if tokens[j] in pointers), None)
            if d is not None and not any(j in covered for j in range(d + 1, i)):
                added.append(Mention("device", said_with[tok].id, tok, i, i + 1))
            continue
        if i + 1 < len(tokens) and tokens[i + 1] in {"(", ","}:
            # the apposition runs to the closing bracket or the clause's end, a few words at most
            end = next(
                (j for j in range(i + 2, min(len(tokens), i + 9)) if tokens[j] in {")", ".", "?", "!", ";"}),
                min(len(tokens), i + 9),
            )
            named = next((m for m in devices if i + 1 < m.start < end), None)
            if named is not None:
                said_with[tok] = named
    mentions = [renamed.get(m.start, m) if m.kind == "device" else m for m in mentions]
    return sorted(mentions + added, key=lambda m: (m.start, m.end)) if added else mentions


def _without_gear_in_asides(
    mentions: list[Mention], tokens: list[str], ontology: Ontology, g: Grammar
) -> list[Mention]:
    """ "the old receiver (the one our presenter's headset talks to) has a mono jack out": other gear named
    in a bracketed aside that says more than its name, right after gear, is about that gear, not a stop of the
    link, when what follows the bracket describes the gear before it ("... ) HAS"). The same gear said again in brackets ("my
    interface (a Scarlett 2i2 3rd gen)", "my amp (guitar)") stays. What microphones are put on, in brackets right after
    them ("SM57s (snare + guitar cab)"), is no stop either."""
    gear_ending_at = {m.end: m for m in mentions if m.kind == "device"}
    describing = {m.start for m in mentions if m.kind == "attach" and m.id == "describes"}
    dropped: set[int] = set()
    for opened, tok in enumerate(tokens):
        before = gear_ending_at.get(opened)
        if tok != "(" or before is None:
            continue
        closing = next(
            (j for j in range(opened + 1, len(tokens)) if tokens[j] in {")", ".", "?", "!"}), len(tokens)
        )
        inside = [m for m in mentions if opened < m.start and m.end <= closing]
        # "two SM57s (snare + guitar cab) on inputs 3 and 4": what microphones are put on, listed right after them
        gear_inside = [m for m in inside if m.kind == "device"]
        if gear_inside and all(
            not (before.id in ontology.class_chain(m.id) or m.id in ontology.class_chain(before.id))
            and _a_mic_on(before.id, m.id, ontology)
            for m in gear_inside
        ):
            dropped.update(m.start for m in gear_inside)
            continue
        if closing + 1 not in describing:
            continue  # "(the phone kind) plugged into the camera": the aside still says what it is
        named = {i for m in inside for i in range(m.start, m.end)}
        says_more = any(
            t not in g.fillers and t not in g.determiners and i not in named
            for i, t in enumerate(tokens[opened + 1 : closing], opened + 1)
        )
        for m in inside:
            other = m.kind == "device" and not (
                before.id in ontology.class_chain(m.id) or m.id in ontology.class_chain(before.id)
            )
            if other and says_more:
                dropped.add(m.start)
    return [m for m in mentions if not (m.kind == "device" and m.start in dropped)] if dropped else mentions


def _class_word_said_again(
    m: Mention,
    tokens: list[str],
    devices: list[Mention],
    said_with: dict[str, Mention],
    ontology: Ontology,
    g: Grammar,
) -> dict[int, Mention]:
    """ "our handheld's receiver (a Shure SLX4) ... what lead from THE RECEIVER to the desk": a class word (or
    the last word of a two-word one) said again alone after a determiner is the gear it named first, as its
    sentence refined it or as the product in brackets right after it narrowed it."""
    tok = tokens[m.end - 1]
    first = said_with.get(tok)
    if first is not None:
        said_again = m.end == m.start + 1 and m.start > 0 and tokens[m.start - 1] in g.determiners
        return {m.start: replace(m, id=first.id)} if said_again and first.id != m.id else {}
    narrowed = m if m.end == m.start + 1 else None  # "the mic" after "a USB mic" may be another mic
    # "a PA box on a pole by the stage (a Yamaha DBR10)": the bracket may close the phrase a few words on,
    # with no other gear and no clause break between
    opened = next(
        (
            j
            for j in range(m.end, min(len(tokens), m.end + BRACKET_REACH))
            if tokens[j] == "(" or tokens[j] in BREAKERS or any(d.start == j for d in devices)
        ),
        None,
    )
    if opened is not None and tokens[opened] == "(":
        closing = next(
            (j for j in range(opened + 1, min(len(tokens), opened + 6)) if tokens[j] == ")"), opened
        )
        named = next((d for d in devices if opened < d.start < closing), None)
        # "receiver (a Shure BLX4)" is that product; "(and a Shure BLX4)" is more gear, unless of the same class;
        # "my amp (guitar)" says what kind of amp, not that it is a guitar; a bracket further on must name gear
        # of the same class
        if (
            named is not None
            and ontology.devices[named.id].kind
            and (
                m.id in ontology.class_chain(named.id)
                or (
                    opened == m.end
                    and all(t in g.fillers or t in g.determiners for t in tokens[opened + 1 : named.start])
                )
            )
        ):
            narrowed = named
    if narrowed is not None:
        said_with[tok] = narrowed
    return {}


def _gear_before_a_preposition(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, g: Grammar
) -> list[Mention]:
    """ "just the mic IN a pouch", "the mic IN my hand": a port word that ends in a role word which is also a
    preposition, right before a determiner, is the gear word and the preposition, not a port ("the line out OF the
    synth" is a port)."""
    out: list[Mention] = []
    for m in mentions:
        nxt = tokens[m.end] if m.end < len(tokens) else ""
        if (
            m.kind == "port"
            and m.end - m.start >= 2
            and tokens[m.end - 1] in g.role_prepositions
            and nxt in g.determiners
        ):
            out += [
                replace(found, start=found.start + m.start, end=found.end + m.start)
                for found in find_mentions(tokens[m.start : m.end - 1], lexicon)
            ]
            continue
        out.append(m)
    return out


def _after_determiner(m: Mention, tokens: list[str], g: Grammar) -> bool:
    """ "a small powered MONITOR that has two inputs": a gear word shortly after a determiner is the noun, unless a
    subject or a modal comes between ("my band, we MIC the amps")."""
    verbs = g.gear_verbs
    before = tokens[max(0, m.start - 3) : m.start]
    return (
        verbs is not None
        and any(t in g.fillers for t in before)
        and not any(t in verbs.subjects for t in before)
    )


def _without_gear_adjectives(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "the family stereo has RCA ins" names gear; "a stereo headphone jack", "a 3.5 mm stereo to XLR lead" do
    not: a gear word that is also an adjective names gear only after a determiner or another filler word ("my
    stereo", "the old stereo"; not "audio in stereo", "big jack, stereo") and when no connector, port or cable
    word touches it."""
    describing = {"family", "cable", "cableword", "port", "role", "device", "level", "balance", "dual"}

    def touches(m: Mention, i: int) -> bool:
        # "a stereo (TRS) jack cable": an opening bracket right after it still touches what it opens on
        next_at = m.end + 1 if m.end < len(tokens) and tokens[m.end] == "(" else m.end
        after = any(n.start == next_at and n.kind in describing for n in mentions[i + 1 : i + 3])
        before = any(
            n.end == m.start and n.kind in {"family", "cable", "port"} for n in mentions[max(0, i - 2) : i]
        )
        undetermined = m.start == 0 or tokens[m.start - 1] not in g.fillers
        # "the stereo ONE": a word standing in for a noun right after makes it an adjective
        stands_in = m.end < len(tokens) and tokens[m.end] in g.noun_stand_ins
        return after or before or undetermined or stands_in

    return [
        m
        for i, m in enumerate(mentions)
        if not (m.kind == "device" and m.text in g.gear_adjectives and touches(m, i))
    ]


def _without_controls(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "the phones knob cranked", "the mic fader": a gear word right before a control word names a control on
    other gear (a level knob), not that gear; so does one before a word it only modifies ("the mic stand", "the
    piano bar"), and one inside a phrase naming something else ("the front desk")."""
    named_by_gear = g.control_words | g.compound_heads
    # "the Bluetooth receiver at the front desk": a gear word inside a phrase that names something else
    said = set(tokens)
    elsewhere = {
        i
        for phrase in g.not_gear_phrases
        if said.issuperset(phrase.split())
        for start in range(len(tokens))
        if tokens[start : start + len(words := phrase.split())] == words
        for i in range(start, start + len(words))
    }
    # "the mic MIX OUT": a head word that starts a port's name (a role word right after it) is that port's label
    labels = {m.start - 1 for m in mentions if m.kind == "role"}
    return [
        m
        for m in mentions
        if not (
            m.kind == "device"
            and (
                (m.end < len(tokens) and tokens[m.end] in named_by_gear and m.end not in labels)
                or m.start in elsewhere
            )
        )
    ]


def _settings_described(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    """ "the turntable, its switch set to LINE": "to" after a setting verb names the gear's setting (a port of
    the gear before it), not the end the signal goes to."""

    def after_a_setting_verb(m: Mention) -> bool:  # "set the switch to", "switched to"
        before = tokens[max(0, m.start - 3) : m.start]
        return any(
            word in g.setting_verbs and not set(before[i + 1 :]) & BREAKERS for i, word in enumerate(before)
        )

    return [
        replace(m, kind="attach", id="describes")
        if m.kind == "sep" and m.id == "leads_to" and after_a_setting_verb(m)
        else m
        for m in mentions
    ]


def _infinitive_mark(tokens: list[str], at: int, g: Grammar) -> bool:
    """ "I don't want TO buy monitors", "trying TO record": a link word right after a verb that takes an infinitive
    marks the verb after it, not where a signal goes."""
    return at > 0 and tokens[at] in g.infinitive_marks and tokens[at - 1] in g.infinitive_heads


def _without_infinitive_marks(mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Mention]:
    return [m for m in mentions if not (m.kind == "sep" and _infinitive_mark(tokens, m.start, g))]


def _without_port_verbs(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, g: Grammar
) -> list[Mention]:
    """ "we send out 1 and out 2 down the snake": a port phrase that starts with a verb right after its subject is
    the verb; what follows it is read on its own ("out")."""
    verbs = g.gear_verbs
    if verbs is None or not verbs.port_words:
        return mentions
    out: list[Mention] = []
    for m in mentions:
        if (
            m.kind == "port"
            and tokens[m.start] in verbs.port_words
            and m.start > 0
            and tokens[m.start - 1] in verbs.subjects
        ):
            rest = find_mentions(tokens[m.start + 1 : m.end], lexicon) if m.end - m.start > 1 else []
            out.extend(replace(r, start=r.start + m.start + 1, end=r.end + m.start + 1) for r in rest)
            continue
        out.append(m)
    return out


def reading_context(reading: Reading, lead: int | None = None) -> dict[str, Any]:
    """The context an answer carries so the client can send it back with a follow-up.

    `lead` is the link the answer's verdict rests on; it goes first, since "what about ..." points back to it.
    """
    if reading.intent is Intent.OUT_OF_DOMAIN:
        return {"v": CONTEXT_VERSION}
    links = list(reading.links)
    if lead is not None and 0 < lead < len(links):
        links.insert(0, links.pop(lead))
    return {
        "v": CONTEXT_VERSION,
        "intent": reading.intent.value,
        "question": reading.question[:300],
        "links": [link.to_context() for link in links[:6]],
        "phantom": reading.phantom,
        "formats": list(reading.formats),
        "families": list(reading.families),
        # the conversation's gear, newest first, so that a later turn still knows it
        "devices": list(dict.fromkeys(reading.devices + reading.devices_before))[:CONTEXT_DEVICES],
    }


# --- out of domain -----------------------------------------------------------------------------------------


def _evidence_words(text: str, mentions: list[Mention], ontology: Ontology) -> set[str]:
    """Audio-signal evidence: the domain terms said, and the ontology words that are not weak (shared with other
    subjects so widely that they prove nothing: "cable", "monitor")."""
    weak = set(ontology.terms.weak_terms)
    said = (
        {found.group(0) for found in phrase_pattern(ontology.terms.domain_terms).finditer(text)}
        if ontology.terms.domain_terms
        else set()
    )
    return said | {
        m.text
        for m in mentions
        if m.kind in {"family", "device", "format", "cable", "balance", "phantom", "level", "port"}
        and m.text not in weak
    }


def _only_shared_evidence(words: set[str], ontology: Ontology) -> bool:
    """Every evidence word also has an everyday sense in other subjects (tyres are "balanced", a car battery has a
    "phantom" drain, a stand "mixer" "hums"): the question names no connector, port or signal of its own."""
    return bool(words) and words <= set(ontology.terms.shared_terms)


# --- elements: stops and cables ----------------------------------------------------------------------------


def _grammar(ontology: Ontology) -> Grammar:
    if ontology.grammar is None:
        raise ValueError("the ontology has no reading grammar (kb/reading.yaml)")
    return ontology.grammar


def _groups(
    tokens: list[str], mentions: list[Mention], ontology: Ontology, g: Grammar
) -> list[list[Mention]]:
    """Split mentions into noun phrases: runs of ontology words joined only by filler words."""
    fillers = g.fillers
    groups: list[list[Mention]] = []
    current: list[Mention] = []
    for mention in mentions:
        # "outs IN XLR": the preposition before a connector joins it to the side just said (see
        # _without_connector_prepositions)
        sided = mention.kind == "family" and any(m.kind in {"role", "port"} for m in current)
        between = tokens[current[-1].end : mention.start] if current else []
        joinable = (
            bool(current)
            and mention.kind in GROUP_KINDS
            and not _opens_a_clause(mention, current, tokens, g)
            and not _another_product_determined(mention, current, between, ontology, g)
            and (
                all(
                    tok in fillers or tok in {"(", ")", '"'} or (sided and tok in g.role_prepositions)
                    for tok in between
                )
                # "transformer-balanced 600 ohm output": an impedance said between describes the same end
                or _only_an_impedance_between(between, fillers)
                # "input 1 of my interface": an input's number is part of its name
                or (
                    current[-1].kind == "role"
                    and current[-1].text not in g.role_prepositions
                    and _small_number(between[:1])
                    and all(tok in fillers for tok in between[1:])
                )
                or (
                    _names_the_ports_kind(current[-1], mention, between, g)
                    and not any(m.kind in {"cable", "cableword"} for m in current)  # "a P10 cable NA entrada"
                )
            )
        )
        if mention.kind in GROUP_KINDS and (joinable or not current):
            current.append(mention)
            continue
        if current:
            groups.append(current)
        current = [mention] if mention.kind in GROUP_KINDS else []
        if mention.kind not in GROUP_KINDS:
            groups.append([mention])
    if current:
        groups.append(current)
    return _asides_on_cables(groups, tokens, g)


def _only_an_impedance_between(between: list[str], fillers: frozenset[str]) -> bool:
    left = words_besides_impedances(between)
    return left is not None and all(tok in fillers for tok in left)


def _another_product_determined(
    mention: Mention, current: list[Mention], between: list[str], ontology: Ontology, g: Grammar
) -> bool:
    """ "a Shure SM58 an a Xenyx Q802USB": a determiner between two named products of different classes opens a
    noun phrase of its own, so the second is other gear, whatever joins them ("an" for "and"). A class word and
    a product ("the microphone (a Shure SM58)") may still name one device."""
    if mention.kind != "device" or not ontology.devices[mention.id].kind:
        return False
    return any(tok in g.determiners for tok in between) and any(
        m.kind == "device" and ontology.devices[m.id].kind not in ("", ontology.devices[mention.id].kind)
        for m in current
    )


def _names_the_ports_kind(before: Mention, mention: Mention, between: list[str], g: Grammar) -> bool:
    """ "the two RCA TAPE inputs of my amp": one word the lexicon does not know, between a connector and the side
    it is on, names what the port is for; the connector is that port's, not the gear's said before."""
    return (
        before.kind == "family"
        and mention.kind == "role"
        and mention.text not in g.role_prepositions  # "the XLR clicks IN" is a verb's particle
        and len(between) == 1
        and len(between[0]) >= MIN_PORT_KIND_LETTERS
        and between[0].isalpha()
        and between[0] not in g.separators
        and between[0] not in g.attachers
        and between[0] not in g.link_words
        and between[0] not in g.object_pronouns
        and between[0] not in g.role_prepositions
    )


def _asides_on_cables(groups: list[list[Mention]], tokens: list[str], g: Grammar) -> list[list[Mention]]:
    """ "the 1/4 inch cables I had lying around (TS ones, one black ring)": a bracketed aside that opens with
    connector names and names nothing else describes the cable said last in its sentence, however many words came
    between. "(its pin 1 and pin 3 bridged inside the XLR)" says something else about it. So does a connector said to be
    at one end ("a lead that is RCA AT ONE END and TRS AT THE OTHER")."""
    sentence_of = _sentence_index(tokens)
    end_said = [
        _said_of_one_end(tokens, group[-1].end, g)
        and all(m.kind in {"family", "gender", "mono"} for m in group)
        for group in groups
    ]
    # (both ends said: "an XLR on one end" alone leaves the other end open)
    ends_in = Counter(
        sentence_of[group[0].start] for group, said in zip(groups, end_said, strict=True) if said
    )
    joined: list[list[Mention]] = []
    for group, said in zip(groups, end_said, strict=True):
        at_an_end = said and ends_in[sentence_of[group[0].start]] >= 2
        if (
            _in_an_aside(tokens, group[0].start) and all(m.kind in {"family", "balance"} for m in group)
        ) or at_an_end:
            cable_at = _last_cable_group(joined, sentence_of[group[0].start], sentence_of)
            if cable_at is not None:
                # (the ends said one by one are the cable's two ends, in the order said)
                stated = [Mention("cableword", "explicit", "", group[0].start, group[0].start)]
                if not at_an_end or any(m.id == "explicit" for m in joined[cable_at]):
                    stated = []
                joined[cable_at] = joined[cable_at] + stated + group
                continue
        joined.append(group)
    return joined


def _in_an_aside(tokens: list[str], start: int) -> bool:
    """ "(TS ones)", "(the 2-conductor TS kind)": a bracket opened a few words before, with nothing named between."""
    for at in range(start - 1, max(start - 1 - ASIDE_OPENING_WORDS, -1), -1):
        if tokens[at] == "(":
            return True
        if not tokens[at].replace("-", "").isalnum():
            return False
    return False


def _last_cable_group(groups: list[list[Mention]], sentence: int, sentence_of: list[int]) -> int | None:
    """The last group naming a cable in that sentence, with no connector or gear phrase after it."""
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if sentence_of[group[-1].start] != sentence:
            return None
        if any(m.kind in {"cableword", "cable"} for m in group):
            return index
        if any(m.kind in GROUP_KINDS for m in group):
            return None
    return None


def _opens_a_clause(mention: Mention, current: list[Mention], tokens: list[str], g: Grammar) -> bool:
    """ "the interface has balanced outs MONITORS HAVE balanced ins": with no punctuation, gear right after a port
    phrase and right before a describing verb is the subject of the next clause, not part of that phrase."""
    after = tokens[mention.end] if mention.end < len(tokens) else ""
    return (
        mention.kind == "device"
        and current[-1].kind in {"role", "port"}
        and g.attachers.get(after) == "describes"
    )


def _merge_families(families: list[str], g: Grammar) -> list[str]:
    unique = list(dict.fromkeys(families))
    merged = g.merged(frozenset(unique))
    return [merged] if merged else unique


def _describes_cable_before(
    merged: list[list[Mention]], group: list[Mention], tokens: list[str], g: Grammar
) -> bool:
    """ "an AES lead, XLR on both ends": the connector describes the cable said right before it."""
    if not merged or not {m.kind for m in merged[-1]} & {"cable", "cableword"}:
        return False
    describing = {word for word, role in g.attachers.items() if role == "describes"}
    return set(tokens[merged[-1][-1].end : group[0].start]) <= g.fillers | g.coordinators | describing | {
        ",",
        "-",
        "(",
    }


def _said_of_one_end(tokens: list[str], at: int, g: Grammar) -> bool:
    """A phrase of reading.yaml `one_end_phrases` right after position `at` ("RCA AT ONE END", "TRS ON THE OTHER")."""
    return any(tokens[at : at + len(words)] == words for words in (p.split() for p in g.one_end_phrases))


def _said_of_every_end(tokens: list[str], at: int, g: Grammar) -> bool:
    """A phrase of reading.yaml `every_end_phrases` right after position `at` ("XLR ON BOTH ENDS")."""
    return any(tokens[at : at + len(words)] == words for words in (p.split() for p in g.every_end_phrases))


MONO_PLUG_REACH = (
    8  # words from a cable to "mono plugs" said of it ("old quarter-inch leads from a drawer, mono plugs")
)


def _says_mono_of(
    cable: CableSpec, group: list[Mention], tokens: list[str], sentence_of: list[int], g: Grammar
) -> bool:
    """ "mono plugs" in the cable's sentence a few words after it: a channel word saying mono before a plug word
    ("a TRS cable carrying a mono signal" says nothing of its plugs)."""
    head = group[0]
    plugs = g.sized_sockets.sockets if g.sized_sockets else frozenset()
    return (
        head.id == "mono"
        and tokens[head.end : head.end + 1] in [[w] for w in plugs]
        and cable.position < head.start
        and head.start - cable.position <= MONO_PLUG_REACH
        and sentence_of[head.start] == sentence_of[cable.position]
    )


def _mono_cable(cable: CableSpec, ontology: Ontology) -> CableSpec:
    """The cable with each end's mono plug: a plug named by size only is the one-conductor plug of that size."""
    mono = _grammar(ontology).mono_plug

    def one_conductor(end: str) -> str:
        if end in mono:
            return mono[end]
        sizes = ontology.families[end].resolves_to if end in ontology.families else ()
        return next((f for f in sizes if mono.get(f) == f), end)

    return replace(cable, ends=tuple(one_conductor(e) for e in cable.ends))


def _cable_from_group(group: list[Mention], ontology: Ontology, *, explicit: bool) -> CableSpec:
    ends: list[str] = []
    genders: list[str | None] = []
    duals: list[bool] = []
    kind = "signal"
    pending_gender: str | None = None
    pending_dual = False
    family_end = -1
    for m in group:
        if m.kind == "cable":
            kind = ontology.cables[m.id].kind
            own = ontology.cables[m.id].ends
            if ends and own and len(set(own)) == 1 and ontology.families[own[0]].resolves_to:
                # "an RCA patch cord": a cable named only by what it is for takes the connector said before it
                continue
            if ends and own and own[-1] != ends[-1]:
                # "RCA-to-TOSLINK cable", "TSR-TS cable": the slang names the far end
                ends.append(own[-1])
                genders.append(pending_gender)
                duals.append(pending_dual)
            elif not ends:
                ends = list(ontology.cables[m.id].ends)
                genders = [None] * len(ends)
                duals = list(ontology.cables[m.id].split_ends) or [False] * len(ends)
        elif m.kind == "family":
            if ends and not explicit and ends[-1] == m.id:
                continue
            ends.append(m.id)
            genders.append(pending_gender)
            duals.append(pending_dual)
            pending_gender, pending_dual = None, False
            family_end = m.end
        elif m.kind == "gender":
            if ends and genders[-1] is None and isinstance(ontology.families[ends[-1]].plug, dict):
                genders[-1] = m.id
            elif not (ends and m.start == family_end):
                pending_gender = m.id
            # ("RCA FEMALE to XLR male": said right after a plug of one kind only, it is that end's, not the next's)
        elif m.kind == "dual":
            pending_dual = True
    if not explicit and len(ends) > 1 and len(set(ends)) > 1:
        merged = _merge_families(ends, _grammar(ontology))
        if len(merged) == 1:
            ends, genders, duals = merged, [next((g for g in genders if g), None)], [any(duals)]
    if len(ends) == 1:
        ends, genders, duals = ends * 2, genders * 2, duals * 2
    text = " ".join(m.text for m in group if m.text and m.id != "explicit")
    return CableSpec(tuple(ends), tuple(genders), tuple(duals), kind, text, group[0].start, explicit)


def _stop_from_group(group: list[Mention], g: Grammar, ontology: Ontology, tokens: list[str]) -> Stop:
    devices = [m for m in group if m.kind == "device"]
    # a product named with a class word is that product ("the BLX4 receiver" is a wireless mic's receiver, not a
    # hi-fi receiver); a maker's name read as the class it is best known for, said right before another class
    # word, only says who made that gear ("the Technics hi-fi amp" is an amp); else the longest name says the most
    modified = {m.id for m in devices if m.text in g.maker_names and any(n.start == m.end for n in devices)}
    device = (
        max(
            devices,
            key=lambda m: (bool(ontology.devices[m.id].kind), m.id not in modified, len(m.text)),
        ).id
        if devices
        else None
    )
    qualifiers = tuple(dict.fromkeys(m.id for m in group if m.kind == "port"))
    role = None
    for m in group:
        if m.kind == "role":
            role = m.id
        elif m.kind == "port":
            # the phrase's head word says the side ("line in"); a role word inside it does not ("built-in preamp")
            head_word = m.text.split()[-1]
            for side, side_words in g.port_role_words.items():
                if head_word in side_words or g.qualifier_roles.get(m.id) == side:
                    role = side
                    break
    balances = [m.id for m in group if m.kind == "balance"]
    levels = [m.id for m in group if m.kind == "level"]
    genders = [m.id for m in group if m.kind == "gender"]
    families = _merge_families([m.id for m in group if m.kind == "family"], g)
    # "the BLX4 receiver": the class word said after a product is part of its name, so a later "the receiver"
    # refers back to it
    device_texts = [
        " ".join([m.text] + [n.text for n in devices if n.start == m.end and not ontology.devices[n.id].kind])
        for m in devices
        if m.id == device
    ]
    return Stop(
        device=device,
        device_text=device_texts[0] if device_texts else "",
        qualifiers=qualifiers,
        role=role,
        families=tuple(families),
        gender=genders[-1] if genders else None,
        balance=balances[-1] if balances else None,
        formats=tuple(m.id for m in group if m.kind == "format"),
        level=levels[-1] if levels else None,
        text=" ".join(m.text for m in group),
        position=group[0].start,
        dual=any(m.kind == "dual" for m in group),
        channels=_channels_said(group, g),
        numbered=any(
            m.kind == "role" and m.id == "in" and _small_number(tokens[m.end : m.end + 1]) for m in group
        ),
    )


def _small_number(words: list[str]) -> bool:
    """A channel number ("1", "12"), not a length or a year."""
    return bool(words) and words[0].isdigit() and len(words[0]) <= 2


def _channels_said(group: list[Mention], g: Grammar) -> str | None:
    """mono | stereo when the stop's words say so, alone ("a stereo RCA in") or inside a port phrase ("the stereo
    line input")."""
    said = [m.id for m in group if m.kind == "mono"]
    said += [
        g.channel_words[w] for m in group if m.kind == "port" for w in m.text.split() if w in g.channel_words
    ]
    return said[-1] if said else None


def _merge_stop(base: Stop, extra: Stop, g: Grammar) -> Stop:
    """Fold what a trailing phrase says ("... with RCA inputs") into the stop it describes."""
    return replace(
        base,
        device=base.device or extra.device,
        device_text=base.device_text or extra.device_text,
        qualifiers=tuple(dict.fromkeys(base.qualifiers + extra.qualifiers)),
        role=base.role or extra.role,
        families=tuple(_merge_families(list(base.families + extra.families), g)),
        gender=_jack_gender(base, extra),
        balance=extra.balance or base.balance,
        formats=base.formats + extra.formats,
        level=base.level or extra.level,
        text=f"{base.text} {extra.text}".strip(),
        dual=base.dual or extra.dual,
        channels=extra.channels or base.channels,
        numbered=base.numbered or extra.numbered,
    )


def _jack_gender(base: Stop, extra: Stop) -> str | None:
    """Both genders said of one port ("XLR male on the cable's end, into the monitor's XLR female input"): the
    port's own is the one its side has (XLR follows the signal: female inputs, male outputs); the other is the
    plug's."""
    if base.gender and extra.gender and base.gender != extra.gender:
        role = base.role or extra.role
        if role in XLR_JACK_GENDER:
            return XLR_JACK_GENDER[role]
    return base.gender or extra.gender


def _sentence_index(tokens: list[str]) -> list[int]:
    index, current = [], 0
    for tok in tokens:
        index.append(current)
        if tok in SENTENCE_END:
            current += 1
    return index


def _clause_index(tokens: list[str], stops: list[Stop], g: Grammar) -> list[int]:
    """Like _sentence_index, but a coordinator or clause opener followed by a subject ("..., and I plug ...",
    "so we ran ...") also starts a new clause when that clause names both ends of a link itself (gear, a link word,
    gear): what one clause owns is not linked to what the next one plugs in. A clause that points back ("and I'd
    like IT sent on to the desk") or names one end only continues the sentence."""
    sentence_of = _sentence_index(tokens)
    openers = g.coordinators | g.clause_openers
    candidates = [
        at
        for at, tok in enumerate(tokens[:-1])
        if at > 0
        and tok in openers
        and (
            tokens[at + 1] in g.clause_subjects
            or (tok in g.clause_openers and tokens[at + 1] in g.clause_possessives)
        )
        and not any(
            t in g.object_pronouns
            for t, sent in zip(tokens[at:], sentence_of[at:], strict=False)
            if sent == sentence_of[at]
        )
    ]
    breaks = []
    for at in candidates:
        # the clause runs to the next candidate or to the end of its sentence
        upto = next(
            (i for i in range(at + 1, len(tokens)) if i in candidates or sentence_of[i] != sentence_of[at]),
            len(tokens),
        )
        here = sorted(s.position for s in stops if at < s.position < upto)
        # ("... into the recorder's input SET TO mic": a setting, not a link)
        if here and any(
            tokens[i] in g.link_words
            and tokens[i - 1] not in g.setting_verbs
            and not _infinitive_mark(tokens, i, g)
            for i in range(here[0], here[-1])
        ):
            breaks.append(at)
    index, current = [], 0
    for at, tok in enumerate(tokens):
        if at in breaks:
            current += 1
        index.append(current)
        if tok in SENTENCE_END:
            current += 1
    return index


def _asking_sentences(tokens: list[str], sentence_of: list[int], g: Grammar) -> set[int]:
    """The sentences that ask: those ending in "?", and those opening with a question word, which posts often end
    with a full stop ("What lead goes mic -> recorder.")."""
    asking = {sentence_of[i] for i, tok in enumerate(tokens) if tok == "?"}
    starts = [i for i in range(len(tokens)) if i == 0 or sentence_of[i] != sentence_of[i - 1]]
    return asking | {sentence_of[i] for i in starts if tokens[i] in g.question_openers}


def _elements(
    tokens: list[str], mentions: list[Mention], ontology: Ontology
) -> tuple[list[Stop], list[CableSpec], bool]:
    """Turn mention groups into stops (gear ends) and cables, attaching trailing descriptions to their stop."""
    sentence_of = _sentence_index(tokens)
    question_sentences = {sentence_of[i] for i, tok in enumerate(tokens) if tok == "?"}
    arrows = any(m.kind == "sep" and m.id == "arrow" for m in mentions)
    g = _grammar(ontology)
    groups = _said_balance_of_a_side(_groups(tokens, mentions, ontology, g), tokens, g)

    # "X to Y" between two connector-only phrases is one cable ("TRS-to-TS", "XLR-female-to-TRS cable").
    merged: list[list[Mention]] = []
    i = 0
    while i < len(groups):
        group = groups[i]
        if (
            i + 2 < len(groups)
            and _connector_only(group)
            and groups[i + 1][0].kind == "sep"
            and groups[i + 1][0].id in {"leads_to", "arrow"}
            and _connector_only(groups[i + 2], allow_cableword=True)
            # "... the speakers have XLR as well. I plan TO run jack into jack": a "to" that belongs to a verb in
            # another clause joins nothing; it must stand between the two
            and all(tok in g.fillers or tok == "-" for tok in tokens[group[-1].end : groups[i + 1][0].start])
            # (one word may describe the far end: "mini jack to ONE xlr")
            and _close_words(tokens[groups[i + 1][0].end : groups[i + 2][0].start])
            and not (
                i + 3 < len(groups)
                and groups[i + 3][0].kind in {"role", "port"}
                and groups[i + 3][0].start == groups[i + 2][-1].end
            )
        ):
            joint = Mention("cableword", "explicit", "", group[-1].end, group[-1].end)
            merged.append(group + [joint] + groups[i + 2])
            i += 3
            continue
        if (
            _connector_only(group)
            and _said_of_every_end(tokens, group[-1].end, g)
            and not _describes_cable_before(merged, group, tokens, g)
        ):
            # "jack plugs at both ends, please": a cable with that connector at each end
            group = group + [Mention("cableword", "every_end", "", group[-1].end, group[-1].end)]
        merged.append(group)
        i += 1

    stops: list[Stop] = []
    cables: list[CableSpec] = []
    pending_attach: str | None = None
    attach_end = 0
    attach_word = ""
    both = False
    skip_alternatives = (
        0  # how many of the next groups only list the other jacks of gear whose jack was chosen
    )
    loose: list[tuple[int, list[Mention]]] = []
    device_end: int | None = None  # where the last gear phrase ended, while nothing has come between
    stop_end: int | None = None  # where the last phrase that made or described a stop ended
    described_end = 0  # where the last connector phrase said to be what a stop is ended
    both_sentence = -1
    both_end = 0
    # "a cable with the big jack plug on one end and the round three-pin plug on the other": a cable word with
    # no connector of its own, then "with" and connector phrases, is a cable of those plugs
    described_until = -1
    for index, group in enumerate(merged):
        head = group[0]
        if index <= described_until:
            continue
        if both and sentence_of[head.start] != both_sentence:
            # "Both are XLR. ... the X32 side is male": "both" reaches to its sentence's end only
            both = False
        if head.kind in {"sep", "attach", "phantom", "both"}:
            device_end = None
        # "... plus the TRRS socket of the tablet": the phrase belongs to the gear after "of"/"on", not before
        owned_next = (
            index + 2 < len(merged)
            and merged[index + 1][0].kind == "attach"
            and merged[index + 1][0].id == "owner"
            and any(m.kind == "device" for m in merged[index + 2])
            and sentence_of[merged[index + 2][0].start] == sentence_of[head.start]
            and _close_words(tokens[merged[index + 1][0].end : merged[index + 2][0].start])
            and _close_words(tokens[group[-1].end : merged[index + 1][0].start])
            # "a USB-C socket ON IT and the laptop ...": the pronoun is the owner, the gear after it is not
            and not set(tokens[merged[index + 1][0].end : merged[index + 2][0].start])
            & set(g.object_pronouns)
        )
        if head.kind in {"sep", "phantom"}:
            pending_attach = None
            continue
        if head.kind == "attach":
            pending_attach = head.id
            attach_end = head.end
            attach_word = head.text
            continue
        if head.kind == "both":
            of_two = _both_of_two_connectors(tokens, merged[index + 1 : index + 3], g)
            both = not of_two
            both_sentence = sentence_of[head.start]
            both_end = group[-1].end
            named = {m.id for grp in merged[index + 1 : index + 3] for m in grp if m.kind == "family"}
            # "use the XLR inputs on the monitors (they have both XLR and TRS)": the jack chosen stays chosen;
            # the gear's other jack is only what else it has
            chosen = (
                of_two and bool(stops) and len(stops[-1].families) == 1 and stops[-1].families[0] in named
            )
            skip_alternatives = 2 if chosen else 0
            continue
        if skip_alternatives:
            skip_alternatives -= 1
            if {m.kind for m in group} <= {"family", "role", "port"}:
                continue
            skip_alternatives = 0
        if pending_attach and set(tokens[attach_end : head.start]) & BREAKERS:
            pending_attach = None
        if _negated(tokens, head.start, g):
            continue  # "(not the hi-z one)" names what the user is NOT using
        kinds = {m.kind for m in group}
        explicit = any(m.kind == "cableword" and m.id == "explicit" for m in group)
        is_cable = (
            explicit
            or bool(kinds & {"cable", "cableword"})
            or (
                kinds <= {"family", "gender", "dual", "mono"}
                and len([m for m in group if m.kind == "family"]) >= 2
            )
        )
        # "headset cables", "monitor cables": gear words describing a cable, not gear in the link
        describes_cable = bool(kinds & {"cable", "cableword"}) and not kinds & {"port", "role"}
        if is_cable and (describes_cable or not kinds & {"device", "port", "role"}):
            cable = _cable_from_group(group, ontology, explicit=explicit)
            if cable.ends or cable.kind != "signal":
                cables.append(cable)
            elif (
                index + 1 < len(merged)
                and merged[index + 1][0].kind == "attach"
                and merged[index + 1][0].id == "describes"
            ):
                described_until, described = _described_cable(merged, index, sentence_of, ontology)
                cables.extend(described)
            owner = [m for m in group if m.kind == "device"]
            if owner and owner[0].start == head.start:
                # "the phone's aux cable", "my keyboard lead": the gear the cable comes from is part of the link
                stops.append(_stop_from_group(owner, g, ontology, tokens))
            pending_attach = None
            continue
        stop = _stop_from_group(group, g, ontology, tokens)
        # "RCA inputs", "XLR outs": a connector with a role word is a port of unnamed gear
        # "RCA inputs", "a balanced mono input": a role word with a connector or a balance is a port of unnamed gear
        describes_gear = bool(kinds & {"device", "port"}) or (
            "role" in kinds and bool(kinds & {"family", "balance", "mono", "format"})
        )
        # "my output module HAS 3.5mm mono jacks": a side named of gear the lexicon does not know, then described
        describes_gear = (
            describes_gear
            or (
                kinds == {"role"}
                and group[-1].text not in g.role_prepositions  # "patched IN with a jack lead" names no side
                and index + 1 < len(merged)
                and (
                    (
                        merged[index + 1][0].kind == "attach"
                        and merged[index + 1][0].id == "describes"
                        and merged[index + 1][0].start - group[-1].end <= 1
                    )
                    # "the desk's sound input IS one 3.5 mm socket": a side of no gear said to be a connector
                    # ("ITS input is the round kind" is the gear's, said of it below)
                    or (
                        pending_attach is None
                        and tokens[group[-1].end : group[-1].end + 1] in [[w] for w in g.predicate_words]
                        and merged[index + 1][0].kind == "family"
                        and merged[index + 1][0].start - group[-1].end <= 4
                    )
                )
            )
        )
        # "lands in input 2 on our desk": a numbered side of the gear named after it
        describes_gear = describes_gear or (kinds == {"role"} and stop.numbered and owned_next)
        if not describes_gear:
            # Connector, balance, level or format words alone: they describe a neighbour or are the cable itself.
            if not kinds & {"family", "balance", "format", "level", "gender"}:
                if kinds == {"mono"} and cables and _says_mono_of(cables[-1], group, tokens, sentence_of, g):
                    # "old quarter-inch leads from a drawer, mono plugs": the cable's plugs carry one conductor
                    cables[-1] = _mono_cable(cables[-1], ontology)
                pending_attach = None
                continue
            if owned_next:
                stops.append(stop)  # "the TRRS socket of the tablet": the owner merge below takes it
            elif _level_sent_on(group, merged[index + 1 : index + 2], tokens, ontology):
                # "line-level playback into a mic input": a level said to go into something is the sending end
                level = next(m.id for m in group if m.kind == "level")
                stops.append(replace(stop, qualifiers=(level,), role="out"))
            elif (
                both and stops and (said_of := _said_of_both(stops, both_end, head.start, tokens)) is not None
            ):
                stops = [_merge_stop(s, stop, g) if i in said_of else s for i, s in enumerate(stops)]
            elif _received_past_a_link_word(group, merged[:index], stops, tokens, sentence_of):
                # "the desk's XLR output into that quarter-inch socket": the jack past "into" is where it goes
                stops.append(replace(stop, role="in"))
            elif (
                pending_attach
                and stops
                and sentence_of[head.start] == sentence_of[stops[-1].position]
                and not _describes_a_cable(group, len(stops), stops, cables, sentence_of, ontology)
            ):
                stops[-1] = _merge_stop(stops[-1], stop, g)
            elif (
                stops
                # a balance, or a format ("the optical in is ADAT only"), said of the port before
                and bool(kinds & {"balance", "format"})
                and kinds <= {"balance", "family", "format"}
                # "A Juno-DS. Its handbook gives its outputs as unbalanced": the sentence that last described the gear
                and sentence_of[head.start]
                in {sentence_of[stops[-1].position], sentence_of[(stop_end or stops[-1].position + 1) - 1]}
                and (
                    # "the outs are balanced TRS": said of the gear, even inside a question
                    (head.start > 0 and tokens[head.start - 1] in g.predicate_words | g.naming_words)
                    # "the desk's main outs (balanced, says its spec sheet)", "the aux out (the manual calls it
                    # impedance balanced)": an aside in brackets opened right after the gear
                    or (
                        stop_end is not None
                        and tokens[stop_end : stop_end + 1] == ["("]
                        and head.start - stop_end <= ASIDE_WORDS
                        and not set(tokens[stop_end + 1 : head.start]) & (BREAKERS | {")"})
                    )
                    # "amp rack input, balanced.": an aside closing the phrase it follows
                    # ("the main out is a big jack, unbalanced": or the connector said of it after it)
                    or (
                        stop_end is not None
                        and _only_a_comma_after_the_jack(tokens[max(stop_end, described_end) : head.start], g)
                        and _ends_clause(tokens, group[-1].end)
                    )
                    or (
                        sentence_of[head.start] not in question_sentences
                        and set(tokens[max(0, head.start - 3) : head.start])
                        & (g.predicate_words | g.naming_words)
                    )
                )
            ):
                stops[-1] = _merge_stop(stops[-1], stop, g)
            else:
                loose.append((len(stops), group))
                if stops and _word_before_is(tokens, head.start, g.predicate_words, g):
                    described_end = group[-1].end  # "the main out IS a big jack": said of the stop before
            pending_attach = None
            continue
        if (
            pending_attach == "owner"
            and stops
            and stops[-1].device is None
            and stop.device
            # "... its TRS outs. Receiving end: two OF the monitors": an "of" in the next sentence owns nothing before it
            and sentence_of[attach_end - 1] == sentence_of[stops[-1].position]
            and not (
                stops[-1].role == "out" and _gear_past_a_separator(stops[-1], head.start, merged[:index])
            )
        ):
            stops[-1] = _merge_stop(stop, stops[-1], g)
        elif (
            pending_attach == "owner"
            and attach_word in g.placement_words
            and stops
            and _placed_on_a_source(stops[-1], stop, ontology)
        ):
            # "an active DI ON the bass, XLR out to the stagebox": the bass feeds the DI, which goes on down the line
            stops.insert(len(stops) - 1, stop)
        elif (
            pending_attach == "owner"
            and attach_word in g.placement_words
            and stops
            and stop_end is not None
            and attach_end - 1
            == stop_end  # right after the mic's words: "the SM57 ON the cab", not "input 2 ON"
            and _mic_placed_on(stops[-1], stop, ontology)
        ):
            # "the SM57 ON the guitar cab": the mic hears the cab through the air; no cable joins them
            pass
        elif (
            pending_attach == "owner"
            and stops
            and stops[-1].device
            and stop.device is None
            and not owned_next
            and head.start - attach_end <= 2  # "on a combo jack", not "on the back (the small ... one)"
            and sentence_of[head.start] == sentence_of[stops[-1].position]
            # "condenser INTO the 1/4 hole of the combo jack": past a separator the port is the next stop's
            and not any(
                grp[0].kind == "sep" and (stop_end or 0) <= grp[0].start < head.start
                for grp in merged[:index]
            )
            and not (stops[-1].role and stop.role and stops[-1].role != stop.role)
            and _can_have(stops[-1], stop.role, ontology)
        ):
            # "the speakers take XLR or 1/4 on a combo jack": a port right after "on" is the gear's own
            stops[-1] = _merge_stop(stops[-1], stop, g)
        elif (
            both
            and stop.device is None
            and not owned_next
            and (said_of := _said_of_both(stops, both_end, head.start, tokens)) is not None
            and len(gear_said := [i for i in said_of if stops[i].device]) >= 2
            and all(_has_the_port(stops[i], stop, ontology) for i in gear_said)
        ):
            # "Each of them has BNC clock jacks" ("both have ..."): a port said of both is each named gear's own (when
            # each has it: "left plug in ch 7 ... (both line inputs)" is not said of the phone)
            stops = [_merge_stop(s, stop, g) if i in gear_said else s for i, s in enumerate(stops)]
        elif (
            pending_attach == "describes"
            and stops
            and stop.device is None
            and not owned_next
            # "a desk with XLR outs, and a hi-fi that has RCA ins": an input is not the desk's
            and not (stops[-1].role and stop.role and stops[-1].role != stop.role)
            and _can_have(stops[-1], stop.role, ontology)
        ):
            stops[-1] = _merge_stop(stops[-1], stop, g)
        elif (
            stop.device is None
            and pending_attach is None
            and device_end is not None
            and stops
            and stops[-1].device
            and not owned_next
            and _close_words(tokens[device_end : head.start])
            and not (stops[-1].role and stop.role and stops[-1].role != stop.role)
            and _can_have(stops[-1], stop.role, ontology)
        ):
            # "the interfaces two balanced outs": ports right after gear, with no word joining them, are its own
            stops[-1] = _merge_stop(stops[-1], stop, g)
        elif _describes_the_stop_before(stop, stops, tokens[stop_end : head.start], sentence_of, g):
            stops[-1] = _merge_stop(stops[-1], stop, g)
        elif (
            stop.device is None
            and stops
            and stops[-1].device
            and not owned_next
            and sentence_of[head.start] == sentence_of[stops[-1].position]
            and _said_to_be(tokens, head.start, g)
            and not (stops[-1].role and stop.role and stops[-1].role != stop.role)
            and _can_have(stops[-1], stop.role, ontology)
        ):
            # "a CD player whose only digital out IS a coaxial S/PDIF jack": a port said to be what the gear's side
            # is, is that gear's
            stops[-1] = _merge_stop(stops[-1], stop, g)
        else:
            stops.append(stop)
        device_end = group[-1].end if stops[-1].device else None
        stop_end = group[-1].end
        pending_attach = None

    # Connector-only phrases left over: between two stops they are the cable; with no stops they are the cable;
    # otherwise they describe the stop before them.
    for stop_count, group in loose:
        if not any(m.kind == "family" for m in group):
            continue
        if not stops or (arrows and 0 < stop_count < len(stops)):
            cables.append(_cable_from_group(group, ontology, explicit=False))
        elif _describes_a_cable(group, stop_count, stops, cables, sentence_of, ontology):
            continue  # "two guitar cables, the 1/4-inch ones with one black ring": the cable's plugs, not gear's
        elif stop_count == 0 and sentence_of[group[0].start] != sentence_of[stops[0].position]:
            continue  # "the TRS ones are too short. If I use the XLR jacks on the HS5s ...": not the HS5s' jacks
        else:
            at = max(0, stop_count - 1)
            said = _stop_from_group(group, g, ontology, tokens)
            listed = set(stops[at].families) or _jacks_of_named_port(stops[at], ontology)
            if said.families and set(said.families) < listed and _preferred(tokens, group[0].start, g):
                # "its inputs take XLR or jack, we prefer the XLR": of the jacks listed, the one chosen
                stops[at] = replace(stops[at], families=said.families)
            else:
                stops[at] = _merge_stop(stops[at], said, g)
    stops = _ports_to_their_gear(stops, tokens, sentence_of, ontology, g)
    stops = _same_gear(stops, tokens, mentions, ontology, g)
    stops = _spread_link_format(stops, sentence_of, ontology)
    stops = _jacks_chosen(stops, mentions, tokens, g)
    return _sentence_stops(stops, tokens, arrows, g, ontology), cables, arrows


def _jacks_chosen(stops: list[Stop], mentions: list[Mention], tokens: list[str], g: Grammar) -> list[Stop]:
    """ "the Adams offer RCA, XLR and TRS sockets; we will use their XLR ones": of the jacks listed for one piece
    of gear, the one a later choice or use word picks is the one in use."""
    listing = [i for i, stop in enumerate(stops) if len(stop.families) >= 2]
    if len(listing) != 1:
        return stops  # (which gear's jacks a choice picks from is not clear)
    at = listing[0]
    chosen = {
        m.id
        for i, m in enumerate(mentions)
        if m.kind == "family"
        and m.start > stops[at].position
        and m.id in stops[at].families
        and (_preferred(tokens, m.start, g) or _used_the(tokens, m.start, g))
        # ("the last guy was USING 1/4 cables": a cable's plug, not one of the gear's jacks)
        and not (
            i + 1 < len(mentions)
            and mentions[i + 1].kind in ("cable", "cableword", "family")
            and mentions[i + 1].start - m.end <= 1
        )
    }
    if len(chosen) != 1:
        return stops
    return [replace(stop, families=tuple(chosen)) if i == at else stop for i, stop in enumerate(stops)]


def _level_sent_on(
    group: list[Mention], following: list[list[Mention]], tokens: list[str], ontology: Ontology
) -> bool:
    """A level phrase ("line level", "line-level playback") followed at once by a link word ("into", "to")."""
    levels = [m.id for m in group if m.kind == "level"]
    return (
        len(levels) == 1
        and {m.kind for m in group} <= {"level", "balance"}
        and "out" in ontology.generic_ports.get(levels[0], {})
        and bool(following)
        and following[0][0].kind == "sep"
        and following[0][0].id == "leads_to"
        and _close_words(tokens[group[-1].end : following[0][0].start])
    )


def _described_cable(
    groups: list[list[Mention]], index: int, sentence_of: list[int], ontology: Ontology
) -> tuple[int, list[CableSpec]]:
    """The cable a bare cable word (groups[index]) and the connector phrases after its "with" describe, one plug
    each, and the last group they take; none unless they name both ends ("long cables with an XLR on one end":
    the other end is not said, and the phrase is left to describe what it may)."""
    sentence = sentence_of[groups[index][0].start]
    connectors: list[list[Mention]] = []
    last = index
    for later in range(index + 1, len(groups)):
        group = groups[later]
        if group[0].kind == "attach":
            continue
        if not (_connector_only(group) and sentence_of[group[0].start] == sentence):
            break
        connectors.append(group)
        last = later
    if len(connectors) < 2:
        return -1, []
    mentions = [m for m in groups[index] if m.kind != "cableword"]
    for i, group in enumerate(connectors):
        if i:
            mentions.append(Mention("cableword", "explicit", "", group[0].start, group[0].start))
        mentions.extend(group)
    cable = _cable_from_group(mentions, ontology, explicit=True)
    return (last, [replace(cable, position=groups[index][0].start)]) if cable.ends else (-1, [])


def _describes_a_cable(
    group: list[Mention],
    stop_count: int,
    stops: list[Stop],
    cables: list[CableSpec],
    sentence_of: list[int],
    ontology: Ontology,
) -> bool:
    """A connector phrase that fits the plugs of a cable named after the gear before it, in its sentence: "two
    guitar cables, the 1/4-inch ones with one black ring" describes the cables, not the gear's jacks."""
    if stop_count == 0:
        return False
    last = len(sentence_of) - 1
    start = group[0].start
    gear_at = stops[stop_count - 1].position
    families = {m.id for m in group if m.kind == "family"}
    return bool(families) and any(
        gear_at < cable.position < start
        and sentence_of[min(cable.position, last)] == sentence_of[min(start, last)]
        and families <= ontology.related_families(cable.ends)
        for cable in cables
    )


def _said_balance_of_a_side(
    groups: list[list[Mention]], tokens: list[str], g: Grammar
) -> list[list[Mention]]:
    """ "the output is impedance-balanced", "the inputs are balanced too", "the output jack is mono and
    unbalanced": a side word and the balance said of it are one end of the link, even with no gear named."""
    out: list[list[Mention]] = []
    for group in _descriptions_joined(groups, tokens, g):
        prev = out[-1] if out else None
        between = tokens[prev[-1].end : group[0].start] if prev is not None else []
        if (
            prev is not None
            and {m.kind for m in prev} == {"role"}
            and {m.kind for m in group} <= {"balance", "family", "mono"}
            and any(m.kind == "balance" for m in group)
            and 0 < len(between) <= 3
            and set(between) & g.predicate_words
            and set(between) <= g.predicate_words | g.fillers
        ):
            out[-1] = prev + group
        else:
            out.append(group)
    return out


def _descriptions_joined(groups: list[list[Mention]], tokens: list[str], g: Grammar) -> list[list[Mention]]:
    """ "mono and unbalanced": channel and balance words joined by one coordinator describe one thing."""
    out: list[list[Mention]] = []
    describing = {"mono", "balance"}
    for group in groups:
        prev = out[-1] if out else None
        if (
            prev is not None
            and {m.kind for m in prev} <= describing
            and {m.kind for m in group} <= describing
            and group[0].start - prev[-1].end == 1
            and tokens[prev[-1].end] in g.coordinators
        ):
            out[-1] = prev + group
        else:
            out.append(group)
    return out


def _said_of_both(stops: list[Stop], both_end: int, said_at: int, tokens: list[str]) -> set[int] | None:
    """Which stops a description after "both" is said of: the ones it lists ("both the console's outs and the amp's
    inputs are balanced"), or every end when it lists none and the description follows at once ("both are XLR",
    "both of them take XLR"). None when a clause lies between ("TRS plugs on both ends, which makes it balanced?")."""
    if set(tokens[both_end:said_at]) & BREAKERS:
        return None
    listed = {i for i, s in enumerate(stops) if both_end <= s.position < said_at}
    if listed:
        return listed
    return set(range(len(stops))) if said_at - both_end <= BOTH_REACH else None


def _has_the_port(gear: Stop, port: Stop, ontology: Ontology) -> bool:
    """The gear has a port of every word the port is named by, on the side it is said to be."""
    device = ontology.devices[gear.device] if gear.device else None
    if device is None or not port.qualifiers:
        return False
    sides = (
        [device.out, device.inputs]
        if port.role is None
        else [device.out if port.role == "out" else device.inputs]
    )
    return any(all(q in ports for q in port.qualifiers) for ports in sides)


def _both_of_two_connectors(tokens: list[str], following: list[list[Mention]], g: Grammar) -> bool:
    """ "the speakers take both XLR and 1/4-inch": "both" joins two connectors of one piece of gear, it does not say
    that every end named so far has them."""
    families = [m for group in following for m in group if m.kind == "family"]
    if len(families) < 2:
        return False
    between = tokens[families[0].end : families[1].start]
    return len(between) <= 2 and bool(g.coordinators & set(between))


def _placed_on_a_source(placed: Stop, on: Stop, ontology: Ontology) -> bool:
    """Gear that takes a signal, put on gear that only sends one (a DI on a bass): the second feeds the first.
    A mic on an amp takes no cable signal, and gear with inputs (a desk) is no source."""
    if not (placed.device and on.device) or placed.device == on.device:
        return False
    placed_gear, on_gear = ontology.devices[placed.device], ontology.devices[on.device]
    return bool(placed_gear.inputs and placed_gear.out and on_gear.out and not on_gear.inputs)


def _mic_placed_on(placed: Stop, on: Stop, ontology: Ontology) -> bool:
    """A microphone (gear sending a level of reading.yaml `placed_levels`, taking nothing) put on gear that takes
    no such level: a placement."""
    if not (placed.device and on.device) or placed.device == on.device:
        return False
    return _a_mic_on(placed.device, on.device, ontology)


def _a_mic_on(placed: str, on: str, ontology: Ontology) -> bool:
    """Whether the first gear is a microphone and the second gear a thing it can be put on (see _mic_placed_on)."""
    levels = _grammar(ontology).placed_levels
    mic, target = ontology.devices[placed], ontology.devices[on]
    sends = any(ontology.ports[p].level in levels for p in mic.out.values() if p in ontology.ports)
    takes = any(ontology.ports[p].level in levels for p in target.inputs.values() if p in ontology.ports)
    return sends and not mic.inputs and not takes


def _can_have(stop: Stop, role: str | None, ontology: Ontology) -> bool:
    """Whether the stop's gear has ports on that side (a monitor has no outputs; unknown gear may have any)."""
    if role is None or stop.device is None:
        return True
    device = ontology.devices[stop.device]
    return bool(device.out if role == "out" else device.inputs)


def _ports_to_their_gear(
    stops: list[Stop], tokens: list[str], sentence_of: list[int], ontology: Ontology, g: Grammar
) -> list[Stop]:
    """A port phrase of no named gear belongs to gear named just before that has ports on its side, when nothing
    links the two: "an interface and monitors. It has balanced outs and they have XLR inputs", "the monitors take
    TRS on their combo inputs". Gear that cannot have the port is passed over; the nearest that can takes it,
    unless a port of it is named already (then the port is some other gear's)."""
    drawn = {word for word, role in g.separators.items() if role == "arrow"}
    out = list(stops)
    i = 0
    while i < len(out):
        port = out[i]
        after = out[i + 1] if i + 1 < len(out) else None
        # "the mains come off the desk": a port word with no side, right before "off <gear>" that has it as an
        # output, is that output
        outputs_of_after = (
            set(ontology.devices[after.device].out) if after is not None and after.device else set()
        )
        if (
            port.device is None
            and port.role is None
            and port.qualifiers
            and set(port.qualifiers) <= outputs_of_after
        ):
            port = replace(port, role="out")
        if port.device is not None or port.role is None or _owned_by_unknown_gear(port, tokens, g):
            i += 1
            continue
        # "line outputs from a drum machine", "the mains come off the desk": an output named just before
        # "from <gear>" or "off <gear>" is that gear's
        comes_from = {word for word, role in g.separators.items() if role in ("comes_from", "taken_off")}
        if (
            port.role == "out"
            and after is not None
            and after.device
            and set(tokens[port.position : after.position]) & comes_from
            and len(tokens[port.position : after.position]) <= len(port.text.split()) + FROM_OWNER_REACH
        ):
            out[i + 1] = _merge_stop(after, port, g)
            del out[i]
            continue
        owner = None
        # "the band runs through an MG10XU. My bass goes right into a jack of its stereo channel": the
        # link word after gear that only sends joins it to the port; the port's gear is further back
        linked_from = port.position
        for j in range(i - 1, -1, -1):
            gear = out[j]
            if sentence_of[port.position] - sentence_of[gear.position] > 1:
                break
            between = set(tokens[gear.position : linked_from])
            if j == i - 1 and port.role == "in" and _only_sends(gear, ontology):
                linked_from = gear.position
                continue
            # "desk channel 1 -> MAIN OUT XLR -> speaker": in a drawn chain, an output drawn one arrow after gear
            # is that gear's way out, not gear of its own
            drawn_out = (
                port.role == "out"
                and j == i - 1
                and between & g.link_words <= drawn
                and sum(t in drawn for t in tokens[gear.position : port.position]) == 1
            )
            if between & g.link_words and not drawn_out:
                break
            if gear.device and _can_have(gear, port.role, ontology):
                # the nearest gear that could have the port: its own unless it already has a port named
                said = gear.role is not None and (gear.role != port.role or gear.families or gear.qualifiers)
                if not said:
                    owner = j
                break
        if owner is None and port.role == "out":
            owner = _sender_of_a_from_port(out, i, tokens, sentence_of, comes_from, ontology, g)
        if owner is None:
            i += 1
            continue
        out[owner] = _merge_stop(out[owner], port, g)
        del out[i]
    return out


def _owned_by_unknown_gear(port: Stop, tokens: list[str], g: Grammar) -> bool:
    """ "the module's output": a port said with a possessive of a word that names no gear the lexicon knows is that
    thing's, not a port of other gear named nearby ("it's output", a pronoun, still refers back)."""
    at = port.position
    return (
        at >= 2
        and tokens[at - 1] == "'s"
        and tokens[at - 2].isalpha()
        and tokens[at - 2] not in g.object_pronouns
    )


def _sender_of_a_from_port(
    stops: list[Stop],
    index: int,
    tokens: list[str],
    sentence_of: list[int],
    comes_from: set[str],
    ontology: Ontology,
    g: Grammar,
) -> int | None:
    """ "the 2i2 to the monitors with TRS cables from the line outs": an output introduced by "from", with no gear
    after it, is the output of the gear the sentence sends from (the gear right before "to"/"into"), when that
    gear could have it and no port of it is named yet."""
    port = stops[index]
    before = [t for t in tokens[max(0, port.position - 3) : port.position] if t not in g.fillers]
    if not before or before[-1] not in comes_from:
        return None
    if index + 1 < len(stops) and sentence_of[stops[index + 1].position] == sentence_of[port.position]:
        return None
    leads_to = {word for word, role in g.separators.items() if role == "leads_to"}
    for j in range(index):
        gear = stops[j]
        if sentence_of[gear.position] != sentence_of[port.position] or not gear.device:
            continue
        following = stops[j + 1].position if j + 1 < len(stops) else port.position
        sends = bool(set(tokens[gear.position : following]) & leads_to)
        if sends and gear.role is None and _can_have(gear, "out", ontology):
            return j
    return None


APPOSITION_SPAN = 8  # tokens between a class word and the product that names it ("interface is a umc404hd")


def _same_gear(
    stops: list[Stop], tokens: list[str], mentions: list[Mention], ontology: Ontology, g: Grammar
) -> list[Stop]:
    """ "My interface is a UMC404HD", "the mixer (an X32)": a product next to its own class is one device."""
    out: list[Stop] = []
    for stop in stops:
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.device
            and stop.device
            and (
                ontology.devices[stop.device].kind == prev.device
                or ontology.devices[prev.device].kind == stop.device
            )
            and 0 < stop.position - prev.position <= APPOSITION_SPAN
            and not any(m.kind == "sep" and prev.position < m.start < stop.position for m in mentions)
            # "... owns a Yamaha MG10XU. Next, the Xenyx main out ...": a new sentence names other gear
            and not set(tokens[prev.position : stop.position]) & SENTENCE_END
        ):
            product, other = (
                (stop, prev) if ontology.devices[stop.device].kind == prev.device else (prev, stop)
            )
            out[-1] = replace(_merge_stop(product, other, g), position=prev.position)
            continue
        if (
            prev is not None
            and prev.device
            and stop.device == prev.device
            and 0 < stop.position - prev.position <= 3
            and not any(prev.position < m.start < stop.position for m in mentions)
            and _close_words([t for t in tokens[prev.position + 1 : stop.position] if t != ":"])
        ):
            # "a Mackie ProFX mixer": a maker read as its class, a model word not known, then the class itself;
            # "the actor mics: Shure wireless receivers": a colon names what the class word meant
            out[-1] = replace(_merge_stop(prev, replace(stop, device_text=""), g), position=prev.position)
            continue
        out.append(stop)
    return out


def _devices_before(context: Mapping[str, Any] | None, ontology: Ontology) -> tuple[str, ...]:
    """The gear the conversation named before this turn, as the context remembers it (known ids only: a context
    comes back from the client)."""
    if not isinstance(context, Mapping) or context.get("v") != CONTEXT_VERSION:
        return ()
    named = context.get("devices") or []
    return tuple(d for d in named if isinstance(d, str) and d in ontology.devices)


def _gear_before(context: Mapping[str, Any] | None, ontology: Ontology) -> dict[str, str]:
    """Words that name gear met before this turn, each with its device: the last word of every name of gear the
    answer before told the user to put in ("use a DI box": box), then the last word the conversation used for
    its gear ("the sound module": module)."""
    if not isinstance(context, Mapping) or context.get("v") != CONTEXT_VERSION:
        return {}
    words: dict[str, str] = {}
    for device in context.get("suggested") or []:
        if isinstance(device, str) and device in ontology.devices:
            for alias in ontology.devices[device].aliases:
                if " " in alias:
                    words.setdefault(alias.split()[-1], device)
    for link in context.get("links") or []:
        for end in ("source", "dest"):
            stop = link.get(end) if isinstance(link, Mapping) else None
            said = stop.get("device_text") if isinstance(stop, Mapping) else None
            device = stop.get("device") if isinstance(stop, Mapping) else None
            if isinstance(said, str) and said.strip() and device in ontology.devices:
                words.setdefault(said.split()[-1], device)
    return words


def _nouns_naming_gear_before(
    mentions: list[Mention], tokens: list[str], lexicon: Lexicon, g: Grammar, before: dict[str, str]
) -> list[Mention]:
    """ "(use a DI box) ... right, which lead from the bass into THAT BOX": in a follow-up, a plain noun after a
    determiner that ends a name of gear met before (_gear_before) is that gear."""
    if not before:
        return mentions
    covered = {i for m in mentions for i in range(m.start, m.end)}
    added = [
        Mention("device", before[tok], tok, i, i + 1)
        for i, tok in enumerate(tokens)
        if tok in before
        and i not in covered
        and tok not in lexicon.reach
        and i > 0
        and (tokens[i - 1] in g.determiners or tokens[i - 1] in g.object_pronouns)  # "the box", "THAT box"
    ]
    return sorted(mentions + added, key=lambda m: (m.start, m.end)) if added else mentions


def _classes_naming_gear_before(
    mentions: list[Mention], tokens: list[str], ontology: Ontology, g: Grammar, before: tuple[str, ...]
) -> list[Mention]:
    """ "my active speakers ..." then "and the preamp to THE SPEAKERS, which lead?": in a follow-up, a class word
    after a determiner is the one piece of gear of a narrower class the conversation named."""
    if not before:
        return mentions
    out = []
    for m in mentions:
        if m.kind == "device" and m.start > 0 and tokens[m.start - 1] in g.determiners:
            narrower = [d for d in before if d != m.id and m.id in ontology.class_chain(d)]
            if len(narrower) == 1:
                m = replace(m, id=narrower[0])
        out.append(m)
    return out


def _products_before(context: Mapping[str, Any] | None, ontology: Ontology) -> tuple[str, ...]:
    """The products (not classes) the conversation named before, for a follow-up's short names."""
    return tuple(d for d in _devices_before(context, ontology) if ontology.devices[d].kind)


def _brand_references(
    tokens: list[str],
    mentions: list[Mention],
    ontology: Ontology,
    g: Grammar,
    products_before: tuple[str, ...] = (),
) -> list[Mention]:
    """ "A Crown XLS 1002 power amp ... the XLR inputs on the Crown": once a product is named in full, its maker's
    name alone refers back to it, and so does a model word of letters and digits ("Audient iD44 ... the iD44").
    In a follow-up the products of the question before count as named ("Scarlett 2i2 and Rokit 5s" then "so
    Scarlett line outs -> KRK?"), even where the short name is also a class word."""
    mentions = _earlier_products_named_short(tokens, mentions, ontology, g, products_before)
    mentions = _class_words_naming_a_product_before(tokens, mentions, ontology, g)
    lexicon = lexicon_for(ontology)
    covered = {i for m in mentions for i in range(m.start, m.end)}
    brands: dict[str, Mention] = {}
    inner: dict[str, Mention] = {}
    tails: dict[tuple[str, ...], Mention] = {}
    added: list[Mention] = []
    # "Arturia KeyStep into the Korg MS-20 mini" then "does that lead bring the KORG's sound back?": in a
    # follow-up the products named before are named in full before this text starts
    named_before = [
        Mention("device", product, alias, 0, 0)
        for product in products_before
        for alias in ontology.devices[product].aliases
        # the names that start with the maker ("tascam model 16", not "model 16": "the model" is a word)
        if alias.split()[0] == ontology.devices[product].name.split()[0].lower()
    ]
    # "two HS7s ... the sockets of the YAMAHAS": the maker of a product named by its model alone, said after a
    # determiner (a maker's name right before a class word is another product of theirs: "a Yamaha mixer")
    unsaid_makers: dict[str, Mention] = {}
    for m in named_before + sorted(mentions, key=lambda m: m.start):
        words = m.text.split()
        if m.kind == "device" and ontology.devices[m.id].kind:
            maker = ontology.devices[m.id].name.split()[0].lower()
            if words[0] != maker and maker not in g.fillers:
                unsaid_makers.setdefault(maker, m)
        if (
            m.kind == "device"
            and ontology.devices[m.id].kind
            and len(words) > 1
            and words[0] not in g.fillers
        ):
            brands.setdefault(words[0], m)
            # "a Roland Juno-DS61 ... the Juno's MIDI OUT": the name said after the maker's, when the product
            # also goes by a name that starts with it (kb/gear.yaml aliases: "juno ds61")
            if len(words) > 2 and any(a.split()[0] == words[1] for a in ontology.devices[m.id].aliases):
                brands.setdefault(words[1], m)
            for word in words[1:]:
                if any(c.isdigit() for c in word) and word[0].isalpha():
                    brands.setdefault(word, m)
            # "a Blue Yeti ... connect the YETI": the model's own name, when it names nothing else alone
            last = words[-1]
            if (
                len(last) >= MODEL_NAME_LETTERS
                and last.isalpha()
                and last not in g.fillers
                and (last,) not in lexicon.phrases
            ):
                brands.setdefault(last, m)
            # "a Universal Audio Volt 276 ... the outs on the VOLT": a model word inside the name, said
            # again after a determiner, when it is no English word ("the model", "the twin": kb/words.txt)
            # "a Universal Audio Volt 2 ... -> Volt 2 monitor outs": the model's name and number, said again
            if len(words) > 2 and any(c.isdigit() for c in words[-1]) and words[-2].isalpha():
                tails.setdefault((words[-2], words[-1]), m)
            for word in words[1:-1]:
                if (
                    len(word) >= INNER_MODEL_LETTERS
                    and word.isalpha()
                    and word not in g.fillers
                    and word not in lexicon.known_words
                    and (word,) not in lexicon.phrases
                ):
                    inner.setdefault(word, m)
    device_starts = {m.start for m in mentions if m.kind == "device"}
    added += _makers_said_again(tokens, mentions, covered, ontology, g)
    added += _series_said_alone(tokens, mentions, covered | {m.start for m in added}, ontology, g)
    for i, tok in enumerate(tokens):
        # "a pair of Kali LP-6s ... the XLR inputs on the KALIS": the maker's name in the plural names the pair
        # (a short word ending in "s" is too likely another word: "us", "its")
        first = brands.get(tok) or (brands.get(tok[:-1]) if len(tok) > 3 and tok.endswith("s") else None)
        if first is None and i > 0 and tokens[i - 1] in g.determiners:
            first = inner.get(tok)
            if first is None and i + 1 not in device_starts:
                first = unsaid_makers.get(tok) or unsaid_makers.get(tok[:-1])
        tail = tails.get(tuple(tokens[i : i + 2]))
        if first is None and tail is not None and i >= tail.end and not covered & {i, i + 1}:
            added.append(Mention("device", tail.id, " ".join(tokens[i : i + 2]), i, i + 2))
            covered |= {i, i + 1}
            continue
        if (
            first is not None
            and i >= first.end
            and i not in covered
            and not _another_model(tokens, i, covered)
        ):
            added.append(Mention("device", first.id, tok, i, i + 1))
    return sorted(mentions + added, key=lambda m: (m.start, -m.end)) if added else mentions


def _class_words_naming_a_product_before(
    tokens: list[str], mentions: list[Mention], ontology: Ontology, g: Grammar
) -> list[Mention]:
    """ "a Tascam US-16x08 ... between the X32 and the Tascam": a maker's name that is also a class word (Tascam
    and Zoom make recorders too), said again after a determiner, is the product of that maker the question named
    before it, not some other gear of the class."""
    named: dict[str, str] = {}
    out = []
    for m in sorted(mentions, key=lambda m: m.start):
        if m.kind == "device" and ontology.devices[m.id].kind:
            maker = ontology.devices[m.id].name.split()[0].lower()
            if len(m.text.split()) > 1 and m.text.split()[0] == maker:
                named[maker] = m.id
        product = named.get(m.text) if m.kind == "device" and not ontology.devices[m.id].kind else None
        if product is not None and m.start > 0 and tokens[m.start - 1] in g.determiners:
            m = Mention("device", product, m.text, m.start, m.end)
        out.append(m)
    return out


def _makers_said_again(
    tokens: list[str], mentions: list[Mention], covered: set[int], ontology: Ontology, g: Grammar
) -> list[Mention]:
    """ "a small Marantz hi-fi amp ... the Marantz only has RCA ins": a maker of gear.yaml's products said right
    before a class of gear, then alone after a determiner, is that gear (an unknown model of a known maker)."""
    makers = _makers(ontology)
    said_before: dict[str, Mention] = {}
    for m in mentions:
        at = m.start - 1
        if m.kind == "device" and not ontology.devices[m.id].kind and at >= 0 and at not in covered:
            if tokens[at] in makers:
                said_before.setdefault(tokens[at], m)
    starts = {m.start for m in mentions}
    return [
        Mention("device", said_before[tok].id, tok, i, i + 1)
        for i, tok in enumerate(tokens)
        if tok in said_before
        and i > said_before[tok].end
        and i not in covered
        and tokens[i - 1] in g.determiners
        and i + 1 not in starts
    ]


SERIES_PRODUCTS = 2  # products whose names start with a word before it is the name of a series
SERIES_LETTERS = 4  # a shorter word is too likely another one


@functools.lru_cache(maxsize=8)
def _series(ontology: Ontology) -> dict[str, str]:
    """Series names and the device class of all their products: the word a product's names start with after the
    maker ("Fireface" of "RME Fireface UFX II" and "UCX II"), shared by two or more products of one class and no
    English word or phrase of the lexicon."""
    lexicon = lexicon_for(ontology)
    classes: dict[str, set[str]] = {}
    products: dict[str, set[str]] = {}
    for pid, device in ontology.devices.items():
        if not device.kind:
            continue
        maker = tokenize(clean(device.name))[0]
        for alias in device.aliases:
            words = tokenize(clean(alias))
            word = words[1] if len(words) > 2 and words[0] == maker else words[0]
            if len(words) < 2 or word == maker or len(word) < SERIES_LETTERS or not word.isalpha():
                continue
            if word in lexicon.known_words or (word,) in lexicon.phrases:
                continue
            classes.setdefault(word, set()).add(device.kind)
            products.setdefault(word, set()).add(pid)
    return {
        word: next(iter(kinds))
        for word, kinds in classes.items()
        if len(kinds) == 1 and len(products[word]) >= SERIES_PRODUCTS
    }


def _series_said_alone(
    tokens: list[str], mentions: list[Mention], covered: set[int], ontology: Ontology, g: Grammar
) -> list[Mention]:
    """ "lightpipe out of an ADA8200 to the FIREFACE": a series name said alone after a determiner is gear of
    the class all its products belong to (which model is not said)."""
    series = _series(ontology)
    starts = {m.start for m in mentions}
    found = []
    for i, tok in enumerate(tokens):
        cls = series.get(tok) or (series.get(tok[:-1]) if tok.endswith("s") else None)
        if cls and i not in covered and i not in starts and i > 0 and tokens[i - 1] in g.determiners:
            found.append(Mention("device", cls, tok, i, i + 1))
    return found


@functools.lru_cache(maxsize=8)
def _makers(ontology: Ontology) -> frozenset[str]:
    """The first word of every product's name in gear.yaml: its maker."""
    return frozenset(d.name.split()[0].lower() for d in ontology.devices.values() if d.kind)


def _another_model(tokens: list[str], brand_at: int, covered: set[int]) -> bool:
    """ "a Yamaha EMX5 ... two Yamaha Club V S115V cabinets": the maker's name followed by a model number the
    lexicon does not know names another product of that maker."""
    return any(
        at not in covered and any(c.isdigit() for c in tokens[at]) and tokens[at][0].isalpha()
        for at in range(brand_at + 1, min(brand_at + 1 + MODEL_WORDS_AFTER_BRAND, len(tokens)))
    )


def _earlier_products_named_short(
    tokens: list[str],
    mentions: list[Mention],
    ontology: Ontology,
    g: Grammar,
    products: tuple[str, ...],
) -> list[Mention]:
    """A class word that is also the first word of a product the question before named, is that product."""
    if not products:
        return mentions
    short: dict[str, str] = {}
    for product in products:
        for alias in ontology.devices[product].aliases:
            words = alias.split()
            if len(words) > 1 and words[0] not in g.fillers:
                short.setdefault(words[0], product)
    out = []
    for m in mentions:
        product = short.get(m.text) if m.kind == "device" else None
        if product and m.id != product and m.id in ontology.class_chain(product):
            m = Mention("device", product, m.text, m.start, m.end)
        out.append(m)
    return out


def _only_a_comma_after_the_jack(between: list[str], g: Grammar) -> bool:
    """ ", balanced" right after a phrase, or after the socket word it ends with ("... a quarter-inch JACK, ")."""
    sockets = g.sized_sockets.sockets if g.sized_sockets else frozenset()
    return between[-1:] == [","] and all(tok in sockets for tok in between[:-1])


def _ends_clause(tokens: list[str], index: int) -> bool:
    """Nothing more is said in this clause after `index` (an arrow starts the next hop), but perhaps an aside
    in brackets that names where it was read ("..., unbalanced (manual say).")."""
    if index < len(tokens) and tokens[index] == "(" and ")" in tokens[index : index + ASIDE_WORDS + 2]:
        index = tokens.index(")", index) + 1
    return index >= len(tokens) or tokens[index] in BREAKERS | {")", "->"}


def _describes_the_stop_before(
    stop: Stop, stops: list[Stop], between: list[str], sentence_of: list[int], g: Grammar
) -> bool:
    """ "the monitors (RCA inputs, CONSUMER LEVEL)", "the main outs (they run at +4 DBU)": port words alone, with no
    gear, connector or side, and no link word after the stop before in the same sentence, say what that stop is."""
    return (
        bool(stops)
        and bool(stop.qualifiers)
        and not (stop.device or stop.families or stop.role or stop.formats)
        and sentence_of[stop.position] == sentence_of[stops[-1].position]
        and len(between) <= 4
        and not set(between)
        & (set(g.separators) | set(g.attachers) | set(g.link_words) | set(g.coordinators))
    )


def _said_to_be(tokens: list[str], start: int, g: Grammar) -> bool:
    """The phrase at `start` follows a predicate word, past any determiners ("... IS a coaxial jack"); the
    possessive "'s" is a filler, so "the recorder's input" is no predicate."""
    k = start - 1
    while k >= 0 and tokens[k] in {'"', "'"}:
        k -= 1
    if k >= 0 and tokens[k] in g.label_words:
        return True  # "sockets MARKED 'Line'": the label printed on the jack, right after the word saying so
    while k >= 0 and tokens[k] in g.fillers:
        k -= 1
    return k >= 0 and tokens[k] in g.predicate_words | g.naming_words


def _received_past_a_link_word(
    group: list[Mention],
    before: list[list[Mention]],
    stops: list[Stop],
    tokens: list[str],
    sentence_of: list[int],
) -> bool:
    """A connector phrase right after a link word ("into", "to") that follows an output said as such names the
    receiving jack, though no gear or side is said with it ("the XLR output into that quarter-inch socket"). Not
    after a plug ("a minijack plug to one XLR" is a cable) or plain gear ("into the XLR jacks on them" may be its
    own)."""
    if not stops or len(before) < 2 or not any(m.kind == "family" for m in group):
        return False
    link = before[-1][0]
    last = stops[-1]
    return (
        link.kind == "sep"
        and link.id == "leads_to"
        and _close_words(tokens[link.end : group[0].start])
        and last.role == "out"
        and before[-2][0].start >= last.position
        and not {m.kind for m in before[-2]} & {"cable", "cableword"}
        and sentence_of[link.start] == sentence_of[group[0].start] == sentence_of[last.position]
    )


def _close_words(between: list[str]) -> bool:
    """A few words with no break ("on my older phone"): the phrases on either side belong together."""
    return len(between) <= 3 and not set(between) & BREAKERS


def _spread_link_format(stops: list[Stop], sentence_of: list[int], ontology: Ontology) -> list[Stop]:
    """ "S/PDIF coax between the CD player and the DAC": a format named alone describes the link between the gear of its
    sentence, so both devices use that format's ports and the bare format is not a stop of its own. Gear that never
    has that format's ports (a TV and ADAT) is not given it: the format is said of the other gear."""
    out = list(stops)
    for bare in [s for s in stops if s.device is None and s.formats and not s.families]:
        sentence = sentence_of[min(bare.position, len(sentence_of) - 1)]
        domains = {ontology.formats[f].domain for f in bare.formats if f in ontology.formats}
        gear = [
            i
            for i, s in enumerate(out)
            if s.device
            and not s.formats
            and not s.families
            and sentence_of[min(s.position, len(sentence_of) - 1)] == sentence
            and (not domains or bool(domains & ontology.signal_domains(s.device)))
        ]
        if len(gear) < 2:
            continue
        for i in gear:
            out[i] = replace(
                out[i],
                formats=bare.formats,
                qualifiers=tuple(dict.fromkeys(out[i].qualifiers + bare.qualifiers)),
            )
        out = [s for s in out if s is not bare]
    return out


def _sentence_stops(
    stops: list[Stop], tokens: list[str], arrows: bool, g: Grammar, ontology: Ontology
) -> list[Stop]:
    """Resolve references to gear named earlier, and in prose keep the sentence that connects two things.

    "The combo has an extension-cab jack ... can my pedal go into that speaker jack?": the last sentence names
    the link; "the speaker jack" is the amp's, named before.
    """
    sentence_of = _clause_index(tokens, stops, g)
    asked_here = _asking_sentences(tokens, sentence_of, g)
    resolved: list[tuple[int, Stop, bool]] = []  # (sentence, stop, is_reference)
    for stop in stops:
        # "the drum machine ... the synth ... the drum machine's MIDI out": one class, two instruments; the
        # word the user repeats finds its own gear first
        same_words = next(
            (
                s
                for _, s, _ in reversed(resolved)
                if stop.device
                and s.device == stop.device
                and stop.device_text
                and s.device_text == stop.device_text
            ),
            None,
        )
        earlier = same_words or next(
            (
                s
                for _, s, _ in reversed(resolved)
                if (stop.device and _same_device(s, stop, ontology))
                or (
                    not stop.device
                    and stop.qualifiers
                    and set(stop.qualifiers) <= set(s.qualifiers)
                    and s.device
                )
                or _renames_narrower(s, stop, tokens, ontology, g)
                # "my interface is a UMC204HD ... the SM7B on INPUT 1": a bare input is the last gear's that takes
                or (
                    not (stop.device or stop.qualifiers or stop.families)
                    and stop.role == "in"
                    and s.device is not None
                    and s.role != "out"
                    and _can_have(s, "in", ontology)
                    and not _only_sends(s, ontology)
                )
                # "... its two outputs. ... So output balanced, input balanced": a bare output, when gear was
                # named by its output before, is that output said again
                or (
                    not (stop.device or stop.qualifiers or stop.families)
                    and stop.role == "out"
                    and s.device is not None
                    and s.role == "out"
                )
            ),
            None,
        )
        bare = not (stop.device or stop.qualifiers or stop.families)  # "input 1" numbers a port, not gear
        if earlier is not None and _another_one(tokens, stop.position, g, numbered=not bare):
            earlier = None  # "the second speaker", "the other interface": not the one named before
        adjacent = bool(resolved) and resolved[-1][1] is earlier
        if adjacent and earlier is not None and stop.device == earlier.device:
            # "... into the mixer. The mixer has RCA ins": gear named again in a later sentence is the same gear;
            # so is gear named again in the same or fewer words with nothing linking the two ("to my speakers,
            # the speakers have XLR ins")
            between = set(tokens[earlier.position + 1 : stop.position])
            adjacent = sentence_of[min(stop.position, len(sentence_of) - 1)] == sentence_of[
                min(earlier.position, len(sentence_of) - 1)
            ] and (
                # "from the mixing board: the board has ...": a shortened name is the same gear too
                (
                    not set(stop.device_text.split()) <= set(earlier.device_text.split())
                    and _named_apart(earlier, stop, between, g)
                )
                or bool(between & (g.link_words | set(g.separators)))
            )
        elif adjacent and earlier is not None and not stop.device and stop.qualifiers:
            # "... its aux sends are impedance balanced. A lead from an aux send ...": a port of no gear named
            # again, on the same side, in a later sentence is the one described there
            adjacent = stop.role not in (None, earlier.role) or (
                sentence_of[min(stop.position, len(sentence_of) - 1)]
                == sentence_of[min(earlier.position, len(sentence_of) - 1)]
            )
        elif adjacent and earlier is not None and stop.device:
            # "my Crown XLS ... the amp's NL4 jack": the plainer class word right after names the same gear; so
            # does one that goes on to describe it ("... through an adapter because the wedge only HAS a jack")
            # ...and so does one the next hop starts FROM ("keys into a Radial J48, then XLR from the box to the
            # desk"): gear just reached is where the signal goes on from
            starts_from = {word for word, kind in g.separators.items() if kind == "comes_from"}
            adjacent = (
                sentence_of[min(stop.position, len(sentence_of) - 1)]
                == sentence_of[min(earlier.position, len(sentence_of) - 1)]
                and bool(set(tokens[earlier.position : stop.position]) & g.link_words)
                and not _goes_on_to_describe(stop, tokens, g)
                and not (earlier.role != "out" and _word_before_is(tokens, stop.position, starts_from, g))
            )
        sentence = sentence_of[min(stop.position, len(sentence_of) - 1)] if sentence_of else 0
        if earlier is not None and not adjacent:
            said = replace(stop, device=None, text="")
            # the side this mention names is the side this sentence uses ("the mixer's RCA ins ... (mixer out
            # to the amp)")
            reference = replace(_merge_stop(earlier, said, g), role=stop.role or earlier.role)
            if stop.families and stop.role and sentence in asked_here:
                # "... rather than the deck's own USB. Which cable from the deck's RCA outputs?": the jack the
                # question itself names on the side it uses is that end's jack, not every jack said of the gear
                reference = replace(reference, families=stop.families)
            other_port = (
                bool(stop.qualifiers and earlier.qualifiers)
                and not set(stop.qualifiers) & set(earlier.qualifiers)
                and (earlier.role or stop.role) == (stop.role or earlier.role)
            )
            if (earlier.role and stop.role and earlier.role != stop.role) or other_port:
                # "desk XLR in ... desk mains (balanced TRS)": the other side of the gear has jacks of its own
                # ...and so has another port on the same side ("its XLR mic inputs are taken ... into the
                # TRS line ins"): the port this mention names, not the one named before
                reference = replace(
                    stop,
                    device=earlier.device,
                    device_text=earlier.device_text,
                    role=stop.role or earlier.role,
                )
            if _renames_narrower(earlier, stop, tokens, ontology, g):
                # "the sub ... it's a passive sub": the gear named before is of the narrower class said now
                narrower = {"device": stop.device, "device_text": stop.device_text}
                reference = replace(reference, **narrower)
                at = next(i for i, (_, s, _) in enumerate(resolved) if s is earlier)
                first_sentence, _, was_reference = resolved[at]
                earlier = replace(earlier, **narrower)
                resolved[at] = (first_sentence, earlier, was_reference)
            resolved.append((sentence, reference, True))
            # ("... The keyboard's manual says its OUTPUTS are unbalanced": the balance of a side is the gear's too)
            # ("monitors say balanced": gear with ports on one side only has its balance said of that side)
            one_sided = bool(stop.device) and not (
                ontology.devices[stop.device].out and ontology.devices[stop.device].inputs
            )
            says = (
                stop.families
                or stop.qualifiers
                or stop.formats
                or (stop.balance and (stop.role or one_sided))
            )
            said_before = earlier.families or earlier.qualifiers or earlier.formats
            # "... the optical input on my interface? The manual says that optical in is S/PDIF only": the same
            # port named again, with the format or balance it has
            adds = (
                (
                    set(earlier.qualifiers) <= set(stop.qualifiers)
                    and set(earlier.families) <= set(stop.families)
                    and bool((stop.formats and not earlier.formats) or (stop.balance and not earlier.balance))
                )
                or (
                    one_sided
                    and bool(stop.balance)
                    and not earlier.balance
                    and not (stop.families or stop.qualifiers or stop.formats)
                )
                # "... the interface's quarter-inch input; the manual calls those jack inputs balanced line inputs":
                # the balance a later sentence gives the side named before, naming no other jack
                or (bool(stop.balance) and not earlier.balance and not stop.families and bool(stop.role))
                or (
                    # "the desk's master outs are XLR (pins, so male, on the console)": a jack said of the gear again, naming
                    # no port or side of its own, is the jack of the port named before
                    bool(stop.families)
                    and bool(stop.device)
                    and not earlier.families
                    and bool(earlier.qualifiers)
                    and not stop.qualifiers
                    and stop.role is None
                    and sentence == sentence_of[min(earlier.position, len(sentence_of) - 1)]
                )
            )
            # "the Genelecs take XLR, TRS or RCA. We'll use their XLR jacks": one of the jacks
            # named before, said again as the one used (or the one a link reaches: "... to their XLR inputs"), is
            # the one meant
            # ...and so is one of the jacks of the port it was said to have ("speakers with combo sockets ... we
            # prefer XLR on their end")
            listed = set(earlier.families) or _jacks_of_named_port(earlier, ontology)
            picks_one = (
                bool(stop.families)
                and set(stop.families) < listed
                and (stop.role is not None or not earlier.families)
                and earlier.role in (None, stop.role or earlier.role)
                and not (set(stop.qualifiers) - set(earlier.qualifiers))
                and (_chosen(tokens, stop.position, g) or _linked_near(tokens, stop.position, g))
            )
            if picks_one:
                # every mention of the gear that listed the jacks (the first and any that referred back to it)
                resolved = [
                    (at_sentence, replace(s, families=stop.families), is_ref)
                    if s.device == earlier.device and set(s.families) == set(earlier.families)
                    else (at_sentence, s, is_ref)
                    for at_sentence, s, is_ref in resolved
                ]
            elif (
                says
                and (not said_before or adds)
                and (stop.role is None or earlier.role in (None, stop.role))
                # "a patch lead INTO an active DI, then the DI's XLR output feeds the snake": the side named
                # later is the other side of gear the signal was said to go into, not the side it comes in by
                and not (stop.role == "out" and _received(tokens, earlier.position, g))
            ):
                # "a USB mic and a laptop ... that mic's socket is USB-C": what a later mention says about its
                # jack or port describes the gear itself, wherever the link is read from
                at = next(i for i, (_, s, _) in enumerate(resolved) if s is earlier)
                first_sentence, _, was_reference = resolved[at]
                resolved[at] = (first_sentence, _merge_stop(earlier, said, g), was_reference)
                if was_reference:
                    # the mention referred back to gear named earlier still: what is said now is that gear's too
                    first = next(
                        (
                            i
                            for i, (_, s, is_ref) in enumerate(resolved)
                            if not is_ref and s.device == earlier.device
                        ),
                        None,
                    )
                    if first is not None and first != at:
                        sent, original, _ = resolved[first]
                        resolved[first] = (sent, _merge_stop(original, said, g), False)
        else:
            resolved.append((sentence, stop, False))
    sentences = sorted({sentence for sentence, _, _ in resolved})
    # "which cable between the desk's XLR out and the recorder's line ins?" links the two as a link word does
    linking = {
        sentence_of[i]
        for i, tok in enumerate(tokens)
        if tok in g.link_words | set(g.placement_between) and not _infinitive_mark(tokens, i, g)
    }
    asking = _asking_sentences(tokens, sentence_of, g)
    if arrows:
        # "Chain: iD14 -> Crown -> speakers. ... What cable from the Audient outputs to the Crown inputs?": a
        # question that links two pieces of gear asks about that hop; otherwise the chain the arrows draw
        drawn = {sentence_of[i] for i, tok in enumerate(tokens) if tok == "->"}
        chain = []
        for sent, stop, is_ref in resolved:
            if sent not in drawn:
                continue
            # "receiver -> desk XLR in; desk mains -> amp": gear drawn again by its output, right after its
            # input, passes the signal through: its output is the next link's sender (the link inside it is
            # dropped, see _between_gears)
            passes_on = (
                bool(chain)
                and chain[-1].device == stop.device
                and chain[-1].role == "in"
                and stop.role == "out"
            )
            if not is_ref or passes_on:
                chain.append(stop)
        if len(chain) < 2:
            chain = [stop for _, stop, is_ref in resolved if not is_ref]
        chain = chain + _carried_on_from(chain, resolved, sorted((asking & linking) - drawn), ontology)
        # "... Is the amp DI out -> FOH connection balanced?": a question that draws one hop itself asks about it
        for sentence in sorted(asking & drawn, reverse=True):
            here = _unique([stop for sent, stop, _ in resolved if sent == sentence])
            if len(here) == 2 and len(resolved) > 2:
                return here
        for sentence in reversed(sentences):
            here = _unique([stop for sent, stop, _ in resolved if sent == sentence])
            if not (sentence in asking and sentence in linking and len(here) == 2 and sentence not in drawn):
                continue
            at = [
                next(
                    (
                        i
                        for i, c in enumerate(chain)
                        if c.device and s.device and _same_device(c, s, ontology)
                    ),
                    None,
                )
                for s in here
            ]
            # one hop of the chain ("from the Audient to the Crown"), not its two ends ("from mic to speakers")
            if None not in at and abs(at[0] - at[1]) == 1:
                return here
        return chain
    candidates = [
        sentence
        for sentence in reversed(sentences)
        if sentence in linking and len([1 for sent, _, _ in resolved if sent == sentence]) >= 2
    ]
    # "Scarlett into a pair of HS5s ... Desk to speakers is about 2 m.": a sentence that only measures the run
    # gives its length, not the gear (there "desk" is the furniture); the link is the one another sentence draws
    measured = {
        sentence
        for sentence in candidates
        if sentence not in asking
        and lengths_in_metres(" ".join(_words_of(tokens, sentence_of, sentence)))
        and not set(_words_of(tokens, sentence_of, sentence)) & g.cable_words
        and not any(
            stop.families or stop.qualifiers or stop.role or stop.balance or stop.formats
            for stop in stops
            if sentence_of[min(stop.position, len(sentence_of) - 1)] == sentence
        )
    }
    if len(measured) < len(candidates):
        candidates = [sentence for sentence in candidates if sentence not in measured]
    # "I don't mean the patch cord from keys to box": a sentence whose every link word is in a clause the
    # question disowns draws no link it asks about
    joining = g.link_words | set(g.placement_between)

    def disowned_sentence(sentence: int) -> bool:
        joins = [
            at
            for at, tok in enumerate(tokens)
            if tok in joining and sentence_of[min(at, len(sentence_of) - 1)] == sentence
        ]
        return bool(joins) and all(_in_a_clause_denied(tokens, at, g) for at in joins)

    disowned = {sentence for sentence in candidates if disowned_sentence(sentence)}
    if len(disowned) < len(candidates):
        candidates = [sentence for sentence in candidates if sentence not in disowned]
    # "a mic on XLR into the desk, then from the desk's rec out on phono leads into the amp. Mic to amp, balanced
    # overall?": a question whose two ends are the first and last gear of a chain told
    # before asks about that whole chain, not a link straight between them
    # (a chain told in prose goes on FROM the gear it reached: "into the mixer, then from the mixer's out into")
    told_chains = [
        sentence
        for sentence in candidates
        if {"leads_to", "comes_from"}
        <= {
            g.separators.get(tok)
            for at, tok in enumerate(tokens)
            if sentence_of[min(at, len(sentence_of) - 1)] == sentence and not _infinitive_mark(tokens, at, g)
        }
    ]
    spanning = {
        sentence
        for sentence in candidates
        if _ends_of_a_told_chain(sentence, told_chains, resolved, ontology)
    }
    if len(spanning) < len(candidates):
        candidates = [sentence for sentence in candidates if sentence not in spanning]
    # "Which lead joins my deck and the preamp? Next week the preamp goes on to my amp": a link the question
    # asks about comes before one it only tells of, wherever that one is said
    candidates.sort(key=lambda sentence: sentence not in asking)
    # (a later question that sends a pronoun into one end asks about that link, not the one told before it)
    for sentence in sorted(asking & linking, reverse=True):
        if candidates and sentence <= candidates[0]:
            break
        here = _unique([stop for sent, stop, _ in resolved if sent == sentence])
        earlier_gear = [s for sent, s, is_ref in resolved if sent < sentence and not is_ref]
        sent_in = _pronoun_sent_into(here, earlier_gear, tokens, g, ontology) or _sent_into_a_pronoun(
            here, [s for sent, s, _ in resolved if sent < sentence], tokens, g, ontology
        )
        if sent_in:
            return sent_in
    for sentence in candidates:
        here = [stop for sent, stop, _ in resolved if sent == sentence]
        if len(here) >= 2 and sentence in linking:
            unique: list[Stop] = []
            for stop in here:
                if not any(u.device and u.device == stop.device and u.role == stop.role for u in unique):
                    unique.append(stop)
            if (
                len(unique) >= 2
                and sentence not in asking  # ("the first top's link socket on to the second top?": two units)
                and all(u.device and u.device == unique[0].device for u in unique)
                and not {"out", "in"} <= {u.role for u in unique}  # "one mixer's aux out to another's input"
            ):
                # "... a floor socket next to the console, then a patch lead to the console's mic input": one piece of gear
                # named twice links nothing; the link is the one the other sentences draw
                continue
            earlier_gear = [s for sent, s, is_ref in resolved if sent < sentence and not is_ref]
            into_it = _plugged_into_a_pronoun(unique, earlier_gear, tokens, g, ontology)
            if into_it:
                return into_it
            if all(stop.role == "in" and not stop.device for stop in unique):
                # "tracks off a tablet through the desk ... L and R to land in channel 5/6's pair of jack
                # inputs": ports that all take are where the sender told of before goes
                senders = [s for s in earlier_gear if s.role != "in" and _can_have(s, "out", ontology)]
                if senders:
                    return [senders[0], unique[0]]
            if len(unique) >= 2:
                return _pronoun_plugged_in(unique, earlier_gear, tokens, g, ontology) or unique
    asked_in = {sent for sent, _, _ in resolved if sent in asking}
    said_last = {
        stop.device: stop
        for _, stop, is_ref in resolved
        if is_ref and stop.device and stop.role and stop.qualifiers
    }
    # "two boxes joined by ADAT ... one shows a WORD CLOCK OUT, the other a WCLK IN": with no sentence linking
    # the gear, the port said of it last, with its side, is the one the question is about
    return _ends_said_of(
        [
            (sent in asked_in, _port_said_last(stop, said_last.get(stop.device)))
            for sent, stop, is_ref in resolved
            if not is_ref
        ]
    )


def _ends_of_a_told_chain(
    sentence: int, told_chains: list[int], resolved: list[tuple[int, Stop, bool]], ontology: Ontology
) -> bool:
    """The sentence names, only by referring back, the first and the last gear of a chain of three or more pieces
    of gear another sentence tells going on from gear it reached ("into the mixer, then from its out into ...")."""
    here = [(stop, is_ref) for sent, stop, is_ref in resolved if sent == sentence]
    if len(here) != 2 or not all(is_ref for _, is_ref in here):
        return False
    for other in told_chains:
        told = _unique([stop for sent, stop, _ in resolved if sent == other])
        if (
            other != sentence
            and len({stop.device for stop in told if stop.device}) >= 3
            and _same_device(told[0], here[0][0], ontology)
            and _same_device(told[-1], here[1][0], ontology)
        ):
            return True
    return False


def _port_said_last(stop: Stop, later: Stop | None) -> Stop:
    """The gear as named first, on the port a later mention gives it (another port than the one named first)."""
    if later is None or later is stop or set(later.qualifiers) <= set(stop.qualifiers):
        return stop
    return later


def _ends_said_of(stops: list[tuple[bool, Stop]]) -> list[Stop]:
    """With no sentence linking gear, the gear the post says something of (a port, a jack, a side, a balance) or
    names where it asks is what it asks to connect; gear only named in passing in the set-up ("my setup: a
    DDJ-400, a laptop with rekordbox and HS5s I use off my interface") is not, when two ends are left."""
    kept = [
        s for asked, s in stops if asked or s.families or s.qualifiers or s.role or s.formats or s.balance
    ]
    gear = {s.device for s in kept if s.device}  # two pieces of gear, not one named twice
    return kept if len(gear) >= 2 and len(kept) < len(stops) else [s for _, s in stops]


def _new_gear_for_it(link: LinkSpec, before: LinkSpec, words: list[str], ontology: Ontology) -> bool:
    """A follow-up naming one new piece of gear that takes a signal, with no direction word and an object pronoun
    standing for what the link before connected."""
    g = _grammar(ontology)
    new = link.source
    return (
        new is not None
        and link.dest is None
        and new.role is None
        and new.device is not None
        and before.dest is not None
        and before.source is not None
        and bool(ontology.devices[new.device].inputs)
        and bool(set(words) & set(g.object_pronouns))
        and not any(g.separators.get(word) in ("leads_to", "comes_from", "arrow") for word in words)
    )


def _plugged_into_a_pronoun(
    here: list[Stop], earlier: list[Stop], tokens: list[str], g: Grammar, ontology: Ontology
) -> list[Stop] | None:
    """ "the recorder's optical input takes ADAT alone; does the console's optical out go INTO IT?": an output,
    a link word and a pronoun right after it: what the signal goes into is the gear an earlier sentence named that
    takes one (with the port said of it)."""
    if not g.object_pronouns:
        return None
    for stop in here:
        # ("can I plug my synth INTO IT?": gear that sends, with no side said, is the sender too)
        if not stop.device or not (
            stop.role == "out" or (stop.role is None and _can_have(stop, "out", ontology))
        ):
            continue
        if not _goes_into_a_pronoun(stop, tokens, g):
            continue
        dest = _last_gear_on_side(earlier, "in", stop.device, ontology)
        return [stop, dest] if dest is not None else None
    return None


def _goes_into_a_pronoun(stop: Stop, tokens: list[str], g: Grammar) -> bool:
    """A link word and an object pronoun right after the stop's words ("my synth INTO IT")."""
    after = tokens[stop.position : stop.position + len(stop.text.split()) + 3]
    return any(a in g.link_words and b in g.object_pronouns for a, b in zip(after, after[1:], strict=False))


def _pronoun_sent_into(
    here: list[Stop], earlier: list[Stop], tokens: list[str], g: Grammar, ontology: Ontology
) -> list[Stop] | None:
    """ "The mic is a USB one made for a laptop. Could we run IT into the mixer's mic channel?": the asking
    sentence names one end and a pronoun goes into it; what goes in is the last gear named before that sends and
    was not itself sent into. A pronoun wired to an output ("may I hook THEM up to the iD4's line outputs?") is the
    last gear named before that takes a signal and was not said to send one ("shelf speakers out of an old stereo")."""
    if len(here) != 1 or not g.object_pronouns:
        return None
    (stop,) = here
    # "into the church desk's ...", "them over to the rear sockets of ...": a word or two of its name, or its side, may come between
    at = stop.position - 1
    while (
        at > 0
        and stop.position - at <= PRONOUN_LINK_REACH
        and tokens[at].isalpha()
        and tokens[at] not in g.separators
    ):
        at -= 1
    if not (at > 0 and g.separators.get(tokens[at]) == "leads_to" and tokens[at - 1] in g.object_pronouns):
        return None
    if stop.role == "out":
        sending = frozenset(word for word, kind in g.separators.items() if kind == "comes_from")
        not_sent_from = [s for s in earlier if not _word_before_is(tokens, s.position, sending, g)]
        receiver = _last_gear_on_side(not_sent_from, "in", stop.device, ontology)
        return [stop, receiver] if receiver is not None else None
    senders = [
        s
        for s in earlier
        if s.device
        and s.device != stop.device
        and _can_have(s, "out", ontology)
        and s.role != "in"
        and not _received(tokens, s.position, g)
    ]
    # ("an active DI FOR the piano. Which lead from IT on to the desk?": gear said as what another serves is
    # not what the pronoun stands for)
    purpose = frozenset(g.purpose_words)
    senders = [s for s in senders if not _word_before_is(tokens, s.position, purpose, g)] or senders
    return [senders[-1], stop] if senders else None


def _sent_into_a_pronoun(
    here: list[Stop], earlier: list[Stop], tokens: list[str], g: Grammar, ontology: Ontology
) -> list[Stop] | None:
    """ "... all that is left on the desk is an XLR mic channel. May my synth go INTO IT?": the asking sentence names
    the sender alone and sends it into a pronoun; what it goes into is the last input told of before (of gear or
    not)."""
    if len(here) != 1 or not g.object_pronouns:
        return None
    (stop,) = here
    if not stop.device or stop.role == "in" or not _can_have(stop, "out", ontology):
        return None
    if not _goes_into_a_pronoun(stop, tokens, g):
        return None
    inputs = [
        s
        for s in earlier
        if s.role == "in" or (s.device and _can_have(s, "in", ontology) and s.role != "out")
    ]
    return [stop, inputs[-1]] if inputs else None


def _last_gear_on_side(
    earlier: list[Stop], side: str, other_than: str | None, ontology: Ontology
) -> Stop | None:
    """The last gear named before that has ports on `side` ("out" sends, "in" takes) and is not said to be on the
    other side: what a pronoun stands for."""
    other = "in" if side == "out" else "out"
    return next(
        (
            s
            for s in reversed(earlier)
            if s.device and s.device != other_than and _can_have(s, side, ontology) and s.role != other
        ),
        None,
    )


def _pronoun_plugged_in(
    here: list[Stop], earlier: list[Stop], tokens: list[str], g: Grammar, ontology: Ontology
) -> list[Stop] | None:
    """ "Dad gave me his SM57. The desk is a Q1202, so IT goes into its mic input": the sentence names gear and a
    port of no gear that the gear has, and a pronoun goes into the port. The port is that gear's, and what goes
    in is the last gear an earlier sentence named that sends."""
    if len(here) != 2 or not g.object_pronouns:
        return None
    gear, port = here
    if not gear.device or port.device or port.role != "in" or not port.qualifiers or port.position < 2:
        return None
    inputs = ontology.devices[gear.device].inputs
    if not set(port.qualifiers) <= set(inputs):
        return None
    link_at = next(
        (i for i in range(port.position - 1, gear.position, -1) if tokens[i] in g.link_words), None
    )
    if link_at is None or tokens[link_at - 1] not in g.object_pronouns:
        return None
    sender = _last_gear_on_side(earlier, "out", gear.device, ontology)
    if sender is None:
        return None
    return [sender, replace(_merge_stop(gear, port, g), position=gear.position)]


def _unique(stops: list[Stop]) -> list[Stop]:
    unique: list[Stop] = []
    for stop in stops:
        if not any(u.device and u.device == stop.device and u.role == stop.role for u in unique):
            unique.append(stop)
    return unique


def _words_of(tokens: list[str], sentence_of: list[int], sentence: int) -> list[str]:
    return [tok for tok, sent in zip(tokens, sentence_of, strict=False) if sent == sentence]


def _renames_narrower(earlier: Stop, later: Stop, tokens: list[str], ontology: Ontology, g: Grammar) -> bool:
    """A later "is a"/"it's a" phrase names gear met before by a narrower class ("the sub ... it's a passive
    sub", "my mic ... it's a condenser"), or, said right after it, by a sibling class ("the booth monitor is a
    powered speaker")."""
    if not (earlier.device and later.device and later.position > earlier.position):
        return False
    before = tokens[max(0, later.position - 3) : later.position]
    narrower = earlier.device in _broader(later.device, ontology)[1:]
    # "my microphone is dynamic, a Shure SM58": a narrower name set off by a comma and a determiner renames it
    appositive = (
        len(before) >= 2
        and before[-2] == ","
        and before[-1] in g.determiners
        and later.position - earlier.position <= 8
    )
    if not set(before) & g.predicate_words and not (narrower and appositive):
        return False
    if narrower:
        return True
    # "the booth monitor is a powered speaker": said right after it, a sibling class renames the gear too
    siblings = set(_broader(earlier.device, ontology)[1:]) & set(_broader(later.device, ontology)[1:])
    return bool(siblings) and later.position - earlier.position <= 6


def _named_apart(earlier: Stop, later: Stop, between: set[str], g: Grammar) -> bool:
    """Two words for gear of one class, the second in other words, are two pieces of gear when a list, link or new
    clause comes between them, or when each names its own side ("the drum machine's MIDI out drives my synth's
    MIDI in"); with nothing between they are one instrument ("the keys guy runs his electric piano's outs")."""
    apart = BREAKERS | g.link_words | set(g.separators) | g.coordinators | g.clause_openers
    own_sides = bool(earlier.role and later.role and earlier.role != later.role)
    return bool(between & apart) or own_sides


def _goes_on_to_describe(stop: Stop, tokens: list[str], g: Grammar) -> bool:
    """ "the wedge only HAS a 1/4 inch input": gear that is the subject of a describing verb is being described."""
    after = stop.position + max(1, len(stop.device_text.split()))
    return any(g.attachers.get(tok) == "describes" for tok in tokens[after : after + 2])


def _received(tokens: list[str], position: int, g: Grammar) -> bool:
    """The gear at `position` is said right after a word that sends something into it ("into a passive DI")."""
    i = position - 1
    while i >= 0 and position - i <= RECEIVED_REACH and tokens[i] in g.fillers:
        i -= 1
    return i >= 0 and g.separators.get(tokens[i]) == "leads_to"


RECEIVED_REACH = 3  # fillers ("a", "the", "my") between the link word and the gear
PRONOUN_LINK_REACH = 5  # words between "it into"/"them to" and the gear's name ("the outs of my")


def _same_device(earlier: Stop, later: Stop, ontology: Ontology) -> bool:
    """A later device word names gear met before: "my HS8s ... the monitors" (a product, then its class), or
    "a phono preamp ... the preamp" (the head word of the earlier name)."""
    if earlier.device is None or later.device is None:
        return False
    if later.device in _broader(earlier.device, ontology):
        return True
    head = earlier.device_text.split()[-1:] if earlier.device_text else []
    if head and later.device_text.split() == head:
        return True
    # "a Behringer X32 Compact ... the X32 has XLR mains": a shorter name inside the earlier one
    said, before = later.device_text.split(), earlier.device_text.split()
    return (
        bool(said)
        and len(said) < len(before)
        and any(before[i : i + len(said)] == said for i in range(len(before) - len(said) + 1))
    )


def _joined_prefixes(text: str, g: Grammar) -> str:
    """ "pre-show music", "pre-fader send": a prefix joined by a hyphen is part of the next word, not gear."""
    if not g.hyphen_prefixes:
        return text
    prefixes = "|".join(re.escape(p) for p in sorted(g.hyphen_prefixes, key=len, reverse=True))
    return re.sub(rf"(?<![a-z0-9])({prefixes})-(?=[a-z])", r"\1", text, flags=re.IGNORECASE)


def _another_one(tokens: list[str], position: int, g: Grammar, *, numbered: bool = True) -> bool:
    """ "the SECOND speaker", "speaker 2": a word right before a gear word (or, with `numbered`, a number right
    after it) that points at another piece of gear of the same kind."""
    before = tokens[max(0, position - 2) : position]
    after = tokens[position + 1 : position + 2]
    return bool(set(before) & g.other_instance_words) or (numbered and any(t.isdigit() for t in after))


def _broader(device: str, ontology: Ontology) -> list[str]:
    """The device, its class, and the classes that class is one of: an SM7B is a dynamic mic is a mic."""
    return ontology.class_chain(device)


def _negated(tokens: list[str], start: int, g: Grammar) -> bool:
    """The phrase at `start` names gear NOT in use: "not the hi-z one", "the deck doesn't have a preamp"."""
    i = start - 1
    # "skip buying ANOTHER amplifier": a word for another piece of the same gear is glue here too
    while i >= 0 and (
        tokens[i] in g.fillers or tokens[i] in g.other_instance_words or tokens[i] in {"(", '"'}
    ):
        i -= 1
    # "nothing about +4 OR -10", "no XLR OR TRS": a negation reaches over "or" to the next thing named
    if i >= 1 and tokens[i] in g.alternative_words:
        return any(_negated(tokens, k, g) for k in range(i - 1, max(-1, i - ALTERNATIVE_REACH - 1), -1))
    # "doesn't HAVE a preamp", "not ASKING ABOUT my guitar cable": up to two words a negator reaches over
    for _ in range(2):
        if i >= 1 and tokens[i] in g.negated_verbs:
            i -= 1
    # "the XLR inputs RATHER THAN the TRS ones": what the other way round of a substitution names is not in use
    rejecting = [p.split() for p in (g.substitution_words.reversed if g.substitution_words else ())]
    if any(i + 1 >= len(p) and tokens[i + 1 - len(p) : i + 1] == p for p in rejecting):
        return True
    return i >= 0 and tokens[i] in g.negators


def _connector_only(group: list[Mention], *, allow_cableword: bool = False) -> bool:
    allowed = {"family", "gender", "dual", "mono", "balance"} | (
        {"cableword", "cable"} if allow_cableword else set()
    )
    named = {"family", "cable"} if allow_cableword else {"family"}
    return any(m.kind in named for m in group) and all(m.kind in allowed for m in group)


# --- links -------------------------------------------------------------------------------------------------


def _links(
    stops: list[Stop],
    cables: list[CableSpec],
    arrows: bool = False,
    from_positions: frozenset[int] = frozenset(),
    to_positions: frozenset[int] = frozenset(),
    introduced: Mapping[int, str] | None = None,
    ontology: Ontology | None = None,
    asked: frozenset[int] = frozenset(),
    sentence_of: list[int] | None = None,
    gear_said_in: Mapping[int, set[str]] | None = None,
    gear_at: Mapping[int, str] | None = None,
    swapped_in: frozenset[int] = frozenset(),
    coordinated: frozenset[int] = frozenset(),
    missing: frozenset[int] = frozenset(),
) -> tuple[list[LinkSpec], bool]:
    """Join consecutive stops into links and give each link the cable named between them.

    `swapped_in` holds the positions of cables said to have replaced the one named before them; `coordinated` the
    positions of stops joined to the stop before by a coordinator only, a second source beside it; `missing` the
    positions of cables said to be lost or not owned."""
    chain = list(stops)

    links: list[LinkSpec] = []
    spans: list[tuple[int, int]] = []
    for index, (a, b) in enumerate(zip(chain, chain[1:], strict=False)):
        if (
            a.device
            and a.device == b.device
            and _device_word(a) == _device_word(b)
            and (a.role, b.role) != ("out", "in")
        ):
            continue  # the signal passes through the device ("interface mic in, then the interface's outs")
        if b.position in coordinated and index + 2 < len(chain):
            # "my phone and my laptop into the one aux input": two sources side by side, each into what follows
            links.append(LinkSpec(a, None, chain[index + 2]))
            spans.append((a.position, chain[index + 2].position))
            continue
        links.append(LinkSpec(a, None, b))
        spans.append((a.position, b.position))
    if len(chain) == 2 and links:
        links[0] = _orient(links[0], introduced or {}, ontology)
    for i in range(len(links) - 1 if arrows else 0):
        links[i], links[i + 1] = _through_stop(links[i], links[i + 1])
    if not links and chain:
        links.append(_single_stop_link(chain[0], cables, to_positions, ontology))
        spans.append((chain[0].position, chain[0].position))
    if not links and cables:
        links.append(LinkSpec(None, cables[0], None))
        spans.append((cables[0].position, cables[0].position))

    for cable in cables:
        if any(link.cable is cable for link in links):
            continue
        target = (
            None
            if _goes_into_a_source(cable, links, to_positions, gear_at or {}, arrows, ontology)
            else _cable_link(cable, links, spans, arrows, from_positions, sentence_of, gear_said_in, ontology)
        )
        if target is not None and not _cable_fits_link(cable, links[target], ontology):
            # "bass into a DI over a jack lead ... then its XLR out to the desk, balanced?": a jack
            # lead cannot be the cable on an end said to be XLR; it is the cable of a hop the question left out
            target = None
        present = links[target].cable if target is not None else None
        # "any jack lead should do, so I used a guitar lead": a cable of a named kind says more than a
        # plain connector cable on the same link
        # "Forgot my speaker cable. Can I use a guitar cable ...?": the cable the question asks about says more
        # than one the set-up mentions
        # ...but in a drawn chain the cable drawn between the hop's two stops is that hop's ("SM57 -> 20 ft XLR
        # cable -> interface ... like my guitar cables do")
        drawn_between = (
            arrows
            and present is not None
            and target is not None
            and _inside(present.position, spans[target])
            and not _inside(cable.position, spans[target])
        )
        if (
            target is not None
            and not drawn_between
            and (
                present is None
                or (present.kind == "signal" and cable.kind != "signal")
                or (cable.kind != "signal" and cable.position in asked and present.position not in asked)
                # "they were TS cables. Swapped them for TRS cables": what is plugged in now is the later one
                or (cable.position in swapped_in and present.position < cable.position)
                # "our speaker lead is lost, so a bass lead?": a cable said to be lost is not the one used
                or (present.position in missing and cable.position not in missing)
            )
        ):
            links[target] = replace(links[target], cable=cable)

    is_chain = len(links) >= 2
    return links, is_chain


def _cable_missing(cable: CableSpec, tokens: list[str], g: Grammar) -> bool:
    """ "I have NOT speaker cable", "the speaker cable is LOST": a cable said to be missing or not owned."""
    after = cable.position + len(cable.text.split())
    while after < len(tokens) and tokens[after] in g.predicate_words:
        after += 1
    return _negated(tokens, cable.position, g) or (
        after < len(tokens) and after > cable.position and tokens[after] in g.negators
    )


def _own_ports_folded_in(links: list[LinkSpec]) -> list[LinkSpec]:
    """ "iD4 + Genelec 8030, going into the XLR sockets of the 8030s": a link from a piece of gear, bare, to a port
    of its own is no cable; it says which of that gear's jacks the link arriving at it (or, for an output, the link
    leaving it) uses."""

    def bare(stop: Stop) -> bool:
        return stop.role is None and not stop.families and not stop.qualifiers

    folded: list[LinkSpec | None] = list(links)
    for i, link in enumerate(links):
        source, dest = link.source, link.dest
        if not (source and dest and source.device and source.device == dest.device and link.cable is None):
            continue
        port = dest if bare(source) else source if bare(dest) else None
        if port is None or port.role not in ("in", "out"):
            continue
        if port.role == "in":
            at = next((j for j in range(i - 1, -1, -1) if _ends_at(links[j].dest, port.device)), None)
            if at is not None:
                folded[at] = replace(links[at], dest=port)
        else:
            at = next((j for j in range(i + 1, len(links)) if _ends_at(links[j].source, port.device)), None)
            if at is not None:
                folded[at] = replace(links[at], source=port)
        if at is not None:
            folded[i] = None
    return [link for link in folded if link is not None]


def _ends_at(stop: Stop | None, device: str | None) -> bool:
    return bool(stop and stop.device == device and stop.role is None and not stop.families)


def _between_gears(links: list[LinkSpec], ontology: Ontology) -> list[LinkSpec]:
    """A link from gear's input to its own output is the signal passing through it, not a cable. So is a link
    with no cable from one product to itself in a chain ("mic -> the X18's channel 1; X18 mains -> the tops"): a
    drawn chain bares the sides of the gear it passes through (see _through_stop)."""
    inside = [
        link
        for link in links
        if link.source
        and link.dest
        and link.source.device
        and link.source.device == link.dest.device
        and link.cable is None
        and (
            (link.source.role == "in" and link.dest.role == "out")
            or (
                link.source.role in ("in", None)
                and link.dest.role in ("out", None)
                and bool(ontology.devices[link.source.device].kind)  # one product, not two of a class
            )
        )
    ]
    return [link for link in links if link not in inside] if inside and len(links) > len(inside) else links


def _only_sends(stop: Stop | None, ontology: Ontology) -> bool:
    """Gear that has outputs and no inputs (a microphone, a guitar, a turntable) can only be a link's source."""
    if stop is None or not stop.device or stop.role == "in":
        return False
    device = ontology.devices[stop.device]
    return bool(device.out) and not device.inputs


def _named_by_an_output(stop: Stop | None, ontology: Ontology) -> bool:
    """Gear named by a port word that is only ever an output ("the recorder's small headphone hole")."""
    return (
        stop is not None
        and bool(stop.device)
        and stop.role != "in"
        and bool(stop.qualifiers)
        and all(set(ontology.generic_ports.get(q, {})) == {"out"} for q in stop.qualifiers)
    )


def _turned_from_its_output(link: LinkSpec, introduced: Mapping[int, str], ontology: Ontology) -> LinkSpec:
    """ "the field recorder's little headphone hole; the hi-fi's red and white sockets": gear named by its
    output sends, so a link read the other way round (the stereo named first) turns, when a port or jack of
    the other end is said (bare gear may be a stray word: "a mobile gig"). Not when the other end is named by an
    output too, or only sends itself (a mic into a phone's headphone jack: that jack is the
    phone's headset input), or the words say which way ("into the headphone jack")."""
    source, dest = link.source, link.dest
    if (
        source is None
        or not source.device
        or source.role == "out"
        or not (source.role or source.families or source.qualifiers or source.formats)
        or not _named_by_an_output(dest, ontology)
        or _named_by_an_output(source, ontology)
        or _only_sends(source, ontology)
        or introduced.get(dest.position) == "leads_to"
    ):
        return link
    return LinkSpec(replace(dest, role=None), link.cable, replace(source, role=None))


def _audio_into_gear_that_takes_it(
    link: LinkSpec, introduced: Mapping[int, str], ontology: Ontology
) -> LinkSpec:
    """ "Could 48 V harm the transformer DI, or the synth plugged in before it?": read in word order the DI would feed the
    keyboard, whose only input is MIDI. With no side, port or jack said, a link from gear that sends only audio to
    gear that takes no audio, but sends it to gear that takes it, is the other way round."""
    source, dest = link.source, link.dest
    if (
        source is None
        or dest is None
        or not (source.device and dest.device)
        or any(s.role or s.qualifiers or s.families or s.formats for s in (source, dest))
        or introduced.get(dest.position) == "leads_to"
    ):
        return link

    def audio(device: str, side: str) -> bool:
        gear = ontology.devices[device]
        ports = gear.out if side == "out" else gear.inputs
        return any(ontology.ports[p].domain == "analog" for p in ports.values())

    if (
        audio(source.device, "out")
        and not audio(dest.device, "in")
        and audio(dest.device, "out")
        and audio(source.device, "in")
    ):
        return LinkSpec(dest, link.cable, source)
    return link


def _senders_feed_receivers(
    links: list[LinkSpec], introduced: Mapping[int, str], ontology: Ontology
) -> list[LinkSpec]:
    """Links read in word order follow the signal: gear that only sends is never a destination.

    "The interface has one 48V button; an SM7B on input 2 and the condenser on input 1": the interface receives
    the SM7B (the link turns round), and the condenser, named after the SM7B, is a second source into what the SM7B
    feeds (or the other way round). Two senders with nothing they feed named are not a connection ("SM58 or
    Beta 58?"), so that link goes when other links remain. Gear said to be plugged into ("into the camcorder's mic
    hole") keeps its place: the words name its input."""
    if not any(_only_sends(link.dest, ontology) for link in links):
        return links
    fed: dict[str, Stop] = {}  # sending device -> the receiving stop it feeds
    turned: list[LinkSpec | None] = []
    for link in links:
        source, dest = link.source, link.dest
        if (
            _only_sends(dest, ontology)
            and source is not None
            and source.device
            and not _only_sends(source, ontology)
        ):
            if source.role != "out" and introduced.get(dest.position) != "leads_to":
                link = LinkSpec(replace(dest, role=None), link.cable, replace(source, role=None))
        elif _only_sends(dest, ontology) and _only_sends(source, ontology):
            turned.append(None)  # decided once every sender's receiver is known
            continue
        if link.source and link.source.device and link.dest and not _only_sends(link.dest, ontology):
            fed.setdefault(link.source.device, link.dest)
        turned.append(link)
    out: list[LinkSpec] = []
    for original, link in zip(links, turned, strict=True):
        if link is None:
            assert original.source is not None and original.source.device and original.dest is not None
            # "an M160 and an SM58 on the mixer": the first sender feeds what the second does, or the second
            # what the first does
            first, second = original.source, original.dest
            if first.device in fed:
                link = LinkSpec(second, original.cable, fed[first.device])
            elif second.device in fed:
                link = LinkSpec(first, original.cable, fed[second.device])
            else:
                continue
        if not any(_same_ends(link, kept) for kept in out):
            out.append(link)
    return out or links


def _gear_on_a_loop(links: list[LinkSpec], ontology: Ontology) -> list[LinkSpec]:
    """Gear put on a jack that sends and takes the signal back (a compressor on a mixer's insert) is a loop, not a
    stop down a chain: the one jack feeds the processor's input and its output comes back on the same plug, so
    whatever order a post names the mixer, the channel, the mic and the compressor in, the link is that jack to the
    processor nearest it in the words. A loop word said of gear without such a jack ("the vocal mic's insert")
    belongs to the gear that has one."""
    stops = sorted(
        {
            (s.position, s.text): s for link in links for s in (link.source, link.dest) if s is not None
        }.values(),
        key=lambda s: s.position,
    )
    loop = next((s for s in stops if _names_a_loop_port(s, ontology)), None)
    if loop is None:
        return links
    if not (loop.device and _has_a_loop_port(loop.device, ontology)):
        hosts = [s for s in stops if s.device and _has_a_loop_port(s.device, ontology)]
        host = min(hosts, key=lambda s: abs(s.position - loop.position), default=None)
        loop = replace(
            loop, device=host.device if host else None, device_text=host.device_text if host else ""
        )
    processors = [
        s
        for s in stops
        if s.device
        and s.position != loop.position
        and s.device != loop.device
        and not _has_a_loop_port(s.device, ontology)
        and ontology.devices[s.device].inputs
        and ontology.devices[s.device].out
    ]
    if not processors:
        return links
    processor = min(processors, key=lambda s: abs(s.position - loop.position))
    y_cable = next((link.cable for link in links if link.cable is not None and any(link.cable.duals)), None)
    return [LinkSpec(replace(loop, role="out"), y_cable, replace(processor, role=None))]


def _names_a_loop_port(stop: Stop, ontology: Ontology) -> bool:
    return any(
        ontology.ports[port].returns
        for q in stop.qualifiers
        for port in ontology.generic_ports.get(q, {}).values()
    )


def _has_a_loop_port(device: str, ontology: Ontology) -> bool:
    gear = ontology.devices.get(device)
    return gear is not None and any(ontology.ports[port].returns for port in gear.out.values())


def _same_ends(a: LinkSpec, b: LinkSpec) -> bool:
    return (
        a.source is not None
        and b.source is not None
        and a.dest is not None
        and b.dest is not None
        and (a.source.device, a.source.text, a.dest.device, a.dest.text)
        == (b.source.device, b.source.text, b.dest.device, b.dest.text)
    )


def _ports_of_the_one_gear(
    links: list[LinkSpec], mentions: list[Mention], tokens: list[str], ontology: Ontology, g: Grammar
) -> list[LinkSpec]:
    """ "Scarlett 4i4 and two JBL 305Ps ... from line outs 1/2 into the JBL inputs": a port named without its gear
    belongs to the one piece of gear the question names (and does not deny) that has such a port and is at no
    end of any link; a side said alone ("on the other two inputs"), to the one such piece with ports on that side."""
    at_ends = {stop.device for link in links for stop in (link.source, link.dest) if stop and stop.device}
    spare: dict[str, str] = {}
    for m in mentions:
        if m.kind == "device" and m.id not in at_ends and not _negated(tokens, m.start, g):
            spare.setdefault(m.id, m.text)

    def same_gear(a: str, b: str) -> bool:
        # ("my Peavey 6505 amp": a product and a broader class word for it are one piece of gear)
        return a == b or b in _broader(a, ontology) or a in _broader(b, ontology)

    def said_again(stop: Stop) -> bool:
        # "those SAME outputs": a side pointing back to one named before is that one, not the spare gear's
        return bool(set(tokens[max(0, stop.position - 2) : stop.position]) & set(g.same_port_words))

    def owner(stop: Stop | None) -> Stop | None:
        if stop is None or stop.device or stop.role not in ("out", "in"):
            return None
        candidates = [
            device
            for device in spare
            if not any(same_gear(device, other) for other in at_ends)
            and (
                any(_has_port(ontology.devices[device], q, stop.role, ontology) for q in stop.qualifiers)
                if stop.qualifiers
                # ("the other two inputs": a side alone, of the one piece of gear named with ports on that side)
                else _can_have(Stop(device=device), stop.role, ontology)
                and not stop.families
                and not said_again(stop)
            )
        ]
        # (a class word said beside the product names no second piece of gear: the narrowest one stays)
        distinct = [
            d for d in candidates if not any(d != e and d in _broader(e, ontology) for e in candidates)
        ]
        if len(distinct) != 1:
            return None
        return replace(stop, device=distinct[0], device_text=spare[distinct[0]])

    return [
        LinkSpec(owner(link.source) or link.source, link.cable, owner(link.dest) or link.dest)
        for link in links
    ]


def _without_denied_jacks(
    links: list[LinkSpec], mentions: list[Mention], tokens: list[str], ontology: Ontology, g: Grammar
) -> list[LinkSpec]:
    """ "plug into the XLR inputs on the HS8s, not the 1/4 ones": a jack the question says it is not using is none
    of the receiving end's (a cable denied, "I don't have XLR cables", says nothing of the gear's jacks)."""
    # family -> the gear a bracketed aside denies it of ("the LPK25 (a USB socket, no DIN)"), or None for any end
    denied: dict[str, str | None] = {}
    for i, m in enumerate(mentions):
        if m.kind != "family" or not _negated(tokens, m.start, g):
            continue
        after = mentions[i + 1] if i + 1 < len(mentions) else None
        if after is not None and after.kind in {"cable", "cableword"} and after.start <= m.end + 1:
            continue
        opened = _bracket_open_at(tokens, m.start)
        described = (
            [d for d in mentions[:i] if d.kind == "device" and d.end <= opened] if opened is not None else []
        )
        for family in ontology.related_families({m.id}):
            denied[family] = described[-1].id if described else None
    if not denied:
        return links

    def kept(stop: Stop | None) -> Stop | None:
        if stop is None:
            return stop
        gone = {f for f in stop.families if f in denied and denied[f] in {None, stop.device}}
        return replace(stop, families=tuple(f for f in stop.families if f not in gone)) if gone else stop

    return [LinkSpec(link.source, link.cable, kept(link.dest)) for link in links]


def _plugs_said_at_gear_ends(
    links: list[LinkSpec], mentions: list[Mention], tokens: list[str], ontology: Ontology, g: Grammar
) -> list[LinkSpec]:
    """ "XLR AT THE MONITOR END, please": a connector said at the end of the cable by a piece of gear is the plug
    there, of the jacks that gear has (a combo input of both then takes that one)."""
    said: dict[str, str] = {}  # device id named at the end -> family
    for m, owner, gear in zip(mentions, mentions[1:], mentions[2:], strict=False):
        if m.kind != "family" or owner.kind != "attach" or owner.start != m.end or gear.kind != "device":
            continue
        fillers_only = all(tok in g.fillers for tok in tokens[owner.end : gear.start])
        if fillers_only and gear.end < len(tokens) and tokens[gear.end] in g.cable_end_words:
            said[gear.id] = m.id
    if not said:
        return links

    def narrowed(stop: Stop | None) -> Stop | None:
        family = next((f for device, f in said.items() if _names_device(stop, device, ontology)), None)
        if stop is None or family is None or family not in stop.families:
            return stop
        return replace(stop, families=(family,))

    return [LinkSpec(narrowed(link.source), link.cable, narrowed(link.dest)) for link in links]


def _bracket_open_at(tokens: list[str], at: int) -> int | None:
    """Where the bracket still open at `at` opened, if one is ("the LPK25 (a USB socket, NO DIN)")."""
    for i in range(at - 1, -1, -1):
        if tokens[i] == ")":
            return None
        if tokens[i] == "(":
            return i
    return None


def _has_port(device: Device, word: str, role: str, ontology: Ontology) -> bool:
    """The gear has a port the port word names on that side: by the word itself or by the port it stands for."""
    ports = device.out if role == "out" else device.inputs
    return word in ports or ontology.generic_ports.get(word, {}).get(role) in ports.values()


def _coordinated_sources(
    stops: list[Stop], tokens: list[str], ontology: Ontology, g: Grammar
) -> frozenset[int]:
    """ "both my phone and my laptop into the aux input": gear joined to the gear before it by a coordinator alone,
    both able to send, and followed by gear that takes a signal, is a second source beside the first."""
    out: set[int] = set()
    for a, b, c in zip(stops, stops[1:], stops[2:], strict=False):
        between = tokens[a.position + len(a.text.split()) : b.position]
        if not (
            a.device and b.device and c.device and a.device != b.device and a.role != "in" and b.role != "in"
        ):
            continue
        if not (set(between) & g.coordinators) or not set(between) <= g.coordinators | g.fillers:
            continue
        onward = tokens[b.position + len(b.text.split()) : c.position]
        if not set(onward) & g.link_words or set(onward) & SENTENCE_END:
            continue  # "a Strat and a Katana for his birthday": two pieces of gear, not two sources into a third
        if (
            ontology.devices[a.device].out
            and ontology.devices[b.device].out
            and ontology.devices[c.device].inputs
        ):
            out.add(b.position)
    return frozenset(out)


def _cables_swapped_in(
    tokens: list[str], cables: list[CableSpec], sentence_of: list[int], g: Grammar
) -> frozenset[int]:
    """Cables said to have taken the place of another ("swapped them for a pair of TRS cables", reading.yaml
    `substitution_words.becomes`): a replacing word between the cable and the last cable or sentence start before
    it, in its sentence."""
    words = g.substitution_words
    if words is None or not words.becomes or len(cables) < 2:
        return frozenset()
    becomes = phrase_pattern(words.becomes)
    last = len(sentence_of) - 1
    swapped: set[int] = set()
    for cable in cables:
        sentence = sentence_of[min(cable.position, last)]
        start = cable.position
        while start > 0 and sentence_of[start - 1] == sentence:
            start -= 1
        start = max([start, *(c.position + 1 for c in cables if c.position < cable.position)])
        if becomes.search(" ".join(tokens[start : cable.position])):
            swapped.add(cable.position)
    return frozenset(swapped)


def _inside(position: int, span: tuple[int, int]) -> bool:
    return min(span) < position < max(span)


def _cable_referred_back(
    tokens: list[str], cables: list[CableSpec], sentence_of: list[int], asking: set[int], g: Grammar
) -> frozenset[int]:
    """ "I left my speaker cable at home. I have an instrument cable in the bag. Can I use that?": a question that
    names no cable but points back at one asks about the cable named last before it."""
    referred: set[int] = set()
    if not g.cable_back_references or not cables:
        return frozenset()
    back = phrase_pattern(g.cable_back_references)
    for sentence in asking:
        positions = [i for i, s in enumerate(sentence_of) if s == sentence]
        if any(sentence_of[min(c.position, len(sentence_of) - 1)] == sentence for c in cables):
            continue
        if not back.search(" ".join(tokens[i] for i in positions)):
            continue
        before = [c.position for c in cables if c.position < positions[0]]
        if before:
            referred.add(max(before))
    return frozenset(referred)


def _cable_fits_link(cable: CableSpec, link: LinkSpec, ontology: Ontology | None) -> bool:
    """No end of the link names a connector that none of the cable's plugs even goes into (a jack lead on an XLR
    out; a TS plug in a TRS jack goes in, and that mismatch is often what is asked)."""
    if ontology is None or not cable.ends:
        return True
    plugs = _shapes(set(cable.ends), ontology)
    for stop in (link.source, link.dest):
        # only a side said with one connector ("the DI's XLR out"): a stop's connectors gathered from around
        # the post may be the gear's other jacks
        said = stop is not None and stop.role is not None and len(stop.families) == 1
        if said and not _shapes(set(stop.families), ontology) & plugs:
            return False
    return True


def _shapes(families: set[str], ontology: Ontology) -> set[str]:
    """The plug shapes of these families: the families a size-only family stands for have that size's shape
    (TS and TRS are both quarter-inch); other families are their own shape."""
    sizes = {f: set(fam.resolves_to) for f, fam in ontology.families.items() if fam.resolves_to}
    sized = {f: size for size, members in sizes.items() for f in members | {size}}
    return {sized.get(f, f) for f in families}


def _through_stop(into: LinkSpec, out_of: LinkSpec) -> tuple[LinkSpec, LinkSpec]:
    """ "keys -> passive DI (TS in) -> XLR -> snake": in a drawn chain, gear the signal passes through is the end
    of one link and the start of the next; a jack said to be its input belongs to the link coming in, one said
    to be its output to the link going out. (In prose the order is the reader's guess, and a stop that reads as
    two outputs is how a misread link is caught, so it is left as it is.)"""
    middle = into.dest
    # (gear the lexicon does not know passes the signal through too: "... -> QSC RMX inputs -> speakON -> ...")
    unknown_gear_in = middle is not None and not middle.device and bool(middle.text) and middle.role == "in"
    if (
        middle is None
        or middle is not out_of.source
        or not (middle.device or unknown_gear_in)
        or middle.role is None
    ):
        return into, out_of
    # "word clock out -> the converter's BNC in, set to 48k": gear on both sides of the middle, or it is left
    # ...but "Revox B77 (RCA outputs) -> ...": a port said of gear the lexicon does not know is a stop too
    said = into.source is not None and (into.source.device or into.source.families)
    if not said or out_of.dest is None or not out_of.dest.device:
        return into, out_of
    bare = replace(middle, role=None, families=(), qualifiers=(), gender=None, balance=None, dual=False)
    if middle.role == "in":
        return into, replace(out_of, source=bare)
    return replace(into, dest=bare), out_of


def _device_word(stop: Stop) -> str:
    return stop.device_text or stop.device or ""


def _goes_into_a_source(
    cable: CableSpec,
    links: list[LinkSpec],
    to_positions: frozenset[int],
    gear_at: Mapping[int, str],
    arrows: bool,
    ontology: Ontology | None,
) -> bool:
    """ "the pickup goes via a TS cable INTO the DI, then an XLR cable from the DI to the desk": in prose, a cable
    said to go into gear that only sends on the links the question reads belongs to the hop before, not read."""
    if arrows:
        return False
    into = min((p for p in to_positions if p > cable.position), default=None)
    if into is None or into - cable.position > CABLE_TO_INTO:
        return False
    named = next((gear_at[p] for p in sorted(gear_at) if into < p <= into + CABLE_TO_INTO), None)
    if named is None or ontology is None:
        return False
    # "a Radial ProDI" is the DI box the links read
    kinds = set(ontology.class_chain(named))
    sends = {link.source.device for link in links if link.source is not None and link.source.device}
    receives = {link.dest.device for link in links if link.dest is not None and link.dest.device}
    return bool(kinds & sends) and not kinds & receives


CABLE_TO_INTO = 3  # words from a cable to the "into" after it, and from "into" to the gear it names


def _cable_link(
    cable: CableSpec,
    links: list[LinkSpec],
    spans: list[tuple[int, int]],
    arrows: bool,
    from_positions: frozenset[int],
    sentence_of: list[int] | None = None,
    gear_said_in: Mapping[int, set[str]] | None = None,
    ontology: Ontology | None = None,
) -> int | None:
    """Which link a cable belongs to, if any.

    With arrows the cable sits between its two ends ("mic -> XLR -> interface"): one drawn before the first stop
    read belongs to a hop from gear the reader does not know ("Taylor 314ce -> instrument cable -> DI -> ..."),
    and one in a later sentence, after a chain of several hops, belongs to the hop into gear that sentence names
    ("For the monitors I used guitar cables"), if any. In prose it follows its link ("the
    mic goes into the interface with an XLR cable") unless "from" introduces the link ("TS cables from the
    interface to the monitors").
    """
    if not links:
        return None
    free = [i for i, link in enumerate(links) if link.cable is None]
    if arrows:
        if cable.position < spans[0][0]:
            return None
        if sentence_of and len(links) > 1 and cable.position >= spans[-1][1]:
            last = len(sentence_of) - 1
            sentence = sentence_of[min(cable.position, last)]
            if sentence != sentence_of[min(spans[-1][1], last)]:
                named = (gear_said_in or {}).get(sentence, set())
                into = [
                    i
                    for i, link in enumerate(links)
                    if link.dest
                    and link.dest.device
                    and (
                        link.dest.device in named
                        or (ontology is not None and named & set(_broader(link.dest.device, ontology)))
                    )
                ]
                return into[0] if len(into) == 1 else None
        for index, (_start, end) in enumerate(spans):
            if cable.position < end:
                return index
        return len(links) - 1
    next_from = min((p for p in from_positions if p > cable.position), default=None)
    if next_from is not None and next_from - cable.position <= 6:
        after = [i for i, (start, _end) in enumerate(spans) if start > next_from]
        if after:
            return after[0]
    # ("into the Xenyx, and out of the desk's mains a jack lead on to the speaker": the mixer passing the signal
    # on to its own output is no hop a cable can be on)
    passing = {
        i
        for i, link in enumerate(links)
        if link.source
        and link.dest
        and link.source.device
        and link.source.device == link.dest.device
        and link.source.role != "out"
        and link.dest.role == "out"
    }
    free = [i for i in free if i not in passing]
    before = [i for i, (_start, end) in enumerate(spans) if end < cable.position and i not in passing]
    if before:
        preferred = before[-1]
        return preferred if preferred in free or not free else free[0]
    return 0


def _asked_sentence(
    tokens: list[str], mentions: list[Mention], g: Grammar
) -> tuple[tuple[int, int], bool] | None:
    """Where a chain question asks about part of it, and whether that was pointed at: the last question that
    points at a part ("the long leg between the DI box and the snake, is THAT PART balanced?"), or the sentence
    before it when it names no gear or connector ("... into the snake. Is that part balanced? The drummer has his
    own mics."); otherwise the last sentence. None for a one-sentence question."""
    ends = [i + 1 for i, tok in enumerate(tokens[:-1]) if tok in SENTENCE_END]
    spans = list(zip([0, *ends], [*ends, len(tokens)], strict=True))
    if len(spans) < 2:
        return None

    def says_something(span: tuple[int, int]) -> bool:
        # ("the long 40 m part: is THAT part balanced?": a length names the run it measures)
        return any(
            (m.kind in ("device", "family", "cable") or (m.kind == "cableword" and m.end in part_at))
            and span[0] <= m.start < span[1]
            for m in mentions
        ) or bool(lengths_in_metres(" ".join(tokens[slice(*span)])))

    # "the CABLE PART": a cable word naming the part says which link it is
    part_at = {i for i, tok in enumerate(tokens) if tok in g.part_words}

    def points_at_a_part(span: tuple[int, int]) -> bool:
        # "THAT part", "the long RUN" (a determiner just before it), not the verb of "could we run a cable"
        return "?" in tokens[slice(*span)] and any(
            tokens[i] in g.part_words and set(tokens[max(span[0], i - 2) : i]) & g.fillers
            for i in range(*span)
        )

    # the last question that points at a part ("is THAT PART balanced?"), wherever remarks follow it
    asking = next((k for k in range(len(spans) - 1, -1, -1) if points_at_a_part(spans[k])), None)
    if asking is not None and says_something(spans[asking]):
        return spans[asking], True
    if asking and says_something(spans[asking - 1]):
        return spans[asking - 1], True
    return spans[-1], False


def _asked_clause(
    tokens: list[str], mentions: list[Mention], g: Grammar
) -> tuple[tuple[int, int], bool] | None:
    """The asking sentence (see _asked_sentence), narrowed to its clause after the last clause opener when that
    clause names two pieces of gear itself: "The guitar-to-box part is done, but which lead joins the box's output
    and the desk?"; in a sentence a question points back to, a comma opens a clause too ("the synth-to-box lead is
    a plain one, my question is the stretch after the box up to the console. Balanced, that bit?")."""
    asked = _asked_sentence(tokens, mentions, g)
    if asked is None:
        return None
    span, pointed_back = asked
    if not ("?" in tokens[slice(*span)] or pointed_back):
        return asked
    opener = max(
        (
            i
            for i in range(*span)
            if (tokens[i] in g.clause_openers or (pointed_back and tokens[i] == ","))
            and sum(m.kind == "device" and i < m.start < span[1] for m in mentions) >= 2
        ),
        default=None,
    )
    return ((opener, span[1]), pointed_back) if opener is not None else asked


def _names_device(stop: Stop | None, device: str, ontology: Ontology) -> bool:
    """ "the DI" names the Radial ProDI of the chain: the stop's gear is the device or of its class."""
    return (
        stop is not None
        and stop.device is not None
        and (stop.device == device or device in _broader(stop.device, ontology))
    )


def _carried_on_from(
    chain: list[Stop], resolved: list[tuple[int, Stop, bool]], sentences: list[int], ontology: Ontology
) -> list[Stop]:
    """ "pickup -> jack lead -> DI. ... from the box on through the multicore to the console: balanced that far?":
    an asking sentence that names the drawn chain's last gear and then gear the chain lacks carries
    the chain on to that gear, in the order said."""
    if not chain or not chain[-1].device:
        return []
    for sentence in sentences:
        here = [(stop, is_ref) for sent, stop, is_ref in resolved if sent == sentence]
        last_at = next(
            (
                at
                for at, (stop, is_ref) in enumerate(here)
                if is_ref and stop.device and _same_device(chain[-1], stop, ontology)
            ),
            None,
        )
        if last_at is None:
            continue
        beyond = [stop for stop, is_ref in here[last_at + 1 :] if not is_ref and stop.device]
        if beyond and len(beyond) == len(here) - last_at - 1:
            return beyond
    return []


def _hop(tokens: list[str], mentions: list[Mention], links: list[LinkSpec], ontology: Ontology) -> int | None:
    """Find the link a chain question asks about: "which lead for the hop from the computer to the interface?"."""
    g = _grammar(ontology)
    asked = _asked_clause(tokens, mentions, g)
    if asked is None:
        return None
    span, pointed_back = asked
    asks = "?" in tokens[slice(*span)]
    named_at = [
        m
        for m in mentions
        if m.kind == "device" and span[0] <= m.start < span[1] and not _in_a_clause_denied(tokens, m.start, g)
    ]
    named = [m.id for m in named_at]
    if not named:
        # "... and the DI box's XLR output runs to the stage box. Is that XLR leg balanced?": the one link on it
        # ("that long XLR run": a cable word names its connectors too)
        families = {m.id for m in mentions if m.kind == "family" and span[0] <= m.start < span[1]} | {
            end
            for m in mentions
            if m.kind == "cable" and span[0] <= m.start < span[1]
            for end in ontology.cables[m.id].ends
        }
        on_it = [
            index
            for index, link in enumerate(links)
            if families
            and families <= _link_families(link)
            and not (
                link.source and link.dest and link.source.device == link.dest.device
            )  # one gear named twice
        ]
        cable_asked = bool(set(tokens[span[0] : span[1]]) & g.cable_words)
        if len(on_it) > 1 and cable_asked:
            # "two mics into the mixer, the mixer's USB to the laptop. Which USB cable?": the link whose sending
            # gear has an output on that connector (a mic has no USB out)
            on_it = [i for i in on_it if _sends_on(links[i].source, families, ontology)] or on_it
        if len(on_it) == 1:
            return on_it[0]
        # "mic -> bodypack -> receiver's XLR out -> XLR cable -> PA. Is the CABLED PART balanced?": the one link
        # that has a cable, when a cable word names the part
        cabled = [index for index, link in enumerate(links) if link.cable is not None]
        names_the_cable = any(
            m.kind == "cableword" and m.end < len(tokens) and tokens[m.end] in g.part_words
            for m in mentions
            if span[0] <= m.start < span[1]
        )
        if names_the_cable and len(cabled) == 1:
            return cabled[0]
        # "... then 20 m of XLR on to the stage box. Is the 20 m run balanced?": the cable said with that length
        return _link_of_the_length_said(tokens, span, links)
    if len(named) == 1:
        # "the XLR stretch AFTER the box": one gear named after a word placing the hop past it is the hop it sends on
        at = named_at[0].start
        if set(tokens[max(span[0], at - HOP_PLACE_REACH) : at]) & g.after_words:
            sent_on = [i for i, link in enumerate(links) if _names_device(link.source, named[0], ontology)]
            return sent_on[0] if len(sent_on) == 1 else None
        return None
    for index, link in enumerate(links):
        if pointed_back:
            # "the leg between the DI box and the snake": gear named by its class word, either way round
            if any(
                _names_device(link.source, a, ontology) and _names_device(link.dest, b, ontology)
                for a, b in ((named[0], named[1]), (named[1], named[0]))
            ):
                return index
        elif set(named[:2]) <= {
            link.source.device if link.source else None,
            link.dest.device if link.dest else None,
        }:
            return index
    # "... the box's output to the desk channel?" names the chain's console by its class, in the signal's order
    return next(
        (
            index
            for index, link in enumerate(links)
            if asks
            and _names_device(link.source, named[0], ontology)
            and _names_device(link.dest, named[1], ontology)
        ),
        None,
    )


def _in_a_clause_denied(tokens: list[str], index: int, g: Grammar) -> bool:
    """ "I do NOT mean the little patch lead by the synth, just the long leg after the box": the clause opens with a
    negator (or a word that sets it aside: "LEAVING ASIDE the pickup end"), or says before the gear that the
    question is not about it ("I DON'T MEAN the patch cord from keys to box"), so the gear in it is what the
    question is not about."""
    start = index
    while start > 0 and tokens[start - 1] not in BREAKERS:
        start -= 1
    return tokens[start] in g.negators | g.set_aside_words or any(
        tokens[at] in g.negators and tokens[at + 1] in g.disowning_verbs for at in range(start, index - 1)
    )


def _sends_on(stop: Stop | None, families: set[str], ontology: Ontology) -> bool:
    """The stop's gear has an output on one of these connectors (a family by size: any of its members)."""
    if stop is None or not stop.device:
        return False
    named = families | {
        f for fam in families if fam in ontology.families for f in ontology.families[fam].resolves_to
    }
    jacks = {j for port in ontology.devices[stop.device].out.values() for j in ontology.ports[port].jacks}
    return bool(jacks & named)


def _link_of_the_length_said(tokens: list[str], span: tuple[int, int], links: list[LinkSpec]) -> int | None:
    """The one link whose cable was said with the length the asking sentence names."""
    said = set(lengths_in_metres(" ".join(tokens[span[0] : span[1]])))
    if not said:
        return None

    def measured(link: LinkSpec) -> bool:
        # the length goes before the cable, or before the gear a drawn run reaches ("-> 40 m of XLR to the
        # snake ->": the run's connector and a preposition or two come between)
        if link.cable is not None:
            at, reach = link.cable.position, CABLE_LENGTH_REACH
        elif link.dest is not None:
            at, reach = link.dest.position, CABLE_LENGTH_REACH + 2
        else:
            return False
        before = tokens[max(0, at - reach) : at]
        if "->" in before:  # not past the arrow that starts this hop
            before = before[len(before) - before[::-1].index("->") :]
        return bool(set(lengths_in_metres(" ".join(before))) & said)

    with_it = [index for index, link in enumerate(links) if measured(link)]
    return with_it[0] if len(with_it) == 1 else None


def _hop_span(
    tokens: list[str], mentions: list[Mention], links: list[LinkSpec], ontology: Ontology
) -> tuple[int, int] | None:
    """The run of links a chain question asks about when its two ends are several links apart ("from the DI to
    the desk" over DI -> snake -> desk); None when the asking sentence does not name two of the chain's gear."""
    asked = _asked_clause(tokens, mentions, _grammar(ontology))
    if asked is None:
        return None
    (start, end), pointed_back = asked
    named = [m.id for m in mentions if m.kind == "device" and start <= m.start < end]
    if len(named) < 2 or not (pointed_back or "?" in tokens[start:end]):
        return None
    first = next((i for i, link in enumerate(links) if _names_device(link.source, named[0], ontology)), None)
    if first is None:
        return None
    last = next(
        (j for j in range(first, len(links)) if _names_device(links[j].dest, named[1], ontology)), None
    )
    if last is None or (first == 0 and last == len(links) - 1):
        return None
    return first, last


def _gear_passed_through_in_between(
    stops: list[Stop], tokens: list[str], mentions: list[Mention], ontology: Ontology, g: Grammar
) -> list[Stop]:
    """ "my keyboard goes to the mixer THROUGH a DI box": gear the signal is said to pass through, named right
    after where it goes, sits between the sender and that place, not after it."""
    via = {
        m.end + next((k for k, tok in enumerate(tokens[m.end :]) if tok not in g.fillers), 0)
        for m in mentions
        if m.kind == "sep" and m.id == "passes_via"
    }
    introduced = _introduced_by(tokens, mentions, g)
    out = list(stops)
    for at in range(2, len(out)):
        stop, place, sender = out[at], out[at - 1], out[at - 2]
        if (
            stop.position in via
            and introduced.get(place.position) == "leads_to"
            and stop.device
            and place.device
            and sender.device
            and _passes_signal_on(stop, ontology)
            and not set(tokens[place.position : stop.position]) & BREAKERS
        ):
            out[at - 1], out[at] = stop, place
    return out


def _link_families(link: LinkSpec) -> set[str]:
    """Every connector family a link's ends and cable name."""
    ends = [link.source, link.dest]
    return {f for stop in ends if stop for f in stop.families} | set(link.cable.ends if link.cable else ())


def _introduced_by(tokens: list[str], mentions: list[Mention], g: Grammar) -> dict[int, str]:
    """Token position -> the separator ("from", "into") whose phrase starts there, past fillers ("from the ...")."""
    out: dict[int, str] = {}
    for m in mentions:
        if m.kind == "sep" and m.id in {"comes_from", "leads_to"}:
            j = m.end
            while j < len(tokens) and tokens[j] in g.fillers:
                j += 1
            out[j] = m.id
    return out


def _orient(link: LinkSpec, introduced: Mapping[int, str], ontology: Ontology | None = None) -> LinkSpec:
    """Put the sending end first when the words say so, whatever order the sentence names the gear in.

    Port roles decide first ("plug the pedal into the speaker jack"); otherwise "from" marks the sender and
    "into"/"to" the receiver ("feed the amp from the desk", "into the mixer from my phone").
    """
    a, b = link.source, link.dest
    if a is None or b is None:
        return link
    if (b.role == "out" and a.role != "out") or (a.role == "in" and b.role != "in"):
        return LinkSpec(b, link.cable, a)
    if a.role or b.role:
        return link
    if ontology is not None and a.device and b.device:
        # Gear that has no outputs (a passive cab, a monitor) can only receive; gear with no inputs only sends.
        first, second = ontology.devices[a.device], ontology.devices[b.device]
        if (not first.out and second.out) or (not second.inputs and first.inputs):
            return LinkSpec(b, link.cable, a)
        if (not second.out and first.out) or (not first.inputs and second.inputs):
            return link

    a_by, b_by = introduced.get(a.position), introduced.get(b.position)
    if (b_by == "comes_from" and a_by != "comes_from") or (a_by == "leads_to" and b_by is None):
        return LinkSpec(b, link.cable, a)
    return _usb_link_from_its_sender(link, ontology) if ontology is not None else link


def _turned_to_what_it_feeds(link: LinkSpec, introduced: Mapping[int, str], ontology: Ontology) -> LinkSpec:
    """ "expanding my interface with an ADA8200": with no port, role or "from"/"into" saying which way, gear whose
    usual output is made for an input the other has (an ADAT preamp's ADAT out, the interface's ADAT in) sends."""
    a, b = link.source, link.dest
    if a is None or b is None or a.role or b.role or introduced.get(a.position) or introduced.get(b.position):
        return link
    if _made_to_feed(b, a, ontology) and not _made_to_feed(a, b, ontology):
        return LinkSpec(b, link.cable, a)
    return link


def _made_to_feed(sender: Stop, receiver: Stop, ontology: Ontology) -> bool:
    """The sender's usual output is made for an input the receiver has (ports.yaml `feeds`)."""
    if not sender.device or not receiver.device:
        return False
    usual = ontology.devices[sender.device].out.get("default")
    feeds = ontology.ports[usual].feeds if usual in ontology.ports else None
    return feeds is not None and feeds in ontology.devices[receiver.device].inputs.values()


def _usb_link_from_its_sender(link: LinkSpec, ontology: Ontology) -> LinkSpec:
    """ "New laptop has USB-C, my pad controller has USB-B: which cable?": no word says which way, so the host
    (kb/reading.yaml usb_hosts) decides: gear whose usual output is its USB port (a USB mic, a MIDI controller),
    or whose USB mainly sends (`usb_senders`: a keyboard's notes), sends to the host; other gear (an audio
    interface) receives from it."""
    a, b = link.source, link.dest
    g = _grammar(ontology)
    hosts = g.usb_hosts
    if a is None or b is None or not a.device or not b.device:
        return link
    a_host, b_host = gear_class(a.device, ontology) in hosts, gear_class(b.device, ontology) in hosts
    if a_host == b_host:
        return link
    host, gear = (a, b) if a_host else (b, a)
    usb = ontology.generic_ports.get(g.usb_port, {})
    jacks = ontology.ports[usb["out"]].jacks if "out" in usb else ()
    usb_jacks = set(jacks) | {f for j in jacks for f in ontology.families[j].resolves_to}
    named = set(a.families) | set(b.families) | set(link.cable.ends if link.cable else ())
    gear_ports = ontology.devices[gear.device].out
    if not (named & usb_jacks) or usb.get("out") not in gear_ports.values():
        return link  # not a USB link
    if gear.families and not set(gear.families) & usb_jacks:
        return link  # the gear's end is another connector ("a keyboard's MIDI socket to the computer's USB")
    gear_sends = gear_ports.get("default") == usb["out"] or gear_class(gear.device, ontology) in g.usb_senders
    return LinkSpec(gear, link.cable, host) if gear_sends else LinkSpec(host, link.cable, gear)


def _single_stop_link(
    stop: Stop,
    cables: list[CableSpec],
    to_positions: frozenset[int] = frozenset(),
    ontology: Ontology | None = None,
) -> LinkSpec:
    cable = cables[0] if cables else None
    # "... into my mixer"; but an output is never what a cable leads into ("planning TO try the phones output,
    # plus a TRS lead")
    led_in = stop.role != "out" and any(0 < stop.position - p <= 3 for p in to_positions)
    if (
        stop.role == "in"
        or led_in
        or (cable is not None and cable.position < stop.position and stop.role != "out")
    ):
        return LinkSpec(None, cable, stop)
    if stop.role is None and cable is not None and ontology is not None and stop.device:
        # "the bass amp and a long instrument lead": a cable of a kind the gear takes in, not one it sends, ends there
        device = ontology.devices[stop.device]
        sends = device.out.get("default")
        takes = cable.kind in device.inputs
        if takes and (sends is None or ontology.ports[sends].level != cable.kind):
            return LinkSpec(None, cable, stop)
    return LinkSpec(stop, cable, None)


# --- intent, entities, phantom ------------------------------------------------------------------------------


def _entities(mentions: list[Mention], ontology: Ontology) -> tuple[Entity, ...]:
    out: dict[str, Entity] = {}
    for m in mentions:
        if m.kind == "family":
            fam = ontology.families[m.id]
            ident = fam.plug if isinstance(fam.plug, str) else fam.name
            out.setdefault(ident, Entity(ident, m.text, "end"))
        elif m.kind == "cable":
            out.setdefault(f"cable:{m.id}", Entity(f"cable:{m.id}", m.text, "cable"))
        elif m.kind == "device":
            out.setdefault(m.id, Entity(m.id, m.text, "device"))
        elif m.kind == "format":
            out.setdefault(m.id, Entity(m.id, m.text, "format"))
        elif m.kind == "port":
            out.setdefault(f"port:{m.id}", Entity(f"port:{m.id}", m.text, "port"))
        elif m.kind == "phantom":
            out.setdefault("phantom-power", Entity("phantom-power", m.text, "term"))
    return tuple(out.values())


def _pins_joined(text: str, g: Grammar) -> bool:
    """ "pins 1 and 3 soldered together", "pin 1 joined with pin 3": the grammar's two pins named as a pair."""
    if len(g.joined_pins) != 2 or not g.pin_words or not g.pin_joiners:
        return False
    pin = "|".join(re.escape(w) for w in g.pin_words)
    join = "|".join(re.escape(j) for j in sorted(g.pin_joiners, key=len, reverse=True))
    number = "|".join(re.escape(n) for n in g.joined_pins)
    pattern = rf"\b(?:{pin}) ({number}) (?:{join}) (?:(?:{pin}) )?({number})\b"
    return any(m.group(1) != m.group(2) for m in re.finditer(pattern, text))


def _phantom_state(tokens: list[str], mentions: list[Mention], g: Grammar) -> str:
    """Is phantom power on, off, or not said? The state word nearest a mention of it, in its sentence, decides.

    "On" before a determiner ("the 48V switch ON THE back") may be a preposition: it counts only when no other
    word says the state."""
    state, weak = "unknown", "unknown"
    for m in (m for m in mentions if m.kind == "phantom"):
        span = range(max(0, m.start - 3), m.end + PHANTOM_STATE_REACH)
        for at, word in sorted(
            _in_the_sentence(tokens, m.start, span), key=lambda pair: abs(pair[0] - m.start)
        ):
            said = "off" if word in g.phantom_off else "on" if word in g.phantom_on else None
            if said is None:
                continue
            if at + 1 < len(tokens) and tokens[at + 1] in g.determiners:
                weak = said if weak == "unknown" else weak
                continue
            if said == "on":
                return "on"
            state = "off"
            break
    return state if state != "unknown" else weak


def _chosen(tokens: list[str], start: int, g: Grammar, reach: int = USED_REACH) -> bool:
    """ "we'll USE its XLR jacks", "USING the TRS jacks": a use word shortly before a mention, in its sentence."""
    return any(
        g.attachers.get(word) == "uses" or _choice_ends_at(tokens, at, g)
        for at, word in _in_the_sentence(tokens, start, range(max(0, start - reach), start))
    )


def _linked_near(tokens: list[str], start: int, g: Grammar, reach: int = USED_REACH) -> bool:
    """ "out of the iD4 INTO the Kalis' XLR sockets": a link word shortly before a mention, in its sentence, says
    the mention is a stop of the link the question asks about."""
    # ("a cable FROM the deck's RCA outputs into the Zoom": the word that names where the signal comes from too)
    return any(
        (word in g.link_words or g.separators.get(word) == "comes_from")
        and not _infinitive_mark(tokens, at, g)
        for at, word in _in_the_sentence(tokens, start, range(max(0, start - reach), start))
    )


def _choice_ends_at(tokens: list[str], at: int, g: Grammar) -> bool:
    """A `choice_words` phrase ("would like", "prefer") ends at this token."""
    return any(tokens[max(0, at - len(p) + 1) : at + 1] == p for p in (c.split() for c in g.choice_words))


def _preferred(tokens: list[str], start: int, g: Grammar) -> bool:
    """ "we PREFER the XLR", "RATHER the jack end": a choice word shortly before a jack said on its own, with
    no negator before it ("never wanted the RCA pair")."""
    before = _in_the_sentence(tokens, start, range(max(0, start - CHOICE_REACH - NEGATOR_REACH), start))
    choices = [at for at, _ in before if at >= start - CHOICE_REACH and _choice_ends_at(tokens, at, g)]
    return bool(choices) and not any(word in g.negators for at, word in before if at < choices[0])


def _used_the(tokens: list[str], start: int, g: Grammar) -> bool:
    """ "we will USE THEIR XLR sockets": a use word and a determiner right before a jack point at jacks said before
    ("USING jack leads" names a cable's plugs; "why NOT simply use the jack ones" denies it)."""
    if not (
        start >= 2 and tokens[start - 1] in g.determiners and g.attachers.get(tokens[start - 2]) == "uses"
    ):
        return False
    # ("why NOT simply use the jack ones?": a negator before the use word denies it)
    before = _in_the_sentence(tokens, start - 2, range(max(0, start - 2 - NEGATOR_REACH), start - 2))
    return not any(word in g.negators for _, word in before)


def _jacks_of_named_port(stop: Stop, ontology: Ontology) -> set[str]:
    """The jacks of the port a stop names by its port word on its gear ("combo inputs": XLR and TRS)."""
    if stop.device is None or stop.role is None:
        return set()
    device = ontology.devices[stop.device]
    ports = device.inputs if stop.role == "in" else device.out
    return {
        jack
        for q in stop.qualifiers
        if q in ports and ports[q] in ontology.ports
        for jack in ontology.ports[ports[q]].jacks
    }


def _in_the_sentence(tokens: list[str], anchor: int, span: range) -> list[tuple[int, str]]:
    """The tokens of span (with their positions) in the sentence of the token at anchor."""
    sentence_of = _sentence_index(tokens)
    return [(at, tokens[at]) for at in span if at < len(tokens) and sentence_of[at] == sentence_of[anchor]]


def _phantom_needed(tokens: list[str], mentions: list[Mention], g: Grammar) -> bool:
    """ "my condenser NEEDS 48V phantom": a word saying it is required, just before a mention of phantom power."""
    return any(
        m.kind == "phantom" and g.phantom_needed & set(tokens[max(0, m.start - 3) : m.start])
        for m in mentions
    )


# --- follow-ups ---------------------------------------------------------------------------------------------


def _ports_said_before(reading: Reading, previous: list[LinkSpec]) -> Reading:
    """ "... into the phono sockets of my active speakers" then "and the preamp to the speakers, which lead?": gear
    said again at the same end of a link, with no port named, is on the port the conversation named for it."""
    said: dict[tuple[str, str], Stop] = {}
    for link in previous:
        for end, stop in (("source", link.source), ("dest", link.dest)):
            if stop is not None and stop.device and (stop.families or stop.qualifiers or stop.formats):
                said.setdefault((end, stop.device), stop)

    def on_its_port(end: str, stop: Stop | None) -> Stop | None:
        # "the audio OUTPUTS of this synth are unbalanced": a side or a balance said is another port of the gear
        if stop is None or not stop.device or stop.families or stop.qualifiers or stop.formats:
            return stop
        if stop.role or stop.balance or stop.level:
            return stop
        before = said.get((end, stop.device))
        if before is None:
            return stop
        return replace(stop, families=before.families, qualifiers=before.qualifiers, formats=before.formats)

    links = tuple(
        replace(link, source=on_its_port("source", link.source), dest=on_its_port("dest", link.dest))
        for link in reading.links
    )
    return replace(reading, links=links) if links != reading.links else reading


def _phantom_on_one_channel(reading: Reading, g: Grammar) -> bool:
    """ "is it safe to turn phantom on for THAT CHANNEL?", "48V on INPUT 2 for the SM7B": phantom said of one channel
    is on the link the follow-up names, not on the one asked about before."""
    said = (
        bool(g.one_channel_words) and phrase_pattern(g.one_channel_words).search(reading.cleaned) is not None
    )
    return said or any(link.dest is not None and link.dest.numbered for link in reading.links)


def _apply_context(reading: Reading, context: Mapping[str, Any], ontology: Ontology) -> Reading:
    """Fill in what a follow-up leaves out ("and with XLR?", "is that safe?") from the previous answer."""
    if not isinstance(context, Mapping) or context.get("v") != CONTEXT_VERSION:
        return reading
    try:
        previous = [
            LinkSpec.from_context(link) for link in context.get("links") or [] if isinstance(link, dict)
        ]
    except (TypeError, ValueError):
        return reading
    cue = reading.elliptical or re.search(_grammar(ontology).follow_up_cues, reading.cleaned) is not None
    has_gear = any(link.source or link.dest for link in reading.links)
    # "she has a pair of studio monitors on quarter-inch jacks; which lead now?": one end named, the other is the
    # last answer's
    one_ended = (
        bool(reading.links)
        and all(link.source is None or link.dest is None for link in reading.links)
        and reading.intent in ASKS_ABOUT_A_LINK
        and bool(previous)
        and not any(
            _fills_to_itself(link, previous[0]) and _lone_side(link, previous[0], ontology) is None
            for link in reading.links
        )
    )
    if not previous:
        return reading
    same_words = _grammar(ontology).same_cable_words
    same_cable = (
        bool(same_words)
        and reading.intent in ASKS_ABOUT_A_LINK  # "works fine on the same cable" only compares
        and phrase_pattern(same_words).search(reading.cleaned) is not None
    )
    g = _grammar(ontology)
    words = reading.cleaned.split()
    # "would that same optical input accept this one too?": a port said to be the one before continues the question
    same_port = any(
        _points_back_to_a_port(stop, words, g)
        for link in reading.links
        for stop in (link.source, link.dest)
        if stop is not None
    )
    # "what if I feed it from the jack mains then?": ports of no gear are ports of the gear asked about
    stops_said = [stop for link in reading.links for stop in (link.source, link.dest) if stop is not None]
    gearless = bool(stops_said) and all(not stop.device and stop.role for stop in stops_said)
    if has_gear and not cue and not one_ended and not same_cable and not same_port and not gearless:
        reading = _ports_said_before(reading, previous)
        if (
            reading.phantom == "on"
            and context.get("phantom") != "on"
            and not _phantom_on_one_channel(reading, g)
        ):
            # "oh, the overheads need 48 V on a single global button": phantom now reaches the link asked
            # about before as well, so that link is judged again beside the new one
            return replace(reading, links=reading.links + tuple(previous[:1]), follow_up=True)
        return reading
    previous, removed = _without_removed_gear(previous, words, ontology)
    if removed:
        # the gear taken out is no new end of the link asked about either
        kept = [
            replace(
                link,
                source=None if link.source and link.source.device in removed else link.source,
                dest=None if link.dest and link.dest.device in removed else link.dest,
            )
            for link in reading.links
        ]
        reading = replace(
            reading, links=tuple(link for link in kept if link.source or link.dest or link.cable)
        )
    inserted = _inserted_beside(reading, previous[0], ontology) or _inserted_between(
        reading, previous[0], ontology
    )
    if inserted is not None:
        # "and if we put a DI box next to the keyboard, is the run from the box to the desk balanced?": the new
        # gear sits between the ends, beside the one named, and the run asked about is the rest of the way
        return replace(
            reading,
            links=inserted,
            follow_up=True,
            is_chain=len(inserted) >= 2,
            hop=None,
            search_query=f"{context.get('question', '')} {reading.question}".strip(),
            phantom=reading.phantom
            if reading.phantom != "unknown"
            else str(context.get("phantom") or "unknown"),
        )
    links = list(previous)
    # a size-only word ("quarter inch") says less than a family: it only replaces an end when nothing else is named
    sized = {f for f, body in ontology.families.items() if body.resolves_to}
    new_families = [f for f in reading.families if f not in sized] or list(reading.families)
    if not new_families:
        # "what if I swap it for an XLR cable?": a cable the lexicon knows by name brings its plugs
        said = [link.cable.ends for link in reading.links if link.cable is not None and link.cable.ends]
        new_families = list(dict.fromkeys(said[0])) if said else []
    new_stops = [s for link in reading.links for s in (link.source, link.dest) if s is not None]
    # "would a speaker cable do instead?": a cable of a named kind replaces the one on the link asked about
    kind_cables = [
        link.cable for link in reading.links if link.cable is not None and link.cable.kind != "signal"
    ]
    explicit_cable = next(
        (
            link.cable
            for link in reading.links
            if link.cable is not None and link.cable.explicit_ends and len(set(link.cable.ends)) == 2
        ),
        None,
    )
    if kind_cables and not new_stops:
        links[0] = replace(links[0], cable=kind_cables[0])
    elif new_stops:
        # The new gear takes the place it has in the follow-up itself: "what about a keyboard?" is a new
        # source, "what about into my mixer?" a new destination.
        first = links[0]
        if reading.intent is Intent.CABLE_RECOMMENDATION and not any(link.cable for link in reading.links):
            first = replace(first, cable=None)  # "what cable then?" asks for the cable the new gear needs

        def in_place_of(new: Stop, old: Stop | None) -> Stop:
            # "would that same optical input accept the Blu-ray's feed?": a port of no gear said to be the one
            # before is that gear's port
            if old is not None and old.device and _points_back_to_a_port(new, words, g):
                return replace(old, role=new.role or old.role, qualifiers=old.qualifiers or new.qualifiers)
            if old is not None and old.device and not new.device and (new.families or new.qualifiers):
                # "... from its jack mains then": another port of the same gear
                return replace(
                    old,
                    families=new.families,
                    qualifiers=new.qualifiers or old.qualifiers,
                    formats=new.formats or old.formats,
                    balance=new.balance,
                    role=new.role or old.role,
                )
            # "into the speakers' 1/4 inputs" after "JBL 305Ps": the same gear by its class, now on the port
            # the follow-up names (or still on the old one when it names none); "my OTHER practice amp" is not
            if (
                old is None
                or not _same_device(old, new, ontology)
                or _another_one(words, new.position, g, numbered=False)
            ):
                return new
            port = (new.families, new.qualifiers, new.formats)
            if not any(port) and not new.balance and not new.numbered:
                # (a balance said of it, "the audio outs are unbalanced", is said of its audio port, whatever
                # port the link before named: a MIDI out has none; "an SM58 to INPUT 2 of the desk" names its port too)
                port = (old.families, old.qualifiers, old.formats)
            families, qualifiers, formats = port
            return replace(
                new,
                device=old.device,
                device_text=old.device_text,
                families=families,
                qualifiers=qualifiers,
                formats=formats,
                role=new.role or old.role,
            )

        for link in reading.links:
            swapped = _substituted(link, first, words, ontology)
            if swapped is not None:
                # "and if the speakers were powered monitors instead?": the gear said to become other gear is an
                # end of the link before, and the other gear takes its place there
                side, stop = swapped
                first = replace(first, **{side: stop})
                continue
            # "if I use the XLR jacks on the HS5s instead?": one piece of gear alone, and it is one end of the
            # link before, takes that end's place whichever way the sentence put it
            side = _lone_side(link, first, ontology)
            if side is not None:
                lone = link.source or link.dest
                first = replace(first, **{side: in_place_of(lone, getattr(first, side))})
                continue
            open_side = _open_side_it_fills(link, first)
            if open_side is not None:
                # "a phone into one channel" then "the mixer has a stereo channel with 1/4 jacks": gear named alone
                # now is the end the link before left open
                first = replace(first, **{open_side: link.source or link.dest})
                continue
            if _new_gear_for_it(link, first, words, ontology):
                # "what lead for IT, should I buy a UMC22?": the pronoun is what is being connected, so the
                # new gear, said with no direction, is what it now goes into
                first = replace(first, dest=in_place_of(link.source, first.dest))
                continue
            if link.source is not None:
                first = replace(first, source=in_place_of(link.source, first.source))
            if link.dest is not None:
                first = replace(first, dest=in_place_of(link.dest, first.dest))
        # the desk's XLR mains to two tops answered XLR to XLR, then "from the jack mains then?": the end
        # that stays keeps the jack the answer used there
        answered = [f for f in context.get("cable_families") or [] if f in ontology.families]
        if gearless and len(answered) == 2:
            for side, plug in (("source", answered[0]), ("dest", answered[1])):
                kept = getattr(first, side)
                if (
                    kept is not None
                    and kept is getattr(previous[0], side)
                    and not kept.families
                    and kept.device
                ):
                    first = replace(first, **{side: replace(kept, families=(plug,))})
        # "what if I use the TS guitar cables into the speakers' inputs instead?": the new cable goes on it too
        said_cable = next((link.cable for link in reading.links if link.cable is not None), None)
        if said_cable is not None:
            first = replace(first, cable=said_cable)
        elif first.cable is not None and not _cable_fits_link(first.cable, first, ontology):
            # jack to jack asked first, then "what about their XLR sockets?": the jack now used takes another cable;
            # the plug said for the end that stays is still that end's jack
            kept_end = first.cable.ends[0] if first.cable.explicit_ends and first.cable.ends else None
            source = first.source
            if kept_end and source is not None and not source.families:
                source = replace(source, families=(kept_end,))
            first = replace(first, cable=None, source=source)
        elif _a_link_of_its_own(reading.links, previous[0], ontology):
            # "guitar leads between amp and cabs?" then "and the console's XLR outs into the amp?": a
            # link with neither end of the one before is a new connection, not the old cable's
            first = replace(first, cable=None)
        links[0] = first
    elif explicit_cable is not None:
        # "and if I just use my jack-to-XLR leads instead?": a cable with both its ends named is the new cable
        links[0] = replace(links[0], cable=explicit_cable)
    elif new_families:
        links = [_swap_cable_ends(link, new_families, ontology) for link in links[:1]] + links[1:]
    if not same_cable and reading.intent is Intent.CABLE_RECOMMENDATION:
        links[0] = _for_the_sound(links[0], reading.cleaned, ontology)
    cable_families = [f for f in context.get("cable_families") or [] if f in ontology.families]
    # "which lead for the keyboard to its amp?" then "is that one balanced?": the balance of the link asked about
    # before is the balance with the cable recommended for it
    recommended = (
        context.get("intent") == Intent.CABLE_RECOMMENDATION.value
        and reading.intent is Intent.BALANCED_CHECK
        and not new_stops
        and not new_families
        and previous[0].cable is None
    )
    if (
        (same_cable or recommended)
        and len(cable_families) == 2
        and not any(link.cable for link in reading.links)
    ):
        # "will that same lead carry the sound back?": the cable answered before, on the link asked now
        links[0] = replace(links[0], cable=CableSpec(tuple(cable_families), (None, None), (False, False)))
    intent = reading.intent
    previous_intent = context.get("intent")
    if (
        (
            reading.elliptical
            or (reading.understanding is not None and reading.understanding.top[1] < INHERIT_BELOW)
        )
        and previous_intent in {i.value for i in Intent}
        and previous_intent != Intent.OUT_OF_DOMAIN.value
    ):
        intent = Intent(previous_intent)  # "and with XLR?" asks what the question before it asked
    if (
        intent is Intent.CABLE_RECOMMENDATION
        and any(link.cable is not None for link in reading.links)
        and g.cable_back_references
        and phrase_pattern(g.cable_back_references).search(reading.cleaned)
    ):
        # "I've only got guitar cables right now, can I use those?": after a cable was recommended, a cable of
        # the user's own put forward asks whether it works
        intent = Intent.COMPATIBILITY
    phantom = reading.phantom if reading.phantom != "unknown" else str(context.get("phantom") or "unknown")
    query = f"{context.get('question', '')} {reading.question}".strip()
    return replace(
        reading,
        links=tuple(links),
        intent=intent,
        phantom=phantom,
        follow_up=True,
        is_chain=len(links) >= 2,
        search_query=query,
        families=tuple(dict.fromkeys(tuple(context.get("families") or ()) + reading.families)),
        formats=tuple(dict.fromkeys(tuple(context.get("formats") or ()) + reading.formats)),
    )


def _points_back_to_a_port(stop: Stop, tokens: list[str], g: Grammar) -> bool:
    """ "that same optical input": a port of no gear, right after a word of reading.yaml `same_port_words`."""
    if stop.device or not (stop.qualifiers or stop.families) or not g.same_port_words:
        return False
    before = tokens[max(0, stop.position - 2) : stop.position]
    return bool(set(before) & g.same_port_words)


def _for_the_sound(link: LinkSpec, cleaned: str, ontology: Ontology) -> LinkSpec:
    """ "the synth's MIDI out into the mixer? ... then what cable for the actual sound?": a cable asked for the
    sound of a link read on ports that carry none is asked for the same gear's audio ports."""
    g = _grammar(ontology)
    asked = g.audio_asked
    if asked is None or not set(cleaned.split()) & asked.words:
        return link
    silent = {g.domain_ports[d] for d in asked.domains if d in g.domain_ports}

    def silent_port(stop: Stop | None) -> bool:
        return stop is not None and bool(stop.device) and bool(silent & set(stop.qualifiers))

    def audio_port(stop: Stop | None) -> Stop | None:
        return replace(stop, qualifiers=(), families=(), formats=(), role=None) if silent_port(stop) else stop

    if not (silent_port(link.source) or silent_port(link.dest)):
        return link
    # the MIDI cable said before is no answer for the sound either
    return replace(link, source=audio_port(link.source), dest=audio_port(link.dest), cable=None)


ASKS_ABOUT_A_LINK = (Intent.CABLE_RECOMMENDATION, Intent.COMPATIBILITY, Intent.BALANCED_CHECK, Intent.HAZARD)


def _substituted(
    new: LinkSpec, previous: LinkSpec, tokens: list[str], ontology: Ontology
) -> tuple[str, Stop] | None:
    """ "if the speakers WERE powered monitors", "a dynamic mic INSTEAD OF the condenser": the follow-up's two stops
    joined by a word saying one becomes the other (reading.yaml `substitution_words`; the `reversed` ones name the
    new gear first). When the old one is an end of the link before: (that side, the new stop)."""
    words = _grammar(ontology).substitution_words
    if words is None or new.source is None or new.dest is None:
        return None
    first, second = sorted((new.source, new.dest), key=lambda stop: stop.position)
    between = " ".join(tokens[first.position : second.position])
    said = phrase_pattern((*words.becomes, *words.reversed)).search(between)
    if said is None:
        return None
    old, fresh = (second, first) if said.group(0) in words.reversed else (first, second)
    for side in ("source", "dest"):
        end = getattr(previous, side)
        if (
            end is not None
            and end.device
            and old.device
            and (end.device == old.device or _same_device(end, old, ontology))
        ):
            return side, fresh
    return None


def _without_removed_gear(
    previous: list[LinkSpec], tokens: list[str], ontology: Ontology
) -> tuple[list[LinkSpec], frozenset[str]]:
    """ "and if I forget the DI and use jack-to-XLR leads?": gear in the middle of the chain before that the
    follow-up takes away (a negator or a removal word before it) goes, and its neighbours are joined directly.
    Returns the links and the gear taken out."""
    g = _grammar(ontology)
    removed = [
        m
        for m in find_mentions(tokens, lexicon_for(ontology))
        if m.kind == "device"
        and (_negated(tokens, m.start, g) or _said_after(tokens, m.start, g.removal_words, g))
    ]
    links = list(previous)
    taken: set[str] = set()
    for m in removed:
        for i in range(len(links) - 1):
            middle, after = links[i].dest, links[i + 1].source
            if (
                middle is not None
                and after is not None
                and middle.device is not None
                and middle.device == after.device
                and (m.id == middle.device or m.id in _broader(middle.device, ontology))
            ):
                taken.add(middle.device)
                links[i : i + 2] = [LinkSpec(source=links[i].source, cable=None, dest=links[i + 1].dest)]
                break
    return links, frozenset(taken)


def _said_after(tokens: list[str], start: int, words: frozenset[str], g: Grammar) -> bool:
    """One of `words` comes right before the phrase at `start`, filler words apart ("forget THE di")."""
    i = start - 1
    while i >= 0 and tokens[i] in g.fillers:
        i -= 1
    return i >= 0 and tokens[i] in words


def _passes_signal_on(stop: Stop, ontology: Ontology) -> bool:
    """Gear with inputs and outputs (a DI, a preamp): only such gear can go between two ends."""
    device = ontology.devices.get(stop.device) if stop.device else None
    return device is not None and bool(device.out) and bool(device.inputs)


def _inserted_beside(reading: Reading, previous: LinkSpec, ontology: Ontology) -> tuple[LinkSpec, ...] | None:
    """ "if we put a DI box NEXT TO the keyboard": gear that takes a signal in and sends it on, said to go beside
    one end of the link before (reading.yaml `placement_near`), is put between its ends; the link returned is the
    rest of the way, from that gear to the far end (or from the far end to it, when it goes beside the
    destination)."""
    near = _grammar(ontology).placement_near
    if not near or previous.source is None or previous.dest is None:
        return None
    tokens = reading.cleaned.split()
    for link in reading.links:
        if link.source is None or link.dest is None:
            continue
        first, second = sorted((link.source, link.dest), key=lambda stop: stop.position)
        if not _passes_signal_on(first, ontology):
            continue  # only gear that passes the signal on can go in between
        if not phrase_pattern(near).search(" ".join(tokens[first.position : second.position])):
            continue
        for side, far in (("source", "dest"), ("dest", "source")):
            end = getattr(previous, side)
            if end is None or end.device is None or second.device is None:
                continue
            if (end.device == second.device or _same_device(end, second, ontology)) and not _same_device(
                end, first, ontology
            ):
                inline = replace(first, qualifiers=(), families=(), role=None)
                far_end = getattr(previous, far)
                if side == "source":
                    return (LinkSpec(source=inline, cable=None, dest=far_end),)
                return (LinkSpec(source=far_end, cable=None, dest=inline),)
    return None


def _inserted_between(
    reading: Reading, previous: LinkSpec, ontology: Ontology
) -> tuple[LinkSpec, ...] | None:
    """ "if it always goes through a passive DI BETWEEN the keys and the snake": gear that passes a signal on,
    said to go between the two ends of the link before (reading.yaml `placement_between`), makes it a chain of
    two links through that gear."""
    words = _grammar(ontology).placement_between
    if not words or previous.source is None or previous.dest is None:
        return None
    tokens = reading.cleaned.split()
    stops = sorted(
        {id(s): s for link in reading.links for s in (link.source, link.dest) if s is not None}.values(),
        key=lambda stop: stop.position,
    )
    for i, stop in enumerate(stops):
        if not _passes_signal_on(stop, ontology):
            continue
        later = [s for s in stops[i + 1 :] if s.device]
        if not later or not phrase_pattern(words).search(" ".join(tokens[stop.position : later[0].position])):
            continue
        if not all(
            any(end.device == s.device or _same_device(end, s, ontology) for s in later)
            for end in (previous.source, previous.dest)
        ):
            continue  # both ends of the link before are named after the word
        inline = replace(stop, qualifiers=(), families=(), role=None)
        return (
            LinkSpec(source=previous.source, cable=None, dest=inline),
            LinkSpec(source=inline, cable=None, dest=previous.dest),
        )
    return None


def _lone_side(new: LinkSpec, previous: LinkSpec, ontology: Ontology) -> str | None:
    """The end of the link before ("source" or "dest") that the one stop of a one-ended link is the same gear as."""
    if (new.source is None) == (new.dest is None):
        return None
    lone = new.source or new.dest
    if lone is None or lone.device is None:
        return None
    for side in ("source", "dest"):
        end = getattr(previous, side)
        if end is not None and end.device and _same_device(end, lone, ontology):
            return side
    return None


def _open_side_it_fills(new: LinkSpec, previous: LinkSpec) -> str | None:
    """The one open end of the link before ("source" or "dest") that the lone gear of a one-ended link fills, when
    its role, if said, fits that end."""
    if (new.source is None) == (new.dest is None):
        return None
    lone = new.source or new.dest
    open_sides = [side for side in ("source", "dest") if getattr(previous, side) is None]
    if lone is None or lone.device is None or len(open_sides) != 1:
        return None
    side = open_sides[0]
    if lone.role is not None and (lone.role == "in") != (side == "dest"):
        return None
    return side


def _fills_to_itself(new: LinkSpec, previous: LinkSpec) -> bool:
    """Completing the new end with the other end of the link before would join a piece of gear to itself."""
    mine = new.source or new.dest
    other = previous.dest if new.source is not None else previous.source
    return mine is not None and other is not None and mine.device is not None and mine.device == other.device


def _swap_cable_ends(link: LinkSpec, families: list[str], ontology: Ontology) -> LinkSpec:
    cable = link.cable or CableSpec()
    ends = list(cable.ends) or [families[0], families[0]]
    genders = list(cable.genders) or [None] * len(ends)
    said_on = [
        i
        for i, stop in ((0, link.source), (len(ends) - 1, link.dest))
        if stop is not None and families[0] in ontology.related_families(set(stop.families))
    ]
    if len(families) >= 2:
        ends, genders = families[:2], [None, None]
    elif len(said_on) == 1:
        # "jack to jack" into speakers with XLR and TRS inputs, then "and into their XLR sockets?": only the end
        # on the gear that has that jack changes
        ends[said_on[0]] = families[0]
        genders = [None] * len(ends)
    elif len(set(ends)) == 1:
        # "what if I swap it for a TRS cable?" after a TS-to-TS lead: a cable with the same plug at both ends is
        # swapped for one with the new plug at both ends
        ends, genders = [families[0]] * len(ends), [None] * len(ends)
    else:
        weak = [i for i, end in enumerate(ends) if ontology.families[end].balanced == "no"]
        ends[weak[0] if weak else len(ends) - 1] = families[0]
        genders = [None] * len(ends)
    return replace(
        link, cable=replace(cable, ends=tuple(ends), genders=tuple(genders), duals=(False,) * len(ends))
    )
