"""POST /api/v1/plan: how to connect one piece of gear to another (service/core/planner.py)."""

from __future__ import annotations

from flask import Blueprint
from flask import current_app
from flask import jsonify
from flask import request
from pydantic import ValidationError
from spectree import Response as SpecResponse

from service.adapters import api_keys
from service.adapters import plan_render
from service.adapters.http_api import _message
from service.adapters.http_api import read_json_object
from service.adapters.http_api import spec
from service.adapters.plan_schemas import PlanRequest
from service.adapters.plan_schemas import PlanResponse
from service.adapters.rate_limit import RateLimit
from service.adapters.schemas import ProblemDetail
from service.core.planner import plan_between
from service.errors import InvalidQuestion
from service.runtime import get_runtime

bp = Blueprint("plan", __name__)
_LIMIT = "cablewise.plan_rate_limit"


@bp.post("/api/v1/plan")
@spec.validate(
    json=PlanRequest,
    resp=SpecResponse(
        HTTP_200=PlanResponse,
        HTTP_400=ProblemDetail,
        HTTP_413=ProblemDetail,
        HTTP_415=ProblemDetail,
        HTTP_422=ProblemDetail,
        HTTP_401=ProblemDetail,
        HTTP_429=ProblemDetail,
        HTTP_503=ProblemDetail,
    ),
    skip_validation=True,  # validated below, so every error keeps the contract's problem+json shape
    tags=["plan"],
    security=api_keys.OPTIONAL_SECURITY,
)
def plan():
    """The best plans from a source to a destination: cables, adapters and in-between devices, each hop judged by
    the rules; errors are problem+json (400, 413, 415, 422 for unknown gear, 429, 503)."""
    current_app.extensions[_LIMIT].hit(request.remote_addr or "unknown")
    payload = read_json_object(request)
    try:
        body = PlanRequest.model_validate(payload)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": _message(e)} for e in exc.errors()]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors)
        raise InvalidQuestion(detail, errors=errors) from None
    ontology = get_runtime(current_app).engine_or_raise().ontology
    try:
        planning = plan_between(
            body.source, body.destination, ontology, phantom=body.phantom, stereo=body.stereo
        )
    except ValueError as exc:  # UnknownEndpoint, PlanError: the words name nothing that can send or receive
        raise InvalidQuestion(str(exc), errors=[{"loc": ["body"], "msg": str(exc)}]) from None
    return jsonify(plan_render.to_api(planning))


def register(app, rate_limit: str, storage_uri: str) -> None:
    """Mount the endpoint with its own per-client limit (the question endpoint's settings, counted apart)."""
    app.extensions[_LIMIT] = RateLimit(rate_limit, storage_uri, scope="plan")
    app.register_blueprint(bp)
