"""Coverage gaps: the questions Cablewise handled badly, grouped by meaning, largest group first.

A question is a gap when the question log shows it refused (out of domain) or answered with a confidence below a
threshold, or when someone clicked "Not helpful" on its answer. Questions are embedded with the service's own
encoder and grouped greedily around the most connected question (the community detection of
sentence-transformers' `util.community_detection`): a question joins a group when its cosine similarity to the
group's first question is at least `similarity`. It needs numpy only, so `cablewise report gaps` and the server's
`/admin/gaps` page (which has no scikit-learn) compute the same groups.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import numpy as np
import sqlalchemy as sa

from service.storage.database import Database
from service.storage.tables import feedback
from service.storage.tables import question_log

REFUSED = "refused"
LOW_CONFIDENCE = "low_confidence"
NOT_HELPFUL = "not_helpful"
REFUSED_INTENT = "out_of_domain"

Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class GapOptions:
    """What counts as a gap and how close two questions must be to share a group."""

    days: int = 30  # look this far back
    below: float = 0.5  # confidence under this is low
    similarity: float = 0.7  # cosine similarity to a group's example
    limit: int = 1000  # newest gap questions considered, from each source
    shown: int = 5  # other wordings listed per group

    def __post_init__(self) -> None:
        if not 1 <= self.days <= 3650:
            raise ValueError("days must be between 1 and 3650")
        if not 0.0 <= self.below <= 1.0:
            raise ValueError("below must be between 0 and 1")
        if not 0.0 < self.similarity <= 1.0:
            raise ValueError("similarity must be above 0 and at most 1")
        if not 1 <= self.limit <= 5000:
            raise ValueError("limit must be between 1 and 5000")


@dataclass(frozen=True)
class GapQuestion:
    """One badly handled question."""

    question: str
    reason: str  # REFUSED, LOW_CONFIDENCE or NOT_HELPFUL
    at: datetime


@dataclass(frozen=True)
class GapGroup:
    """Questions that mean about the same thing."""

    example: str  # the group's most connected question
    count: int
    reasons: dict[str, int]
    wordings: tuple[str, ...]  # a few other distinct questions of the group
    last_seen: datetime

    def as_json(self) -> dict:
        return {
            "example": self.example,
            "count": self.count,
            "reasons": self.reasons,
            "wordings": list(self.wordings),
            "last_seen": self.last_seen.isoformat(timespec="seconds"),
        }


@dataclass(frozen=True)
class GapReport:
    """The groups, largest first, and what they were drawn from."""

    options: GapOptions
    since: datetime
    questions: int
    groups: list[GapGroup] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "since": self.since.isoformat(timespec="seconds"),
            "questions": self.questions,
            "options": {
                "days": self.options.days,
                "below": self.options.below,
                "similarity": self.options.similarity,
                "limit": self.options.limit,
            },
            "groups": [group.as_json() for group in self.groups],
        }


def collect(database: Database, options: GapOptions, *, now: datetime | None = None) -> list[GapQuestion]:
    """The gap questions of the last `options.days` days, newest first, at most `options.limit` per source."""
    since = (now or datetime.now(UTC)) - timedelta(days=options.days)
    log_rows = (
        sa.select(question_log.c.question, question_log.c.intent, question_log.c.asked_at)
        .where(question_log.c.asked_at >= since)
        .where((question_log.c.intent == REFUSED_INTENT) | (question_log.c.confidence < options.below))
        .order_by(question_log.c.asked_at.desc(), question_log.c.id.desc())
        .limit(options.limit)
    )
    votes = (
        sa.select(feedback.c.question, feedback.c.created_at)
        .where(feedback.c.created_at >= since)
        .where(feedback.c.helpful.is_(False))
        .order_by(feedback.c.created_at.desc(), feedback.c.id.desc())
        .limit(options.limit)
    )
    found: list[GapQuestion] = []
    with database.begin() as conn:
        for question, intent, at in conn.execute(log_rows):
            reason = REFUSED if intent == REFUSED_INTENT else LOW_CONFIDENCE
            found.append(GapQuestion(question, reason, _utc(at)))
        for question, at in conn.execute(votes):
            if question.strip():
                found.append(GapQuestion(question, NOT_HELPFUL, _utc(at)))
    found.sort(key=lambda q: q.at, reverse=True)
    return found


def group_by_meaning(vectors: np.ndarray, weights: Sequence[int], similarity: float) -> list[list[int]]:
    """Group rows of unit `vectors` (one per distinct question, `weights` its repeats); each group lists its
    rows, the most connected first; groups come largest (by weight) first, ties in row order.

    The row with the most weight within `similarity` leads a group of every row still free within `similarity`
    of it; then the next, until none is left.
    """
    n = len(vectors)
    if n == 0:
        return []
    weight = np.asarray(weights, dtype=np.int64)
    close = (vectors @ vectors.T) >= similarity - 1e-6
    np.fill_diagonal(close, True)
    reach = close.astype(np.int64) @ weight
    free = np.ones(n, dtype=bool)
    groups: list[list[int]] = []
    for leader in np.argsort(-reach, kind="stable"):
        if not free[leader]:
            continue
        members = [int(leader)] + [int(j) for j in np.flatnonzero(close[leader] & free) if j != leader]
        free[members] = False
        groups.append(members)
    groups.sort(key=lambda rows: -int(weight[rows].sum()))  # stable: equal weights keep the leaders' order
    return groups


def report(
    database: Database, embed: Embed, options: GapOptions, *, now: datetime | None = None
) -> GapReport:
    """Collect the gap questions and group them by meaning."""
    now = now or datetime.now(UTC)
    questions = collect(database, options, now=now)
    distinct: dict[str, list[GapQuestion]] = {}
    for q in questions:
        distinct.setdefault(" ".join(q.question.split()).lower(), []).append(q)
    keys = list(distinct)
    groups: list[GapGroup] = []
    if keys:
        texts = [distinct[k][0].question for k in keys]
        vectors = np.asarray(embed(texts), dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        for rows in group_by_meaning(vectors, [len(distinct[k]) for k in keys], options.similarity):
            members = [q for row in rows for q in distinct[keys[row]]]
            groups.append(
                GapGroup(
                    example=texts[rows[0]],
                    count=len(members),
                    reasons=dict(Counter(q.reason for q in members).most_common()),
                    wordings=tuple(texts[row] for row in rows[1 : 1 + options.shown]),
                    last_seen=max(q.at for q in members),
                )
            )
    return GapReport(options, now - timedelta(days=options.days), len(questions), groups)


def format_report(result: GapReport, *, top: int = 20) -> str:
    """The report as plain text for the terminal."""
    o = result.options
    lines = [
        f"coverage gaps since {result.since:%Y-%m-%d %H:%M} UTC: {result.questions} questions "
        f"(refused, confidence < {o.below:g}, or voted not helpful) in {len(result.groups)} groups "
        f"(similarity >= {o.similarity:g})"
    ]
    if not result.groups:
        lines.append("nothing to report: no refused, low-confidence or not-helpful questions in that window")
    for n, group in enumerate(result.groups[:top], 1):
        why = ", ".join(f"{reason.replace('_', ' ')} {count}" for reason, count in group.reasons.items())
        lines.append(f"{n:>3}. {group.count:>4} x  {group.example}")
        lines.append(f"          {why}; last {group.last_seen:%Y-%m-%d}")
        lines.extend(f"          ~ {wording}" for wording in group.wordings)
    if len(result.groups) > top:
        lines.append(f"... and {len(result.groups) - top} smaller groups (--top to show more)")
    return "\n".join(lines)


def _utc(value: datetime) -> datetime:
    # SQLite gives back naive datetimes; every stored time is UTC.
    return value if value.tzinfo else value.replace(tzinfo=UTC)
