"""The answering pipeline, top to bottom: read the question, apply the rules, retrieve, compose."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from typing import Protocol

from index.types import ScoredPassage
from service.core.compose import compose_answer
from service.core.normalize import read_question
from service.core.ontology import Ontology
from service.core.rules import judge
from service.types import Answer


class Retriever(Protocol):
    """Finds guide passages for a query; the FAISS+BM25 one lives in service/retrieval.py."""

    def search(self, text: str, k: int) -> tuple[ScoredPassage, ...]:
        """Return up to k passages, best first."""
        ...


class Engine:
    """Answers questions from an ontology and a retriever. Holds no conversation state."""

    def __init__(self, ontology: Ontology, retriever: Retriever, *, top_k: int = 4) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        self.ontology = ontology
        self.retriever = retriever
        self.top_k = top_k

    def answer(self, question: str, context: Mapping[str, Any] | None = None) -> Answer:
        """Answer one question; `context` is the previous answer's context, for follow-ups."""
        reading = read_question(question, self.ontology, context)
        judgement = judge(reading, self.ontology)
        passages = () if reading.refusal else self.retriever.search(reading.search_query, self.top_k)
        return compose_answer(reading, judgement, passages, self.ontology)
