"""A connection plan (service/core/planner.py) as the API's JSON and as plain text for the command line."""

from __future__ import annotations

from typing import Any

from service.core.planner import Plan
from service.core.planner import Planning
from service.types import Cable


def to_api(planning: Planning) -> dict[str, Any]:
    """The body of POST /api/v1/plan (service/adapters/plan_schemas.py PlanResponse)."""
    return {
        "source": planning.source,
        "destination": planning.dest,
        "safe": planning.safe,
        "message": planning.message,
        "plans": [_plan(plan) for plan in planning.plans],
    }


def _plan(plan: Plan) -> dict[str, Any]:
    return {
        "summary": plan.summary,
        "safe": plan.safe,
        "stereo": plan.stereo,
        "compatibility": plan.compatibility.value,
        "balanced": plan.balanced,
        "parts": [
            {
                "kind": "cable" if part.cable else "adapter" if part.adapter else "device",
                "name": part.name,
                "quantity": part.quantity,
                "reason": part.reason,
                "alternatives": list(part.alternatives),
                "cable": _cable(part.cable) if part.cable else None,
            }
            for part in plan.parts
        ],
        "links": [
            {
                "from": hop.source,
                "to": hop.dest,
                "cable": hop.cable.name if hop.cable else None,
                "compatibility": hop.compatibility.value,
                "balanced": hop.balanced,
                "reasons": list(hop.reasons),
                "rules": list(hop.rule_ids),
            }
            for hop in plan.hops
        ],
        "warnings": [
            {"hazard": w.hazard, "severity": w.severity.value, "text": w.text} for w in plan.warnings
        ],
    }


def _cable(cable: Cable) -> dict[str, Any]:
    return {
        "name": cable.name,
        "from": cable.from_end,
        "to": cable.to_end,
        "wiring": [{"from": w.from_contact, "to": w.to_contact} for w in cable.wiring],
    }


def to_text(planning: Planning) -> str:
    """Readable plans for a terminal: the parts to get, then each link's verdict and warnings."""
    lines = [f"{planning.source} → {planning.dest}", planning.message]
    for number, plan in enumerate(planning.plans, 1):
        applies = any(hop.balance_applies for hop in plan.hops)
        balance = {
            True: "balanced",
            False: "unbalanced",
            None: "balanced if both ends are (check the manuals)",
        }
        lines += [
            "",
            f"Plan {number}: {plan.compatibility.value.replace('_', ' ')}"
            + (f", {balance[plan.balanced]}" if applies else "")
            + (", stereo pair" if plan.stereo else ""),
        ]
        if not plan.parts:
            lines.append("  nothing to buy: plug straight in")
        for part in plan.parts:
            alternatives = f" (or {', or '.join(part.alternatives)})" if part.alternatives else ""
            lines.append(f"  {part.quantity} × {part.name}{alternatives}")
            lines.append(f"      {part.reason}")
        lines.append("  Links:")
        for hop in plan.hops:
            lines.append(f"    {hop.source} → {hop.dest}: {hop.compatibility.value.replace('_', ' ')}")
            if hop.compatibility.value != "works" and hop.reasons:
                lines.append(f"      {hop.reasons[0]}")
        for warning in plan.warnings:
            lines.append(f"  ! {warning.severity.value}: {warning.text}")
    return "\n".join(lines)
