"""Hot reload in one process: a new index version is checked, swapped in, reported; a bad one is refused.

The app loads a throwaway copy of the hash-embedded index; new versions are published through the real
`store.save` (tests/integration/index_versions.py), and the reloader's check is run directly and joined.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil

import pytest
from prometheus_client import REGISTRY

from index import store
from index.build import kb_fingerprint
from service import index_reload
from service.app import create_app
from tests.conftest import KB_DIR
from tests.integration.index_versions import publish_copy

QUESTION = {"question": "is TRS to TS balanced?"}


@pytest.fixture()
def live(tmp_path, settings, hash_index_dir):
    """An app loading its own index copy (not injected), with a reloader that checks on every poll."""
    index_dir = tmp_path / "index"
    first = publish_copy(hash_index_dir, index_dir)
    settings = settings.model_copy(update={"index_dir": index_dir, "index_reload_interval": 1e-9})
    app = create_app(settings)
    return app, index_dir, first


def reload(app) -> None:
    """Run the check a request would run, and wait for the background load it starts."""
    thread = index_reload.of(app).poll()
    assert thread is not None, "the reloader did not notice the new version"
    thread.join(timeout=60)
    assert not thread.is_alive()


def index_gauge(version: str) -> float | None:
    return REGISTRY.get_sample_value("cablewise_index_info", _labels_of(version))


def _labels_of(version: str) -> dict[str, str]:
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == "cablewise_index_info" and sample.labels["version"] == version:
                return sample.labels
    return {"version": version, "model": "", "kb_sha256": "", "built_at": ""}


def test_readyz_names_the_index_version(live):
    app, _, first = live
    body = app.test_client().get("/readyz").get_json()
    assert body["status"] == "ready"
    assert body["index"]["version"] == first
    assert body["index"]["model"] == "hash-64"
    assert len(body["index"]["kb_sha256"]) == 64


def test_a_new_version_is_swapped_in_and_answers_come_from_it(live, hash_index_dir):
    app, index_dir, first = live
    client = app.test_client()
    before = client.post("/api/v1/ask", json=QUESTION)
    assert before.headers["X-Index-Version"] == first
    assert before.get_json()["sources"], "the probe question should cite guide passages"
    assert index_gauge(first) == 1

    second = publish_copy(
        index_dir, index_dir, edit=lambda p: dataclasses.replace(p, title=f"{p.title} [revised]")
    )
    reload(app)

    assert client.get("/readyz").get_json()["index"]["version"] == second
    after = client.post("/api/v1/ask", json=QUESTION)  # the same question: not the old index's cached answer
    assert after.headers["X-Index-Version"] == second
    titles = [s["title"] for s in after.get_json()["sources"]]
    assert titles and all("[revised]" in t for t in titles)
    assert index_gauge(second) == 1
    assert index_gauge(first) == 0  # the metric follows the reload


def test_no_check_until_the_interval_passed(tmp_path, settings, hash_index_dir):
    index_dir = tmp_path / "index"
    publish_copy(hash_index_dir, index_dir)
    app = create_app(settings.model_copy(update={"index_dir": index_dir, "index_reload_interval": 3600}))
    reloader = index_reload.of(app)
    assert reloader.poll() is None  # the first check finds nothing new and starts the hour's wait
    publish_copy(index_dir, index_dir)
    assert reloader.poll() is None  # moved, but not looked at again before the interval


def test_a_tampered_version_is_refused_and_the_old_one_kept(live, caplog):
    app, index_dir, first = live
    second = publish_copy(index_dir, index_dir)
    passages = store.current_version(index_dir) / store.PASSAGES
    passages.write_text(
        passages.read_text(encoding="utf-8").replace("balanced", "BALANCED", 1), encoding="utf-8"
    )
    with caplog.at_level(logging.ERROR, logger="cablewise.reload"):
        reload(app)
    assert f"index reload refused version {second}" in caplog.text
    assert "passages.jsonl" in caplog.text and f"still serving {first}" in caplog.text
    client = app.test_client()
    assert client.get("/readyz").get_json()["index"]["version"] == first
    response = client.post("/api/v1/ask", json=QUESTION)
    assert response.status_code == 200 and response.headers["X-Index-Version"] == first
    assert index_reload.of(app).poll() is None  # refused once: not retried until the symlink moves again


def test_an_index_of_another_knowledge_base_is_refused(live, caplog):
    app, index_dir, first = live
    publish_copy(index_dir, index_dir, kb_sha256="0" * 64)
    with caplog.at_level(logging.ERROR, logger="cablewise.reload"):
        reload(app)
    assert "kb/ changed since it was built" in caplog.text
    assert app.test_client().get("/readyz").get_json()["index"]["version"] == first


def test_an_index_of_another_model_is_refused(live, caplog, hash_index_dir):
    app, index_dir, first = live
    src = store.current_version(index_dir)
    manifest = store.read_manifest(src)
    loaded = store.load(src, model_name=manifest.model_name, dim=manifest.dim)
    vectors = loaded.faiss_index.reconstruct_n(0, loaded.faiss_index.ntotal)
    other = dataclasses.replace(manifest, model_name="another-model", version="")
    store.save(index_dir, vectors, list(loaded.passages), other)
    with caplog.at_level(logging.ERROR, logger="cablewise.reload"):
        reload(app)
    assert "was built with another-model" in caplog.text
    assert app.test_client().get("/readyz").get_json()["index"]["version"] == first


def test_a_worker_started_without_an_index_becomes_ready_when_one_is_built(
    tmp_path, settings, hash_index_dir
):
    index_dir = tmp_path / "index"
    app = create_app(settings.model_copy(update={"index_dir": index_dir, "index_reload_interval": 1e-9}))
    client = app.test_client()
    assert client.get("/readyz").status_code == 503
    version = publish_copy(hash_index_dir, index_dir)
    reload(app)
    body = client.get("/readyz").get_json()
    assert body["status"] == "ready" and body["index"]["version"] == version


def test_a_reload_from_a_changed_kb_is_followed_by_the_pages_and_the_contexts(
    tmp_path, settings, hash_index_dir
):
    kb = tmp_path / "kb"
    shutil.copytree(KB_DIR, kb)
    index_dir = tmp_path / "index"
    publish_copy(hash_index_dir, index_dir, kb_sha256=kb_fingerprint(kb))
    app = create_app(
        settings.model_copy(update={"kb_dir": kb, "index_dir": index_dir, "index_reload_interval": 1e-9})
    )
    client = app.test_client()
    context = client.post("/api/v1/ask", json=QUESTION).get_json()["context"]
    assert "Rane Note 151" in client.get("/kb/ontology").get_data(as_text=True)

    sources = kb / "sources.yaml"
    sources.write_text(sources.read_text().replace("Rane Note 151", "Rane Note 151 (revised)"))
    publish_copy(index_dir, index_dir, kb_sha256=kb_fingerprint(kb))  # as `cablewise index build` would
    reload(app)

    assert "Rane Note 151 (revised)" in client.get("/kb/ontology").get_data(as_text=True)
    follow_up = client.post("/api/v1/ask", json={"question": "and with XLR?", "context": context}).get_json()
    assert "knowledge base changed" in follow_up["note"]  # a context from before the change is not trusted
    fresh = client.post("/api/v1/ask", json=QUESTION).get_json()
    again = client.post("/api/v1/ask", json={"question": "and with XLR?", "context": fresh["context"]})
    assert again.get_json().get("note") is None
