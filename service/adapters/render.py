"""Turn the core's Answer into what each client reads. Pure functions, one per target."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from typing import Any

from service.adapters.schemas import AskResponse
from service.core.products import Product
from service.question_log import answer_id
from service.types import Answer

if TYPE_CHECKING:  # the drawing module (drawsvg, Flask) is not needed to render an answer
    from service.adapters.wiring_svg import WiringLink


def to_api(
    answer: Answer,
    *,
    context: dict[str, Any] | None = None,
    note: str | None = None,
    products: Sequence[Product] = (),
    wiring: WiringLink | None = None,
) -> dict[str, Any]:
    """Render an Answer as the contract's JSON object (validated by the response model).

    `context` replaces the core's context (the HTTP API sends a signed one); `note` says why a sent context
    was not used; `products` are the shop's products that fit the answer's cable; `wiring` links its picture.
    """
    verdict = answer.verdict
    cable = answer.cable
    body = {
        "question": answer.question,
        "intent": answer.intent.value,
        "answer": answer.text,
        "basis": answer.basis.value,
        "verdict": None
        if verdict is None
        else {
            "balanced": verdict.balanced,
            "compatibility": verdict.compatibility.value if verdict.compatibility else None,
            "conditions": list(verdict.conditions),
            "warnings": [
                {"hazard": w.hazard, "severity": w.severity.value, "text": w.text} for w in verdict.warnings
            ],
        },
        "cable": None
        if cable is None
        else {
            "name": cable.name,
            "from": cable.from_end,
            "to": cable.to_end,
            "wiring": [{"from": w.from_contact, "to": w.to_contact} for w in cable.wiring],
        },
        "entities": [{"id": e.id, "text": e.text} for e in answer.entities],
        "facts": [{"id": f.id, "text": f.text, "sources": list(f.sources)} for f in answer.facts],
        "sources": [
            {"id": s.id, "title": s.title, "snippet": s.snippet, "score": round(s.score, 4), "url": s.url}
            for s in answer.sources
        ],
        "confidence": round(answer.confidence, 3),
        "context": answer.context if context is None else context,
        "note": note,
        "wiring_url": wiring.url if wiring else None,
        "wiring_alt": wiring.alt if wiring else None,
        "products": [product_out(p) for p in products],
        "plan": None
        if not answer.plan
        else {
            "summary": answer.plan_summary,
            "parts": [{"name": p.name, "quantity": p.quantity, "reason": p.reason} for p in answer.plan],
        },
        "answer_id": answer_id(answer),
    }
    return AskResponse.model_validate(body).model_dump(mode="json", by_alias=True)


def product_out(product: Product) -> dict[str, Any]:
    """One product as the contract's `products` item."""
    return {
        "id": product.id,
        "title": product.title,
        "link": product.link,
        "price": f"{product.price:.2f}",
        "currency": product.currency,
        "availability": product.availability.value,
        "kind": product.cable.kind,
        "from": product.cable.from_end,
        "to": product.cable.to_end,
        "length_m": None if product.cable.length_m is None else round(product.cable.length_m, 3),
    }


def to_text(answer: Answer) -> str:
    """Render an Answer for a terminal: the answer, then warnings, cable and sources."""
    lines = [answer.text.strip()]
    if answer.verdict and answer.verdict.warnings:
        lines.append("")
        lines += [f"[{w.severity.value.upper()}] {w.text}" for w in answer.verdict.warnings]
    if answer.cable:
        lines += ["", f"Cable: {answer.cable.name}"]
    if answer.sources:
        lines += ["", "Sources:"] + [f"  - {s.title} ({s.url})" for s in answer.sources]
    lines += [
        "",
        f"intent: {answer.intent.value}  basis: {answer.basis.value}  confidence: {answer.confidence:.2f}",
    ]
    return "\n".join(lines)
