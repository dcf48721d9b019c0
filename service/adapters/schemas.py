"""Pydantic models of the HTTP contract (../shared/api/contract.md); the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import field_validator

MAX_QUESTION_CHARS = 1000
# One character that is not white space as str.isspace() defines it, in syntax ECMA and Python regexes share.
NOT_ONLY_SPACE = r"[^\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]"


class AskRequest(BaseModel):
    """POST /api/v1/ask body."""

    model_config = ConfigDict(extra="ignore")

    question: str = Field(
        description="1 to 1000 characters after trimming white space.",
        # A character that str.strip() keeps: white space alone trims to nothing. Spelled out because JSON Schema's
        # \S (ECMA) and Python's disagree on a few characters (U+001C-U+001F, U+0085, U+FEFF).
        json_schema_extra={"minLength": 1, "maxLength": MAX_QUESTION_CHARS, "pattern": NOT_ONLY_SPACE},
    )
    context: dict[str, Any] | None = Field(
        None, description="The previous answer's context, sent back unchanged."
    )
    channel: Literal["api", "widget", "slack"] | None = Field(None, description="For statistics only.")

    @field_validator("question", mode="before")
    @classmethod
    def _strict_string(cls, value: Any) -> Any:
        # pydantic would coerce nothing else into str, but say plainly what is wrong.
        if not isinstance(value, str):
            raise ValueError("must be a string")
        return value

    @field_validator("question")
    @classmethod
    def _trimmed_length(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= MAX_QUESTION_CHARS:
            raise ValueError(f"must be 1 to {MAX_QUESTION_CHARS} characters")
        return value


class WarningOut(BaseModel):
    """A hazard that applies."""

    hazard: str
    severity: Literal["danger", "warning", "caution", "info"]
    text: str


class VerdictOut(BaseModel):
    """The rule-proven verdict."""

    balanced: bool | None
    compatibility: Literal["works", "works_with_caveat", "does_not_work", "unsafe"] | None
    conditions: list[str]
    warnings: list[WarningOut]


class WireOut(BaseModel):
    """One contact joined to another."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class CableOut(BaseModel):
    """A cable named from its sending end to its receiving end."""

    model_config = ConfigDict(populate_by_name=True)

    name: str
    from_: str = Field(alias="from")
    to: str
    wiring: list[WireOut]


class EntityOut(BaseModel):
    """Something the question was understood to name."""

    id: str
    text: str


class FactOut(BaseModel):
    """An ontology rule the verdict rests on."""

    id: str
    text: str
    sources: list[str]


class SourceOut(BaseModel):
    """A retrieved guide passage."""

    id: str
    title: str
    snippet: str
    score: float
    url: str


class PlanPartOut(BaseModel):
    """One part of a plan: a cable, an adapter or an in-between device, how many, and why."""

    name: str
    quantity: int = Field(ge=1)
    reason: str


class PlanOut(BaseModel):
    """The best safe way to connect what the question names, when one cable cannot."""

    summary: str
    parts: list[PlanPartOut]


class AskResponse(BaseModel):
    """POST /api/v1/ask 200 answer."""

    question: str
    intent: Literal[
        "balanced_check",
        "compatibility",
        "cable_recommendation",
        "chain",
        "hazard",
        "concept",
        "troubleshooting",
        "out_of_domain",
    ]
    answer: str
    basis: Literal["rules", "guide", "rules+guide", "none"]
    verdict: VerdictOut | None
    cable: CableOut | None
    entities: list[EntityOut]
    facts: list[FactOut]
    sources: list[SourceOut]
    confidence: float = Field(ge=0, le=1)
    context: dict[str, Any] = Field(
        description="Opaque and signed: send it back unchanged with the next question of the conversation."
    )
    note: str | None = Field(
        None,
        description="Set when the request's context was not used (altered, from before a knowledge-base "
        "change, or unreadable): the question was answered as a new one.",
    )
    wiring_url: str | None = Field(
        None,
        description="The wiring picture of `cable` (SVG): /wiring/<from>--<to>.svg on this service (absolute when "
        "CABLEWISE_PUBLIC_URL is set); null without a cable.",
    )
    wiring_alt: str | None = Field(None, description="The picture's text alternative (its alt text).")
    products: list[ProductOut] = Field(
        default_factory=list,
        description="The shop's products that fit the cable (same ends, kind, long enough), in stock first; "
        "empty when no feed is set or nothing fits.",
    )
    plan: PlanOut | None = Field(
        None,
        description="When a cable alone cannot join the gear the question names: the best safe way to connect "
        "it (what POST /api/v1/plan would put first); null otherwise.",
    )
    answer_id: str = Field(
        description="A short stable id of this answer; send it with a vote to POST /api/v1/feedback."
    )


class ProductOut(BaseModel):
    """A product of the shop's feed (CABLEWISE_CATALOG) that fits the answer's cable."""

    model_config = ConfigDict(populate_by_name=True)

    id: str = Field(description="The feed's product id.")
    title: str
    link: str = Field(description="The product page, an http(s) URL.")
    price: str = Field(description="Decimal amount as text, e.g. '12.90'.")
    currency: str = Field(description="ISO 4217 code, e.g. 'USD'.")
    availability: Literal["in_stock", "preorder", "backorder", "out_of_stock"]
    kind: str = Field(
        description="What the cable is built as (kb/shop.yaml): speaker, balanced, unbalanced, data."
    )
    from_: str = Field(alias="from", description="One end, as the answer's cable names ends.")
    to: str = Field(description="The other end.")
    length_m: float | None = Field(
        None, description="Length in metres; null for adapters and unstated lengths."
    )


class ProblemDetail(BaseModel):
    """RFC 9457 problem body used for every error."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
    request_id: str | None = Field(None, description="The request's id, also in the X-Request-ID header.")


class IndexInfo(BaseModel):
    """The index a ready worker answers from; `version` changes when a new index is hot-reloaded."""

    version: str = Field(description="The index version (its folder name, from its manifest).")
    built_at: str = Field(description="When `cablewise index build` made it (ISO 8601, UTC).")
    model: str = Field(description="The embedding model it was built with.")
    kb_sha256: str = Field(description="The hash of the kb/ files it was built from.")


class Health(BaseModel):
    """GET /healthz and /readyz body."""

    status: str
    detail: str | None = None
    index: IndexInfo | None = Field(None, description="/readyz only: the index being served.")
