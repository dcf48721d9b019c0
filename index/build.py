"""Build the retrieval index from the knowledge base: the only orchestration in this package."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import time
from collections.abc import Iterable
from datetime import UTC
from datetime import datetime
from pathlib import Path

from index import store
from index.chunking import article_passages
from index.chunking import read_articles
from index.embedder import Embedder
from index.reader_training import ReaderTrainingData
from index.reader_training import reader_files
from index.reader_training import train_reader
from index.types import FORMAT_VERSION
from index.types import Manifest
from index.types import Passage

log = logging.getLogger("cablewise.index")

KB_SUFFIXES = {".md", ".yaml", ".yml", ".txt"}


def kb_fingerprint(kb_dir: Path) -> str:
    """Hash every knowledge file's path and bytes, so any edit marks the index stale."""
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(kb_dir).rglob("*") if p.is_file() and p.suffix in KB_SUFFIXES):
        digest.update(path.relative_to(kb_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def is_stale(kb_dir: Path, index_dir: Path, model_name: str) -> tuple[bool, str]:
    """Tell whether the index must be rebuilt, and why."""
    manifest = store.read_manifest(index_dir)
    if manifest is None:
        return True, f"no index at {index_dir}"
    if manifest.format_version != FORMAT_VERSION:
        return True, f"index format {manifest.format_version} is old (now {FORMAT_VERSION})"
    if manifest.model_name != model_name:
        return True, f"index was built with {manifest.model_name}, the service uses {model_name}"
    if manifest.kb_sha256 != kb_fingerprint(kb_dir):
        return True, "kb/ changed since the index was built"
    return False, "index is up to date"


def build_index(
    kb_dir: Path,
    out_dir: Path,
    embedder: Embedder,
    *,
    extra_passages: Iterable[Passage] = (),
    reader: ReaderTrainingData | None = None,
    progress: bool = False,
) -> Manifest:
    """Chunk the articles, add the extra (ontology) passages, embed them all, train the question reader on
    `reader` (when given), and save it all atomically."""
    started = time.perf_counter()
    passages = [p for article in read_articles(Path(kb_dir) / "articles") for p in article_passages(article)]
    passages += list(extra_passages)
    ids = [p.id for p in passages]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"duplicate passage ids: {sorted(duplicates)}")
    fingerprint = kb_fingerprint(
        kb_dir
    )  # taken before the slow part, so an edit during the build shows as stale
    vectors = embedder.encode([p.search_text() for p in passages], progress=progress)
    extra_files: dict[str, bytes] = {}
    extra: dict[str, str] = {}
    if reader is not None:
        models, report = train_reader(reader, embedder)
        extra_files = reader_files(models)
        extra = {
            "reader": f"{', '.join(sorted(extra_files))}",
            "reader_examples": str(report.examples),
            "reader_domain_cv_accuracy": f"{report.domain_accuracy:.3f}",
            "reader_intent_cv_accuracy": f"{report.intent_accuracy:.3f}",
            "reader_faq_top1": f"{report.faq_top1:.3f}",
            "reader_faq_threshold": f"{report.faq_threshold:.3f}",
            "reader_nearest_threshold": f"{report.nearest_threshold:.4f}",
            "reader_nearest_ood_recall": f"{report.nearest_ood_recall:.3f}",
        }
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        model_name=embedder.name,
        dim=embedder.dim,
        kb_sha256=fingerprint,
        count=len(passages),
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        extra=extra,
    )
    version = store.save(Path(out_dir), vectors, passages, manifest, extra_files=extra_files)
    manifest = dataclasses.replace(manifest, version=version.name)
    log.info(
        "built index version %s: %d passages in %.1fs -> %s",
        manifest.version,
        len(passages),
        time.perf_counter() - started,
        out_dir,
    )
    return manifest
