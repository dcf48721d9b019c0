"""How sure an answer is: observable signals of the reading, mapped to a probability of being right.

The map is a logistic regression fitted by `cablewise calibrate` on labelled questions held back from everything
the reader learns from (scikit-learn's advice: calibrate on data independent of the training data); its
weights live in kb/calibration.yaml. Without that file the answer's confidence is the plain mean of the
classifier's and the rules' certainty.
"""

from __future__ import annotations

from collections.abc import Mapping

from service.core.classifier import FaqMatch
from service.core.reading import Reading
from service.core.rules import Judgement
from service.types import Intent


def signals(reading: Reading, judgement: Judgement, faq: FaqMatch | None, used_faq: bool) -> dict[str, float]:
    """What the service can observe about its own answer, each in 0..1 (or a small count)."""
    understanding = reading.understanding
    top = understanding.top[1] if understanding is not None else 0.0
    p_out = understanding.p_out_of_domain if understanding is not None else 0.0
    links = judgement.links
    judged = judgement.judged
    out = {
        "intent_probability": top,
        "out_of_domain_probability": p_out,
        "judged": float(judged),
        "guessed_port": float(any(f.guessed for f in links)),
        "derived_plug": float(any(f.derived_plugs for f in links)),
        "links": float(min(len(links), 4)),
        "depends": float(judged and judgement.balanced is None and bool(judgement.conditions)),
        "warnings": float(bool(judgement.warnings)),
        "faq_score": faq.score if faq is not None else 0.0,
        "faq_used": float(used_faq),
        "follow_up": float(reading.follow_up),
        "corrections": float(bool(reading.corrections)),
        "long": float(len(reading.cleaned.split()) > 40),
        "words": min(len(reading.cleaned.split()), 120) / 120,
        "answers_what_was_asked": float(_answers_what_was_asked(reading.intent, judgement)),
        "explicit_cable": float(
            any(link.cable is not None and link.cable.explicit_ends for link in reading.links)
        ),
        "gear_named": float(
            any(s is not None and s.device for link in reading.links for s in (link.source, link.dest))
        ),
        "both_ends_stated": float(
            any(link.source is not None and link.dest is not None for link in reading.links)
        ),
        "faq_margin": faq.margin if faq is not None else 0.0,
        "chain": float(reading.is_chain),
    }
    for intent in Intent:
        out[f"intent={intent.value}"] = float(reading.intent is intent)
    return out


def uncalibrated(values: Mapping[str, float]) -> float:
    """The fallback when kb/calibration.yaml is absent: classifier and rules, equally weighted."""
    rules = 0.9 if values.get("judged") else 0.5
    rules -= 0.15 * values.get("guessed_port", 0.0)
    return round(max(0.05, min(0.99, (values.get("intent_probability", 0.0) + rules) / 2)), 3)


def _answers_what_was_asked(intent: Intent, j: Judgement) -> bool:
    """The verdict the intent asks for was proven: a balance, a compatibility, a cable, a hazard."""
    if intent in (Intent.BALANCED_CHECK, Intent.CHAIN):
        return any(f.balance_applies for f in j.links)
    if intent is Intent.COMPATIBILITY:
        return j.compatibility is not None
    if intent is Intent.CABLE_RECOMMENDATION:
        return j.cable is not None
    if intent is Intent.HAZARD:
        return bool(j.warnings)
    return False
