"""Hybrid retrieval: dense FAISS search fused with BM25, so exact terms like "TRS" or "S/PDIF" are never lost."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from index import store
from index.embedder import Embedder
from index.types import ScoredPassage
from service.core.cache import LRUCache
from service.errors import IndexUnavailable

# Reciprocal-rank fusion constant; 60 is the usual choice and keeps one list from dominating.
RRF_K = 60
logging.getLogger("bm25s").setLevel(logging.WARNING)  # it logs every index build at DEBUG
CANDIDATES = 30
DENSE_GRID = 1e-3
EMBED_CACHE_SIZE = 1024  # query vectors kept per process (1.5 kB each)

_STOPWORDS = frozenset(
    "a an and are as at be but by can do does for from has have how i if in into is it its my of on or so "
    "that the their them then there these they this to was what when where which why will with you your "
    "me we our am been being did just than too very ok".split()
)
# Spellings that a plain word tokenizer would break apart or merge with others.
_PHRASES = (
    (re.compile(r"s\s*/\s*pdif|s-pdif"), "spdif"),
    (re.compile(r"3[.,]5\s*mm"), "35mm"),
    (re.compile(r"1\s*/\s*4\s*(\"|inch|in\b|-inch)?|quarter[- ]inch"), "quarterinch"),
    (re.compile(r"\+?48\s*v\b|48\s*volts?"), "48v"),
    (re.compile(r"aes\s*/\s*ebu"), "aes3"),
    (re.compile(r"hi-z|high-z|hi z"), "hiz"),
    (re.compile(r"bal\s*/\s*unbal"), "balunbal"),
)


def lexical_tokens(text: str) -> list[str]:
    """Lower-case word tokens with connector spellings kept whole and common words dropped."""
    text = text.lower()
    for pattern, replacement in _PHRASES:
        text = pattern.sub(f" {replacement} ", text)
    return [t for t in re.findall(r"[a-z0-9]+", text) if t not in _STOPWORDS]


class HybridRetriever:
    """Search guide and ontology passages by meaning (FAISS) and by words (BM25), fused by rank."""

    def __init__(
        self, loaded: store.LoadedIndex, embedder: Embedder, *, embed_cache_size: int = EMBED_CACHE_SIZE
    ) -> None:
        self._index = loaded
        self._embedder = embedder
        self._vectors: LRUCache[np.ndarray] = LRUCache(embed_cache_size)
        self.passages = loaded.passages
        self.manifest = loaded.manifest
        corpus = [lexical_tokens(p.search_text()) for p in loaded.passages]
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)
        self._vocab = {token for doc in corpus for token in doc}

    @classmethod
    def load(
        cls, index_dir: Path, embedder: Embedder, *, embed_cache_size: int = EMBED_CACHE_SIZE
    ) -> HybridRetriever:
        """Load the index built for this embedder.

        :raises IndexUnavailable: the index is missing, damaged, or built for another model.
        """
        try:
            loaded = store.load(index_dir, model_name=embedder.name, dim=embedder.dim)
        except store.IndexError_ as exc:
            raise IndexUnavailable(str(exc)) from exc
        return cls(loaded, embedder, embed_cache_size=embed_cache_size)

    def embed(self, text: str) -> np.ndarray:
        """Embed one query (exposed so a caller can reuse the vector); repeated texts come from a small LRU.

        The vector is read-only: it may be the cached one.
        """
        vector = self._vectors.get(text)
        if vector is None:
            vector = np.array(self._embedder.encode([text])[0], dtype=np.float32)
            vector.setflags(write=False)
            self._vectors.put(text, vector)
        return vector

    def search(self, text: str, k: int, *, vector: np.ndarray | None = None) -> tuple[ScoredPassage, ...]:
        """Return the k best passages; the score is the dense cosine similarity (0..1, clipped)."""
        if not self.passages or k <= 0:
            return ()
        query_vector = self.embed(text) if vector is None else vector
        dense_scores, dense_rows = self._index.search(query_vector[None, :], len(self.passages))
        cosine = np.zeros(len(self.passages), dtype=np.float32)
        cosine[dense_rows[0]] = dense_scores[0]
        # Rank on cosines rounded to DENSE_GRID, ties by passage order: two encoders of the same model (ONNX and
        # torch) differ by ~1e-5, and must not reorder passages that are that close.
        grid = np.round(cosine / DENSE_GRID).astype(np.int64)
        dense_order = np.lexsort((np.arange(len(grid)), -grid))
        fused: dict[int, float] = {}
        for rank, row in enumerate(dense_order[:CANDIDATES]):
            fused[int(row)] = fused.get(int(row), 0.0) + 1.0 / (RRF_K + rank)
        for rank, row in enumerate(self._lexical_rows(text)):
            fused[row] = fused.get(row, 0.0) + 1.0 / (RRF_K + rank)
        best = sorted(fused, key=lambda row: (-fused[row], -grid[row], row))[:k]
        return tuple(
            ScoredPassage(self.passages[row], float(max(0.0, min(1.0, cosine[row])))) for row in best
        )

    def _lexical_rows(self, text: str) -> Sequence[int]:
        tokens = [t for t in lexical_tokens(text) if t in self._vocab]
        if not tokens:
            return []
        # scores for every passage, then the best CANDIDATES: bm25s's `retrieve` does the same through a progress
        # bar and a batch loop that cost more than the scoring for one short question
        scores = self._bm25.get_scores(tokens)
        order = np.argsort(-scores, kind="stable")[:CANDIDATES]
        return [int(r) for r in order if scores[r] > 0]
