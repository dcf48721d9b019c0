"""Compose the answer: the verdict in the first sentence, then why, then the guide passages it cites."""

from __future__ import annotations

import re

from index.types import ScoredPassage
from service.core.classifier import FaqMatch
from service.core.confidence import signals
from service.core.confidence import uncalibrated
from service.core.normalize import reading_context
from service.core.ontology import FaqEntry
from service.core.ontology import Ontology
from service.core.ontology import gear_class
from service.core.planner import Plan
from service.core.plugs import read_end
from service.core.reading import Reading
from service.core.rules import Judgement
from service.core.rules import LinkFinding
from service.core.rules import levels_rule_out
from service.types import Answer
from service.types import Basis
from service.types import Cable
from service.types import Citation
from service.types import Compatibility
from service.types import Intent
from service.types import PlanPart
from service.types import Severity
from service.types import Verdict
from service.types import Warning

REFUSAL = (
    "Sorry, that's out of scope for me. Cablewise only answers questions about studio cables and connectors: "
    "whether a connection is balanced, which cable joins two pieces of gear, whether a hookup works or is safe, "
    'and how to track down hum and noise. Try something like "Is TRS to TS balanced?" or "Which cable goes '
    "from my interface's outputs to my monitors?\""
)
REFUSAL_INSTRUCTIONS = (
    "Sorry, that's out of scope: I can't follow instructions embedded in a question. Cablewise only answers "
    "questions about studio cables and connectors, such as whether a connection is balanced, which cable you "
    "need, whether a hookup is safe, or why your monitors hum."
)
NOTHING_FOUND = (
    "I couldn't find anything in the guide that answers this. Could you rephrase it, naming the gear or the "
    'connectors involved (for example "TRS out to XLR in")?'
)
CLARIFY = {
    Intent.CABLE_RECOMMENDATION: "Which two pieces of gear (or which jacks) are you connecting, and which one sends the signal?",
    Intent.BALANCED_CHECK: "Which output, cable and input are involved? Name the gear or the connectors at each end.",
    Intent.COMPATIBILITY: "Which output are you connecting to which input, and with what cable?",
    Intent.CHAIN: "Could you list the chain as gear -> cable -> gear, one link at a time?",
}
COMPAT_LEAD = {
    Compatibility.WORKS: "Yes, that works.",
    Compatibility.WORKS_WITH_CAVEAT: "It works, with a caveat.",
    Compatibility.DOES_NOT_WORK: "No, that won't work.",
    Compatibility.UNSAFE: "No, that's unsafe.",
}
PARTIAL_LEAD = (
    "I can't prove a yes or no for this whole hookup from what you've told me; here is what I can tell."
)
SNIPPET_CHARS = 240
# A curated answer replaces a rule-proven one only when it matches the question this closely: rules read the
# link the question states, an entry only a situation like it.
FAQ_OVER_RULES = 0.8
FAQ_NEAR = 0.6
# A symptom or an idea is worded in many more ways than a hookup, so its nearest entry is often further away;
# 0.5 is the middle of the range (0.45-0.55) in which every development set gained and none lost.
SYMPTOM_NEAR = 0.5
SEVERITY_RANK = {"danger": 0, "warning": 1, "caution": 2, "info": 3}


