"""The domain gates of service/core/intent.py and the nearest-examples gate of service/core/classifier.py."""

import numpy as np

from index.reader_training import _nearest_examples
from service.core.classifier import NearestExamples
from service.core.intent import Understanding
from service.core.intent import decide
from service.types import Intent


def unit(*values):
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def gate(threshold=0.0):
    # two in-domain examples near the x axis, two out-of-domain ones near the y axis
    vectors = np.stack([unit(1, 0.1), unit(1, -0.1), unit(0.1, 1), unit(-0.1, 1)])
    return NearestExamples(vectors, np.array([False, False, True, True]), k=2, threshold=threshold)


def test_the_margin_is_positive_nearer_the_other_subjects_examples():
    assert gate().margin(unit(0.2, 1)) > 0
    assert gate().margin(unit(1, 0.2)) < 0


def test_a_question_nearer_other_subjects_is_refused_even_with_audio_words():
    understanding = Understanding(0.3, {"concept": 1.0}, nearer_out=True)
    decision = decide(understanding, evidence=True, injection=False, follow_up=False, words=20, chain=False)
    assert decision.intent is Intent.OUT_OF_DOMAIN


def test_a_question_naming_the_connection_between_two_pieces_of_gear_is_not_refused_by_the_nearest_examples():
    # "the TV's optical out to the soundbar": near the examples about TV settings, but it names a connection;
    # the learned domain model still refuses when it is sure
    understanding = Understanding(0.3, {"cable_recommendation": 1.0}, nearer_out=True)
    kept = decide(
        understanding, evidence=True, injection=False, follow_up=False, words=20, chain=False, linked=True
    )
    assert kept.intent is Intent.CABLE_RECOMMENDATION
    sure = Understanding(0.95, {"cable_recommendation": 1.0}, nearer_out=True)
    refused = decide(
        sure, evidence=True, injection=False, follow_up=False, words=20, chain=False, linked=True
    )
    assert refused.intent is Intent.OUT_OF_DOMAIN


def test_a_short_follow_up_is_not_refused_by_the_nearest_examples():
    understanding = Understanding(0.3, {"concept": 1.0}, nearer_out=True)
    decision = decide(understanding, evidence=True, injection=False, follow_up=True, words=6, chain=False)
    assert decision.intent is not Intent.OUT_OF_DOMAIN


def test_a_long_follow_up_with_audio_words_is_not_refused_by_the_nearest_examples():
    # "ok, I'll buy the TRS leads; is a 5 metre run alright?" in a conversation about cabling
    understanding = Understanding(0.3, {"concept": 1.0}, nearer_out=True)
    kept = decide(understanding, evidence=True, injection=False, follow_up=True, words=20, chain=False)
    assert kept.intent is not Intent.OUT_OF_DOMAIN
    # ...without audio words it still is, and the learned domain model still refuses when it is sure
    alone = decide(understanding, evidence=False, injection=False, follow_up=True, words=20, chain=False)
    assert alone.intent is Intent.OUT_OF_DOMAIN
    sure = Understanding(0.97, {"concept": 1.0}, nearer_out=True)
    assert decide(sure, evidence=True, injection=False, follow_up=True, words=20, chain=False).intent is (
        Intent.OUT_OF_DOMAIN
    )


def test_a_follow_up_with_audio_words_near_no_other_subject_needs_a_near_certain_domain_model_to_refuse():
    # "now there are clicks on the new channels" after an answer about an ADAT expander: the domain model,
    # trained on questions that name their gear, doubts a message that names none
    doubted = Understanding(0.97, {"troubleshooting": 1.0}, nearer_out=False)
    kept = decide(doubted, evidence=True, injection=False, follow_up=True, words=20, chain=False)
    assert kept.intent is Intent.TROUBLESHOOTING
    # ...the same doubt is a refusal when the question comes alone, or its nearest examples are another subject's
    alone = decide(doubted, evidence=True, injection=False, follow_up=False, words=20, chain=False)
    assert alone.intent is Intent.OUT_OF_DOMAIN
    elsewhere = Understanding(0.97, {"troubleshooting": 1.0}, nearer_out=True)
    assert decide(
        elsewhere, evidence=True, injection=False, follow_up=True, words=20, chain=False
    ).intent is (Intent.OUT_OF_DOMAIN)
    certain = Understanding(0.999, {"troubleshooting": 1.0}, nearer_out=False)
    assert decide(certain, evidence=True, injection=False, follow_up=True, words=20, chain=False).intent is (
        Intent.OUT_OF_DOMAIN
    )


