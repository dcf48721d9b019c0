"""GET /widget.js, GET /demo, and CORS on POST /api/v1/ask for the widget's shops (and nobody else)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from service.app import create_app
from service.settings import Settings
from service.types import Answer
from service.types import Basis
from service.types import Compatibility
from service.types import Intent
from service.types import Verdict

ROOT = Path(__file__).resolve().parents[2]
WIDGET_JS = ROOT / "service" / "static" / "widget.js"
ALLOWED = "https://shop.example"  # listed in the shared `settings` fixture
STRANGER = "https://evil.example"
ASK = "/api/v1/ask"


class FakeEngine:
    """Answers every question the same way and records what it was asked; `fail` makes it raise (a bug)."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[str, dict | None]] = []

    def answer(self, question: str, context: dict | None = None) -> Answer:
        if self.fail and self.calls:  # the start-up probe must pass, later questions hit the "bug"
            raise RuntimeError("boom")
        self.calls.append((question, context))
        return Answer(
            question=question,
            intent=Intent.BALANCED_CHECK,
            text="No. A TRS-to-TS cable gives an unbalanced connection.",
            basis=Basis.RULES,
            verdict=Verdict(balanced=False, compatibility=Compatibility.WORKS_WITH_CAVEAT),
            confidence=0.9,
            context={"turn": len(self.calls)},
        )


@pytest.fixture()
def fake_client(settings):
    """A client over an app whose engine is a fake: these tests are about the HTTP edge, not the answers."""
    return create_app(settings, engine=FakeEngine()).test_client()


def cors_headers(response) -> dict[str, str]:
    """Every Access-Control-* header of a response."""
    return {k: v for k, v in response.headers.items() if k.lower().startswith("access-control-")}


def ask(client, origin: str | None = None, body: object | None = None, **kwargs):
    """POST a question, from `origin` when given."""
    headers = {"Origin": origin} if origin else {}
    return client.post(
        ASK,
        json=body if body is not None else {"question": "is TRS to TS balanced?"},
        headers=headers,
        **kwargs,
    )


# ---- GET /widget.js ------------------------------------------------------------------------------


def test_widget_js_is_javascript_with_a_content_hash_etag_and_cache_control(fake_client):
    response = fake_client.get("/widget.js")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.data == WIDGET_JS.read_bytes()
    etag, weak = response.get_etag()
    assert not weak
    assert etag == hashlib.sha256(response.data).hexdigest()[:32]
    assert response.cache_control.public
    assert response.cache_control.max_age == 300
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_widget_js_answers_304_when_the_etag_still_matches(fake_client):
    first = fake_client.get("/widget.js")
    etag = first.headers["ETag"]

    same = fake_client.get("/widget.js", headers={"If-None-Match": etag})
    changed = fake_client.get("/widget.js", headers={"If-None-Match": '"an-older-version"'})

    assert same.status_code == 304
    assert same.data == b""
    assert same.headers["ETag"] == etag
    assert changed.status_code == 200
    assert changed.data == first.data


def test_widget_js_never_parses_strings_as_html():
    """Server text reaches the page through textContent and text nodes only; these sinks would parse HTML."""
    source = WIDGET_JS.read_text(encoding="utf-8")
    code = re.sub(r"/\*.*?\*/", "", source, flags=re.DOTALL)  # the header comment may name what it avoids
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        "createContextualFragment",
        "DOMParser",
        "srcdoc",
    ):
        assert sink not in code, f"widget.js uses {sink}"


def test_widget_js_reads_its_configuration_from_its_own_tag_and_guards_against_double_loading():
    source = WIDGET_JS.read_text(encoding="utf-8")
    assert "document.currentScript" in source
    assert "window[GUARD]" in source and '"__cablewiseWidget"' in source
    for option in ("endpoint", "title", "accent", "position", "greeting", "placeholder", "timeout"):
        assert f"data.{option}" in source, option
    assert 'attachShadow({ mode: "open" })' in source
    assert 'config.endpoint + "/api/v1/ask"' in source  # the contract's route, tested on the app below


# ---- CORS on POST /api/v1/ask --------------------------------------------------------------------


def test_a_listed_origin_gets_cors_headers_on_an_answer(fake_client):
    response = ask(fake_client, ALLOWED)

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.vary
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"Retry-After", "X-Request-ID"} <= exposed
    assert "Access-Control-Allow-Credentials" not in response.headers


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"body": {"question": ""}}, 422),
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"data": "question=hi", "content_type": "application/x-www-form-urlencoded"}, 415),
    ],
)
def test_a_listed_origin_gets_cors_headers_on_errors_too(fake_client, kwargs, status):
    """Without them the widget could not read the problem's detail: the browser would hide the response."""
    headers = {"Origin": ALLOWED}
    if "body" in kwargs:
        response = fake_client.post(ASK, json=kwargs["body"], headers=headers)
    else:
        response = fake_client.post(ASK, headers=headers, **kwargs)

    assert response.status_code == status
    assert response.mimetype == "application/problem+json"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in response.vary


