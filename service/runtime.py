"""What a running app holds: the settings and the engine, or why the engine is not ready."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from dataclasses import field

from service import observability
from service.core.pipeline import Engine
from service.errors import IndexUnavailable
from service.settings import Settings

log = logging.getLogger("cablewise")

PROBE_QUESTION = "is TRS to TS balanced?"


@dataclass
class Runtime:
    """Stored in app.extensions["cablewise"]; views reach it through get_runtime()."""

    settings: Settings
    engine: Engine | None = None
    not_ready_reason: str = "starting"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def engine_or_raise(self) -> Engine:
        """Return the ready engine.

        :raises IndexUnavailable: (503) the model or index is not loaded, with the reason.
        """
        if self.engine is None:
            raise IndexUnavailable(self.not_ready_reason)
        return self.engine

    def become_ready(self, engine: Engine) -> None:
        """Answer the probe question, then serve: readiness means a real answer came out."""
        engine.answer(PROBE_QUESTION)
        self.engine = observability.observed(engine)  # counts answers for /metrics; the probe is not counted
        self.not_ready_reason = ""


def build_engine(settings: Settings) -> Engine:
    """Load the ontology, the embedding model and the index named by the settings.

    :raises KBInvalid: a kb file is wrong.
    :raises IndexUnavailable: the index is missing or was built for another model or knowledge base.
    """
    from index.embedder import ModelUnavailable
    from index.embedder import load_embedder
    from index.store import current_version
    from service.kb import load_ontology
    from service.retrieval import HybridRetriever

    ontology = load_ontology(settings.kb_dir)
    try:
        embedder = load_embedder(
            settings.model,
            query_encoder=settings.query_encoder,
            cache_dir=settings.model_cache_dir,
            threads=settings.encoder_threads,
        )
    except ModelUnavailable as exc:  # a runtime install without its prebuilt encoder: not ready, with the fix
        raise IndexUnavailable(str(exc)) from exc
    cache_size = settings.answer_cache_size
    # One version of the index for the whole load: a build may switch `index_dir` to a new one meanwhile.
    index_dir = current_version(settings.index_dir)
    check_knowledge_matches(index_dir, settings.kb_dir)
    retriever = HybridRetriever.load(index_dir, embedder, embed_cache_size=cache_size)
    reader = load_reader_models(index_dir)
    return Engine(ontology, retriever, reader, top_k=settings.top_k, answer_cache_size=cache_size)


def load_reader_models(index_dir):
    """The question reader's trained models, stored with the index.

    :raises IndexUnavailable: the index was built without them or they are unreadable.
    """
    from index.reader_training import load_reader

    try:
        return load_reader(index_dir)
    except (OSError, ValueError, KeyError) as exc:
        raise IndexUnavailable(
            f"the index has no usable question-reader models ({type(exc).__name__}); run `cablewise index build`"
        ) from exc


def check_knowledge_matches(index_dir, kb_dir) -> None:
    """Refuse an index built from another state of kb/: its passages and sources would not match the rules.

    :raises IndexUnavailable: naming the fix.
    """
    from index import store
    from index.build import kb_fingerprint

    manifest = store.read_manifest(index_dir)
    if manifest is not None and manifest.kb_sha256 != kb_fingerprint(kb_dir):
        raise IndexUnavailable(
            "the index is stale: kb/ changed since it was built; run `cablewise index build` (or `make index`)"
        )


def get_runtime(app) -> Runtime:
    """Return the app's Runtime."""
    return app.extensions["cablewise"]
