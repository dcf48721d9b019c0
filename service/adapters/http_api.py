"""The public query API: POST /api/v1/ask, health and readiness, and the OpenAPI document."""

from __future__ import annotations

import json
import logging

from flask import Blueprint
from flask import Request
from flask import current_app
from flask import g
from flask import jsonify
from flask import request
from pydantic import ValidationError
from spectree import Response as SpecResponse
from spectree import SpecTree

from service.adapters import admission
from service.adapters import api_document
from service.adapters import api_keys
from service.adapters import catalog
from service.adapters import context_seal
from service.adapters import rate_limit
from service.adapters import render
from service.adapters import wiring_svg
from service.adapters.schemas import AskRequest
from service.adapters.schemas import AskResponse
from service.adapters.schemas import Health
from service.adapters.schemas import ProblemDetail
from service.errors import BadRequest
from service.errors import InvalidQuestion
from service.errors import UnsupportedMedia
from service.runtime import get_runtime
from service.runtime import index_version_of
from service.storage import records as stored_records

log = logging.getLogger("cablewise.api")

bp = Blueprint("api", __name__)
spec = SpecTree(
    "flask",
    title="Cablewise API",
    version="1.0.0",
    description="Answers studio-cable and connector questions, with the rules and guide passages behind them.",
    path="apidoc",
    page_templates={},  # no HTML pages (they load scripts from public CDNs); see openapi() below
    security_schemes=[api_keys.SECURITY_SCHEME],  # the optional X-API-Key (service/adapters/api_keys.py)
)


@bp.post("/api/v1/ask")
@spec.validate(
    json=AskRequest,
    resp=SpecResponse(
        HTTP_200=AskResponse,
        HTTP_400=ProblemDetail,
        HTTP_413=ProblemDetail,
        HTTP_415=ProblemDetail,
        HTTP_422=ProblemDetail,
        HTTP_408=ProblemDetail,
        HTTP_401=ProblemDetail,
        HTTP_429=ProblemDetail,
        HTTP_503=ProblemDetail,
    ),
    skip_validation=True,  # validated below, so every error keeps the contract's problem+json shape
    tags=["ask"],
    security=api_keys.OPTIONAL_SECURITY,
)
def ask():
    """Answer one question; errors are problem+json (400, 408, 413, 415, 422, 429, 503)."""
    rate_limit.of(current_app).hit(request.remote_addr or "unknown")
    payload = read_json_object(request)
    try:
        body = AskRequest.model_validate(payload)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": _message(e)} for e in exc.errors()]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors)
        raise InvalidQuestion(detail, errors=errors) from None
    runtime = get_runtime(current_app)
    engine = runtime.engine_or_raise()
    g.index_version = index_version_of(engine)  # sent as X-Index-Version (service/index_reload.py)
    seal = context_seal.of(current_app)
    opened = seal.open(body.context)
    with admission.of(current_app).slot():  # 503 + Retry-After when over capacity
        if admission.client_gone(request):
            raise admission.ClientGone("the client closed the connection before its turn")
        answer, failed = context_seal.answer_with_context(engine, body.question, opened.context)
    note = failed or opened.note
    if records := stored_records.of(current_app):
        records.questions.record(answer, channel=body.channel or "api")  # no-op unless CABLEWISE_QUESTION_LOG
    # debug only: the access log line (service/observability.py) already carries intent, basis and confidence
    log.debug(
        "answered intent=%s basis=%s confidence=%.2f channel=%s%s",
        answer.intent.value,
        answer.basis.value,
        answer.confidence,
        body.channel or "api",
        f" note={note!r}" if note else "",
    )
    return jsonify(
        render.to_api(
            answer,
            context=seal.seal(answer.context),
            note=note,
            products=catalog.fitting(current_app, engine, answer),
            wiring=wiring_svg.link_for(current_app, engine, answer.cable),
        )
    )


@bp.get("/healthz")
@spec.validate(resp=SpecResponse(HTTP_200=Health), skip_validation=True, tags=["ops"])
def healthz():
    """Liveness: 200 while the process runs."""
    return jsonify({"status": "ok"})


@bp.get("/readyz")
@spec.validate(resp=SpecResponse(HTTP_200=Health, HTTP_503=ProblemDetail), skip_validation=True, tags=["ops"])
def readyz():
    """Readiness: 200 once the model and index are loaded and a probe question was answered, else 503.

    `index` names the index being served; its `version` changes when a new one is hot-reloaded.
    """
    runtime = get_runtime(current_app)
    runtime.engine_or_raise()
    body: dict = {"status": "ready"}
    info = runtime.index_info()
    if info is not None:
        body["index"] = info
    return jsonify(body)


@bp.get("/api/v1/openapi.json")
def openapi():
    """The OpenAPI 3.1 document generated from the pydantic models and completed by api_document."""
    return jsonify(api_document.complete(spec.spec))


def read_json_object(req: Request) -> dict:
    """Read the body as a UTF-8 JSON object, or raise the contract's 400/413/415 errors.

    :raises UnsupportedMedia: Content-Type is not JSON.
    :raises BadRequest: not UTF-8, not JSON, or not an object.
    """
    mimetype = req.mimetype or ""
    if not (mimetype == "application/json" or mimetype.endswith("+json")):
        shown = req.content_type or "none"
        raise UnsupportedMedia(f"Content-Type must be application/json, got {shown}")
    # Within CABLEWISE_BODY_TIMEOUT (408) and MAX_CONTENT_LENGTH (413), chunked bodies included.
    raw = admission.read_body(
        req, current_app.config["MAX_CONTENT_LENGTH"], admission.body_timeout(current_app)
    )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("body is not valid UTF-8") from None
    if not text.strip():
        raise BadRequest('body is empty; send a JSON object such as {"question": "..."}')
    try:
        payload = json.loads(text, parse_int=_bounded_int, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise BadRequest(
            f"body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    except RecursionError:
        raise BadRequest(f"body is nested deeper than {MAX_JSON_DEPTH} levels") from None
    except ValueError as exc:  # from the hooks below
        raise BadRequest(f"body is not acceptable JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise BadRequest(f"body must be a JSON object, got {type(payload).__name__}")
    check_json_limits(payload)
    return payload


# Limits on what a JSON body may contain, beyond the 16 KiB size cap: deep nesting would exhaust the recursion
# of every later step (validation, caching, logging), a huge integer costs quadratic time to convert, and a lone
# UTF-16 surrogate escape ("\ud800") makes a str that cannot be encoded as UTF-8 again.
MAX_JSON_DEPTH = 32
MAX_INT_DIGITS = 64


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise ValueError(f"a number has more than {MAX_INT_DIGITS} digits")
    return int(text)


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not a JSON number")


def check_json_limits(value: object) -> None:
    """Refuse a parsed body nested deeper than MAX_JSON_DEPTH or holding a string that is not valid Unicode.

    :raises BadRequest: naming the limit.
    """
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise BadRequest(f"body is nested deeper than {MAX_JSON_DEPTH} levels")
            if isinstance(item, dict):
                for key, child in item.items():
                    _check_text(key)
                    stack.append((child, depth + 1))
            else:
                stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("body holds a string with an unpaired UTF-16 surrogate (\\ud800-\\udfff)") from None


def _message(error: dict) -> str:
    # pydantic prefixes custom errors with "Value error, "; the client needs only the reason.
    return str(error["msg"]).removeprefix("Value error, ")
