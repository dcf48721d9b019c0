"""The on-disk index: vectors.faiss + passages.jsonl (+ extra files) + manifest.json with a sha256 of each,
written as a new version and switched to atomically, read back checked."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import time
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
FILES_KEY = "files"  # manifest.json: {file name: sha256} of every other file of the version
STAGING_PREFIX = "tmp-"
STAGING_MAX_AGE_S = 6 * 3600  # a staging folder this old is abandoned even if its pid was reused
KEEP_VERSIONS = 2  # the current version and the one before (a reader may still be opening it)
LOAD_ATTEMPTS = 3  # a load whose version is pruned under it (builds in quick succession) starts again

log = logging.getLogger("cablewise.index")
_MANIFEST_FIELDS = {f.name for f in dataclasses.fields(Manifest)}


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


def save(
    out_dir: Path,
    vectors: np.ndarray,
    passages: list[Passage],
    manifest: Manifest,
    *,
    extra_files: dict[str, bytes] | None = None,
    keep_versions: int = KEEP_VERSIONS,
) -> Path:
    """Write a new version of the index and switch `out_dir` to it in one atomic step; return the version folder.

    `extra_files` (name -> bytes) are written beside the vectors, such as the question reader's trained models.
    Every file of the version is listed with its sha256 in the manifest (written last), and `load` checks them.

    Layout: `out_dir` is a symlink to `.<name>.versions/<version>` beside it. The version is written under a
    `tmp-` name, renamed, and the symlink is replaced by rename(2), so a reader sees the old index or the new
    one, never none or half of one. The previous version is kept (a reader may still be opening it); older ones,
    and staging folders left by crashed builds, are removed. An `out_dir` that is still a plain folder (the
    layout before versions) is moved into the versions folder once.
    """
    if len(vectors) != len(passages):
        raise ValueError(f"{len(vectors)} vectors for {len(passages)} passages")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(vectors) and not np.isfinite(vectors).all():
        raise ValueError("refusing to save an index with NaN or infinite vectors")
    out_dir = Path(out_dir)
    versions = versions_dir(out_dir)
    versions.mkdir(parents=True, exist_ok=True)
    clean_staging(out_dir)
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    suffix = f"{os.getpid()}-{secrets.token_hex(3)}"
    staging = versions / f"{STAGING_PREFIX}{suffix}"
    staging.mkdir()
    try:
        index = faiss.IndexFlatIP(manifest.dim)
        if len(vectors):
            index.add(vectors)
        faiss.write_index(index, str(staging / VECTORS))
        with open(staging / PASSAGES, "w", encoding="utf-8") as fh:
            for passage in passages:
                fh.write(json.dumps(dataclasses.asdict(passage), ensure_ascii=False) + "\n")
        for name, data in (extra_files or {}).items():
            if Path(name).name != name or name.startswith(".") or name in (VECTORS, PASSAGES, MANIFEST):
                raise ValueError(f"extra index file name not allowed: {name!r}")
            (staging / name).write_bytes(data)
        # The manifest goes last: a folder with a manifest is a complete folder. It lists every other file, and
        # names the version (the folder's name), which /readyz and the metrics report and hot reload logs.
        final = versions / f"{stamp}-{suffix}"
        files = {path.name: file_sha256(path) for path in sorted(staging.iterdir()) if path.name != MANIFEST}
        body = {**dataclasses.asdict(dataclasses.replace(manifest, version=final.name)), FILES_KEY: files}
        (staging / MANIFEST).write_text(json.dumps(body, indent=2), encoding="utf-8")
        _fsync_tree(staging)
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _switch(out_dir, final)
    _prune(out_dir, keep=max(1, keep_versions))
    return final


def versions_dir(out_dir: Path) -> Path:
    """The folder beside `out_dir` that holds its versions."""
    out_dir = Path(out_dir)
    return out_dir.parent / f".{out_dir.name}.versions"


def current_version(index_dir: Path) -> Path:
    """The real folder `index_dir` points at now; read every file of one load from it (a switch may follow)."""
    return Path(os.path.realpath(index_dir))


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def clean_staging(out_dir: Path, *, max_age_s: float = STAGING_MAX_AGE_S) -> list[Path]:
    """Remove staging folders and link files that crashed builds left behind; return what was removed.

    One is removed when the process that made it is gone, or when it is older than `max_age_s`; a build
    running right now in another process keeps its own.
    """
    out_dir = Path(out_dir)
    removed = []
    candidates = []
    versions = versions_dir(out_dir)
    if versions.is_dir():
        candidates += [p for p in versions.iterdir() if p.name.startswith(STAGING_PREFIX)]
    if out_dir.parent.is_dir():
        candidates += [
            p
            for p in out_dir.parent.iterdir()
            if p.name.startswith((f".{out_dir.name}-", f".{out_dir.name}.link-"))
        ]
    now = time.time()
    for path in candidates:
        pid = _pid_in(path.name)
        try:
            age = now - path.lstat().st_mtime
        except FileNotFoundError:
            continue
        if pid == os.getpid() and age < max_age_s:
            continue
        if pid is not None and _alive(pid) and age < max_age_s:
            continue
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _switch(out_dir: Path, version: Path) -> None:
    """Point `out_dir` at `version` with one rename of a symlink over it."""
    link = out_dir.parent / f".{out_dir.name}.link-{os.getpid()}-{secrets.token_hex(3)}"
    link.symlink_to(os.path.relpath(version, out_dir.parent))
    try:
        if out_dir.exists() and not out_dir.is_symlink():
            # The layout before versions: a plain folder. Move it aside into the versions folder, once.
            legacy = versions_dir(out_dir) / f"legacy-{time.strftime('%Y%m%dT%H%M%S', time.gmtime())}"
            os.rename(out_dir, legacy)
        os.replace(link, out_dir)
    except BaseException:
        link.unlink(missing_ok=True)
        raise
    _fsync_dir(out_dir.parent)


def _prune(out_dir: Path, *, keep: int) -> None:
    """Keep the current version and the `keep - 1` newest others; remove the rest."""
    versions = versions_dir(out_dir)
    current = current_version(out_dir)
    done = sorted(
        (p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(STAGING_PREFIX)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    kept = 1
    for path in done:
        if path.resolve() == current:
            continue
        if kept < keep:
            kept += 1
            continue
        shutil.rmtree(path, ignore_errors=True)


def _pid_in(name: str) -> int | None:
    match = re.search(r"(?:tmp-|link-|-)(\d+)-[0-9a-f]{6}$", name)
    return int(match.group(1)) if match else None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_tree(folder: Path) -> None:
    for path in folder.iterdir():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def read_manifest(index_dir: Path) -> Manifest | None:
    """Return the manifest of a built index, or None when there is none (or it is unreadable)."""
    data = _read_manifest_json(Path(index_dir))
    if data is None:
        return None
    try:
        return Manifest(**{k: v for k, v in data.items() if k in _MANIFEST_FIELDS})
    except (ValueError, TypeError):
        return None


def read_file_hashes(index_dir: Path) -> dict[str, str] | None:
    """The manifest's {file name: sha256}, or None for an index built before files were listed."""
    data = _read_manifest_json(Path(index_dir))
    files = data.get(FILES_KEY) if data else None
    return dict(files) if isinstance(files, dict) else None


