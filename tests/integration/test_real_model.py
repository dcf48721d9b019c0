"""A few tests with the real bundled model (marker slow): build, load, and answer meaningfully."""

from __future__ import annotations

import json

import numpy as np
import pytest

from index.embedder import bundled_model_dir
from index.embedder import load_embedder
from index.onnx_query import ONNX_EXPORT_VERSION
from index.onnx_query import ONNX_MIN_COSINE
from index.onnx_query import OnnxQueryEncoder
from index.reader_training import load_reader
from service.adapters.render import to_api
from service.core.pipeline import Engine
from service.retrieval import HybridRetriever
from tests.conftest import KB_DIR
from tests.conftest import index_kb

DEV_SET = KB_DIR.parent.parent / "shared" / "eval" / "dev-questions.jsonl"
PARAPHRASES = KB_DIR.parent / "tests" / "eval" / "paraphrases.jsonl"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def real_index(tmp_path_factory, ontology):
    embedder = load_embedder("bundled")
    out = tmp_path_factory.mktemp("real-index")
    manifest = index_kb(out, embedder, ontology)
    assert manifest.dim == embedder.dim == 384
    return out, embedder


@pytest.fixture(scope="session")
def real_engine(real_index, ontology):
    out, embedder = real_index
    return Engine(ontology, HybridRetriever.load(out, embedder), load_reader(out))


def test_the_shipped_faq_gets_an_acceptance_threshold(real_engine):
    # with none (the build warns), no curated situation is ever answered: an encoder or kb/ change that blurs
    # two entries must be caught here, not found as missing answers later
    assert real_engine.reader.faq.threshold <= 1.0


def test_model_dimension_matches_the_manifest(real_engine):
    assert real_engine.retriever.manifest.dim == 384
    assert real_engine.retriever.manifest.model_name == (
        f"sentence-transformers/all-MiniLM-L6-v2 (onnx int8, export {ONNX_EXPORT_VERSION})"
    )


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("how does a balanced line get rid of noise?", "how-balanced-lines-cancel-noise"),
        ("does MIDI carry sound?", "midi"),
        ("what does a DI box do?", "di-boxes"),
        (
            "my monitors hum when the laptop charger is plugged in",
            ("ground-loops-and-hum", "troubleshooting-checklist"),
        ),
    ],
)
def test_concept_questions_find_the_right_guide(real_engine, question, article):
    answer = real_engine.answer(question)
    assert answer.sources and any(s.id.startswith(article) for s in answer.sources[:2]), [
        s.id for s in answer.sources
    ]


def test_an_unrelated_question_scores_low(real_engine):
    good = real_engine.retriever.search("what is phantom power", 1)[0].score
    bad = real_engine.retriever.search("the best chocolate cake frosting", 1)[0].score
    assert good > bad + 0.2


def test_a_follow_up_about_how_long_the_run_can_be_is_answered_not_refused(real_engine):
    # cable length is in the domain even though "how far"/"too long" questions about USB hubs and power runs are not
    first = real_engine.answer("which cable from my mixer's main outs to my powered speakers?")
    follow = real_engine.answer(
        "Sure. Trouble is the speakers stand at the back of the hall, roughly 18 metres off. Any problem with that?",
        first.context,
    )
    assert follow.intent.value != "out_of_domain"


def test_a_follow_up_is_judged_for_the_domain_with_the_question_before_it(real_engine):
    # alone, "which one should be master" reads as any other subject; after the clicking ADAT pair it is clocking
    first = real_engine.answer(
        "My interface and an eight-channel ADAT preamp are joined by lightpipe and I hear ticks now and then. Why?"
    )
    follow = real_engine.answer(
        "Each box runs from its own clock at the moment. Which one should lead?", first.context
    )
    assert follow.intent.value != "out_of_domain"
    # ...while one that changes the subject is still refused
    other = real_engine.answer(
        "Unrelated, but what EQ and compression do you like on a podcast voice?", first.context
    )
    assert other.intent.value == "out_of_domain"


@pytest.mark.parametrize(
    "question",
    [
        "can each digital unit run its own clock or does one need to be master",
        "can every digital box keep its own clock or must one be the master",
    ],
)
def test_a_clocking_question_standing_alone_is_in_the_domain(real_engine, question):
    # "master", "sync" and "own" come mostly from mastering and streaming questions among the examples; clocking
    # between digital gear is connection work all the same
    assert real_engine.answer(question).intent.value != "out_of_domain"


