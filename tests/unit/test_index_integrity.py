"""Index integrity: per-file sha256 in the manifest, checked on load; one atomic switch; staging cleaned."""

from __future__ import annotations

import json
import os
import shutil
import threading

import faiss
import numpy as np
import pytest

from index import store
from index.embedder import HashEmbedder
from index.types import FORMAT_VERSION
from index.types import Manifest
from index.types import Passage
from service.app import create_app
from service.settings import Settings
from tests.conftest import KB_DIR

DIM = 16


def passages(n: int = 5, tag: str = "") -> list[Passage]:
    return [
        Passage(f"a{i}#s", f"a{i}", f"Title {i}", "Section", f"text {i} {tag}", ("R110",)) for i in range(n)
    ]


def save(out, n: int = 5, tag: str = "", **kwargs):
    items = passages(n, tag)
    vectors = HashEmbedder(DIM).encode([p.search_text() for p in items])
    manifest = Manifest(FORMAT_VERSION, f"hash-{DIM}", DIM, "kb-hash", n, "2025-01-01T00:00:00+00:00")
    return store.save(out, vectors, items, manifest, **kwargs)


def load(out):
    return store.load(out, model_name=f"hash-{DIM}", dim=DIM)


def test_manifest_lists_a_sha256_of_every_file_including_extra_ones(tmp_path):
    out = tmp_path / "index"
    save(out, extra_files={"reader.npz": b"weights", "reader.json": b"{}"})
    files = json.loads((out / "manifest.json").read_text())["files"]
    assert set(files) == {"vectors.faiss", "passages.jsonl", "reader.npz", "reader.json"}
    assert files["reader.npz"] == store.file_sha256(out / "reader.npz")
    assert store.read_manifest(out).count == 5  # the extra key does not break the Manifest
    assert len(load(out).passages) == 5


def test_an_edited_passage_is_refused(tmp_path):
    out = tmp_path / "index"
    save(out)
    path = out / "passages.jsonl"
    path.write_text(path.read_text().replace("text 3", "text 9"))  # same count, other words: wrong sources
    with pytest.raises(store.IndexError_, match=r"modified after it was built: the sha256 of passages.jsonl"):
        load(out)


def test_shuffled_vectors_are_refused(tmp_path):
    out = tmp_path / "index"
    save(out)
    index = faiss.read_index(str(out / "vectors.faiss"))
    vectors = index.reconstruct_n(0, index.ntotal)[::-1].copy()
    shuffled = faiss.IndexFlatIP(DIM)
    shuffled.add(vectors)
    faiss.write_index(shuffled, str(out / "vectors.faiss"))
    with pytest.raises(store.IndexError_, match="vectors.faiss does not match"):
        load(out)


def test_nan_vectors_are_refused_even_with_a_matching_checksum(tmp_path):
    out = tmp_path / "index"
    save(out)
    bad = faiss.IndexFlatIP(DIM)
    bad.add(np.full((5, DIM), np.nan, dtype=np.float32))
    faiss.write_index(bad, str(out / "vectors.faiss"))
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["files"]["vectors.faiss"] = store.file_sha256(out / "vectors.faiss")
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(store.IndexError_, match="NaN"):
        load(out)


def test_saving_nan_vectors_is_refused(tmp_path):
    manifest = Manifest(FORMAT_VERSION, "hash-16", DIM, "kb", 1, "now")
    with pytest.raises(ValueError, match="NaN"):
        store.save(tmp_path / "index", np.full((1, DIM), np.nan), passages(1), manifest)


def test_an_unlisted_or_missing_file_is_refused(tmp_path):
    out = tmp_path / "index"
    save(out, extra_files={"reader.npz": b"weights"})
    (out / "dropped-in.bin").write_bytes(b"?")
    with pytest.raises(store.IndexError_, match=r"does not list \(dropped-in.bin\)"):
        load(out)
    (out / "dropped-in.bin").unlink()
    (out / "reader.npz").unlink()
    with pytest.raises(store.IndexError_, match="reader.npz missing"):
        load(out)