def verify_files(index_dir: Path) -> None:
    """Check every file of the index folder against the manifest's sha256 list.

    :raises IndexError_: a listed file is missing or differs, or a file is there that the manifest does not list.
    """
    index_dir = Path(index_dir)
    fix = "rebuild it with `cablewise index build` (or `make index`)"
    files = read_file_hashes(index_dir)
    if files is None:
        log.warning(
            "index at %s lists no file checksums (built by an older version); rebuild to check them",
            index_dir,
        )
        return
    present = {p.name for p in index_dir.iterdir() if p.name != MANIFEST}
    missing = sorted(set(files) - present)
    if missing:
        raise IndexError_(f"index at {index_dir} is incomplete: {', '.join(missing)} missing; {fix}")
    unlisted = sorted(present - set(files))
    if unlisted:
        raise IndexError_(
            f"index at {index_dir} holds files the manifest does not list ({', '.join(unlisted)}); {fix}"
        )
    changed = sorted(name for name, digest in files.items() if file_sha256(index_dir / name) != digest)
    if changed:
        raise IndexError_(
            f"index at {index_dir} was modified after it was built: the sha256 of {', '.join(changed)} does not "
            f"match the manifest; {fix}"
        )


def load(index_dir: Path, *, model_name: str, dim: int) -> LoadedIndex:
    """Load an index and check it was built with this model and format, and that no file changed since.

    Every file is read from the version `index_dir` points at when the load starts, so a switch during the
    load cannot mix two versions.

    :raises IndexError_: naming what is wrong and the command that fixes it.
    """
    shown = Path(index_dir)
    for _ in range(LOAD_ATTEMPTS - 1):
        version = current_version(shown)
        try:
            return _load_version(shown, version, model_name=model_name, dim=dim)
        except (IndexError_, OSError):
            if current_version(shown) == version:
                raise
            # a newer version was switched in and this one pruned (or being pruned) while it was read: read
            # the new one
    return _load_version(shown, current_version(shown), model_name=model_name, dim=dim)


