"""The typed data that crosses the core's arrows: question -> reading -> judgement -> answer.

Enum values equal the labels of the HTTP contract and of the evaluation set, so no adapter has to translate.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from enum import StrEnum
from typing import Any


class Intent(StrEnum):
    """What the question asks for."""

    BALANCED_CHECK = "balanced_check"
    COMPATIBILITY = "compatibility"
    CABLE_RECOMMENDATION = "cable_recommendation"
    CHAIN = "chain"
    HAZARD = "hazard"
    CONCEPT = "concept"
    TROUBLESHOOTING = "troubleshooting"
    OUT_OF_DOMAIN = "out_of_domain"


class Compatibility(StrEnum):
    """Whether a connection works, worst first when sorted by `rank`."""

    WORKS = "works"
    WORKS_WITH_CAVEAT = "works_with_caveat"
    DOES_NOT_WORK = "does_not_work"
    UNSAFE = "unsafe"

    @property
    def rank(self) -> int:
        """Higher is worse; the worst finding of a link decides its verdict."""
        return list(Compatibility).index(self)


class Basis(StrEnum):
    """Where the answer's verdict comes from."""

    RULES = "rules"
    GUIDE = "guide"
    RULES_GUIDE = "rules+guide"
    NONE = "none"


class Severity(StrEnum):
    """How bad a hazard is: danger can hurt people or gear, caution costs sound quality or a fuse."""

    DANGER = "danger"
    WARNING = "warning"
    CAUTION = "caution"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Entity:
    """Something the question names: a cable end, a device, a port, a signal format or a term."""

    id: str
    text: str
    kind: str = "end"


@dataclass(frozen=True, slots=True)
class Warning:
    """A hazard that applies to what was asked."""

    hazard: str
    severity: Severity
    text: str


@dataclass(frozen=True, slots=True)
class Fact:
    """An ontology rule or fact a verdict rests on, with its source tags."""

    id: str
    text: str
    sources: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Wire:
    """One contact of the cable's sending end joined to one of its receiving end."""

    from_contact: str
    to_contact: str


@dataclass(frozen=True, slots=True)
class Cable:
    """A cable named from its sending (output) end to its receiving (input) end."""

    from_end: str
    to_end: str
    wiring: tuple[Wire, ...] = ()

    @property
    def name(self) -> str:
        """The contract's "FROM to TO" name."""
        return f"{self.from_end} to {self.to_end}"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The rule-proven verdict; `balanced` is None when it depends (the conditions say on what)."""

    balanced: bool | None = None
    compatibility: Compatibility | None = None
    conditions: tuple[str, ...] = ()
    warnings: tuple[Warning, ...] = ()


@dataclass(frozen=True, slots=True)
class Citation:
    """A retrieved guide passage shown as a source."""

    id: str
    title: str
    snippet: str
    score: float
    url: str


@dataclass(frozen=True, slots=True)
class PlanPart:
    """One thing to buy or plug in when a cable alone won't join the gear: a cable, adapter or in-between device."""

    name: str
    quantity: int
    reason: str


@dataclass(frozen=True, slots=True)
class Answer:
    """Everything a client shows for one question."""

    question: str
    intent: Intent
    text: str
    basis: Basis
    verdict: Verdict | None = None
    cable: Cable | None = None
    entities: tuple[Entity, ...] = ()
    facts: tuple[Fact, ...] = ()
    sources: tuple[Citation, ...] = ()
    confidence: float = 0.0
    context: dict[str, Any] = field(default_factory=dict)
    plan: tuple[
        PlanPart, ...
    ] = ()  # what to use instead when the stated link cannot work (the planner's best)
    plan_summary: str = ""
