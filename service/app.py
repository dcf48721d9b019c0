"""The Flask app factory: the only place that reads settings and builds the runtime objects."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask
from flask import g
from flask import request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from index.build import kb_fingerprint
from service import index_reload
from service import observability
from service.adapters import admin
from service.adapters import admission
from service.adapters import api_keys
from service.adapters import catalog
from service.adapters import context_seal
from service.adapters import feedback_api
from service.adapters import http_api
from service.adapters import kb_pages
from service.adapters import plan_api
from service.adapters import rate_limit
from service.adapters import slack
from service.adapters import widget
from service.adapters import wiring_svg
from service.adapters.problems import problem
from service.core.pipeline import Engine
from service.errors import CablewiseError
from service.errors import IndexUnavailable
from service.errors import KBInvalid
from service.errors import RateLimited
from service.errors import redact_paths
from service.runtime import Runtime
from service.runtime import build_engine
from service.runtime import load_model
from service.settings import Settings
from service.storage import records as stored_records

log = logging.getLogger("cablewise")

MAX_BODY_BYTES = 16 * 1024
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> Flask:
    """Create the app; pass `engine` in tests to skip loading the model and the index.

    A bad knowledge base stops start-up (KBInvalid names the file and key). A missing or stale index does not:
    the app starts, /readyz and /api/v1/ask answer 503 with the reason, and /healthz stays up.
    """
    settings = settings or Settings()
    observability.configure_logging(settings.log_level, settings.log_format)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.json.sort_keys = False
    runtime = Runtime(settings)
    app.extensions["cablewise"] = runtime

    _install_request_ids(app)
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else None
    observability.install(app, metrics_token=token)  # /metrics, request counts and the JSON request log
    _install_error_handlers(app)
    if settings.trusted_proxies:  # behind nginx every request comes from 127.0.0.1: count the real client
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    # Only the question endpoint is limited; health checks and the widget file stay free.
    rate_limit.install(app, settings.rate_limit, settings.rate_limit_storage)
    api_keys.install(app, settings)  # optional keys on /api/v1/, with their own limits
    context_seal.install(app, settings.context_secret.get_secret_value(), kb_fingerprint(settings.kb_dir))
    admission.install(
        app, settings.max_active, settings.max_queue, settings.queue_timeout, settings.body_timeout
    )
    app.register_blueprint(http_api.bp)
    plan_api.register(app, settings.rate_limit, settings.rate_limit_storage)  # POST /api/v1/plan
    # spectree's register() would add /apidoc/ pages that load scripts from public CDNs; the document is served
    # at /api/v1/openapi.json only (spectree generates it from the current app on demand).
    records = stored_records.install(app, settings)  # feedback and the question log (service/storage)
    feedback_api.register(app, settings.rate_limit, settings.rate_limit_storage)  # POST /api/v1/feedback
    slack.register(app, settings, runtime)
    widget.register(app, settings)
    admin_token = settings.admin_token.get_secret_value() if settings.admin_token else None
    admin.register(app, admin_token, records.database)  # /admin/gaps
    catalog.install(app, settings.catalog, settings.kb_dir)  # read on first use, with the engine's ontology
    wiring_svg.register(app)  # GET /wiring/<from>--<to>.svg

    # Installed before the first load, so a build that switches the index meanwhile is loaded again, not missed.
    index_reload.install(app, runtime, on_swap=lambda new: _follow_knowledge(app, new))
    try:
        if engine is None:
            runtime.embedder = load_model(settings)  # kept: a hot reload loads only the new index
            engine = build_engine(settings, runtime.embedder)
        runtime.become_ready(engine)
        log.info("ready: kb=%s index=%s", settings.kb_dir, settings.index_dir)
    except KBInvalid:
        raise
    except IndexUnavailable as exc:
        runtime.not_ready_reason = redact_paths(exc.detail)  # clients see no server paths; the log does
        log.error("not ready: %s", exc.detail)
    return app


def _follow_knowledge(app: Flask, engine) -> None:
    """After a hot reload: what else holds knowledge read from kb/ follows the new index's kb/."""
    context_seal.follow_knowledge(app, engine.retriever.manifest.kb_sha256)
    kb_pages.forget_knowledge()


def _install_request_ids(app: Flask) -> None:
    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        response.headers["X-Request-ID"] = getattr(g, "request_id", "")
        return response


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(CablewiseError)
    def handle_cablewise_error(exc: CablewiseError):
        headers = None
        if isinstance(exc, RateLimited | admission.Overloaded):
            headers = {"Retry-After": str(exc.retry_after)}
        elif exc.http_status == 503:
            headers = {"Retry-After": "30"}
        return problem(
            exc.http_status,
            exc.title,
            exc.detail,
            type_=exc.problem_type,
            errors=exc.errors or None,
            headers=headers,
        )

    @app.errorhandler(HTTPException)
    def handle_http_error(exc: HTTPException):
        headers = {}
        if exc.code == 413:
            detail = f"body is larger than {MAX_BODY_BYTES // 1024} KiB"
            return problem(413, "Payload too large", detail, type_="/problems/payload-too-large")
        if exc.code == 405:
            headers["Allow"] = ", ".join(exc.valid_methods or [])
        return problem(exc.code or 500, exc.name, exc.description or exc.name, headers=headers)

    @app.errorhandler(Exception)
    def handle_unexpected(exc: Exception):
        # A 500 is a bug: log it with the request id, show the client only the id.
        log.exception("unhandled error request_id=%s", getattr(g, "request_id", "-"))
        return problem(
            500,
            "Internal error",
            f"Something went wrong on our side. Quote request id {getattr(g, 'request_id', '-')} when reporting it.",
            type_="/problems/internal",
        )
