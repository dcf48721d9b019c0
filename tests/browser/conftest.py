"""Browser fixtures: the real app on 127.0.0.1, a second "shop" site, and Debian's chromium via Playwright.

Run with `.venv/bin/pytest -m browser tests/browser`. The browser is the system chromium (installed by
scripts/ensure-chromium.sh); `playwright install` is never used. A missing chromium fails every test with that
instruction instead of skipping them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from service.app import create_app
from service.settings import Settings
from tests.conftest import KB_DIR

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SHOP_ORIGIN_LISTED = "https://shop.example"  # the fast tests' origin; the live shop below is added next to it

SHOP_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another shop</title></head>
<body><h1>Patch cables</h1><p>A shop on another origin that embeds Cablewise.</p>
<script src="{base}/widget.js" data-endpoint="{base}" data-title="Ask about cables" defer></script>
</body></html>"""


@contextmanager
def serve(wsgi_app) -> Iterator[str]:
    """Serve a WSGI app on 127.0.0.1 on a free port in a background thread; yield its base URL."""
    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name=f"serve-{server.server_port}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class ShopSite:
    """A minimal shop on its own origin whose page loads the widget from the Cablewise server."""

    def __init__(self) -> None:
        self.widget_base = ""  # set once the Cablewise server is up

    def __call__(self, environ, start_response):
        page = SHOP_PAGE.format(base=self.widget_base)
        return Response(page, mimetype="text/html")(environ, start_response)


@dataclass
class Servers:
    """Where everything the browser talks to lives."""

    base: str  # the Cablewise app
    shop: str  # a shop on another origin, listed in cors_origins
    stranger: str  # the same shop under another host name: an origin that is NOT listed


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's chromium; its absence fails the browser tests with the fix, never skips them."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing, so the browser tests cannot run. Install it with "
            "`scripts/ensure-chromium.sh` (apt-get install chromium); do not run `playwright install`.",
            pytrace=False,
        )
    return CHROMIUM


@pytest.fixture(scope="session")
def servers(tmp_path_factory, hash_index_dir, engine) -> Iterator[Servers]:
    """The real app (real engine over the hash-embedded index of the real kb) and a shop on another origin."""
    shop_site = ShopSite()
    with serve(shop_site) as shop:
        port = shop.rsplit(":", 1)[1]
        settings = Settings(
            _env_file=None,
            kb_dir=KB_DIR,
            index_dir=hash_index_dir,
            model="hash",
            rate_limit="10000/minute",
            feedback_db=tmp_path_factory.mktemp("browser") / "feedback.sqlite3",
            cors_origins=[SHOP_ORIGIN_LISTED, shop],
        )
        with serve(create_app(settings, engine=engine)) as base:
            shop_site.widget_base = base
            yield Servers(base=base, shop=shop, stranger=f"http://localhost:{port}")


@pytest.fixture(scope="session")
def browser(chromium_path):
    """One chromium for the session."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium_path), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@dataclass
class Watch:
    """What a page did that a test must never see: dialogs (alert, confirm...) and uncaught script errors."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@pytest.fixture()
def watch() -> Watch:
    """The dialogs and errors of every page opened by this test."""
    return Watch()


@pytest.fixture()
def new_page(browser, watch) -> Iterator[Callable[..., object]]:
    """Open a watched page in a fresh context: `new_page(viewport={...}, has_touch=True)`."""
    contexts = []

    def open_page(**context_options):
        context_options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**context_options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)

        def on_dialog(dialog):
            watch.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda error: watch.errors.append(str(error)))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert watch.dialogs == [], f"a dialog opened: {watch.dialogs}"
    assert watch.errors == [], f"uncaught script errors: {watch.errors}"


@pytest.fixture()
def page(new_page):
    """A desktop-sized watched page (1280x800)."""
    return new_page()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """tests/artifacts/, git-ignored, for screenshots."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