def compose_answer(
    reading: Reading,
    judgement: Judgement,
    passages: tuple[ScoredPassage, ...],
    ontology: Ontology,
    faq: FaqMatch | None = None,
    signals_out: dict[str, float] | None = None,
    *,
    plan: Plan | None = None,
) -> Answer:
    """Build the Answer for a reading, its judgement, the retrieved passages and the FAQ match.

    `signals_out`, when given, receives the signals the confidence was computed from (`cablewise calibrate`).
    """
    context = reading_context(reading, lead=judgement.lead)
    plugs = _judged_plugs(judgement)
    if plugs and context.get("links"):
        context["cable_families"] = plugs  # "will that same cable carry the audio too?" means this cable
    suggested = _suggested_gear(judgement, ontology)
    if suggested and context.get("links"):
        context["suggested"] = suggested  # "ok, what cord goes into THAT BOX?" means the DI box suggested
    if reading.refusal:
        text = REFUSAL_INSTRUCTIONS if reading.refusal == "instructions" else REFUSAL
        return Answer(
            reading.question,
            Intent.OUT_OF_DOMAIN,
            text,
            Basis.NONE,
            confidence=round(reading.intent_confidence, 3),
            context=context,
        )
    # Below the acceptance threshold an entry still answers when the rules could judge nothing at all and it
    # is close: a nearby curated situation, quoted with its verdict, beats no verdict.
    near = faq is not None and not judgement.judged and faq.score >= FAQ_NEAR
    # ...and a close entry about a symptom or an idea answers a question of that intent: the rules prove links,
    # not causes or meanings
    matched = ontology.faq.get(faq.entry_id) if faq is not None else None
    symptom = (
        matched is not None
        and faq.score >= SYMPTOM_NEAR
        and reading.intent in (Intent.TROUBLESHOOTING, Intent.CONCEPT)
        and matched.intent == reading.intent.value
    )
    entry = matched if faq is not None and (faq.accepted or near or symptom) else None
    if entry is not None and not _about_what_was_asked(entry, reading, ontology):
        entry = None
    stated_link = judgement.judged and not any(f.guessed for f in judgement.links)
    if (
        entry is not None
        and entry.compatibility
        and judgement.compatibility is not None
        and entry.compatibility != judgement.compatibility.value
        and (stated_link or reading.fit is not None)
    ):
        # the entry's text would contradict what the rules proved for the question's own link (or the plug
        # variants it names): a near entry is often the reverse or a sibling case
        entry = None
    if (
        entry is not None
        and entry.balanced is not None
        and stated_link
        and reading.intent is Intent.BALANCED_CHECK
        and any(f.balance_applies for f in judgement.links)
        and entry.balanced is not judgement.balanced
    ):
        # likewise for balance: the rules read the question's own link (a "depends" when a part is not stated
        # is their verdict too); an entry for a sibling case would assert what the question never said
        entry = None
    hazard_levels = (
        tuple(level for h in entry.hazards for level in ontology.hazards[h].levels) if entry else ()
    )
    if (
        entry is not None
        and entry.hazards
        and all(ontology.hazards[h].levels for h in entry.hazards)
        and levels_rule_out(hazard_levels, judgement, ontology)
    ):
        # a sibling situation whose hazard needs a level the question's own link does not carry (the speaker
        # outputs of a powered mixer, asked about its main outs)
        entry = None
    if (
        entry is not None
        and entry.hazards
        and entry.compatibility == "unsafe"
        and reading.phantom == "off"
        and all(ontology.hazards[h].needs_phantom for h in entry.hazards)
    ):
        entry = None  # unsafe only with phantom on, and the question says phantom is off on that input
    # the rules read a link but could not say whether it works, which is what the question asks: an accepted
    # entry that does say answers ("can I extend my headphones with a TRS extension?" names one end only)
    unproven = (
        entry is not None
        and faq is not None
        and faq.accepted
        and reading.intent is Intent.COMPATIBILITY
        and judgement.compatibility is None
        and entry.compatibility is not None
    )
    # a symptom or an idea is what the question asks: the rules prove what a link does, not why it clicks, so an
    # accepted entry of the question's own intent answers over a link the question only sets the scene with
    asked_of_entry = (
        entry is not None
        and faq is not None
        and (faq.accepted or symptom)
        and reading.intent in (Intent.TROUBLESHOOTING, Intent.CONCEPT)
        and entry.intent == reading.intent.value
    )
    if (
        entry is not None
        and faq is not None
        and (faq.score >= FAQ_OVER_RULES or not stated_link or unproven or asked_of_entry)
    ):
        return _faq_answer(reading, judgement, passages, ontology, entry, faq, context, signals_out)

    guide = [p for p in passages if p.passage.kind == "guide"]
    citations = tuple(_citation(p) for p in guide)
    intent = reading.intent
    asks_verdict = intent in (
        Intent.BALANCED_CHECK,
        Intent.CHAIN,
        Intent.COMPATIBILITY,
        Intent.CABLE_RECOMMENDATION,
        Intent.HAZARD,
    )
    lines: list[str] = []
    proven = judgement.judged or bool(judgement.format_notes and intent is Intent.BALANCED_CHECK)

    if asks_verdict and proven:
        lines += _verdict_lines(reading, judgement, ontology)
        if plan is not None:
            lines[1:1] = _plan_lines(plan)  # what to do instead, right after "a cable alone won't do it"
    elif asks_verdict and intent is not Intent.HAZARD:
        lines.append(_clarify_lead(reading))
    if judgement.warnings:
        warned = [f"**{_warning_label(w.severity.value)}:** {w.text}" for w in judgement.warnings]
        # a hazard the question's own words set up ("a Y splitter backwards into the one aux in") is what it
        # asks about: said right after the lead, before the link-by-link reasons
        said = [
            line
            for w, line in zip(judgement.warnings, warned, strict=True)
            if w.hazard in reading.hazards_said
        ]
        early = said if lines else []
        lines[1:1] = early
        lines += [line for line in warned if line not in early]
    if not asks_verdict and judgement.judged:
        lines += _context_lines(judgement)
    if not asks_verdict:
        lines += list(judgement.format_notes)  # "ADAT vs S/PDIF?": state what each named format is
    if guide:
        lines.append(_quote(guide[0], full=not (asks_verdict and proven)))
        if not (asks_verdict and proven) and len(guide) > 1 and guide[1].score >= guide[0].score - 0.05:
            lines.append(_quote(guide[1], full=True))
    elif not lines:
        lines.append(NOTHING_FOUND)
    if asks_verdict and not proven and intent in CLARIFY:
        lines.append(CLARIFY[intent])

    verdict = _verdict(reading, judgement, asks_verdict and proven)
    basis = _basis(proven or bool(judgement.warnings), bool(guide))
    return Answer(
        question=reading.question,
        intent=intent,
        text="\n\n".join(line for line in lines if line).strip(),
        basis=basis,
        verdict=verdict,
        cable=judgement.cable,  # like every verdict the links allow: whatever the intent
        entities=reading.entities,
        facts=judgement.facts,
        sources=citations,
        confidence=_calibrated(
            reading,
            judgement,
            faq,
            ontology,
            used_faq=False,
            heuristic=_heuristic(reading, judgement, guide, proven, asks_verdict),
            signals_out=signals_out,
        ),
        context=context,
        plan=_plan_parts(plan) if plan is not None and asks_verdict and proven else (),
        plan_summary=plan.summary if plan is not None and asks_verdict and proven else "",
    )


