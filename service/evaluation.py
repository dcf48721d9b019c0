"""Grade answers against question files in the ../shared/eval format; pure functions over Answers.

The rules are those of ../shared/eval/README.md: structured fields first, then each must-mention term, found when
at least 60% of its content words appear as whole words in the first 120 words of the answer. Conversations are
asked turn by turn, each later turn with the context of the answer before it, and each turn is graded alone.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from service.types import Answer
from service.types import Intent

STRUCTURED_KINDS = {"balanced_check", "compatibility", "cable_recommendation", "out_of_domain", "hazard"}
BALANCE_LABEL = {"balanced": True, "unbalanced": False, "depends": None}
CONFIDENT = 0.8
WORDS_READ = 120
TERM_SHARE = 0.6
# Grading words, not domain knowledge: the stop words a must-mention term is stripped of before matching.
STOP_WORDS = frozenset(
    "a an the and or of to in on at for with by from is are be it its this that as into vs versus not no".split()
)

Ask = Callable[[str, Mapping[str, Any] | None], Answer]


@dataclass(frozen=True)
class EvalQuestion:
    """One graded question: a single line of an evaluation file, or one turn of a conversation."""

    id: str
    question: str
    kind: str
    expected: str | None
    must_mention: tuple[str, ...]
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Conversation:
    """Turns asked in order, each with the context of the answer before it."""

    id: str
    turns: tuple[EvalQuestion, ...]
    tags: tuple[str, ...] = ()


Item = EvalQuestion | Conversation


@dataclass(frozen=True)
class Grade:
    """How one answer fared."""

    question: EvalQuestion
    answer: Answer
    structured_ok: bool | None  # None when the kind has no structured check
    missing_terms: tuple[str, ...]
    refused: bool
    in_conversation: bool = False

    @property
    def passed(self) -> bool:
        """Structured check (where there is one), not refused when in domain, and every must-mention term."""
        in_domain_ok = self.question.kind == "out_of_domain" or not self.refused
        return self.structured_ok is not False and not self.missing_terms and in_domain_ok

    def got(self) -> str:
        """What the answer said, in the terms of the expected label."""
        a = self.answer
        v = a.verdict
        kind = self.question.kind
        if kind == "balanced_check":
            return {True: "balanced", False: "unbalanced", None: "depends"}[v.balanced if v else None]
        if kind == "compatibility":
            return str(v.compatibility.value if v and v.compatibility else None)
        if kind == "cable_recommendation":
            return a.cable.name if a.cable else "no cable"
        if kind == "hazard":
            return f"{len(v.warnings) if v else 0} warnings"
        return a.intent.value


@dataclass
class Report:
    """Per-kind scores, confidence reliability and the misses."""

    grades: list[Grade] = field(default_factory=list)

    def by_kind(self) -> dict[str, dict[str, float]]:
        """kind -> {n, structured, mentions, passed} as fractions."""
        groups: dict[str, list[Grade]] = defaultdict(list)
        for g in self.grades:
            groups[g.question.kind].append(g)
        return {kind: _scores(grades) for kind, grades in sorted(groups.items())}

    def by_tag(self) -> dict[str, dict[str, float]]:
        """tag -> the same scores, for the tags the files carry (voice, difficulty)."""
        groups: dict[str, list[Grade]] = defaultdict(list)
        for g in self.grades:
            for tag in g.question.tags:
                groups[tag].append(g)
        return {tag: _scores(grades) for tag, grades in sorted(groups.items())}

    def totals(self) -> dict[str, float]:
        """Overall structured accuracy, must-mention coverage, pass rate, refusals and confident-and-right."""
        out = _scores(self.grades)
        ood = [g for g in self.grades if g.question.kind == "out_of_domain"]
        in_domain = [g for g in self.grades if g.question.kind != "out_of_domain"]
        confident = [
            g for g in self.grades if g.structured_ok is not None and g.answer.confidence >= CONFIDENT
        ]
        turns = [g for g in self.grades if g.in_conversation]
        out.update(
            {
                "questions": len(self.grades),
                "ood_refused": sum(g.refused for g in ood),
                "ood_total": len(ood),
                "in_domain_refused": sum(g.refused for g in in_domain),
                "confident": len(confident),
                "confident_right": _share([bool(g.structured_ok) for g in confident]),
                "conversation_turns": len(turns),
                "conversation_turns_passed": _share([g.passed for g in turns]),
            }
        )
        return out

    def reliability(self, bins: int = 10) -> list[dict[str, float]]:
        """Confidence bins: count, mean confidence, share right (structured where the kind has a check,
        else passed). A calibrated service has mean confidence close to the share right in every bin."""
        rows = []
        for i in range(bins):
            low, high = i / bins, (i + 1) / bins
            inside = [
                g
                for g in self.grades
                if low <= g.answer.confidence < high or (i == bins - 1 and g.answer.confidence >= 1)
            ]
            rows.append(
                {
                    "low": low,
                    "high": high,
                    "n": len(inside),
                    "confidence": _mean([g.answer.confidence for g in inside]),
                    "right": _share([_right(g) for g in inside]),
                }
            )
        return rows

    def calibration_error(self) -> float:
        """Expected calibration error over ten bins (0 is perfect)."""
        total = len(self.grades)
        if not total:
            return float("nan")
        return sum(
            row["n"] / total * abs(row["confidence"] - row["right"]) for row in self.reliability() if row["n"]
        )

    def as_json(self) -> dict[str, Any]:
        """Everything the report prints, as JSON-ready data."""
        return {
            "by_kind": self.by_kind(),
            "totals": self.totals(),
            "reliability": self.reliability(),
            "ece": self.calibration_error(),
        }


def load_items(path: Path) -> list[Item]:
    """Read a JSON Lines file of questions and conversations; a bad line fails with its number."""
    items: list[Item] = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            tags = tuple(row.get("tags") or ())
            if row["kind"] == "conversation":
                turns = tuple(
                    _question(f"{row['id']}#{n}", turn, tags) for n, turn in enumerate(row["turns"], 1)
                )
                items.append(Conversation(row["id"], turns, tags))
            else:
                items.append(_question(row["id"], row, tags))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a question line ({exc})") from exc
    return items


def load_questions(path: Path) -> list[EvalQuestion]:
    """The single questions of a file (conversations left out)."""
    return [item for item in load_items(path) if isinstance(item, EvalQuestion)]


def _question(ident: str, row: Mapping[str, Any], tags: tuple[str, ...]) -> EvalQuestion:
    return EvalQuestion(
        ident, row["question"], row["kind"], row.get("expected"), tuple(row.get("must_mention") or ()), tags
    )


def content_words(text: str) -> list[str]:
    """Lower-case whole words without stop words, a trailing 's' ignored."""
    words = re.findall(r"[a-z0-9]+(?:\.[a-z0-9]+)*", text.lower())  # hyphens and slashes split words
    return [_singular(w) for w in words if w not in STOP_WORDS]


def mentions(term: str, answer_text: str) -> bool:
    """A term counts when at least 60% of its content words are among the answer's first 120 words."""
    wanted = content_words(term)
    if not wanted:
        return True
    read = set(content_words(" ".join(answer_text.split()[:WORDS_READ])))
    return sum(w in read for w in wanted) / len(wanted) >= TERM_SHARE


