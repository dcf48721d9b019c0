"""Train the question reader's models at index build: domain gate, intent classifier, FAQ matcher.

Labelled examples come from kb/examples.yaml and the question variants of kb/faq.yaml. Each question becomes
one feature row (service/core/classifier.py: MiniLM vector, word n-grams, lexicon hits); scikit-learn fits a
logistic regression with balanced class weights, stratified 5-fold cross-validation gives out-of-fold
predictions, a temperature fitted on those calibrates the probabilities, and the thresholds are chosen on them
too. Everything is deterministic for the same kb/ and model.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np

from index.embedder import Embedder
from service.core.classifier import FaqIndex
from service.core.classifier import Featurizer
from service.core.classifier import LinearModel
from service.core.classifier import NearestExamples
from service.core.classifier import ReaderModels
from service.core.classifier import entry_scores
from service.core.classifier import nearest_margin
from service.core.classifier import rows_by_entry

log = logging.getLogger("cablewise.index")

OUT_OF_DOMAIN = "out_of_domain"
READER_ARRAYS = "reader.npz"
READER_META = "reader.json"
FOLDS = 5
REGULARISATION = 2.0  # logistic regression C; 1-16 were compared on held-out questions, 2 was best
SEED = 0
# FAQ answers are curated: accept a match only where leave-one-out matching was at least this precise (0.75 let
# chance likenesses answer once entries had a dozen variants each; 0.9 accepts nothing).
FAQ_PRECISION = 0.85
# An entry scores by the mean of its nearest few variants: with a dozen variants an entry, the single nearest one
# is often a chance likeness (a variant that names the same mixer), and it let wrong entries answer.
FAQ_TOP_K = 3
# The intent classifier learns from a few variants of each FAQ entry, not all: a dozen ways of asking each of 80
# situations would outnumber kb/examples.yaml and tilt every intent towards the situations' own.
FAQ_VARIANTS_FOR_INTENT = 5
# A hazard is matched only for a question the classifier reads as a safety question that the rules found no
# hazard in; naming the nearest hazard there is more use than none, so the bar is lower.
HAZARD_PRECISION = 0.5
# The nearest-examples gate: a question's k nearest training examples decide, and its margin threshold is the
# lowest at which leave-one-out refuses at most this share of in-domain examples.
NEAREST_K = 7
NEAREST_FALSE_REFUSALS = 0.005


@dataclass(frozen=True)
class FaqQuestions:
    """One FAQ entry's id, intent and question variants."""

    id: str
    intent: str
    questions: tuple[str, ...]


@dataclass(frozen=True)
class ReaderTrainingData:
    """What the reader learns from."""

    examples: Mapping[str, Sequence[str]]  # intent -> example questions (out_of_domain included)
    faq: Sequence[FaqQuestions]
    hazards: Sequence[FaqQuestions] = ()  # hazard id -> its title, text and the FAQ questions that raise it
    fingerprint: str = ""


@dataclass
class TrainingReport:
    """Cross-validated scores, written into reader.json and printed by the build."""

    examples: int = 0
    domain_accuracy: float = 0.0
    domain_ood_precision: float = 0.0
    domain_ood_recall: float = 0.0
    intent_accuracy: float = 0.0
    intent_f1: dict[str, float] = field(default_factory=dict)
    faq_top1: float = 0.0
    faq_threshold: float = 0.0
    hazard_top1: float = 0.0
    nearest_threshold: float = 0.0
    nearest_ood_recall: float = 0.0  # leave-one-out, at the threshold
    reliability: list[dict[str, float]] = field(default_factory=list)