# --- the verdict sentence and its reasons ----------------------------------------------------------------------


def _judged_plugs(j: Judgement) -> list[str]:
    findings = [j.links[j.focus]] if j.focus is not None else list(j.links)
    ends = next((f.plug_families for f in findings if f.cable and all(f.plug_families)), None)
    return list(ends) if ends else []


def _verdict_lines(reading: Reading, j: Judgement, ontology: Ontology) -> list[str]:
    intent = reading.intent
    focus = [j.links[j.focus]] if j.focus is not None else list(j.links)
    lines: list[str] = []
    about_balance = intent in (Intent.BALANCED_CHECK, Intent.CHAIN) or reading.mentions_balance
    if intent is Intent.CABLE_RECOMMENDATION:
        lines.append(_recommendation_lead(j, focus, ontology))
        lines += _reasons(focus)
        lines += _balance_note(focus)
    elif intent in (Intent.BALANCED_CHECK, Intent.CHAIN) and _asks_balance(reading, j):
        lines.append(_balance_lead(j, reading))
        if len(j.links) > 1 and j.focus is not None:
            lines += _balance_why(focus)
        lines += _chain_lines(j) if len(j.links) > 1 else _balance_why(focus)
        lines += [f"- {n}" for n in j.format_notes]
        lines += _reasons(focus, only_problems=True)
    elif intent is Intent.HAZARD:
        lines.append(_hazard_lead(j))
        lines += _reasons(focus)
    else:
        lead = COMPAT_LEAD.get(j.compatibility) if j.compatibility else None
        if lead is None and intent is Intent.COMPATIBILITY:
            # "will it work?" with only the balance proven: a "No, ... unbalanced" lead would read as "it won't"
            lead = PARTIAL_LEAD
        lines.append(lead or _balance_lead(j, reading))
        if len(j.links) > 1 and j.focus is None:
            lines += _chain_lines(j)
        lines += _reasons(focus)
        if j.cable and intent is Intent.COMPATIBILITY:
            swapped = next((f.cable for f in focus if f.remedy == j.cable and f.cable), None)
            instead = f" (not a {swapped.name})" if swapped and swapped.name != j.cable.name else ""
            lines.append(f"Cable: {j.cable.name}{instead}.")
        lines += _balance_note(focus)
    # The general balance facts only where balance is the question: the first 120 words are what people read.
    facts = [f.text for f in j.facts if f.id in j.cited][:2] if about_balance else []
    if facts:
        lines.append(" ".join(facts))
    return lines


