"""A few tests with the real bundled model (marker slow): build, load, and answer meaningfully."""

from __future__ import annotations

import pytest

from index.build import build_index
from index.embedder import load_embedder
from service.core.pipeline import Engine
from service.kb import ontology_passages
from service.retrieval import HybridRetriever
from tests.conftest import KB_DIR

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def real_engine(tmp_path_factory, ontology):
    embedder = load_embedder("bundled")
    out = tmp_path_factory.mktemp("real-index")
    manifest = build_index(KB_DIR, out, embedder, extra_passages=ontology_passages(ontology))
    assert manifest.dim == embedder.dim == 384
    return Engine(ontology, HybridRetriever.load(out, embedder))


def test_model_dimension_matches_the_manifest(real_engine):
    assert real_engine.retriever.manifest.dim == 384
    assert real_engine.retriever.manifest.model_name == "sentence-transformers/all-MiniLM-L6-v2"


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