def grade(question: EvalQuestion, answer: Answer, *, in_conversation: bool = False) -> Grade:
    """Grade one answer as ../shared/eval/README.md describes."""
    v = answer.verdict
    refused = answer.intent is Intent.OUT_OF_DOMAIN
    structured: bool | None = None
    if question.kind == "balanced_check":
        structured = (
            v is not None
            and question.expected in BALANCE_LABEL
            and v.balanced == BALANCE_LABEL[question.expected]
        )
    elif question.kind == "compatibility":
        structured = (
            v is not None and v.compatibility is not None and v.compatibility.value == question.expected
        )
    elif question.kind == "cable_recommendation":
        structured = answer.cable is not None and _same_cable(answer.cable.name, question.expected or "")
    elif question.kind == "out_of_domain":
        structured = refused
    elif question.kind == "hazard":
        structured = v is not None and len(v.warnings) > 0
    missing = (
        ()
        if question.kind == "out_of_domain"
        else tuple(t for t in question.must_mention if not mentions(t, answer.text))
    )
    return Grade(question, answer, structured, missing, refused, in_conversation)


def _same_cable(got: str, expected: str) -> bool:
    """Same two ends in the same order; a note in parentheses after the expected name is not graded."""
    expected = re.sub(r"\s*\(.*\)\s*$", "", expected)
    return got.strip().lower() == expected.strip().lower()