def test_a_rate_limited_answer_carries_cors_and_an_exposed_retry_after(settings):
    limited = settings.model_copy(update={"rate_limit": "1/minute"})
    client = create_app(limited, engine=FakeEngine()).test_client()
    preflight = {"Origin": ALLOWED, "Access-Control-Request-Method": "POST"}

    assert client.options(ASK, headers=preflight).status_code == 204  # a preflight spends none of the limit
    assert ask(client, ALLOWED).status_code == 200
    response = ask(client, ALLOWED)

    assert response.status_code == 429
    assert response.mimetype == "application/problem+json"
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert int(response.headers["Retry-After"]) > 0
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]


def test_an_internal_error_carries_cors_so_the_widget_can_show_the_request_id(settings):
    client = create_app(settings, engine=FakeEngine(fail=True)).test_client()

    response = ask(client, ALLOWED)

    assert response.status_code == 500
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.get_json()["request_id"] == response.headers["X-Request-ID"]


def test_a_listed_origin_gets_a_preflight_answer(fake_client):
    response = fake_client.options(
        ASK,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )

    assert response.status_code == 204
    assert response.data == b""
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Methods"] == "POST"
    assert response.headers["Access-Control-Allow-Headers"].lower() == "content-type"
    assert int(response.headers["Access-Control-Max-Age"]) >= 60
    assert "Origin" in response.vary


def test_an_unlisted_origin_gets_no_cors_headers_at_all(fake_client):
    preflight = fake_client.options(
        ASK, headers={"Origin": STRANGER, "Access-Control-Request-Method": "POST"}
    )
    post = ask(fake_client, STRANGER)
    error = ask(fake_client, STRANGER, body={"question": ""})

    assert preflight.status_code == 204
    assert post.status_code == 200  # the server answers; the browser withholds it from the page
    assert error.status_code == 422
    for response in (preflight, post, error):
        assert cors_headers(response) == {}


def test_origins_are_matched_exactly(fake_client):
    for lookalike in (
        "https://shop.example.evil.example",
        "http://shop.example",
        "https://shop.example:8443",
        "null",
        "",
    ):
        assert cors_headers(ask(fake_client, lookalike)) == {}, lookalike


def test_a_same_origin_call_needs_and_gets_no_cors(fake_client):
    response = ask(fake_client)

    assert response.status_code == 200
    assert cors_headers(response) == {}


def test_other_routes_never_get_cors_headers(fake_client):
    for path in ("/healthz", "/widget.js", "/demo", "/kb/"):
        assert cors_headers(fake_client.get(path, headers={"Origin": ALLOWED})) == {}, path


def test_origins_come_from_the_comma_separated_environment_variable(settings, monkeypatch):
    monkeypatch.setenv("CABLEWISE_CORS_ORIGINS", "https://one.example, https://two.example/")
    from_env = Settings(_env_file=None, **settings.model_dump(exclude={"cors_origins"}))
    client = create_app(from_env, engine=FakeEngine()).test_client()

    assert ask(client, "https://one.example").headers["Access-Control-Allow-Origin"] == "https://one.example"
    assert ask(client, "https://two.example").headers["Access-Control-Allow-Origin"] == "https://two.example"
    assert cors_headers(ask(client, ALLOWED)) == {}


def test_the_widget_gets_a_real_answer_across_origins(client):
    """The real engine behind the CORS edge: what the widget on a shop page receives."""
    response = ask(
        client, ALLOWED, body={"question": "is TRS to TS balanced?", "context": None, "channel": "widget"}
    )

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    body = response.get_json()
    assert body["verdict"]["balanced"] is False
    assert isinstance(body["context"], dict)


# ---- GET /demo -----------------------------------------------------------------------------------


def test_demo_page_embeds_the_widget_with_one_script_tag(fake_client):
    response = fake_client.get("/demo")
    page = response.get_data(as_text=True)

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    tags = re.findall(r"<script\b[^>]*>", page)
    assert tags == [
        '<script src="/widget.js" data-title="Cable help" defer>'  # endpoint: the script's own origin
    ]
    assert "ProLink balanced TRS-to-XLR cable, 3 m" in page
    assert "Add to cart" in page
    assert 'id="hostile-css"' in page
    assert "font-size: 22px !important" in page


def test_plain_demo_page_is_the_same_page_without_the_hostile_css(fake_client):
    hostile = fake_client.get("/demo").get_data(as_text=True)
    plain = fake_client.get("/demo?plain=1").get_data(as_text=True)

    assert 'id="hostile-css"' not in plain
    assert re.findall(r"<script\b[^>]*>", plain) == re.findall(r"<script\b[^>]*>", hostile)
    assert "ProLink balanced TRS-to-XLR cable, 3 m" in plain