def train_reader(data: ReaderTrainingData, embedder: Embedder) -> tuple[ReaderModels, TrainingReport]:
    """Fit the domain gate, the intent classifier and the FAQ matcher, and cross-validate them."""
    from sklearn.model_selection import StratifiedKFold

    texts: list[str] = []
    labels: list[str] = []
    for intent, examples in data.examples.items():
        for text in examples:
            texts.append(text)
            labels.append(intent)
    for entry in data.faq:
        for text in entry.questions[:FAQ_VARIANTS_FOR_INTENT]:
            texts.append(text)
            labels.append(entry.intent)
    if len(set(labels)) < 3 or OUT_OF_DOMAIN not in labels:
        raise ValueError(
            "kb/examples.yaml needs examples of out_of_domain and of at least two in-domain intents"
        )

    vectors = embedder.encode(texts)
    featurizer = Featurizer.fit(texts)
    rows = np.stack([featurizer.row(t, v) for t, v in zip(texts, vectors, strict=True)])
    y_domain = np.array(["out" if label == OUT_OF_DOMAIN else "in" for label in labels])
    in_domain = y_domain == "in"
    y_intent = np.array(labels)[in_domain]

    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED)
    domain, domain_oof = _fit_calibrated(rows, y_domain, folds)
    intent, intent_oof = _fit_calibrated(rows[in_domain], y_intent, folds)

    report = TrainingReport(examples=len(texts))
    predicted_domain = np.array(domain.classes)[domain_oof.argmax(axis=1)]
    report.domain_accuracy = float((predicted_domain == y_domain).mean())
    said_out = predicted_domain == "out"
    report.domain_ood_precision = float((y_domain[said_out] == "out").mean()) if said_out.any() else 0.0
    report.domain_ood_recall = float(said_out[y_domain == "out"].mean())
    predicted_intent = np.array(intent.classes)[intent_oof.argmax(axis=1)]
    report.intent_accuracy = float((predicted_intent == y_intent).mean())
    report.intent_f1 = {c: _f1(y_intent, predicted_intent, c) for c in intent.classes}
    report.reliability = _reliability(intent_oof.max(axis=1), predicted_intent == y_intent)

    known = dict(zip(texts, vectors, strict=True))
    negatives = np.stack([known[t] for t in data.examples.get(OUT_OF_DOMAIN, ())])
    faq_index, report.faq_top1, report.faq_threshold = _match_index(
        data.faq, embedder, known, negatives, FAQ_PRECISION, FAQ_TOP_K
    )
    hazard_index, report.hazard_top1, _ = _match_index(
        data.hazards, embedder, known, negatives, HAZARD_PRECISION
    )
    metadata = {
        "classes": {"domain": list(domain.classes), "intent": list(intent.classes)},
        "vocabulary": sorted(featurizer.vocabulary, key=featurizer.vocabulary.__getitem__),
        "temperature": {"domain": domain.temperature, "intent": intent.temperature},
        "faq": _index_meta(faq_index),
        "hazards": _index_meta(hazard_index),
        "fingerprint": data.fingerprint,
        "report": report.__dict__,
    }
    nearest, report.nearest_threshold, report.nearest_ood_recall = _nearest_examples(
        vectors, y_domain == "out"
    )
    metadata["nearest"] = {"k": nearest.k, "threshold": nearest.threshold}
    models = ReaderModels(featurizer, domain, intent, faq_index, hazard_index, metadata, nearest)
    log.info(
        "reader: %d examples; domain %.1f%%, intent %.1f%% (cross-validated); FAQ top-1 %.1f%%",
        report.examples,
        100 * report.domain_accuracy,
        100 * report.intent_accuracy,
        100 * report.faq_top1,
    )
    return models, report


def _nearest_examples(vectors: np.ndarray, out_of_domain: np.ndarray) -> tuple[NearestExamples, float, float]:
    """Unit vectors of every example, and the margin threshold fitted by leave-one-out: the lowest margin at
    which at most NEAREST_FALSE_REFUSALS of in-domain examples would be refused. Returns the gate, the
    threshold and the out-of-domain recall at it."""
    unit = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -2.0)  # never its own neighbour
    margins = np.array([nearest_margin(row, out_of_domain, NEAREST_K) for row in similarity])
    inside = np.sort(margins[~out_of_domain])
    allowed = int(NEAREST_FALSE_REFUSALS * len(inside))
    # refuse at margin >= threshold: put it just above the (allowed+1)-th highest in-domain margin
    threshold = float(inside[len(inside) - allowed - 1]) + 1e-6 if len(inside) else 1.0
    recall = float((margins[out_of_domain] >= threshold).mean()) if out_of_domain.any() else 0.0
    return NearestExamples(unit, out_of_domain.copy(), NEAREST_K, threshold), threshold, recall


def _index_meta(index: FaqIndex) -> dict[str, object]:
    return {
        "threshold": index.threshold,
        "min_margin": index.min_margin,
        "top_k": index.top_k,
        "ids": list(index.entry_ids),
    }