def _asks_balance(reading: Reading, j: Judgement) -> bool:
    return reading.intent is Intent.BALANCED_CHECK or reading.mentions_balance or j.compatibility is None


def _balance_lead(j: Judgement, reading: Reading) -> str:
    chain = len(j.links) > 1
    if chain and j.focus is not None and j.balanced is not None:
        # "... is THAT part (the 40 m run) balanced?": the answer is about the link asked, not the whole chain
        label = j.links[j.focus].label
        return f"Yes, the link {label} is balanced." if j.balanced else f"No, the link {label} is unbalanced."
    if j.balanced is True:
        return (
            "Yes, every link in this chain is balanced." if chain else "Yes, that is a balanced connection."
        )
    if j.balanced is False:
        if chain:
            broken = [f.label for f in j.links if f.balanced is False]
            return (
                f"No, the chain is unbalanced: the link {broken[0]} is unbalanced."
                if broken
                else "No, unbalanced."
            )
        return "No, that connection is unbalanced."
    if j.conditions:
        return "It depends: " + _sentence(j.conditions[0])
    return "It depends on the gear at each end: a connection is balanced only when the output, the cable and the input all are."


def _balance_why(focus: list[LinkFinding]) -> list[str]:
    out = []
    for f in focus:
        if f.balanced is False:
            out += [_sentence(c[0].upper() + c[1:]) for c in f.balance_culprits]
        elif f.balanced is True:
            cable = f" over {f.cable.name}" if f.cable else ""
            out.append(f"The output, the cable{cable} and the input are all balanced ({f.label}).")
        elif f.balance_applies:
            out += [_sentence(c) for c in f.balance_culprits[1:]]
            out.append(
                "Check the output, the cable and the input: the link is balanced only if all three are."
            )
    return out


def _chain_lines(j: Judgement) -> list[str]:
    rows = []
    for f in j.links:
        state = (
            {True: "balanced", False: "unbalanced", None: "depends"}[f.balanced]
            if f.balance_applies
            else "n/a"
        )
        cable = f" ({f.cable.name})" if f.cable else ""
        why = f": {f.balance_culprits[0]}" if f.balanced is False and f.balance_culprits else ""
        rows.append(f"- {f.label}{cable}: {state}{why}")
    return rows