def test_a_safety_follow_up_is_matched_to_hazards_with_the_question_before_it(real_engine):
    first = real_engine.answer(
        "Our old power amp has red and black binding posts; what lead goes from it to the passive PA speakers?"
    )
    follow = real_engine.answer("OK. Can I hook them up with the amp still switched on?", first.context)
    assert follow.verdict is not None
    assert "exposed-speaker-terminals" in {w.hazard for w in follow.verdict.warnings}


QUESTIONS = (
    "is TRS to TS balanced?",
    "which cable from my interface's 1/4 inch outs to monitors with XLR inputs",
    "why do my monitors hum when the laptop charger is in",
    "",
)


@pytest.fixture(scope="module")
def onnx_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("model-cache")


def test_the_int8_onnx_encoder_gives_vectors_near_sentence_transformers_for_queries_and_batches(onnx_cache):
    fast = load_embedder("bundled", query_encoder="onnx", cache_dir=onnx_cache)
    slow = load_embedder("bundled", query_encoder="torch")
    assert (fast.query_encoder, slow.query_encoder) == ("onnx", "torch")
    assert fast.name != slow.name  # so an index built by one is stale for the other
    for question in QUESTIONS:
        cosine = float(fast.encode([question])[0] @ slow.encode([question])[0])
        assert ONNX_MIN_COSINE <= cosine <= 1.0 + 1e-5, question
    # an index build's batches go through the same encoder as the questions searched against them
    np.testing.assert_array_equal(
        fast.encode(list(QUESTIONS)), np.concatenate([fast.encode([q]) for q in QUESTIONS])
    )


def test_a_damaged_onnx_export_is_not_used(onnx_cache):
    load_embedder("bundled", query_encoder="onnx", cache_dir=onnx_cache)  # makes the export if missing
    (reference,) = onnx_cache.glob("*.npy")
    np.save(reference, -np.load(reference))  # the export no longer reproduces its reference vectors
    assert OnnxQueryEncoder.load_checked(bundled_model_dir(), onnx_cache) is None
    assert (
        load_embedder("bundled", query_encoder="onnx", cache_dir=onnx_cache).query_encoder == "onnx"
    )  # remade
    assert OnnxQueryEncoder.load_checked(bundled_model_dir(), onnx_cache) is not None


def test_the_answer_cache_changes_no_answer(real_index, ontology):
    """A repeated question (from the cache) gets the answer it got the first time, on the dev set and ours."""
    out, embedder = real_index
    cached = Engine(ontology, HybridRetriever.load(out, embedder), load_reader(out), answer_cache_size=64)
    plain = Engine(ontology, HybridRetriever.load(out, embedder), load_reader(out), answer_cache_size=0)
    for question in dev_and_paraphrase_questions():
        expected = to_api(plain.answer(question))
        assert to_api(cached.answer(question)) == expected, question
        assert to_api(cached.answer(question)) == expected, question  # from the cache


def test_the_int8_encoder_answers_as_sentence_transformers_does(real_index, ontology, tmp_path):
    """Each encoder with an index of its own vectors: the verdicts, cables and intents agree on nearly every
    question (int8 moves a few borderline ones across a learned threshold, either way)."""
    out, embedder = real_index
    torch_embedder = load_embedder("bundled", query_encoder="torch")
    index_kb(tmp_path, torch_embedder, ontology)
    int8 = Engine(ontology, HybridRetriever.load(out, embedder), load_reader(out))
    floats = Engine(ontology, HybridRetriever.load(tmp_path, torch_embedder), load_reader(tmp_path))
    questions = dev_and_paraphrase_questions()
    differ = [q for q in questions if outcome(int8.answer(q)) != outcome(floats.answer(q))]
    assert len(differ) <= 0.05 * len(questions), differ


def outcome(answer) -> tuple:
    api = to_api(answer)
    return (
        api["intent"],
        json.dumps(api.get("verdict"), sort_keys=True),
        json.dumps(api.get("cable"), sort_keys=True),
    )


def dev_and_paraphrase_questions() -> list[str]:
    questions = []
    if (
        DEV_SET.is_file()
    ):  # ../shared beside the checkout (as in CI); a fresh clone checks our paraphrases only
        questions += [
            json.loads(line)["question"] for line in DEV_SET.read_text().splitlines() if line.strip()
        ]
    questions += [
        json.loads(line)["question"] for line in PARAPHRASES.read_text().splitlines() if line.strip()
    ]
    return questions
