"""Pydantic models of POST /api/v1/plan (the connection planner); the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Any
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import field_validator

from service.adapters.schemas import CableOut
from service.adapters.schemas import WarningOut
from service.core.gear_words import MAX_ENDPOINT_CHARS


class PlanRequest(BaseModel):
    """POST /api/v1/plan body: two ends in a few words each."""

    model_config = ConfigDict(extra="ignore")

    source: str = Field(
        description='The sending gear or port: a product ("Scarlett 2i2"), a kind of gear ("turntable") or a '
        'port ("a balanced line output").',
        json_schema_extra={"minLength": 1, "maxLength": MAX_ENDPOINT_CHARS},
    )
    destination: str = Field(
        description='The receiving gear or port ("Yamaha HS5", "a mic input").',
        json_schema_extra={"minLength": 1, "maxLength": MAX_ENDPOINT_CHARS},
    )
    phantom: Literal["on", "off", "unknown"] = Field(
        "unknown", description="Whether 48 V is on at mic inputs."
    )
    stereo: bool | None = Field(
        None, description="true: plan a left/right pair; false: one channel; null: decide from the gear."
    )

    @field_validator("source", "destination", mode="before")
    @classmethod
    def _strict_string(cls, value: Any) -> Any:
        if not isinstance(value, str):
            raise ValueError("must be a string")
        return value

    @field_validator("source", "destination")
    @classmethod
    def _trimmed_length(cls, value: str) -> str:
        value = value.strip()
        if not 1 <= len(value) <= MAX_ENDPOINT_CHARS:
            raise ValueError(f"must be 1 to {MAX_ENDPOINT_CHARS} characters")
        return value


class PlanPartOut(BaseModel):
    """Something to buy or plug in."""

    kind: Literal["cable", "adapter", "device"]
    name: str
    quantity: int = Field(
        ge=1, description="One per channel of a stereo pair where a part carries one channel."
    )
    reason: str
    alternatives: list[str] = Field(
        description="Cables that would do as well, for other jacks the gear may have."
    )
    cable: CableOut | None


class PlanLinkOut(BaseModel):
    """One cable link of a plan, as the rules judged it."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from")
    to: str
    cable: str | None = Field(description="null: the gear's own plug goes straight in (headphones).")
    compatibility: Literal["works", "works_with_caveat", "does_not_work", "unsafe"]
    balanced: bool | None
    reasons: list[str]
    rules: list[str]


class PlanOut(BaseModel):
    """One way to connect the two ends."""

    summary: str
    safe: bool = Field(description="No hazard on any link.")
    stereo: bool
    compatibility: Literal["works", "works_with_caveat", "does_not_work", "unsafe"]
    balanced: bool | None
    parts: list[PlanPartOut]
    links: list[PlanLinkOut]
    warnings: list[WarningOut]


class PlanResponse(BaseModel):
    """POST /api/v1/plan 200 answer: the best plans, best first."""

    source: str
    destination: str
    safe: bool = Field(
        description="The first plan carries no hazard; false also when there is no plan at all."
    )
    message: str = Field(description="What the plans mean as a whole; says plainly when no safe plan exists.")
    plans: list[PlanOut]
