"""The OpenAPI document: spectree's, generated from the pydantic models, completed with what they cannot say.

spectree documents JSON bodies only, every response as `application/json`, adds a 422 to every route it
validates, and lists routes it does not validate (the pages, the widget, /metrics) with no responses at all. The
contract says otherwise: errors are `application/problem+json`, every response carries `X-Request-ID`, 429 and
503 carry `Retry-After`, and the pages are HTML. `complete()` states that, so that the document validates against
the running service (schemathesis in `make reliability`, tests/http/test_openapi_doc.py in `make test`).
"""

from __future__ import annotations

import copy
from typing import Any

PROBLEM_MIME = "application/problem+json"

_REQUEST_ID_HEADER = {
    "X-Request-ID": {
        "description": "The request's id (the client's own when it sent a valid one); quote it in a report.",
        "required": True,
        "schema": {"type": "string"},
    }
}
_RETRY_AFTER_HEADER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9]+$"},
    }
}
_RETRY_STATUSES = {"429", "503"}


def _body(media_type: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": schema or {"type": "string"}}}}


def _problem(description: str) -> dict[str, Any]:
    return {"description": description, "content": {PROBLEM_MIME: {"schema": {"$ref": "{problem}"}}}}


_HTML_PAGE = _body("text/html", "The page (no scripts; a Content-Security-Policy forbids them and framing).")
_KB_LIMITED = _problem("Too many page views from this client (CABLEWISE_KB_RATE_LIMIT).")

# Responses of the routes spectree does not validate, by path and method. A route mounted only when configured
# (Slack) is completed only when it is in the document.
PAGES: dict[str, dict[str, dict[str, Any]]] = {
    "/api/v1/openapi.json": {
        "get": {"200": _body("application/json", "This document.", {"type": "object"})},
    },
    "/widget.js": {
        "get": {
            "200": _body("text/javascript", "The embeddable chat widget, cacheable, with an ETag."),
            "304": {"description": "Not modified: the If-None-Match ETag is current."},
        },
    },
    "/demo": {
        "get": {
            "200": _body(
                "text/html",
                "A demo shop page embedding the widget; a Content-Security-Policy forbids framing.",
            )
        },
    },
    "/kb/": {"get": {"200": _HTML_PAGE, "429": _KB_LIMITED}},
    "/kb/ontology": {"get": {"200": _HTML_PAGE, "429": _KB_LIMITED}},
    "/kb/{article_id}": {
        "get": {
            "200": _HTML_PAGE,
            "404": _problem("No such article, or an id that is not lowercase letters, digits and hyphens."),
            "429": _KB_LIMITED,
        }
    },
    "/metrics": {
        "get": {
            "200": _body(
                "text/plain", "Prometheus text exposition (keep this route off the public ingress)."
            ),
            "401": _body(
                "text/plain", "CABLEWISE_METRICS_TOKEN is set and the bearer token is missing or wrong."
            ),
        }
    },
    "/wiring/{pair}.svg": {
        "get": {
            "200": _body(
                "image/svg+xml", "The wiring picture of a cable (no script, cacheable, with an ETag)."
            ),
            "304": {"description": "Not modified: the If-None-Match ETag is current."},
            "404": _problem("An end is not a plug the service names or draws."),
        }
    },
    "/admin/gaps": {
        "get": {
            "200": {
                "description": "The gap report: questions refused, unsure or marked not helpful, grouped.",
                "content": {"text/html": {"schema": {"type": "string"}}, "application/json": {"schema": {}}},
            },
            "400": _problem("A query parameter is not a number, or out of range."),
            "401": _problem("The admin bearer token is missing or wrong."),
            "404": _problem(
                "No admin token is configured (CABLEWISE_ADMIN_TOKEN): the route does not exist."
            ),
            "503": _problem("Not ready, or the feedback database cannot be read."),
        }
    },
    "/slack/events": {
        "post": {
            "200": {
                "description": "Acknowledged, in Slack's own formats (answers are posted through its API)."
            },
            "400": _problem("A signed body that cannot be parsed."),
            "401": _problem("The Slack signature is missing, wrong or older than five minutes."),
            "413": _problem("The body is too large."),
        }
    },
}

# Query parameters of those routes (spectree sees only the path).
PARAMETERS: dict[str, dict[str, list[dict[str, Any]]]] = {
    "/demo": {
        "get": [
            {
                "name": "plain",
                "in": "query",
                "required": False,
                "description": "`1` drops the page's hostile shop CSS.",
                "schema": {"type": "string"},
            }
        ]
    },
}


def complete(spectree_document: dict[str, Any]) -> dict[str, Any]:
    """Return a completed copy of spectree's document (which spectree caches, so it is never changed)."""
    doc = copy.deepcopy(spectree_document)
    problem_ref = _problem_schema_ref(doc)
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            _drop_spectree_validation_error(responses)
            for status, response in PAGES.get(path, {}).get(method, {}).items():
                responses.setdefault(status, _with_ref(response, problem_ref))
            operation["parameters"] = operation.get("parameters") or []
            operation["parameters"] += PARAMETERS.get(path, {}).get(method, [])
            for status, response in responses.items():
                _as_problem_json(status, response)
                headers = response.setdefault("headers", {})
                headers.update(copy.deepcopy(_REQUEST_ID_HEADER))
                if status in _RETRY_STATUSES:
                    headers.update(copy.deepcopy(_RETRY_AFTER_HEADER))
    schemas = doc.get("components", {}).get("schemas", {})
    for name in [n for n in schemas if n.split(".")[0] == "ValidationError"]:
        del schemas[name]  # spectree's model, referred to by nothing once its 422s are gone
    return doc


def _problem_schema_ref(doc: dict[str, Any]) -> str:
    # spectree names a component after its model plus a hash of the module ("ProblemDetail.98c9c0f").
    names = [n for n in doc.get("components", {}).get("schemas", {}) if n.split(".")[0] == "ProblemDetail"]
    return f"#/components/schemas/{names[0]}" if names else ""


def _drop_spectree_validation_error(responses: dict[str, Any]) -> None:
    # spectree adds a 422 with its own ValidationError model to every route it decorates; the routes validate
    # their bodies themselves (skip_validation=True) and answer 422 as ProblemDetail where they can at all.
    for status, response in list(responses.items()):
        refs = [media.get("schema", {}).get("$ref", "") for media in (response.get("content") or {}).values()]
        if any(ref.split("/")[-1].split(".")[0] == "ValidationError" for ref in refs):
            del responses[status]


def _with_ref(response: dict[str, Any], problem_ref: str) -> dict[str, Any]:
    response = copy.deepcopy(response)
    for media in (response.get("content") or {}).values():
        if media.get("schema", {}).get("$ref") == "{problem}":
            media["schema"]["$ref"] = problem_ref
    return response


def _as_problem_json(status: str, response: dict[str, Any]) -> None:
    content = response.get("content") or {}
    if not status.startswith("2") and "application/json" in content:
        content[PROBLEM_MIME] = content.pop("application/json")
