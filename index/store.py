"""The on-disk index: vectors.faiss + passages.jsonl + manifest.json, written atomically, read back checked."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from index.types import FORMAT_VERSION
from index.types import Manifest
from index.types import Passage

VECTORS = "vectors.faiss"
PASSAGES = "passages.jsonl"
MANIFEST = "manifest.json"


class IndexError_(RuntimeError):
    """The index folder is missing, incomplete, or does not match what the loader expects."""


@dataclass(frozen=True)
class LoadedIndex:
    """A FAISS inner-product index with the passages its rows stand for."""

    faiss_index: faiss.Index
    passages: tuple[Passage, ...]
    manifest: Manifest

    def search(self, query_vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return (scores, rows) of the k nearest passages for each query vector."""
        k = min(k, self.faiss_index.ntotal)
        return self.faiss_index.search(np.ascontiguousarray(query_vectors, dtype=np.float32), k)


def save(out_dir: Path, vectors: np.ndarray, passages: list[Passage], manifest: Manifest) -> None:
    """Write the index to a temporary sibling folder, then swap it in, so a crash never leaves half an index."""
    if len(vectors) != len(passages):
        raise ValueError(f"{len(vectors)} vectors for {len(passages)} passages")
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        index = faiss.IndexFlatIP(manifest.dim)
        if len(vectors):
            index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(index, str(staging / VECTORS))
        with open(staging / PASSAGES, "w", encoding="utf-8") as fh:
            for passage in passages:
                fh.write(json.dumps(dataclasses.asdict(passage), ensure_ascii=False) + "\n")
        # The manifest goes last: a folder with a manifest is a complete folder.
        (staging / MANIFEST).write_text(json.dumps(dataclasses.asdict(manifest), indent=2), encoding="utf-8")
        old = None
        if out_dir.exists():
            old = out_dir.with_name(f".{out_dir.name}-old-{os.getpid()}")
            os.replace(out_dir, old)
        os.replace(staging, out_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def read_manifest(index_dir: Path) -> Manifest | None:
    """Return the manifest of a built index, or None when there is none (or it is unreadable)."""
    path = Path(index_dir) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Manifest(**data)
    except (OSError, ValueError, TypeError):
        return None


def load(index_dir: Path, *, model_name: str, dim: int) -> LoadedIndex:
    """Load an index and check it was built with this model and format.

    :raises IndexError_: naming what is wrong and the command that fixes it.
    """
    index_dir = Path(index_dir)
    fix = "run `cablewise index build` (or `make index`)"
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexError_(f"no index at {index_dir} (manifest.json missing or unreadable); {fix}")
    if manifest.format_version != FORMAT_VERSION:
        raise IndexError_(
            f"index at {index_dir} has format {manifest.format_version}, this version reads {FORMAT_VERSION}; {fix}"
        )
    if manifest.model_name != model_name or manifest.dim != dim:
        raise IndexError_(
            f"index at {index_dir} was built with {manifest.model_name} (dim {manifest.dim}) but the service "
            f"uses {model_name} (dim {dim}); {fix}"
        )
    try:
        faiss_index = faiss.read_index(str(index_dir / VECTORS))
        with open(index_dir / PASSAGES, encoding="utf-8") as fh:
            passages = tuple(
                Passage(**{**row, "sources": tuple(row.get("sources", ()))}) for row in map(json.loads, fh)
            )
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        raise IndexError_(f"index at {index_dir} is damaged ({exc}); {fix}") from exc
    if faiss_index.ntotal != len(passages) or len(passages) != manifest.count:
        raise IndexError_(
            f"index at {index_dir} is inconsistent: {faiss_index.ntotal} vectors, {len(passages)} passages, "
            f"manifest says {manifest.count}; {fix}"
        )
    return LoadedIndex(faiss_index, passages, manifest)