def test_an_index_built_before_checksums_still_loads(tmp_path):
    out = tmp_path / "index"
    save(out)
    manifest = json.loads((out / "manifest.json").read_text())
    del manifest["files"]
    (out / "manifest.json").write_text(json.dumps(manifest))
    assert len(load(out).passages) == 5


def test_the_index_folder_is_a_symlink_switched_in_one_step(tmp_path):
    out = tmp_path / "index"
    first = save(out, tag="one")
    assert out.is_symlink() and store.current_version(out) == first.resolve()
    second = save(out, tag="two")
    assert store.current_version(out) == second.resolve()
    assert first.exists(), "the previous version is kept for readers still opening it"
    third = save(out, tag="three")
    assert not first.exists() and second.exists() and third.exists()
    assert "three" in load(out).passages[0].text


def test_readers_never_see_a_missing_index_during_switches(tmp_path):
    out = tmp_path / "index"
    save(out, tag="v0")
    failures: list[str] = []
    stop = threading.Event()

    def read_forever():
        while not stop.is_set():
            try:
                load(out)
            except store.IndexError_ as exc:
                failures.append(str(exc))

    reader = threading.Thread(target=read_forever)
    reader.start()
    try:
        for i in range(15):
            save(out, tag=f"v{i + 1}")
    finally:
        stop.set()
        reader.join()
    assert failures == []


def test_a_plain_folder_from_the_old_layout_is_replaced_once(tmp_path):
    out = tmp_path / "index"
    out.mkdir()
    (out / "manifest.json").write_text("{}")
    save(out)
    assert out.is_symlink()
    assert len(load(out).passages) == 5


def test_staging_left_by_a_crashed_build_is_cleaned(tmp_path):
    out = tmp_path / "index"
    save(out)
    versions = store.versions_dir(out)
    dead = versions / "tmp-999999999-abcdef"  # no such pid
    dead.mkdir()
    (dead / "vectors.faiss").write_bytes(b"half")
    old_layout = tmp_path / ".index-x8q1"  # tempfile staging of the layout before versions
    old_layout.mkdir()
    old_stamp = 0
    os.utime(old_layout, (old_stamp, old_stamp))
    live = versions / f"tmp-{os.getpid()}-fedcba"  # a build running now in this process keeps its folder
    live.mkdir()
    save(out)
    assert not dead.exists() and not old_layout.exists()
    assert live.exists()
    shutil.rmtree(live)


def test_a_failed_build_removes_its_staging_and_keeps_the_old_index(tmp_path, monkeypatch):
    out = tmp_path / "index"
    save(out, tag="old")

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    with pytest.raises(OSError, match="disk full"):
        save(out, tag="new")
    assert "old" in load(out).passages[0].text
    assert not [p for p in store.versions_dir(out).iterdir() if p.name.startswith("tmp-")]


def test_a_stale_index_is_refused_and_503s_name_no_paths(tmp_path, hash_index_dir):
    kb = tmp_path / "kb"
    shutil.copytree(KB_DIR, kb)
    article = next((kb / "articles").glob("*.md"))
    article.write_text(article.read_text() + "\nOne more sentence.\n")
    settings = Settings(_env_file=None, kb_dir=kb, index_dir=hash_index_dir, model="hash")
    client = create_app(settings).test_client()
    ready = client.get("/readyz")
    assert ready.status_code == 503
    detail = ready.get_json()["detail"]
    assert "stale" in detail and "cablewise index build" in detail
    missing = create_app(settings.model_copy(update={"index_dir": tmp_path / "nothing"})).test_client()
    for response in (ready, missing.get("/readyz"), missing.post("/api/v1/ask", json={"question": "xlr?"})):
        text = response.get_data(as_text=True)
        assert response.status_code == 503
        assert str(tmp_path) not in text and str(KB_DIR.parent) not in text
