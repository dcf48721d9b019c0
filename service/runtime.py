"""What a running app holds: the settings and the engine, or why the engine is not ready."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from service import observability
from service.core.pipeline import Engine
from service.errors import IndexUnavailable
from service.settings import Settings

log = logging.getLogger("cablewise")

PROBE_QUESTION = "is TRS to TS balanced?"


@dataclass
class Runtime:
    """Stored in app.extensions["cablewise"]; views reach it through get_runtime().

    `engine` is the one reference a hot reload swaps (service/index_reload.py): a request reads it once and
    answers wholly from that engine, its index and its answer cache, whatever is swapped in meanwhile.
    """

    settings: Settings
    engine: Engine | None = None
    not_ready_reason: str = "starting"
    lock: threading.Lock = field(default_factory=threading.Lock)
    embedder: Any = None  # the loaded model, kept so a hot reload loads only the index

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

    def index_info(self) -> dict[str, str] | None:
        """What /readyz reports of the index being served: version, build time, model, knowledge hash."""
        manifest = getattr(getattr(self.engine, "retriever", None), "manifest", None)
        if manifest is None:
            return None
        return {
            "version": observability.index_version(manifest),
            "built_at": str(getattr(manifest, "built_at", "")),
            "model": str(getattr(manifest, "model_name", "")),
            "kb_sha256": str(getattr(manifest, "kb_sha256", "")),
        }


def index_version_of(engine: Any) -> str:
    """The version of the index an engine answers from ("" when it has none, as a test's fake)."""
    manifest = getattr(getattr(engine, "retriever", None), "manifest", None)
    return observability.index_version(manifest) if manifest is not None else ""


def load_model(settings: Settings):
    """Load the embedding model the settings name.

    :raises IndexUnavailable: a runtime install without its prebuilt encoder, naming the command that makes it.
    """
    from index.embedder import ModelUnavailable
    from index.embedder import load_embedder

    try:
        return load_embedder(
            settings.model,
            query_encoder=settings.query_encoder,
            cache_dir=settings.model_cache_dir,
            threads=settings.encoder_threads,
        )
    except ModelUnavailable as exc:
        raise IndexUnavailable(str(exc)) from exc


def build_engine(settings: Settings, embedder=None, *, index_dir: Path | None = None) -> Engine:
    """Load the ontology, the embedding model (unless given) and the index named by the settings.

    `index_dir` is a version folder to load instead of the one `settings.index_dir` points at now.

    :raises KBInvalid: a kb file is wrong.
    :raises IndexUnavailable: the index is missing or was built for another model or knowledge base.
    """
    from index.store import current_version
    from service.kb import load_ontology
    from service.retrieval import HybridRetriever

    ontology = load_ontology(settings.kb_dir)
    if embedder is None:
        embedder = load_model(settings)
    cache_size = settings.answer_cache_size
    # One version of the index for the whole load: a build may switch `index_dir` to a new one meanwhile.
    index_dir = current_version(index_dir or settings.index_dir)
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
