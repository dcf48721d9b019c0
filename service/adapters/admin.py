"""GET /admin/gaps: the coverage-gap report (service/gaps.py) for operators, behind CABLEWISE_ADMIN_TOKEN.

Without the setting the page does not exist (404); with it, a request without `Authorization: Bearer <token>`
gets 401 problem+json. HTML by default (no script, the kb pages' Content-Security-Policy), JSON for
`Accept: application/json` or `?format=json`.
"""

from __future__ import annotations

import hmac
import logging
import threading
from collections import OrderedDict

import numpy as np
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import jsonify
from flask import render_template
from flask import request
from sqlalchemy.exc import SQLAlchemyError

from service import gaps
from service.adapters.kb_pages import CSP
from service.adapters.kb_pages import TEMPLATES
from service.errors import BadRequest
from service.errors import StorageUnavailable
from service.errors import Unauthorized
from service.runtime import get_runtime
from service.storage import records as stored_records
from service.storage.database import Database
from service.storage.database import SchemaNotReady

log = logging.getLogger("cablewise.admin")

TOKEN_EXTENSION = "cablewise.admin_token"
DATABASE_EXTENSION = "cablewise.database"

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder=str(TEMPLATES))


def register(app: Flask, token: str | None, database: Database) -> None:
    """Mount /admin/gaps; it answers 404 unless `token` is set."""
    app.extensions[TOKEN_EXTENSION] = token
    app.extensions[DATABASE_EXTENSION] = database
    app.register_blueprint(bp)


@bp.before_request
def require_token() -> None:
    """404 when no admin token is configured, 401 without the right bearer token."""
    token = current_app.extensions.get(TOKEN_EXTENSION)
    if not token:
        abort(404)
    supplied = request.headers.get("Authorization", "")
    if not hmac.compare_digest(supplied.encode(), f"Bearer {token}".encode()):
        raise Unauthorized("send the admin token as 'Authorization: Bearer <CABLEWISE_ADMIN_TOKEN>'")


@bp.after_request
def no_script_no_cache(response: Response) -> Response:
    """The kb pages' no-script policy; the report holds users' questions, so no cache keeps it."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    if response.status_code == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


@bp.get("/gaps")
def gap_report():
    """Refused, low-confidence and not-helpful questions grouped by meaning, largest group first."""
    options, top = _options()
    engine = get_runtime(current_app).engine_or_raise()  # 503 until the encoder is loaded
    database: Database = current_app.extensions[DATABASE_EXTENSION]
    if records := stored_records.of(current_app):
        records.questions.flush(timeout=2.0)  # include what this worker has just answered
    try:
        result = gaps.report(database, _embedder(engine), options)
    except (SQLAlchemyError, SchemaNotReady) as exc:
        log.error("gap report: database %s failed: %s", database.describe(), exc)
        raise StorageUnavailable(
            "the feedback and question-log database cannot be read; the server log names the error"
        ) from None
    if request.args.get("format") == "json" or request.accept_mimetypes.best == "application/json":
        return jsonify(result.as_json())
    return render_template("admin_gaps.html", report=result, top=top)


def _options() -> tuple[gaps.GapOptions, int]:
    args = request.args
    try:
        options = gaps.GapOptions(
            days=int(args.get("days", 30)),
            below=float(args.get("below", 0.5)),
            similarity=float(args.get("similarity", 0.7)),
            limit=int(args.get("limit", 1000)),
        )
        top = int(args.get("top", 50))
    except ValueError as exc:
        raise BadRequest(f"bad query parameter: {exc}") from None
    if top < 1:
        raise BadRequest("bad query parameter: top must be at least 1")
    return options, top


def _embedder(engine) -> gaps.Embed:
    # The retriever's own question encoder: the same vectors answers use. Encoding is the slow part of the report
    # (milliseconds a question), so vectors are kept per process: a later view encodes only new questions. A hot
    # reload changes the index, never the model, so they stay valid for the life of the process.
    retriever = engine.retriever

    def embed(texts):
        return np.stack([_VECTORS.get_or_make(text, retriever.embed) for text in texts])

    return embed


class _VectorCache:
    """A bounded, thread-safe map from question text to its vector (oldest dropped first)."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_make(self, text: str, make) -> np.ndarray:
        with self._lock:
            vector = self._vectors.get(text)
            if vector is not None:
                self._vectors.move_to_end(text)
                return vector
        vector = make(text)  # outside the lock: encoding takes milliseconds
        with self._lock:
            self._vectors[text] = vector
            while len(self._vectors) > self._size:
                self._vectors.popitem(last=False)
        return vector


_VECTORS = _VectorCache(10_000)  # 384 float32 each: about 15 MB at most
