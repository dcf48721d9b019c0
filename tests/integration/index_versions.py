"""Publish an index as a new version quickly, as `cablewise index build` would, without embedding or training.

A real build with the hash embedder takes about 30 s (it trains the question reader); hot-reload tests need
several versions, so they copy a built one through the real `store.save` (new version folder, symlink switched
by rename), optionally with edited passages or another knowledge hash.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from index import store
from index.types import Passage


def publish_copy(
    source: Path,
    out_dir: Path,
    *,
    edit: Callable[[Passage], Passage] | None = None,
    kb_sha256: str | None = None,
) -> str:
    """Save the index `source` points at as a new version of `out_dir` and switch to it; return its version."""
    src = store.current_version(source)
    manifest = store.read_manifest(src)
    assert manifest is not None, f"no index at {source}"
    loaded = store.load(src, model_name=manifest.model_name, dim=manifest.dim)
    vectors = loaded.faiss_index.reconstruct_n(0, loaded.faiss_index.ntotal)
    passages = [edit(p) if edit else p for p in loaded.passages]
    own = {store.VECTORS, store.PASSAGES, store.MANIFEST}
    extra = {p.name: p.read_bytes() for p in src.iterdir() if p.name not in own}
    manifest = dataclasses.replace(manifest, kb_sha256=kb_sha256 or manifest.kb_sha256, version="")
    return store.save(Path(out_dir), vectors, passages, manifest, extra_files=extra).name
