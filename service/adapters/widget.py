"""The embeddable chat widget: GET /widget.js, the GET /demo shop page, and CORS for the widget's shops.

A shop embeds the widget with one tag:
`<script src="https://HOST/widget.js" data-endpoint="https://HOST" defer></script>`. The script then calls
POST /api/v1/ask from the shop's origin, so that route answers CORS only for the origins in
`settings.cors_origins`; every other origin gets no CORS header at all, and the browser blocks the call.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import render_template
from flask import request

from service.adapters import kb_pages
from service.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent
WIDGET_FILE = PACKAGE_DIR / "static" / "widget.js"
TEMPLATES = PACKAGE_DIR / "templates"

ASK_PATH = "/api/v1/ask"
CORS_PATHS = frozenset({ASK_PATH, "/api/v1/feedback"})  # what the widget calls from a shop's page
WIDGET_MAX_AGE = 300  # seconds: shops get a new widget within five minutes; the ETag keeps re-checks cheap
PREFLIGHT_MAX_AGE = 600  # seconds a browser may cache the preflight (Chromium caps it at 7200)
# A cross-origin script can read only "safelisted" response headers unless they are exposed: the widget needs
# Retry-After to say how long to wait after a 429 or 503, and X-Request-ID to quote in a bug report.
EXPOSED_HEADERS = "Retry-After, X-Request-ID"

bp = Blueprint("widget", __name__, template_folder=str(TEMPLATES))


@dataclass(frozen=True)
class _Asset:
    body: bytes
    etag: str
    mtime_ns: int


class _WidgetFile:
    """widget.js read once and re-read only when the file changes, with its content hash as ETag."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._asset: _Asset | None = None
        self._lock = threading.Lock()

    def get(self) -> _Asset:
        """Return the current bytes and ETag."""
        mtime_ns = self.path.stat().st_mtime_ns
        asset = self._asset
        if asset is None or asset.mtime_ns != mtime_ns:
            with self._lock:
                body = self.path.read_bytes()
                asset = _Asset(body, hashlib.sha256(body).hexdigest()[:32], mtime_ns)
                self._asset = asset
        return asset


_widget_file = _WidgetFile(WIDGET_FILE)


@bp.get("/widget.js")
def widget_js() -> Response:
    """Serve the widget script, cacheable, with a content-hash ETag; 304 when If-None-Match matches."""
    asset = _widget_file.get()
    response = Response(asset.body, mimetype="text/javascript")  # Flask adds "; charset=utf-8"
    response.set_etag(asset.etag)
    response.cache_control.public = True
    response.cache_control.max_age = WIDGET_MAX_AGE
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


@bp.get("/demo")
def demo() -> Response:
    """A shop product page with hostile global CSS that embeds the widget; `?plain=1` drops that CSS.

    The widget's endpoint is CABLEWISE_PUBLIC_URL, or (when unset) the origin the script was loaded from: never
    the request's Host header, which a client or a misconfigured proxy chooses.
    """
    plain = request.args.get("plain") == "1"
    settings: Settings = current_app.extensions[SETTINGS_EXTENSION]
    endpoint = settings.public_url.rstrip("/")
    response = Response(render_template("demo.html", plain=plain, endpoint=endpoint), mimetype="text/html")
    response.headers["Content-Security-Policy"] = demo_csp(endpoint)
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def demo_csp(endpoint: str) -> str:
    """The demo page's policy: its own scripts only, calls and images from itself (and the public URL), never
    framed."""
    connect = "'self'" + (f" {_origin(endpoint)}" if endpoint else "")
    # img-src: the widget shows the answer's wiring picture, served by the same endpoint
    return (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src {connect} data:; connect-src {connect}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


SETTINGS_EXTENSION = "cablewise.widget_settings"


def register(app: Flask, settings: Settings) -> None:
    """Mount the widget, the demo page and the served knowledge base, and install CORS for the API."""
    app.extensions[SETTINGS_EXTENSION] = settings
    app.register_blueprint(bp)
    kb_pages.register(app, settings.kb_rate_limit, settings.rate_limit_storage)
    install_cors(app, frozenset(settings.cors_origins))


def install_cors(app: Flask, origins: frozenset[str]) -> None:
    """Answer CORS for POST /api/v1/ask and /api/v1/feedback, errors included, but only for the listed origins.

    A same-origin call (the /demo page) sends no Origin header, or its own, and needs nothing from here.
    """

    @app.before_request
    def answer_preflight() -> Response | None:
        # Flask would answer OPTIONS itself with 200; the contract wants 204, with CORS headers added below.
        if request.method != "OPTIONS" or request.path not in CORS_PATHS:
            return None
        response = Response(status=204)
        response.headers["Allow"] = "POST, OPTIONS"
        return response

    @app.after_request
    def add_cors_headers(response: Response) -> Response:
        if request.path not in CORS_PATHS:
            return response
        # The answer differs by Origin, so a shared cache must key on it even when this origin gets nothing.
        response.vary.add("Origin")
        origin = request.headers.get("Origin", "")
        if origin not in origins:
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = "POST"
            response.headers["Access-Control-Allow-Headers"] = "Content-Type"
            response.headers["Access-Control-Max-Age"] = str(PREFLIGHT_MAX_AGE)
        else:
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
