"""Shared fixtures. Fast tests use the real kb/ with a deterministic HashEmbedder index; no model is loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.build import build_index
from index.embedder import HashEmbedder
from index.reader_training import load_reader
from service.app import create_app
from service.core.pipeline import Engine
from service.kb import load_ontology
from service.kb import ontology_passages
from service.kb import reader_training_data
from service.retrieval import HybridRetriever
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
KB_DIR = ROOT / "kb"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def ontology():
    """The project's real ontology, loaded once."""
    return load_ontology(KB_DIR)


def index_kb(out: Path, embedder, ontology):
    """The real kb/ indexed with `embedder` into `out`, as `cablewise index build` does; returns the manifest."""
    return build_index(
        KB_DIR,
        out,
        embedder,
        extra_passages=ontology_passages(ontology),
        reader=reader_training_data(KB_DIR, ontology),
    )


@pytest.fixture(scope="session")
def hash_index_dir(tmp_path_factory, ontology) -> Path:
    """The real kb/ indexed with the HashEmbedder into a temporary folder."""
    out = tmp_path_factory.mktemp("index")
    index_kb(out, HashEmbedder(), ontology)
    return out


@pytest.fixture(scope="session")
def reader(hash_index_dir):
    """The question reader's models, trained on the hash-embedded examples (the n-grams carry them)."""
    return load_reader(hash_index_dir)


@pytest.fixture(scope="session")
def engine(ontology, hash_index_dir, reader) -> Engine:
    """A real Engine (real rules, real classifier, real FAISS + BM25) over the hash-embedded index."""
    return Engine(ontology, HybridRetriever.load(hash_index_dir, HashEmbedder()), reader, top_k=4)


@pytest.fixture()
def settings(tmp_path, hash_index_dir) -> Settings:
    """Settings for a test app; nothing points at the developer's own var/ folder."""
    return Settings(
        _env_file=None,
        kb_dir=KB_DIR,
        index_dir=hash_index_dir,
        model="hash",
        rate_limit="1000/minute",
        feedback_db=tmp_path / "feedback.sqlite3",
        cors_origins=["https://shop.example"],
    )


@pytest.fixture()
def app(settings, engine):
    """The Flask app with the shared engine injected."""
    return create_app(settings, engine=engine)


@pytest.fixture()
def client(app):
    """A Flask test client."""
    return app.test_client()
