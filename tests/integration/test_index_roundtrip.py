"""Build and load the index on a small temporary knowledge base with the HashEmbedder."""

from __future__ import annotations

import json
import shutil

import faiss
import numpy as np
import pytest

from index import store
from index.build import build_index
from index.build import is_stale
from index.chunking import ArticleError
from index.chunking import read_article
from index.embedder import HashEmbedder
from service.errors import IndexUnavailable
from service.retrieval import HybridRetriever

ARTICLE = """---
id: {id}
title: {title}
tags: [test]
sources: [R110]
---
Intro paragraph about {title}.

## First section
Balanced links need a balanced output, cable and input. TRS and XLR carry both legs.

## Second section
S/PDIF on RCA is unbalanced 75 ohm digital audio; TOSLINK is optical.
"""


@pytest.fixture()
def tiny_kb(tmp_path):
    kb = tmp_path / "kb"
    (kb / "articles").mkdir(parents=True)
    for ident, title in (("alpha", "Alpha topic"), ("beta", "Beta topic")):
        (kb / "articles" / f"{ident}.md").write_text(ARTICLE.format(id=ident, title=title))
    return kb


def test_build_then_load_gives_the_same_passages_and_scores(tiny_kb, tmp_path):
    out = tmp_path / "index"
    embedder = HashEmbedder(32)
    manifest = build_index(tiny_kb, out, embedder)
    assert manifest.count == 6 and manifest.dim == 32 and manifest.model_name == "hash-32"
    loaded = store.load(out, model_name="hash-32", dim=32)
    assert [p.id for p in loaded.passages][:3] == [
        "alpha#overview",
        "alpha#first-section",
        "alpha#second-section",
    ]
    query = embedder.encode(["balanced output cable input"])
    scores, rows = loaded.search(query, 3)
    # Brute force over the same vectors must agree with FAISS.
    vectors = embedder.encode([p.search_text() for p in loaded.passages])
    brute = vectors @ query[0]
    assert list(rows[0]) == list(np.argsort(-brute)[:3])
    assert np.allclose(scores[0], np.sort(brute)[::-1][:3], atol=1e-5)


def test_lexical_search_keeps_exact_terms(tiny_kb, tmp_path):
    out = tmp_path / "index"
    build_index(tiny_kb, out, HashEmbedder(32))
    retriever = HybridRetriever.load(out, HashEmbedder(32))
    top = retriever.search("S/PDIF", 2)
    assert top[0].passage.heading == "Second section"


def test_loader_refuses_an_index_built_for_another_model(tiny_kb, tmp_path):
    out = tmp_path / "index"
    build_index(tiny_kb, out, HashEmbedder(32))
    with pytest.raises(IndexUnavailable, match="built with hash-32 .* but the service uses hash-64"):
        HybridRetriever.load(out, HashEmbedder(64))


def test_missing_or_damaged_index_is_named(tmp_path, tiny_kb):
    with pytest.raises(IndexUnavailable, match="no index at .*cablewise index build"):
        HybridRetriever.load(tmp_path / "none", HashEmbedder(32))
    out = tmp_path / "index"
    build_index(tiny_kb, out, HashEmbedder(32))
    (out / "passages.jsonl").write_text("")
    with pytest.raises(IndexUnavailable, match="inconsistent"):
        HybridRetriever.load(out, HashEmbedder(32))


def test_a_crashed_build_leaves_the_old_index_whole(tiny_kb, tmp_path, monkeypatch):
    out = tmp_path / "index"
    build_index(tiny_kb, out, HashEmbedder(32))
    before = (out / "manifest.json").read_text()

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(faiss, "write_index", crash)
    (tiny_kb / "articles" / "alpha.md").write_text(ARTICLE.format(id="alpha", title="Changed"))
    with pytest.raises(OSError, match="disk full"):
        build_index(tiny_kb, out, HashEmbedder(32))
    assert (out / "manifest.json").read_text() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".index-")], "staging folder cleaned up"


def test_staleness_follows_the_knowledge_base(tiny_kb, tmp_path):
    out = tmp_path / "index"
    assert is_stale(tiny_kb, out, "hash-32")[0]
    build_index(tiny_kb, out, HashEmbedder(32))
    assert is_stale(tiny_kb, out, "hash-32") == (False, "index is up to date")
    assert is_stale(tiny_kb, out, "other-model")[0]
    (tiny_kb / "articles" / "beta.md").write_text(ARTICLE.format(id="beta", title="Edited"))
    assert is_stale(tiny_kb, out, "hash-32") == (True, "kb/ changed since the index was built")


def test_manifest_is_self_describing(tiny_kb, tmp_path):
    out = tmp_path / "index"
    build_index(tiny_kb, out, HashEmbedder(32))
    manifest = json.loads((out / "manifest.json").read_text())
    assert {
        "format_version",
        "model_name",
        "dim",
        "kb_sha256",
        "count",
        "built_at",
        "metric",
        "normalized",
    } <= set(manifest)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter\n## A\ntext", "missing front matter"),
        ("---\nid: other\ntitle: T\ntags: [a]\nsources: [R110]\n---\n## A\ntext", "must equal the file name"),
        ("---\nid: bad\ntitle: T\ntags: [a]\n---\n## A\ntext", "needs 'sources'"),
        ("---\nid: bad\ntitle: T\ntags: [a]\nsources: [R110]\n---\n## A\nx\n## A\ny", "share the heading"),
    ],
)
def test_bad_articles_name_the_file_and_reason(tmp_path, text, message):
    path = tmp_path / "bad.md"
    path.write_text(text)
    with pytest.raises(ArticleError, match=message):
        read_article(path)


def test_real_articles_all_parse(ontology):
    from index.chunking import read_articles
    from tests.conftest import KB_DIR

    articles = read_articles(KB_DIR / "articles")
    assert len(articles) >= 16
    assert all(tag in ontology.sources for a in articles for tag in a.sources)
    shutil.disk_usage(KB_DIR)  # the folder exists and is readable
