"""Decide what a question asks for from the trained classifier's probabilities and the lexicon's evidence.

The classifier (service/core/classifier.py) gives P(out of domain) and in-domain intent probabilities. This module
holds the policy around them, following Rasa's fallback: a question is refused only when the domain gate is sure
enough, and surer still when the question carries audio-signal evidence from the ontology's lexicon (a
connector, a port, a balance or phantom word, a signal format); a short message that follows an answer is a
follow-up, not a new subject. A question whose nearest training examples are out-of-domain ones is refused too:
a near miss from a subject with few examples can fall on the domain side of the logistic boundary.
"""

from __future__ import annotations

from dataclasses import dataclass

from service.types import Intent

FOLLOW_UP = "follow_up"  # the classifier's class for messages that only make sense after an answer
REFUSE_WITHOUT_EVIDENCE = 0.5
REFUSE_WITHOUT_ANYTHING = 0.25
REFUSE_WITH_EVIDENCE = 0.9
# evidence made only of words other subjects share ("balanced" tyres, a "phantom" battery drain, a stand "mixer"
# that "hums") is weaker: the domain model need only lean to another subject
REFUSE_WITH_SHARED_EVIDENCE = 0.5
# a follow-up with audio-signal words whose nearest examples are not another subject's: the conversation set the
# subject, so only a near-certain domain model refuses it ("clicks have started on the expander's channels")
REFUSE_FOLLOW_UP_WITH_EVIDENCE = 0.995
# a question whose own words raise a hazard is answered as a safety question unless the domain model is all but
# certain it is another subject and no link was read ("how do I wire a GFCI outlet" is electrical work, not cabling)
REFUSE_HAZARD = 0.995
# how sure a refusal is when only the nearest examples call the question another subject
NEARER_OUT_CONFIDENCE = 0.7
FOLLOW_UP_WORDS = 12  # a message this short, after an answer, may be a follow-up even if the gate doubts it
# ...but only when it is made of words: "asdfgh qwerty" or a row of emoji after an answer is not a question about it
FOLLOW_UP_KNOWN_WORDS = 0.5


@dataclass(frozen=True, slots=True)
class Understanding:
    """The classifier's view of a question."""

    p_out_of_domain: float
    intents: dict[str, float]
    known_words: float = 1.0  # share of the message's words the training examples used
    nearer_out: bool = (
        False  # its nearest training examples are out-of-domain ones (classifier.NearestExamples)
    )

    @property
    def top(self) -> tuple[Intent, float]:
        """The most likely answerable intent and its probability among those."""
        answerable = {k: v for k, v in self.intents.items() if k != FOLLOW_UP}
        name, p = max(answerable.items(), key=lambda kv: kv[1])
        return Intent(name), p / (sum(answerable.values()) or 1.0)

    @property
    def elliptical(self) -> bool:
        """The message reads as a follow-up that leaves the set-up to the answer before it."""
        return max(self.intents.items(), key=lambda kv: kv[1])[0] == FOLLOW_UP

    def p(self, intent: Intent) -> float:
        """Probability of one intent (0 when the classifier has no such class)."""
        return self.intents.get(intent.value, 0.0)


@dataclass(frozen=True, slots=True)
class Decision:
    """What the question asks for, or why it is refused, with how sure that is."""

    intent: Intent
    refusal: str | None
    confidence: float
    elliptical: bool = False


def _refusal_limit(
    understanding: Understanding, *, evidence: bool, shared_only: bool, follow_up: bool
) -> float:
    """How sure the domain model must be of another subject to refuse, by the evidence and the conversation."""
    if not evidence:
        # without any audio-signal word and without an answer to follow, a question must look clearly in domain
        return REFUSE_WITHOUT_EVIDENCE if follow_up else REFUSE_WITHOUT_ANYTHING
    if follow_up and not understanding.nearer_out:
        return REFUSE_FOLLOW_UP_WITH_EVIDENCE
    if shared_only and not follow_up:
        return REFUSE_WITH_SHARED_EVIDENCE
    return REFUSE_WITH_EVIDENCE


def decide(
    understanding: Understanding,
    *,
    evidence: bool,
    injection: bool,
    follow_up: bool,
    words: int,
    chain: bool,
    linked: bool = False,
    hazard: bool = False,
    shared_evidence_only: bool = False,
) -> Decision:
    """Refuse, or pick the intent.

    `evidence`: the lexicon found audio-signal words; `shared_evidence_only`: all of them are words other subjects
    use too (kb/terms.yaml `shared_terms`), so a question that is not a follow-up needs less to be refused.
    `follow_up`: the client sent the previous answer's context.
    `chain`: the reader found two or more links (a whole-chain balance question is answered as a chain).
    `linked`: the reader found two pieces of gear and the connector, cable or port between them; the
    nearest-examples gate alone does not refuse such a question, nor a follow-up with audio-signal words (the
    learned domain model still can).
    `hazard`: the question's own words raise a hazard of kb/hazards.yaml (a tube amp with no cab): it is
    answered as a safety question whatever the domain model says, since refusing one is the harmful mistake,
    unless that model is all but certain of another subject and no link was read (mains wiring).
    """
    if injection:
        return Decision(Intent.OUT_OF_DOMAIN, "instructions", 0.95)
    p_out = understanding.p_out_of_domain
    limit = _refusal_limit(
        understanding, evidence=evidence, shared_only=shared_evidence_only, follow_up=follow_up
    )
    elliptical = understanding.elliptical
    wordy = understanding.known_words >= FOLLOW_UP_KNOWN_WORDS
    if follow_up and not wordy and not evidence:
        return Decision(Intent.OUT_OF_DOMAIN, "topic", max(p_out, 1.0 - understanding.known_words))
    # ...nor a follow-up that names audio gear or connectors: in a conversation about cabling, "I'll buy the TRS,
    # is 5 metres ok?" is in domain unless the learned domain model itself says otherwise
    nearer_out = understanding.nearer_out and not linked and not (follow_up and evidence)
    refuse = (p_out >= limit or nearer_out) and not (follow_up and (elliptical or words <= FOLLOW_UP_WORDS))
    if refuse and hazard and (p_out < REFUSE_HAZARD or linked):
        return Decision(
            Intent.HAZARD, None, understanding.intents.get(Intent.HAZARD.value, 0.0) * (1.0 - p_out)
        )
    if refuse:
        return Decision(
            Intent.OUT_OF_DOMAIN, "topic", max(p_out, NEARER_OUT_CONFIDENCE) if nearer_out else p_out
        )
    intent, p = understanding.top
    if chain and intent in (Intent.BALANCED_CHECK, Intent.COMPATIBILITY):
        intent = Intent.CHAIN
    return Decision(intent, None, p * (1.0 - p_out), elliptical)