def _recommendation_lead(j: Judgement, focus: list[LinkFinding], ontology: Ontology | None = None) -> str:
    finding = next((f for f in focus if f.cable), None)
    if finding is None or finding.cable is None:
        return "I can't name the cable yet: I need to know the connector at each end."
    # the cable that puts right what the question's own cable gets wrong, when there is one
    cable = finding.remedy or finding.cable
    verdict = finding.remedy_compatibility if finding.remedy else finding.compatibility
    lead = f"Use a **{cable.name}** cable ({finding.label})."
    src_plug, dst_plug = finding.remedy_plugs if finding.remedy else finding.plug_families
    if src_plug and dst_plug and ontology is not None:
        # the plugs in words too: "TRS-male" is one token to a reader skimming for "TRS"
        src_name, dst_name = ontology.families[src_plug].name, ontology.families[dst_plug].name
        src_at = finding.source.name if finding.source else "the sending end"
        dst_at = finding.dest.name if finding.dest else "the receiving end"
        lead = f"Use a **{cable.name}** cable: {src_name} at the {src_at}, {dst_name} at the {dst_at}."
    if finding.remedy and finding.remedy.name == finding.cable.name:
        lead += " The plugs are right, but not the kind of cable the question names, as below."
    elif finding.remedy:
        lead += f" Not a {finding.cable.name}: that one is the trouble, as below."
    if verdict in (Compatibility.DOES_NOT_WORK, Compatibility.UNSAFE):
        lead = f"A cable alone won't do it ({finding.label})."
    return lead


def _hazard_lead(j: Judgement) -> str:
    worst = j.warnings[0] if j.warnings else None
    if j.compatibility is Compatibility.UNSAFE or (worst and worst.severity.value == "danger"):
        return "Yes, that is a real risk: it can damage gear or be dangerous."
    if worst and worst.severity.value == "warning":
        return "There is a risk: take the precaution below."
    if worst and worst.severity.value == "info":
        return "No damage is expected here, but read the note below."
    if worst:
        return "It's mostly a sound-quality risk rather than a danger to your gear."
    if j.compatibility is not None:
        return f"I see no hazard in that connection. {COMPAT_LEAD[j.compatibility]}"
    return "I see no hazard in what you describe."


def _reasons(focus: list[LinkFinding], *, only_problems: bool = False) -> list[str]:
    out = []
    for f in focus:
        out += f.problems if only_problems else f.reasons
    return list(dict.fromkeys(out))[:4]


def _balance_note(focus: list[LinkFinding]) -> list[str]:
    f = focus[0] if focus else None
    if f is None or not f.balance_applies:
        return []
    if f.balanced is True:
        return ["The link is balanced: output, cable and input all carry the signal on two legs."]
    if f.balanced is False and f.balance_culprits:
        return [f"The link is unbalanced: {f.balance_culprits[0]}."]
    return []


def _suggested_gear(j: Judgement, ontology: Ontology) -> list[str]:
    """The gear the rules behind the answer tell the user to put in between (rules.yaml `suggests`)."""
    rules = {rule.id: rule for rule in ontology.link_rules}
    return list(
        dict.fromkeys(
            d for f in j.links for rule_id in f.rule_ids if rule_id in rules for d in rules[rule_id].suggests
        )
    )


def _context_lines(j: Judgement) -> list[str]:
    """For explanations and troubleshooting: what the rules say about the gear the question describes."""
    out = []
    for f in j.links:
        if f.source is None and f.dest is None:
            continue  # "TRRS vs TRS?" names plugs, not a set-up of the user's
        if f.balanced is False and f.balance_applies:
            out.append(f"In your setup, {f.label} is unbalanced: {f.balance_culprits[0]}.")
        out += list(f.problems[:1])
    return list(dict.fromkeys(out))[:3]


def _plan_lines(plan: Plan) -> list[str]:
    devices = [p for p in plan.parts if p.in_between]
    lines = [f"What works instead: {plan.summary}."]
    lines += [f"- {p.name}: {p.reason}" for p in devices]
    return lines


def _plan_parts(plan: Plan) -> tuple[PlanPart, ...]:
    return tuple(PlanPart(p.name, p.quantity, p.reason) for p in plan.parts)


def _clarify_lead(reading: Reading) -> str:
    named = ", ".join(e.text for e in reading.entities[:4])
    if named:
        return f"I read this as being about {named}, but I can't tell which output goes into which input."
    return "I'm not sure which gear or connectors you mean."


# --- helpers -------------------------------------------------------------------------------------------------


