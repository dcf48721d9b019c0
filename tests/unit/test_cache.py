"""The answer and query-vector caches: bounded, keyed by question and context, invisible in the answers."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from index.embedder import HashEmbedder
from service.core.cache import LRUCache
from service.core.pipeline import Engine
from service.core.pipeline import context_key
from service.retrieval import HybridRetriever


class CountingEmbedder(HashEmbedder):
    """A HashEmbedder that counts the texts it encodes."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def encode(self, texts, *, progress=False):
        self.calls += len(texts)
        return super().encode(texts, progress=progress)


@pytest.fixture()
def counting(hash_index_dir):
    embedder = CountingEmbedder()
    return embedder, HybridRetriever.load(hash_index_dir, embedder, embed_cache_size=8)


def test_lru_keeps_the_most_recently_used():
    cache: LRUCache[int] = LRUCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recent
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)
    assert (cache.hits, cache.misses) == (3, 1)


def test_lru_of_size_zero_stores_nothing_and_negative_is_refused():
    cache: LRUCache[int] = LRUCache(0)
    cache.put("a", 1)
    assert cache.get("a") is None and len(cache) == 0
    with pytest.raises(ValueError):
        LRUCache(-1)


def test_lru_is_safe_across_threads():
    cache: LRUCache[int] = LRUCache(50)

    def work(offset: int) -> None:
        for i in range(500):
            cache.put((offset, i % 70), i)
            cache.get((offset, (i * 7) % 70))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(cache) == 50


def test_context_key_is_canonical_and_skips_what_is_not_json():
    assert context_key(None) == "" and context_key({}) == ""
    assert context_key({"b": 1, "a": [1, 2]}) == context_key({"a": [1, 2], "b": 1})
    assert context_key({"a": object()}) is None
    assert context_key({"a": float("nan")}) is None


def test_repeated_question_is_answered_from_the_cache_with_the_same_answer(ontology, counting, reader):
    embedder, retriever = counting
    engine = Engine(ontology, retriever, reader, top_k=4, answer_cache_size=4)
    plain = Engine(ontology, retriever, reader, top_k=4)
    question = "what is the difference between balanced and unbalanced cables?"
    first = engine.answer(question)
    calls = embedder.calls
    second = engine.answer(question)
    assert second == first == plain.answer(question)
    assert embedder.calls == calls  # the second answer ran no retrieval at all
    assert engine.answers.hits == 1


def test_cached_answer_context_belongs_to_the_caller(ontology, counting, reader):
    _, retriever = counting
    engine = Engine(ontology, retriever, reader, top_k=4, answer_cache_size=4)
    question = "is TRS to TS balanced?"
    first = engine.answer(question)
    first.context["question"] = "changed by a client"
    first.context.clear()
    again = engine.answer(question)
    assert again.context and again.context.get("question") == question


def test_context_is_part_of_the_key(ontology, counting, reader):
    _, retriever = counting
    engine = Engine(ontology, retriever, reader, top_k=4, answer_cache_size=8)
    plain = Engine(ontology, retriever, reader, top_k=4)
    earlier = plain.answer("XLR to TRS cable for studio monitors?")
    follow_up = "and what about RCA?"
    alone = engine.answer(follow_up)
    with_context = engine.answer(follow_up, earlier.context)
    assert alone == plain.answer(follow_up)
    assert with_context == plain.answer(follow_up, earlier.context)
    assert engine.answer(follow_up, dict(reversed(list(earlier.context.items())))) == with_context
    assert engine.answers.hits == 1


def test_answer_cache_is_bounded_and_off_by_default(ontology, counting, reader):
    _, retriever = counting
    engine = Engine(ontology, retriever, reader, top_k=4, answer_cache_size=3)
    for i in range(10):
        engine.answer(f"is a {i} metre XLR cable balanced?")
    assert len(engine.answers) == 3
    default = Engine(ontology, retriever, reader, top_k=4)
    default.answer("is TRS to TS balanced?")
    assert len(default.answers) == 0


def test_uncacheable_context_still_answers(ontology, counting, reader):
    _, retriever = counting
    engine = Engine(ontology, retriever, reader, top_k=4, answer_cache_size=3)
    odd = {"question": "is XLR balanced?", "weird": object()}
    assert engine.answer("and TRS?", odd) == Engine(ontology, retriever, reader, top_k=4).answer(
        "and TRS?", odd
    )
    assert len(engine.answers) == 0


def test_query_vectors_are_cached_read_only_and_bounded(counting):
    embedder, retriever = counting
    first = retriever.embed("balanced xlr")
    second = retriever.embed("balanced xlr")
    assert second is first and embedder.calls == 1
    assert not first.flags.writeable
    np.testing.assert_array_equal(first, embedder.encode(["balanced xlr"])[0])
    for i in range(20):
        retriever.embed(f"query {i}")
    assert len(retriever._vectors) == 8
    assert retriever.search("balanced xlr", 4) == retriever.search("balanced xlr", 4)
