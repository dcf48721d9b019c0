"""The trained parts of question reading, applied: domain gate, intent classifier and FAQ matcher.

They are trained by `cablewise index build` (index/reader_training.py) from kb/examples.yaml and kb/faq.yaml and
stored beside the FAISS index as plain arrays, so applying them needs numpy only. The same featurizer is used to
train and to apply, so the two can never drift apart.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

_WORD = re.compile(r"[a-z0-9]+(?:['/.+][a-z0-9]+)*")


def ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams of lower-cased text: the lexical half of the features."""
    words = _WORD.findall(text.lower())
    return words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]


@dataclass(frozen=True)
class Featurizer:
    """Turns (question, sentence vector) into one feature row: [sentence vector | tf-idf of word n-grams].

    Meaning comes from MiniLM and wording from the n-grams. Counts of lexicon hits were tried as a third block
    and lowered held-out intent accuracy (they say what a question is about, not what it asks), so the
    lexicon serves as the domain gate's evidence instead (service/core/intent.py).
    """

    vocabulary: Mapping[str, int]
    idf: np.ndarray
    dense_weight: float = 1.0

    def lexical(self, text: str) -> np.ndarray:
        """The n-gram part of the row, L2-normalised."""
        row = np.zeros(len(self.idf), dtype=np.float32)
        for gram in set(ngrams(text)):
            column = self.vocabulary.get(gram)
            if column is not None:
                row[column] = self.idf[column]
        norm = float(np.linalg.norm(row))
        return row / norm if norm else row

    def known_share(self, text: str) -> float:
        """The share of the text's words the training examples used: near 0 for keyboard mashing and emoji."""
        words = _WORD.findall(text.lower())
        return sum(w in self.vocabulary for w in words) / len(words) if words else 0.0

    def row(self, text: str, vector: np.ndarray) -> np.ndarray:
        """The whole feature row for one question."""
        return np.concatenate([np.asarray(vector, dtype=np.float32) * self.dense_weight, self.lexical(text)])

    @classmethod
    def fit(cls, texts: Iterable[str], *, min_df: int = 2, dense_weight: float = 1.0) -> Featurizer:
        """Learn the n-gram vocabulary and its idf from training texts (smoothed idf, as scikit-learn's)."""
        docs = [set(ngrams(t)) for t in texts]
        df: dict[str, int] = {}
        for doc in docs:
            for gram in doc:
                df[gram] = df.get(gram, 0) + 1
        vocab = sorted(g for g, n in df.items() if n >= min_df)
        n = len(docs)
        idf = np.array([math.log((1 + n) / (1 + df[g])) + 1 for g in vocab], dtype=np.float32)
        return cls({g: i for i, g in enumerate(vocab)}, idf, dense_weight)


@dataclass(frozen=True)
class LinearModel:
    """A multinomial (or binary) logistic regression with a temperature fitted on out-of-fold predictions."""

    classes: tuple[str, ...]
    weights: np.ndarray  # (n_classes, n_features); a binary model stores one row for classes[1]
    bias: np.ndarray
    temperature: float = 1.0

    def probabilities(self, row: np.ndarray) -> dict[str, float]:
        """Calibrated class probabilities for one feature row."""
        logits = (self.weights @ row + self.bias) / self.temperature
        if len(self.classes) == 2 and logits.shape[0] == 1:
            p = 1.0 / (1.0 + math.exp(-float(logits[0])))
            return {self.classes[0]: 1.0 - p, self.classes[1]: p}
        logits = logits - logits.max()
        exp = np.exp(logits)
        probs = exp / exp.sum()
        return {c: float(p) for c, p in zip(self.classes, probs, strict=True)}


@dataclass(frozen=True)
class FaqMatch:
    """The curated entry whose question variants are nearest to the question."""

    entry_id: str
    score: float  # cosine of the best variant
    margin: float  # over the best variant of any other entry but the tied ones
    accepted: bool
    # entries whose best variant is the very question that made `entry_id` win: one FAQ question raises two
    # hazards ("unplug the cab and run the amp into the interface" is a speaker-out and a no-load hazard)
    tied: tuple[str, ...] = ()


def rows_by_entry(entry_ids: tuple[str, ...] | list[str]) -> tuple[tuple[str, ...], list[np.ndarray]]:
    """The entry names in first-seen order, and the rows (variants) of each."""
    names = tuple(dict.fromkeys(entry_ids))
    ids = np.asarray(entry_ids)
    return names, [np.flatnonzero(ids == name) for name in names]


TIE = 1e-6  # scores this close come from one shared question variant, not two near ones


def ranked_with_ties(best: np.ndarray) -> tuple[int, list[int], float]:
    """The best entry, the entries tied with it (their best variant is the same question), and the margin over
    the best entry that is not tied."""
    order = np.argsort(-best, kind="stable")
    top = float(best[order[0]])
    tied = [int(i) for i in order[1:] if top - float(best[i]) <= TIE]
    rest = [float(best[i]) for i in order[1:] if top - float(best[i]) > TIE]
    margin = top - rest[0] if rest else top
    return int(order[0]), tied, margin


@dataclass(frozen=True)
class EntryLayout:
    """Each entry's variant rows padded to one width, so that every entry is scored in one numpy call: the FAQ
    is matched on every request, and a Python loop over its entries cost more than the rest of the match."""

    rows: np.ndarray  # (entries, width) row numbers; padding repeats a real row and is masked out
    valid: np.ndarray  # (entries, width) True where the row is real
    counts: np.ndarray  # (entries,) real rows per entry