def _load_version(shown: Path, index_dir: Path, *, model_name: str, dim: int) -> LoadedIndex:
    """Load one version folder; `shown` is the path messages name."""
    fix = "run `cablewise index build` (or `make index`)"
    manifest = read_manifest(index_dir)
    if manifest is None:
        raise IndexError_(f"no index at {shown} (manifest.json missing or unreadable); {fix}")
    if manifest.format_version != FORMAT_VERSION:
        raise IndexError_(
            f"index at {shown} has format {manifest.format_version}, this version reads {FORMAT_VERSION}; {fix}"
        )
    if manifest.model_name != model_name or manifest.dim != dim:
        raise IndexError_(
            f"index at {shown} was built with {manifest.model_name} (dim {manifest.dim}) but the service "
            f"uses {model_name} (dim {dim}); {fix}"
        )
    try:
        faiss_index = faiss.read_index(str(index_dir / VECTORS))
        with open(index_dir / PASSAGES, encoding="utf-8") as fh:
            passages = tuple(
                Passage(**{**row, "sources": tuple(row.get("sources", ()))}) for row in map(json.loads, fh)
            )
    except (OSError, RuntimeError, ValueError, TypeError) as exc:
        raise IndexError_(f"index at {shown} is damaged ({exc}); {fix}") from exc
    if faiss_index.ntotal != len(passages) or len(passages) != manifest.count:
        raise IndexError_(
            f"index at {shown} is inconsistent: {faiss_index.ntotal} vectors, {len(passages)} passages, "
            f"manifest says {manifest.count}; {fix}"
        )
    if faiss_index.d != manifest.dim:
        raise IndexError_(
            f"index at {shown} is inconsistent: vectors of dim {faiss_index.d}, manifest says {manifest.dim}; {fix}"
        )
    try:
        verify_files(index_dir)
    except IndexError_ as exc:
        raise IndexError_(str(exc).replace(f"index at {index_dir}", f"index at {shown}")) from None
    _check_vectors(faiss_index, manifest, shown, fix)
    return LoadedIndex(faiss_index, passages, manifest)


def _check_vectors(faiss_index: faiss.Index, manifest: Manifest, shown: Path, fix: str) -> None:
    """Refuse NaN or infinite vectors, and vectors that are not unit length in a normalized index."""
    if not faiss_index.ntotal:
        return
    vectors = faiss_index.reconstruct_n(0, faiss_index.ntotal)
    if not np.isfinite(vectors).all():
        raise IndexError_(f"index at {shown} holds NaN or infinite vectors; {fix}")
    if manifest.normalized:
        norms = np.linalg.norm(vectors, axis=1)
        bad = int(np.count_nonzero((np.abs(norms - 1) > 1e-3) & (norms > 1e-6)))
        if bad:
            raise IndexError_(f"index at {shown} holds {bad} vectors that are not unit length; {fix}")


def _read_manifest_json(index_dir: Path) -> dict | None:
    try:
        data = json.loads((index_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
