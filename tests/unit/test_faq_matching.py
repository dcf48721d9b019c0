"""How a question finds a curated situation of kb/faq.yaml: scoring by several variants, and the gear gate."""

import numpy as np
import pytest

from service.core.classifier import FaqIndex
from service.core.classifier import entry_scores
from service.core.compose import _about_what_was_asked
from service.core.normalize import read_question


def unit(*values):
    v = np.asarray(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_an_entry_scores_by_the_mean_of_its_nearest_variants():
    scores = np.array([0.9, 0.1, 0.2, 0.5, 0.6, 0.55], dtype=np.float32)
    rows = [np.array([0, 1, 2]), np.array([3, 4, 5])]
    best = entry_scores(scores, rows, top_k=2)
    assert np.allclose(best, [(0.9 + 0.2) / 2, (0.6 + 0.55) / 2])


def test_entries_of_unequal_sizes_score_alike_and_an_empty_entry_scores_minus_one():
    # all entries are scored in one padded numpy call: padding must never count as a variant
    scores = np.array([0.3, -0.2, 0.7, 0.4, 0.1], dtype=np.float32)
    rows = [np.array([1]), np.array([0, 2, 3, 4]), np.array([], dtype=np.int64)]
    best = entry_scores(scores, rows, top_k=3)
    assert np.allclose(best, [-0.2, (0.7 + 0.4 + 0.3) / 3, -1.0])


def test_one_chance_likeness_does_not_beat_an_entry_whose_variants_agree():
    # entry "a" has one variant right on the question and two far off; entry "b" has three close ones
    vectors = np.stack(
        [unit(1, 0, 0), unit(0, 1, 0), unit(0, 0, 1), unit(1, 0.4, 0), unit(1, 0.5, 0), unit(1, 0.45, 0)]
    )
    ids = ("a", "a", "a", "b", "b", "b")
    question = unit(1, 0.05, 0)
    assert FaqIndex(ids, vectors, 0.0, 0.0, top_k=1).match(question).entry_id == "a"
    assert FaqIndex(ids, vectors, 0.0, 0.0, top_k=3).match(question).entry_id == "b"


def test_one_question_raising_two_hazards_is_a_tie_not_a_doubt():
    # the same variant sits under two hazards; the margin is measured to the next hazard, not between the two
    shared, other = unit(1, 0, 0), unit(0, 1, 0)
    index = FaqIndex(("no-load", "speaker-out", "other"), np.stack([shared, shared, other]), 0.5, 0.05)
    match = index.match(unit(1, 0.1, 0))
    assert match.accepted
    assert {match.entry_id, *match.tied} == {"no-load", "speaker-out"}


def test_a_situation_about_other_gear_is_not_the_answer(ontology):
    phone_entry = next(e for e in ontology.faq.values() if "phone" in e.devices and "mixer" in e.devices)
    about_a_phone = read_question("my phone into the mixer, how?", ontology)
    about_a_mic = read_question("my SM58 into the mixer, which lead?", ontology)
    assert _about_what_was_asked(phone_entry, about_a_phone, ontology)
    assert not _about_what_was_asked(phone_entry, about_a_mic, ontology)


def test_a_port_named_by_its_connector_names_that_connector(ontology):
    # "the optical input" is a TOSLINK jack: an entry about TOSLINK is about this question
    toslink_entry = next(e for e in ontology.faq.values() if e.families == ("toslink",))
    by_port = read_question("can my preamp's ADAT out go into the interface's optical input?", ontology)
    by_other_port = read_question("can my preamp's ADAT out go into the interface's line input?", ontology)
    assert _about_what_was_asked(toslink_entry, by_port, ontology)
    assert not _about_what_was_asked(toslink_entry, by_other_port, ontology)


def test_a_quoted_entry_and_the_verdict_never_disagree(ontology):
    from service.core.classifier import FaqMatch
    from service.core.compose import compose_answer
    from service.core.normalize import read_question
    from service.core.rules import judge

    entry = ontology.faq["adat-into-spdif-optical-input"]  # general verdict: does_not_work
    match = FaqMatch(entry.id, score=0.95, margin=0.2, accepted=True)

    # the rules read the link with guessed ports ("works"): the entry is quoted, so its verdict is given
    guessed = read_question("ADAT preamp into my interface over toslink, will it just work?", ontology)
    answer = compose_answer(guessed, judge(guessed, ontology), (), ontology, match)
    assert answer.text.startswith(entry.answer[:40])
    assert answer.verdict.compatibility.value == entry.compatibility

    # the question states both ports and the rules prove "works": the contradicting entry is not quoted
    stated = read_question("the ADAT out of my preamp into the optical input of the interface, ok?", ontology)
    answer = compose_answer(stated, judge(stated, ontology), (), ontology, match)
    assert not answer.text.startswith(entry.answer[:40])
    assert answer.verdict.compatibility.value == "works"


def test_a_quoted_entry_never_asserts_a_balance_the_question_left_open(ontology):
    from service.core.classifier import FaqMatch
    from service.core.compose import compose_answer
    from service.core.normalize import read_question
    from service.core.rules import judge
    from service.types import Intent

    entry = ontology.faq["unbalanced-synth-into-balanced-input"]  # balanced: false
    match = FaqMatch(entry.id, score=0.85, margin=0.2, accepted=True)
    # nothing says whether the synth's quarter-inch output is balanced: the rules' "depends" stands
    unsaid = read_question(
        "my synth's quarter inch output, a TRS cable, the interface line input. balanced?", ontology
    ).with_intent(Intent.BALANCED_CHECK)
    answer = compose_answer(unsaid, judge(unsaid, ontology), (), ontology, match)
    assert answer.verdict.balanced is None
    assert entry.answer[:40] not in answer.text
    # said unbalanced, the entry is the question's own case and is quoted
    said = read_question(
        "my synth's unbalanced quarter inch output, a TRS cable, the interface line input. balanced?",
        ontology,
    ).with_intent(Intent.BALANCED_CHECK)
    answer = compose_answer(said, judge(said, ontology), (), ontology, match)
    assert answer.verdict.balanced is False
    assert entry.answer[:40] in answer.text


def test_an_accepted_entry_answers_when_the_rules_read_a_link_but_cannot_say_whether_it_works(ontology):
    from service.core.classifier import FaqMatch
    from service.core.compose import FAQ_OVER_RULES
    from service.core.compose import compose_answer
    from service.core.normalize import read_question
    from service.core.rules import judge
    from service.types import Intent

    entry = ontology.faq["headphone-extension-cable"]  # works
    match = FaqMatch(entry.id, score=FAQ_OVER_RULES - 0.05, margin=0.1, accepted=True)
    # one end only: the rules read the headphones' plug and prove no verdict
    question = read_question("can i extend my headphones with a 1/4 trs extension cable", ontology)
    question = question.with_intent(Intent.COMPATIBILITY)
    judgement = judge(question, ontology)
    assert judgement.compatibility is None
    answer = compose_answer(question, judgement, (), ontology, match)
    assert answer.text.startswith(entry.answer[:40])
    assert answer.verdict.compatibility.value == "works"
    # not accepted, the entry does not answer on its score alone
    unsure = FaqMatch(entry.id, score=FAQ_OVER_RULES - 0.05, margin=0.1, accepted=False)
    assert not compose_answer(question, judgement, (), ontology, unsure).text.startswith(entry.answer[:40])


def test_a_guessed_links_cable_gives_way_to_the_entrys_when_the_question_names_the_entrys_plugs(ontology):
    from service.core.classifier import FaqMatch
    from service.core.compose import compose_answer
    from service.core.normalize import read_question
    from service.core.rules import judge

    entry = ontology.faq["daisy-chain-powered-speakers"]  # XLR-female to XLR-male
    match = FaqMatch(entry.id, score=0.9, margin=0.2, accepted=True)
    # "thru" alone reads as a MIDI thru of no named gear; the question names XLR
    question = read_question(
        "daisy-chain a second powered speaker off the first one's XLR thru output: what cable from the thru"
        " to the second speaker's input?",
        ontology,
    )
    answer = compose_answer(question, judge(question, ontology), (), ontology, match)
    assert (answer.cable.from_end, answer.cable.to_end) == ("XLR-female", "XLR-male")


def test_entries_whose_questions_read_alike_switch_faq_answers_off_and_the_build_says_so():
    import numpy as np

    from index.embedder import HashEmbedder
    from index.reader_training import FaqQuestions
    from index.reader_training import _match_index
    from index.reader_training import faq_threshold_warning

    embedder = HashEmbedder()
    negatives = np.asarray(embedder.encode(["best pizza in town", "how do I fix a bike chain"]))
    apart = [
        FaqQuestions("phantom", "concept", tuple(f"what does phantom power do {i}" for i in range(6))),
        FaqQuestions("ground", "troubleshooting", tuple(f"hum from a ground loop {i}" for i in range(6))),
    ]
    alike = [FaqQuestions(f"copy-{n}", "concept", apart[0].questions) for n in range(2)]
    _, _, threshold = _match_index(apart, embedder, {}, negatives, 0.85)
    assert faq_threshold_warning(threshold) is None
    _, _, threshold = _match_index(alike, embedder, {}, negatives, 0.85)
    assert threshold > 1.0 and "merge" in faq_threshold_warning(threshold)


def test_an_accepted_entry_of_the_questions_own_intent_answers_a_symptom_over_a_stated_link(ontology):
    from service.core.classifier import FaqMatch
    from service.core.compose import FAQ_OVER_RULES
    from service.core.rules import judge
    from service.types import Intent

    entry = ontology.faq["digital-clicks-and-dropouts"]  # troubleshooting
    match = FaqMatch(entry.id, score=FAQ_OVER_RULES - 0.1, margin=0.1, accepted=True)
    # the link (optical out -> optical in) is stated and judged; what is asked is why it clicks
    reading = read_question(
        "my preamp's ADAT optical out feeds the interface's ADAT optical in and those channels crackle, why?",
        ontology,
    ).with_intent(Intent.TROUBLESHOOTING)
    assert judge(reading, ontology).judged
    assert answered_by(entry, reading, match, ontology)
    # asked whether the link works, the rules' verdict on it still answers
    assert not answered_by(entry, reading.with_intent(Intent.COMPATIBILITY), match, ontology)


@pytest.mark.parametrize(
    ("entry_id", "intent", "question"),
    [
        (
            "hum-while-laptop-charging",
            "troubleshooting",
            "my interface's TRS outs feed my monitors and there is a hum, only while the laptop charges",
        ),
        (
            "what-balanced-means",
            "concept",
            "my interface's TRS outs feed my monitors' TRS inputs; in everyday words, what does balanced mean?",
        ),
    ],
)
def test_a_close_entry_of_the_questions_intent_answers_below_the_acceptance_threshold(
    entry_id, intent, question, ontology
):
    # a symptom's cause or an idea's meaning, over a link the question only sets the scene with
    from service.core.classifier import FaqMatch
    from service.core.compose import SYMPTOM_NEAR
    from service.core.rules import judge
    from service.types import Intent

    entry = ontology.faq[entry_id]
    # nearer than other close entries need to be: a symptom or an idea is worded many ways
    close = FaqMatch(entry.id, score=SYMPTOM_NEAR + 0.02, margin=0.02, accepted=False)
    reading = read_question(question, ontology).with_intent(Intent(intent))
    assert judge(reading, ontology).judged
    assert answered_by(entry, reading, close, ontology)
    # a close entry does not answer a question asking something else of the same link
    assert not answered_by(entry, reading.with_intent(Intent.BALANCED_CHECK), close, ontology)
    # nor does a far one
    far = FaqMatch(entry.id, score=SYMPTOM_NEAR - 0.1, margin=0.02, accepted=False)
    assert not answered_by(entry, reading, far, ontology)


def answered_by(entry, reading, match, ontology) -> bool:
    """The composed answer, with the rules' judgement of the reading and this FAQ match, opens with the entry."""
    from service.core.compose import compose_answer
    from service.core.rules import judge

    return compose_answer(reading, judge(reading, ontology), (), ontology, match).text.startswith(
        entry.answer[:40]
    )


def test_an_entry_is_about_a_connector_only_when_more_than_half_its_variants_name_it(ontology):
    from dataclasses import replace

    from service.core.ontology import FaqEntry
    from service.kb import _with_faq_families

    def entry_about(questions):
        entry = FaqEntry(
            id="probe", intent="concept", questions=tuple(questions), answer="An answer.", sources=("R110",)
        )
        probed = _with_faq_families(replace(ontology, faq={"probe": entry}))
        return probed.faq["probe"].families

    half = ["phone into the mixer, vocals vanish", "my TRS lead makes the singer disappear"]
    assert entry_about(half) == ()
    assert entry_about([*half, "a TRS cable from the phone and the voice is gone"]) == ("trs",)