def _verdict(reading: Reading, j: Judgement, proven: bool) -> Verdict | None:
    if not proven and not j.warnings and not j.judged:
        return None
    # Every verdict the understood links allow, whatever the question's intent: a "why" question about a
    # TRS-to-TS link still learns that the link is unbalanced.
    balanced = j.balanced if proven or j.judged else None
    # (a danger the question sets up makes it unsafe even where no link got a verdict of its own)
    unsafe = j.compatibility is Compatibility.UNSAFE
    compatibility = j.compatibility if proven or j.judged or unsafe else None
    return Verdict(balanced, compatibility, j.conditions if proven else (), j.warnings)


def _basis(proven: bool, has_guide: bool) -> Basis:
    if proven and has_guide:
        return Basis.RULES_GUIDE
    if proven:
        return Basis.RULES
    return Basis.GUIDE if has_guide else Basis.NONE


def _calibrated(
    reading: Reading,
    j: Judgement,
    faq: FaqMatch | None,
    ontology: Ontology,
    *,
    used_faq: bool,
    heuristic: float,
    signals_out: dict[str, float] | None = None,
) -> float:
    """The answer's probability of being right, from kb/calibration.yaml (service/core/confidence.py)."""
    values = signals(reading, j, faq, used_faq)
    values["heuristic"] = heuristic
    if signals_out is not None:
        signals_out.update(values)
    if ontology.calibration is None:
        return uncalibrated(values)
    return round(ontology.calibration.probability(values), 3)


def _heuristic(reading: Reading, j: Judgement, guide: list[ScoredPassage], proven: bool, asks: bool) -> float:
    """Rule-proven answers start high; every guess lowers it. One signal of the calibrated confidence."""
    if asks and proven:
        score = 0.95
        if any(f.guessed for f in j.links):
            score -= 0.1
        if reading.intent is Intent.CABLE_RECOMMENDATION and any(f.derived_plugs for f in j.links):
            score -= 0.1  # the plugs come from what such gear usually has
        if len(j.links) > 2:
            score -= 0.05
        if reading.corrections:
            score -= 0.05
        if reading.follow_up:
            score -= 0.1
        if j.focus is None and reading.intent is Intent.CABLE_RECOMMENDATION and len(j.links) > 1:
            score -= 0.15
        return max(0.3, score)
    if asks:
        return 0.3
    top = guide[0].score if guide else 0.0
    return round(max(0.2, min(0.85, 0.3 + top * 0.7)), 3)


def _citation(scored: ScoredPassage) -> Citation:
    p = scored.passage
    return Citation(p.id, f"{p.title}: {p.heading}", _snippet(p.text), scored.score, p.url)


def _snippet(text: str) -> str:
    plain = re.sub(r"\s+", " ", text.replace("**", "")).strip()
    if len(plain) <= SNIPPET_CHARS:
        return plain
    cut = plain[:SNIPPET_CHARS].rsplit(" ", 1)[0]
    return cut + "…"


def _quote(scored: ScoredPassage, *, full: bool) -> str:
    text = scored.passage.text.strip()
    if not full:
        sentences = re.split(r"(?<=[.!?])\s+", text)
        text = " ".join(sentences[:2])
    return f"From the guide ({scored.passage.heading}): {text}"


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _warning_label(severity: str) -> str:
    return {"danger": "Danger", "warning": "Warning", "caution": "Caution", "info": "Note"}[severity]


# --- curated answers -----------------------------------------------------------------------------------------


def _about_what_was_asked(entry: FaqEntry, reading: Reading, ontology: Ontology) -> bool:
    """An entry is about the connectors and gear classes most of its questions name; the question must name them
    too (a family counts when the question names it, a size-only word for it: "quarter inch" for TRS, or a port
    by its connector's name: "optical input"; a product counts as its class)."""
    named = set(reading.families)
    # a port word that is also a connector's name ("the optical input") names that connector
    qualifiers = {
        q for link in reading.links for stop in (link.source, link.dest) if stop for q in stop.qualifiers
    }
    named |= {family for family, f in ontology.families.items() if qualifiers & set(f.aliases)}
    for family in list(named):
        named |= set(ontology.families[family].resolves_to)
    gear = {gear_class(d, ontology) for d in reading.devices}
    return set(entry.families) <= named and set(entry.devices) <= gear


