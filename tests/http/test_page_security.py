"""Browser-facing pages: CSP and no framing on /demo and /kb, the widget endpoint from settings, /kb rate limit."""

from __future__ import annotations

import re

import pytest

from service.app import create_app


@pytest.mark.parametrize("path", ["/demo", "/demo?plain=1", "/kb/", "/kb/ontology"])
def test_pages_send_a_csp_that_forbids_framing(client, path):
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "default-src 'none'" in csp
    assert "'unsafe-eval'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_demo_csp_allows_only_its_own_scripts(client):
    csp = client.get("/demo").headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp
    assert "connect-src 'self';" in csp


def test_demo_never_takes_the_widget_endpoint_from_the_host_header(client):
    page = client.get("/demo", headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in page
    [tag] = re.findall(r"<script\b[^>]*>", page)
    assert "data-endpoint" not in tag  # the widget then calls the origin it was loaded from


def test_demo_widget_endpoint_comes_from_the_public_url_setting(settings, engine):
    app = create_app(settings.model_copy(update={"public_url": "https://cables.example/"}), engine=engine)
    response = app.test_client().get("/demo", headers={"Host": "evil.example"})
    page = response.get_data(as_text=True)
    assert 'data-endpoint="https://cables.example"' in page and "evil.example" not in page
    assert "connect-src 'self' https://cables.example;" in response.headers["Content-Security-Policy"]


def test_kb_pages_are_rate_limited_per_client(settings, engine):
    app = create_app(settings.model_copy(update={"kb_rate_limit": "3/minute"}), engine=engine)
    client = app.test_client()
    statuses = [client.get("/kb/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/kb/ontology")
    assert limited.status_code == 429 and limited.mimetype == "application/problem+json"
    assert int(limited.headers["Retry-After"]) > 0
    other = client.get("/kb/", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200
    assert client.get("/healthz").status_code == 200  # health checks are never limited
