"""Errors Cablewise raises on purpose. Each knows its HTTP status and a message safe to show a client.

CablewiseError              base
  +- BadRequest        400  body is not JSON, not an object, or not UTF-8
  +- Unauthorized      401  a Slack request whose signature is missing, wrong or stale
  +- PayloadTooLarge   413  body over the limit
  +- UnsupportedMedia  415  Content-Type is not JSON
  +- InvalidQuestion   422  a field is missing, of the wrong type, or out of range
  +- RateLimited       429  a per-client limit is reached; says when to come back
  +- KBInvalid         500  a kb/ file is wrong; raised at start-up, names the file, the key and the reason
  +- IndexUnavailable  503  the index is missing, stale for this model, or not loaded yet
  +- StorageUnavailable 503 the feedback / question-log database cannot be reached or is not migrated
"""

from __future__ import annotations

import re


class CablewiseError(Exception):
    """Base of every error Cablewise raises on purpose."""

    http_status = 500
    problem_type = "/problems/internal"
    title = "Internal error"

    def __init__(self, detail: str, *, errors: list[dict] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class BadRequest(CablewiseError):
    """The body cannot be read as a JSON object."""

    http_status = 400
    problem_type = "/problems/bad-request"
    title = "Bad request"


class Unauthorized(CablewiseError):
    """A signed request (Slack) whose signature does not verify."""

    http_status = 401
    problem_type = "/problems/unauthorized"
    title = "Unauthorized"


class PayloadTooLarge(CablewiseError):
    """The body is larger than the contract allows."""

    http_status = 413
    problem_type = "/problems/payload-too-large"
    title = "Payload too large"


class UnsupportedMedia(CablewiseError):
    """The body is not declared as JSON."""

    http_status = 415
    problem_type = "/problems/unsupported-media-type"
    title = "Unsupported media type"


class InvalidQuestion(CablewiseError):
    """A field is missing, of the wrong type, or out of range."""

    http_status = 422
    problem_type = "/problems/validation"
    title = "Invalid request"


class RateLimited(CablewiseError):
    """A per-client request limit is reached."""

    http_status = 429
    problem_type = "/problems/rate-limited"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        self.retry_after = max(1, retry_after)
        super().__init__(f"{detail}; retry after {self.retry_after} seconds")


class KBInvalid(CablewiseError):
    """A knowledge-base file is malformed; the message names the file, the key and the reason."""

    problem_type = "/problems/kb-invalid"
    title = "Knowledge base invalid"


class IndexUnavailable(CablewiseError):
    """The retrieval index cannot be used: missing, built for another model, or not loaded yet."""

    http_status = 503
    problem_type = "/problems/not-ready"
    title = "Service not ready"


class StorageUnavailable(CablewiseError):
    """The feedback and question-log database cannot be reached, refused the work, or needs a migration."""

    http_status = 503
    problem_type = "/problems/storage-unavailable"
    title = "Storage unavailable"


_ABSOLUTE_PATH = re.compile(r"(?<![\w.:/])/(?:[\w.@+-]+/)*[\w.@+-]+/?")


def redact_paths(text: str) -> str:
    """A message safe to show a client: every absolute file path in it becomes "<path>" (logs keep the original)."""
    return _ABSOLUTE_PATH.sub("<path>", text)