def run(items: Iterable[Item], ask: Ask) -> Report:
    """Ask every question (conversations turn by turn, with the previous answer's context) and grade it."""
    report = Report()
    for item in items:
        if isinstance(item, Conversation):
            context: Mapping[str, Any] | None = None
            for turn in item.turns:
                answer = ask(turn.question, context)
                report.grades.append(grade(turn, answer, in_conversation=True))
                context = answer.context
        else:
            report.grades.append(grade(item, ask(item.question, None)))
    return report


def format_report(report: Report, *, show_misses: bool = True) -> str:
    """Plain-text tables: per kind, the totals, the reliability of confidence, and the misses."""
    lines = [f"{'kind':<22}{'n':>4}{'structured':>12}{'mentions':>10}{'passed':>9}"]
    for kind, row in report.by_kind().items():
        lines.append(_row(kind, row))
    t = report.totals()
    lines += [
        "",
        f"structured checks right: {_pct(t['structured'])}   must-mention coverage: {_pct(t['mentions'])}   "
        f"questions passed: {_pct(t['passed'])}",
        f"out-of-domain refused: {t['ood_refused']}/{t['ood_total']}   in-domain refused: {t['in_domain_refused']}",
        f"right when confidence >= {CONFIDENT}: {_pct(t['confident_right'])} of {t['confident']}"
        + (
            f"   conversation turns passed: {_pct(t['conversation_turns_passed'])} of {t['conversation_turns']}"
            if t["conversation_turns"]
            else ""
        ),
        "",
        f"reliability (ECE {report.calibration_error():.3f})",
        "confidence   answers   mean conf   right",
    ]
    lines += [
        f"{row['low']:.1f}-{row['high']:.1f}   {row['n']:>9}   {_num(row['confidence']):>9}   {_pct(row['right']):>6}"
        for row in report.reliability()
        if row["n"]
    ]
    misses = [g for g in report.grades if not g.passed]
    if show_misses and misses:
        lines += ["", "wrong answers:"]
        for g in misses:
            extra = f" missing {list(g.missing_terms)}" if g.missing_terms else ""
            lines.append(
                f"  {g.question.id} [{g.question.kind}] expected {g.question.expected} got {g.got()}{extra}"
                f" (conf {g.answer.confidence:.2f}): {g.question.question[:80]}"
            )
    return "\n".join(lines)


def _scores(grades: list[Grade]) -> dict[str, float]:
    structured = [bool(g.structured_ok) for g in grades if g.structured_ok is not None]
    found = [not g.missing_terms for g in grades if g.question.kind != "out_of_domain"]
    return {
        "n": len(grades),
        "structured": _share(structured),
        "mentions": _share(found),
        "passed": _share([g.passed for g in grades]),
    }


def _right(g: Grade) -> bool:
    return bool(g.structured_ok) if g.structured_ok is not None else g.passed


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _share(values: list[bool]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def _row(name: str, row: Mapping[str, float]) -> str:
    return f"{name:<22}{row['n']:>4.0f}{_pct(row['structured']):>12}{_pct(row['mentions']):>10}{_pct(row['passed']):>9}"


def _pct(value: float) -> str:
    return "-" if value != value else f"{value * 100:.1f}%"


def _num(value: float) -> str:
    return "-" if value != value else f"{value:.2f}"