def _fit_calibrated(rows: np.ndarray, y: np.ndarray, folds) -> tuple[LinearModel, np.ndarray]:
    """Fit on everything; get out-of-fold probabilities; fit a temperature on them (the calibration set is
    never the training set of the predictions it calibrates)."""
    from scipy.optimize import minimize_scalar

    classes = tuple(sorted(set(y)))
    oof_logits = np.zeros((len(y), len(classes)), dtype=np.float64)
    for train, test in folds.split(rows, y):
        model = _logistic(rows[train], y[train])
        oof_logits[test] = _logits(model, rows[test], classes)
    truth = np.array([classes.index(label) for label in y])

    def nll(temperature: float) -> float:
        z = oof_logits / temperature
        z = z - z.max(axis=1, keepdims=True)
        log_probs = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        return float(-log_probs[np.arange(len(y)), truth].mean())

    temperature = float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)
    final = _logistic(rows, y)
    weights = final.coef_.astype(np.float32)
    bias = final.intercept_.astype(np.float32)
    oof = np.exp((oof_logits - oof_logits.max(axis=1, keepdims=True)) / temperature)
    oof /= oof.sum(axis=1, keepdims=True)
    return LinearModel(classes, weights, bias, temperature), oof


def _logistic(rows: np.ndarray, y: np.ndarray):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(
        C=REGULARISATION, class_weight="balanced", max_iter=3000, random_state=SEED
    ).fit(rows, y)


def _logits(model, rows: np.ndarray, classes: tuple[str, ...]) -> np.ndarray:
    """Per-class logits in `classes` order; a binary model's single logit becomes (0, z)."""
    z = model.decision_function(rows)
    if z.ndim == 1:
        return np.stack([np.zeros_like(z), z], axis=1)
    order = [list(model.classes_).index(c) for c in classes]
    return z[:, order]