def _plugs_named(cable: Cable, reading: Reading, ontology: Ontology) -> bool:
    """Whether the question names the connector of both of the cable's ends (a size word counts for the plugs
    it resolves to: "1/4" names TS and TRS)."""
    named = set(reading.families)
    for family in reading.families:
        named |= set(ontology.families[family].resolves_to) if family in ontology.families else set()
    ends = [read_end(end, ontology) for end in (cable.from_end, cable.to_end)]
    return all(end is not None and end.family in named for end in ends)


def _faq_answer(
    reading: Reading,
    j: Judgement,
    passages: tuple[ScoredPassage, ...],
    ontology: Ontology,
    entry: FaqEntry,
    match: FaqMatch,
    context: dict,
    signals_out: dict[str, float] | None,
) -> Answer:
    """A situation kb/faq.yaml answers: its curated text and verdict, plus every hazard the rules found."""
    hazards = [ontology.hazards[h] for h in entry.hazards]
    warnings = {w.hazard: w for w in j.warnings}
    for hazard in hazards:
        warnings.setdefault(hazard.id, Warning(hazard.id, Severity(hazard.severity), hazard.text))
    ordered = tuple(sorted(warnings.values(), key=lambda w: SEVERITY_RANK[w.severity.value]))
    # A verdict the rules proved for the link the question states outranks the entry's general one.
    compatibility = j.compatibility or (Compatibility(entry.compatibility) if entry.compatibility else None)
    stated_link = j.judged and not any(f.guessed for f in j.links)
    if entry.compatibility and compatibility is not None and compatibility.value != entry.compatibility:
        # the verdict must say what the quoted text says; a link the rules read with guessed ports is weaker
        # evidence than the curated situation (a stated link that disagrees never reaches here)
        compatibility = Compatibility(entry.compatibility)
    balanced = j.balanced if j.judged and j.balanced is not None else entry.balanced
    verdict = Verdict(balanced, compatibility, (), ordered)
    # likewise the cable: the rules' cable for a link they had to guess gives way to the situation's own when
    # the question names the situation cable's plugs and not the guessed one's ("off the first speaker's XLR
    # thru" is no MIDI thru)
    entry_cable = Cable(*entry.cable) if entry.cable else None
    cable = j.cable or entry_cable
    if (
        j.cable is not None
        and entry_cable is not None
        and not stated_link
        and _plugs_named(entry_cable, reading, ontology)
        and not _plugs_named(j.cable, reading, ontology)
    ):
        cable = entry_cable
    lines = [entry.answer]
    if stated_link and reading.intent in (Intent.CABLE_RECOMMENDATION, Intent.BALANCED_CHECK) and j.links:
        # the cable or balance the rules proved for the question's own link comes first; the situation explains
        lines.insert(0, _verdict_lines(reading, j, ontology)[0])
    lines += [
        f"**{_warning_label(w.severity.value)}:** {w.text}" for w in ordered if w.hazard not in entry.hazards
    ]
    guide = [p for p in passages if p.passage.kind == "guide"]
    if guide:
        lines.append(_quote(guide[0], full=False))
    intent = Intent(entry.intent)
    if intent in (Intent.BALANCED_CHECK, Intent.COMPATIBILITY) and reading.is_chain:
        intent = Intent.CHAIN
    return Answer(
        question=reading.question,
        intent=intent,
        text="\n\n".join(lines),
        basis=Basis.GUIDE,
        verdict=verdict,
        cable=cable,
        entities=reading.entities,
        facts=j.facts,
        sources=tuple(_citation(p) for p in guide),
        confidence=_calibrated(
            reading, j, match, ontology, used_faq=True, heuristic=match.score, signals_out=signals_out
        ),
        context={**context, "faq": entry.id},
    )