def test_the_threshold_keeps_left_out_in_domain_examples_answered():
    rng = np.random.default_rng(0)
    inside = rng.normal([3, 0, 0], 1, size=(300, 3))
    outside = rng.normal([0, 3, 0], 1, size=(100, 3))
    vectors = np.vstack([inside, outside]).astype(np.float32)
    out = np.array([False] * 300 + [True] * 100)
    nearest, threshold, recall = _nearest_examples(vectors, out)
    margins = np.array([nearest.margin(v / np.linalg.norm(v)) for v in vectors[:300]])
    # leave-one-out allows at most 0.5% of in-domain examples above the threshold; with themselves counted as
    # neighbours they only move further from it
    assert (margins >= threshold).mean() <= 0.005
    assert recall > 0.8


def test_a_follow_up_to_an_answer_that_linked_nothing_is_still_a_follow_up(ontology):
    from service.core.normalize import read_question

    # the answer before was about a fault, not a connection: its context has an intent and no links
    context = {"v": 1, "intent": "troubleshooting", "question": "why do we get dropouts?", "links": []}
    doubtful = Understanding(0.97, {"troubleshooting": 1.0})
    text = "Our two converters both run on their internal word clock right now. Which one should we change?"
    assert read_question(text, ontology, context, doubtful).intent is Intent.TROUBLESHOOTING
    assert read_question(text, ontology, None, doubtful).intent is Intent.OUT_OF_DOMAIN


def test_hazard_words_keep_a_doubtful_question_but_not_one_of_another_subject():
    doubtful = Understanding(0.93, {"hazard": 1.0}, nearer_out=True)
    certain = Understanding(0.999, {"hazard": 1.0}, nearer_out=True)
    asked = dict(evidence=True, injection=False, follow_up=False, words=20, chain=False, hazard=True)
    assert decide(doubtful, **asked).intent is Intent.HAZARD
    assert decide(certain, **asked).intent is Intent.OUT_OF_DOMAIN
    # ...unless the question reads a link: speaker terminals into an input stay a safety question
    assert decide(certain, **{**asked, "linked": True}).intent is Intent.HAZARD


def test_words_other_subjects_share_are_weaker_evidence_than_a_connector():
    # the domain model leans to another subject: with only "balanced" or "humming" said, the question is refused,
    # while one naming a jack or a port needs a far surer model
    leaning_out = Understanding(0.6, {"concept": 1.0})
    asked = dict(evidence=True, injection=False, follow_up=False, words=30, chain=False)
    assert decide(leaning_out, **asked, shared_evidence_only=True).intent is Intent.OUT_OF_DOMAIN
    assert decide(leaning_out, **asked).intent is Intent.CONCEPT
    # ...and a follow-up in a conversation about cabling is not refused on shared words alone
    follow_up = {**asked, "follow_up": True}
    assert decide(leaning_out, **follow_up, shared_evidence_only=True).intent is Intent.CONCEPT


def test_shared_evidence_is_read_from_the_words_the_question_uses(ontology):
    from service.core.normalize import read_question

    leaning_out = Understanding(0.6, {"troubleshooting": 1.0})
    appliance = "the stand mixer makes a loud humming noise when kneading, is the motor going?"
    assert read_question(appliance, ontology, None, leaning_out).intent is Intent.OUT_OF_DOMAIN
    # the same lean with a connector named is a question about a connection
    studio = "the mixer makes a loud humming noise when the XLR lead is plugged in, is the lead going?"
    assert read_question(studio, ontology, None, leaning_out).intent is not Intent.OUT_OF_DOMAIN