def entry_layout(entry_rows: list[np.ndarray]) -> EntryLayout:
    width = max((len(r) for r in entry_rows), default=0) or 1
    rows = np.zeros((len(entry_rows), width), dtype=np.int64)
    valid = np.zeros((len(entry_rows), width), dtype=bool)
    for i, r in enumerate(entry_rows):
        rows[i, : len(r)] = r
        valid[i, : len(r)] = True
    return EntryLayout(rows, valid, valid.sum(axis=1))


def entry_scores(scores: np.ndarray, entry_rows: list[np.ndarray] | EntryLayout, top_k: int) -> np.ndarray:
    """Each entry's score: the mean of its `top_k` best variant cosines. With many variants per entry the single
    best one is often a chance likeness; a few agreeing variants are not. An entry with no variants scores -1."""
    layout = entry_rows if isinstance(entry_rows, EntryLayout) else entry_layout(entry_rows)
    if not len(layout.rows):
        return np.empty(0, dtype=np.float32)
    padded = np.where(layout.valid, np.asarray(scores, dtype=np.float32)[layout.rows], -np.inf)
    k = min(top_k, padded.shape[1])
    top = -np.sort(-padded, axis=1)[:, :k]
    taken = np.minimum(layout.counts, k)
    total = np.where(np.isfinite(top), top, 0.0).sum(axis=1, dtype=np.float32)
    return np.where(taken > 0, total / np.maximum(taken, 1), -1.0).astype(np.float32)


@dataclass(frozen=True)
class FaqIndex:
    """Question variants of kb/faq.yaml as unit vectors; an entry scores by its best variant."""

    entry_ids: tuple[str, ...]  # one per row of `vectors`
    vectors: np.ndarray
    threshold: float
    min_margin: float
    top_k: int = 1  # an entry scores by the mean of its k nearest variants

    def match(self, vector: np.ndarray) -> FaqMatch | None:
        """Best entry by cosine, accepted when above the threshold fitted at build time and clear of the next."""
        if not len(self.entry_ids):
            return None
        scores = self.vectors @ np.asarray(vector, dtype=np.float32)
        names, layout = self._entries
        best = entry_scores(scores, layout, self.top_k)
        winner, tied, margin = ranked_with_ties(best)
        top = float(best[winner])
        return FaqMatch(
            names[winner],
            top,
            margin,
            top >= self.threshold and margin >= self.min_margin,
            tuple(names[i] for i in tied),
        )

    @functools.cached_property
    def _entries(self) -> tuple[tuple[str, ...], EntryLayout]:
        names, rows = rows_by_entry(self.entry_ids)
        return names, entry_layout(rows)


@dataclass(frozen=True)
class NearestExamples:
    """The training examples as unit vectors, each marked in or out of domain: a second domain gate.

    The logistic gate draws one boundary through all subjects at once; a near miss from a subject with few
    examples (a Bluetooth headset, a car stereo) can sit on our side of it while its nearest examples are
    still the out-of-domain ones. The margin is the mean cosine of the k nearest out-of-domain examples minus
    that of the k nearest in-domain ones; `threshold` is fitted at build time by leave-one-out.
    """

    vectors: np.ndarray
    out_of_domain: np.ndarray  # bool, one per row
    k: int
    threshold: float

    def margin(self, vector: np.ndarray) -> float:
        """How much nearer the question is to other subjects' examples than to ours (positive: nearer theirs)."""
        if not len(self.vectors) or self.out_of_domain.all() or not self.out_of_domain.any():
            return -1.0
        vector = np.asarray(vector, dtype=np.float32)
        out, inside = self._split
        return top_mean(out @ vector, self.k) - top_mean(inside @ vector, self.k)

    @functools.cached_property
    def _split(self) -> tuple[np.ndarray, np.ndarray]:
        # the two sides as their own contiguous matrices: selecting them on every request cost more than scoring
        return (
            np.ascontiguousarray(self.vectors[self.out_of_domain]),
            np.ascontiguousarray(self.vectors[~self.out_of_domain]),
        )


def top_mean(scores: np.ndarray, k: int) -> float:
    """Mean of the k best scores."""
    k = min(k, len(scores))
    return float(np.partition(scores, len(scores) - k)[len(scores) - k :].mean())


def nearest_margin(scores: np.ndarray, out_of_domain: np.ndarray, k: int) -> float:
    """Mean of the k best scores among out-of-domain rows minus the same among in-domain rows."""
    return top_mean(scores[out_of_domain], k) - top_mean(scores[~out_of_domain], k)


@dataclass(frozen=True)
class ReaderModels:
    """Everything trained for reading: loaded by the runtime, passed to the Engine."""

    featurizer: Featurizer
    domain: LinearModel  # classes ("in", "out")
    intent: LinearModel  # in-domain intents
    faq: FaqIndex
    hazards: FaqIndex  # hazards by meaning: their titles, texts and the FAQ questions that raise them
    metadata: Mapping[str, object]
    nearest: NearestExamples | None = None

    def classify(self, text: str, vector: np.ndarray) -> tuple[float, dict[str, float], float, bool]:
        """(probability the question is out of domain, in-domain intent probabilities, share of known words,
        whether its nearest training examples are out-of-domain ones)."""
        row = self.featurizer.row(text, vector)
        nearer_out = self.nearest is not None and self.nearest.margin(vector) >= self.nearest.threshold
        return (
            self.domain.probabilities(row)["out"],
            self.intent.probabilities(row),
            self.featurizer.known_share(text),
            nearer_out,
        )
