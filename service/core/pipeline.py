"""The answering pipeline, top to bottom: read the question, apply the rules, retrieve, compose."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from typing import Any
from typing import Protocol

import numpy as np

from index.types import ScoredPassage
from service.core.cache import LRUCache
from service.core.classifier import FaqMatch
from service.core.classifier import ReaderModels
from service.core.compose import compose_answer
from service.core.glossary import translate
from service.core.intent import Understanding
from service.core.normalize import read_question
from service.core.ontology import Ontology
from service.core.planner import plan_for_reading
from service.core.query import with_gear_classes
from service.core.rules import judge
from service.core.rules import with_hazard_by_meaning
from service.types import Answer
from service.types import Intent

# Long posts whose curated entry is matched sentence by sentence as well (see Engine._nearest_sentence_match): the
# intents whose answer is a cause or a meaning rather than a link the rules judge.
SENTENCE_MATCHED_INTENTS = (Intent.TROUBLESHOOTING, Intent.CONCEPT)
SENTENCE_BREAK = re.compile(r"(?<=[.?!;])\s+")
MIN_SENTENCE_WORDS = 5  # shorter ones ("Any ideas?", "New lead.") say too little to match an entry by
MAX_SENTENCES_MATCHED = 8  # each costs one encode


class Retriever(Protocol):
    """Finds guide passages for a query; the FAISS+BM25 one lives in service/retrieval.py."""

    def embed(self, text: str) -> np.ndarray:
        """The query's unit sentence vector (the classifier and the FAQ matcher read it too)."""
        ...

    def search(self, text: str, k: int, *, vector: np.ndarray | None = None) -> tuple[ScoredPassage, ...]:
        """Return up to k passages, best first."""
        ...


def context_key(context: Mapping[str, Any] | None) -> str | None:
    """The context as canonical JSON (sorted keys), '' for none; None when it is not JSON (then not cached)."""
    if not context:
        return ""
    try:
        return json.dumps(context, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        return None


class Engine:
    """Answers questions from an ontology and a retriever. Holds no conversation state.

    With answer_cache_size > 0 it keeps that many answers, keyed by the exact question and the canonical JSON of
    the context: the pipeline is a pure function of the two (ontology and index are fixed for an Engine), so a
    repeated question gets the same Answer without running it again. The question is not case- or
    space-folded because the Answer echoes it.
    """

    def __init__(
        self,
        ontology: Ontology,
        retriever: Retriever,
        reader: ReaderModels,
        *,
        top_k: int = 4,
        answer_cache_size: int = 0,
    ) -> None:
        if top_k < 1:
            raise ValueError(f"top_k must be at least 1, got {top_k}")
        self.ontology = ontology
        self.retriever = retriever
        self.reader = reader
        self.top_k = top_k
        self.answers: LRUCache[Answer] = LRUCache(answer_cache_size)

    def answer(
        self,
        question: str,
        context: Mapping[str, Any] | None = None,
        *,
        signals_out: dict[str, float] | None = None,
    ) -> Answer:
        """Answer one question; `context` is the previous answer's context, for follow-ups.

        `signals_out` receives what the confidence was computed from (for `cablewise calibrate`; never cached).
        """
        key = None
        if self.answers.maxsize and signals_out is None:
            ctx = context_key(context)
            key = None if ctx is None else (question, ctx)
            cached = self.answers.get(key) if key is not None else None
            if cached is not None:
                return _detached(cached)
        # read in English: gear words of other languages are translated first (kb/glossary.yaml)
        text = translate(question.strip(), self.ontology.glossary)
        vector = self.retriever.embed(text)

        understanding = Understanding(*self.reader.classify(text, vector))
        understanding = self._in_its_conversation(understanding, text, context)
        reading = read_question(text, self.ontology, context, understanding)
        judgement = judge(reading, self.ontology)
        faq = None if reading.refusal else self.reader.faq.match(vector)
        if faq is not None and not faq.accepted and reading.intent in SENTENCE_MATCHED_INTENTS:
            faq = self._nearest_sentence_match(text, faq, reading.intent)
        hazard = None
        passages = ()
        if not reading.refusal:
            # a follow-up is searched together with the question before it: "is it ok while the amp is on?" is
            # about the speaker terminals that question named, for the hazards as for the guide
            query = with_gear_classes(reading, self.ontology)
            query_vector = vector if reading.search_query == text else self.retriever.embed(query)
            hazard = self.reader.hazards.match(query_vector)
            passages = self.retriever.search(query, self.top_k, vector=query_vector)
        judgement = with_hazard_by_meaning(judgement, reading, hazard, self.ontology, faq)
        plan = plan_for_reading(reading, judgement, self.ontology)
        answer = compose_answer(reading, judgement, passages, self.ontology, faq, signals_out, plan=plan)
        if answer.question != question:
            answer = dataclasses.replace(answer, question=question)  # the answer echoes what was asked
        if key is not None:
            self.answers.put(key, answer)
            return _detached(answer)
        return answer

    def _in_its_conversation(
        self, understanding: Understanding, text: str, context: Mapping[str, Any] | None
    ) -> Understanding:
        """A follow-up after an answer in the domain is judged for the domain together with the question before
        it: "which box leads the clock?" is about the clocks that question named, which the follow-up
        alone does not say. Not one whose nearest examples are another subject's ("unrelated, but how much
        compression on the vocal?"): that one changed the subject."""
        asked_before = (
            context.get("question") if isinstance(context, Mapping) and context.get("intent") else None
        )
        if not isinstance(asked_before, str) or not asked_before.strip() or understanding.nearer_out:
            return understanding
        joined = f"{asked_before} {text}"
        p_out_joined = self.reader.classify(joined, self.retriever.embed(joined))[0]
        if p_out_joined >= understanding.p_out_of_domain:
            return understanding
        return dataclasses.replace(understanding, p_out_of_domain=p_out_joined)

    def _nearest_sentence_match(self, text: str, whole: FaqMatch, intent: Intent) -> FaqMatch:
        """In a long post the symptom is one sentence among the set-up ("... the expander's eight channels tick now
        and then. Both boxes run at 48 kHz ..."), and the whole post's vector is far from every curated
        question: the entry nearest one of its sentences, when nearer than the whole post, is the closer match.
        It is never accepted on a sentence alone; compose uses it only as a close entry of the question's intent,
        so only entries of that intent are looked for (the set-up sentence "all 8 ADAT channels show up" is
        nearest an entry explaining channel counts, not the clicks the post asks about)."""
        sentences = [s for s in SENTENCE_BREAK.split(text) if len(s.split()) >= MIN_SENTENCE_WORDS]
        if len(sentences) < 2:
            return whole
        best = whole
        for sentence in sentences[:MAX_SENTENCES_MATCHED]:
            found = self.reader.faq.match(self.retriever.embed(sentence))
            if (
                found is not None
                and found.score > best.score
                and self.ontology.faq[found.entry_id].intent == intent.value
            ):
                best = found
        return best if best is whole else dataclasses.replace(best, accepted=False)


def _detached(answer: Answer) -> Answer:
    """A copy whose context dict (the only mutable part of an Answer) is the caller's own."""
    return dataclasses.replace(answer, context=_copy_json(answer.context))


def _copy_json(value: Any) -> Any:
    # The context is plain JSON-like data; copying it by hand takes a quarter of copy.deepcopy's time, which
    # matters on the cached path (a repeated question costs about a millisecond end to end).
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_copy_json(item) for item in value)
    return value