def _f1(truth: np.ndarray, predicted: np.ndarray, label: str) -> float:
    tp = float(((predicted == label) & (truth == label)).sum())
    fp = float(((predicted == label) & (truth != label)).sum())
    fn = float(((predicted != label) & (truth == label)).sum())
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def _reliability(confidence: np.ndarray, right: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    rows = []
    for i in range(bins):
        low, high = i / bins, (i + 1) / bins
        inside = (confidence >= low) & ((confidence < high) | (i == bins - 1))
        if inside.any():
            rows.append(
                {
                    "low": low,
                    "high": high,
                    "n": int(inside.sum()),
                    "confidence": float(confidence[inside].mean()),
                    "right": float(right[inside].mean()),
                }
            )
    return rows


def faq_threshold_warning(threshold: float) -> str | None:
    """What to tell whoever built the index when no acceptance threshold reached the target precision: FAQ
    answers are then switched off, usually because two entries' questions read alike."""
    if threshold <= 1.0:
        return None
    return (
        "warning: no FAQ acceptance threshold reaches the target precision, so no FAQ answer will be given. "
        "Entries whose questions read alike (a new entry duplicating an old one, or two entries for opposite "
        "directions) are the usual cause: merge them or make their questions say the difference, then rebuild."
    )


def _match_index(
    groups: Sequence[FaqQuestions],
    embedder: Embedder,
    known: Mapping[str, np.ndarray],
    negatives: np.ndarray,
    precision: float,
    top_k: int = 1,
) -> tuple[FaqIndex, float, float]:
    """Embed every variant of every group; pick the acceptance threshold from leave-one-variant-out matches.

    Each variant is matched against all the other variants: the right group is a positive, another group a
    negative. Out-of-domain examples are matched too, as negatives (in-domain examples are not used: some ask
    exactly what a group answers). The threshold is the lowest cosine at which the accepted matches are still
    `precision` right. Used for the FAQ entries and for the hazards.
    """
    ids = [group.id for group in groups for _ in group.questions]
    questions = [q for group in groups for q in group.questions]
    if not questions:
        return FaqIndex((), np.zeros((0, embedder.dim), dtype=np.float32), 1.01, 0.0, top_k), 0.0, 1.01
    missing = [q for q in dict.fromkeys(questions) if q not in known]
    fresh = dict(zip(missing, embedder.encode(missing), strict=True)) if missing else {}
    vectors = np.stack([known[q] if q in known else fresh[q] for q in questions]).astype(np.float32)
    min_margin = 0.02
    scored: list[tuple[float, bool]] = []
    similarity = vectors @ vectors.T
    names, entry_rows = rows_by_entry(ids)
    for i in range(len(questions)):
        # leave this variant out of its own entry
        rows = [r[r != i] for r in entry_rows]
        best = entry_scores(similarity[i], rows, top_k)
        ranked = np.argsort(-best, kind="stable")[:2]
        margin = float(best[ranked[0]] - best[ranked[1]]) if len(ranked) > 1 else 1.0
        if margin >= min_margin:
            scored.append((float(best[ranked[0]]), names[ranked[0]] == ids[i]))
    for row in negatives @ vectors.T:
        scored.append((float(entry_scores(row, entry_rows, top_k).max()), False))
    top1 = sum(right for _, right in scored if right) / len(questions)
    threshold = 1.01
    for candidate in sorted({round(s, 3) for s, _ in scored}):
        accepted = [right for s, right in scored if s >= candidate]
        if accepted and sum(accepted) / len(accepted) >= precision and len(accepted) >= 5:
            threshold = candidate
            break
    return FaqIndex(tuple(ids), vectors, threshold, min_margin, top_k), top1, threshold


def reader_files(models: ReaderModels) -> dict[str, bytes]:
    """The models as two files for the index folder: arrays (npz, no pickles) and metadata (JSON)."""
    buffer = io.BytesIO()
    np.savez(
        buffer,
        idf=models.featurizer.idf,
        domain_weights=models.domain.weights,
        domain_bias=models.domain.bias,
        intent_weights=models.intent.weights,
        intent_bias=models.intent.bias,
        faq_vectors=models.faq.vectors,
        hazard_vectors=models.hazards.vectors,
        **(
            {"nearest_vectors": models.nearest.vectors, "nearest_out": models.nearest.out_of_domain}
            if models.nearest is not None
            else {}
        ),
    )
    meta = dict(models.metadata)
    meta["dense_weight"] = models.featurizer.dense_weight
    return {
        READER_ARRAYS: buffer.getvalue(),
        READER_META: json.dumps(meta, indent=1, sort_keys=True).encode(),
    }


def load_reader(index_dir: Path) -> ReaderModels:
    """Read the models written by reader_files.

    :raises FileNotFoundError: the index was built without them (an older build).
    """
    index_dir = Path(index_dir)
    meta = json.loads((index_dir / READER_META).read_text(encoding="utf-8"))
    with np.load(index_dir / READER_ARRAYS, allow_pickle=False) as arrays:
        vocab = meta["vocabulary"]
        featurizer = Featurizer(
            {g: i for i, g in enumerate(vocab)},
            arrays["idf"],
            float(meta["dense_weight"]),
        )
        domain = LinearModel(
            tuple(meta["classes"]["domain"]),
            arrays["domain_weights"],
            arrays["domain_bias"],
            float(meta["temperature"]["domain"]),
        )
        intent = LinearModel(
            tuple(meta["classes"]["intent"]),
            arrays["intent_weights"],
            arrays["intent_bias"],
            float(meta["temperature"]["intent"]),
        )
        faq = FaqIndex(
            tuple(meta["faq"]["ids"]),
            arrays["faq_vectors"],
            float(meta["faq"]["threshold"]),
            float(meta["faq"]["min_margin"]),
            int(meta["faq"].get("top_k", 1)),
        )
        hazards = FaqIndex(
            tuple(meta["hazards"]["ids"]),
            arrays["hazard_vectors"],
            float(meta["hazards"]["threshold"]),
            float(meta["hazards"]["min_margin"]),
            int(meta["hazards"].get("top_k", 1)),
        )
        nearest = (
            NearestExamples(
                arrays["nearest_vectors"],
                arrays["nearest_out"].astype(bool),
                int(meta["nearest"]["k"]),
                float(meta["nearest"]["threshold"]),
            )
            if "nearest" in meta and "nearest_vectors" in arrays
            else None
        )
    return ReaderModels(featurizer, domain, intent, faq, hazards, meta, nearest)


def fingerprint(*parts: bytes) -> str:
    """sha256 of the training files, recorded so a stale model can be told apart."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
        digest.update(b"\0")
    return digest.hexdigest()
