"""Grade answers against a question file in the ../shared/eval format; pure functions over Answers."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

from service.types import Answer
from service.types import Intent

STRUCTURED_KINDS = {"balanced_check", "compatibility", "cable_recommendation", "out_of_domain", "hazard"}
BALANCE_LABEL = {"balanced": True, "unbalanced": False, "depends": None}
BANDS = ((0.8, 1.01), (0.6, 0.8), (0.4, 0.6), (0.0, 0.4))


@dataclass(frozen=True)
class EvalQuestion:
    """One line of an evaluation file."""

    id: str
    question: str
    kind: str
    expected: str | None
    must_mention: tuple[str, ...]


@dataclass(frozen=True)
class Grade:
    """How one answer fared."""

    question: EvalQuestion
    answer: Answer
    structured_ok: bool | None  # None when the kind has no structured check
    missing_terms: tuple[str, ...]
    refused: bool

    @property
    def passed(self) -> bool:
        """Structured check (where there is one) and every must-mention term."""
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
    """Per-kind scores and the misses."""

    grades: list[Grade] = field(default_factory=list)

    def by_kind(self) -> dict[str, dict[str, float]]:
        """kind -> {n, structured, mentions, passed} as fractions."""
        table: dict[str, dict[str, float]] = {}
        groups: dict[str, list[Grade]] = defaultdict(list)
        for g in self.grades:
            groups[g.question.kind].append(g)
        for kind, grades in sorted(groups.items()):
            structured = [g.structured_ok for g in grades if g.structured_ok is not None]
            mentions = [not g.missing_terms for g in grades if g.question.kind != "out_of_domain"]
            table[kind] = {
                "n": len(grades),
                "structured": sum(structured) / len(structured) if structured else float("nan"),
                "mentions": sum(mentions) / len(mentions) if mentions else float("nan"),
                "passed": sum(g.passed for g in grades) / len(grades),
            }
        return table

    def totals(self) -> dict[str, float]:
        """Overall structured accuracy, must-mention coverage, pass rate and refusal counts."""
        structured = [g.structured_ok for g in self.grades if g.structured_ok is not None]
        mentions = [not g.missing_terms for g in self.grades if g.question.kind != "out_of_domain"]
        ood = [g for g in self.grades if g.question.kind == "out_of_domain"]
        in_domain = [g for g in self.grades if g.question.kind != "out_of_domain"]
        return {
            "questions": len(self.grades),
            "structured": sum(structured) / len(structured) if structured else 0.0,
            "mentions": sum(mentions) / len(mentions) if mentions else 0.0,
            "passed": sum(g.passed for g in self.grades) / len(self.grades) if self.grades else 0.0,
            "ood_refused": sum(g.refused for g in ood),
            "ood_total": len(ood),
            "in_domain_refused": sum(g.refused for g in in_domain),
        }

    def bands(self) -> list[tuple[str, int, float]]:
        """Confidence band -> (count, share passed): does confidence mean something?"""
        out = []
        for low, high in BANDS:
            inside = [g for g in self.grades if low <= g.answer.confidence < high]
            share = sum(g.passed for g in inside) / len(inside) if inside else float("nan")
            out.append((f"{low:.1f}-{min(high, 1.0):.1f}", len(inside), share))
        return out


def load_questions(path: Path) -> list[EvalQuestion]:
    """Read a JSON Lines question file; a bad line fails with its number."""
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            questions.append(
                EvalQuestion(
                    row["id"], row["question"], row["kind"], row.get("expected"), tuple(row["must_mention"])
                )
            )
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: not a question line ({exc})") from exc
    return questions


def grade(question: EvalQuestion, answer: Answer) -> Grade:
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
        structured = (
            answer.cable is not None and answer.cable.name.lower() == (question.expected or "").lower()
        )
    elif question.kind == "out_of_domain":
        structured = refused
    elif question.kind == "hazard":
        structured = v is not None and len(v.warnings) > 0
    text = answer.text.lower()
    missing = (
        ()
        if question.kind == "out_of_domain"
        else tuple(t for t in question.must_mention if t.lower() not in text)
    )
    return Grade(question, answer, structured, missing, refused)


def run(questions: Iterable[EvalQuestion], ask: Callable[[str], Answer]) -> Report:
    """Ask every question on its own (follow-ups too, as the grading rules say) and grade it."""
    report = Report()
    for q in questions:
        report.grades.append(grade(q, ask(q.question)))
    return report


def format_report(report: Report, *, show_misses: bool = True) -> str:
    """A plain-text table per kind, the totals, the confidence bands and the misses."""
    lines = [f"{'kind':<22}{'n':>4}{'structured':>12}{'mentions':>10}{'passed':>9}"]
    for kind, row in report.by_kind().items():
        lines.append(
            f"{kind:<22}{row['n']:>4.0f}{_pct(row['structured']):>12}{_pct(row['mentions']):>10}{_pct(row['passed']):>9}"
        )
    t = report.totals()
    lines += [
        "",
        f"structured checks right: {_pct(t['structured'])}   must-mention coverage: {_pct(t['mentions'])}   "
        f"questions passed: {_pct(t['passed'])}",
        f"out-of-domain refused: {t['ood_refused']}/{t['ood_total']}   in-domain refused: {t['in_domain_refused']}",
        "",
        "confidence band   answers   passed",
    ]
    lines += [f"{band:<18}{n:>7}   {_pct(share)}" for band, n, share in report.bands()]
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


def _pct(value: float) -> str:
    return "-" if value != value else f"{value * 100:.1f}%"
