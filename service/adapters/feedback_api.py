"""POST /api/v1/feedback: a "Helpful / Not helpful" vote on an answer, from the widget or any API client.

The vote names the answer by the `answer_id` every answer carries (the id Slack's buttons send too) and repeats
its question and intent, so a row reads on its own. It lands in the same feedback table as Slack's votes
(service/feedback.py), is limited per client like questions, and counts once per client and answer for an hour
(the de-duplication store Slack uses: shared through Redis when CABLEWISE_RATE_LIMIT_STORAGE is redis://).
"""

from __future__ import annotations

import logging
from typing import Literal

from flask import Blueprint
from flask import Flask
from flask import Response
from flask import current_app
from flask import request
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import StrictBool
from pydantic import ValidationError
from spectree import Response as SpecResponse
from sqlalchemy.exc import SQLAlchemyError

from service.adapters.dedup import SeenKeys
from service.adapters.dedup import keys_from_url
from service.adapters.http_api import read_json_object
from service.adapters.http_api import spec
from service.adapters.rate_limit import RateLimit
from service.adapters.schemas import ProblemDetail
from service.errors import InvalidQuestion
from service.errors import StorageUnavailable
from service.storage import records as stored_records
from service.storage.database import SchemaNotReady
from service.storage.tables import MAX_QUESTION_CHARS
from service.types import Intent

log = logging.getLogger("cablewise.feedback")

FEEDBACK_PATH = "/api/v1/feedback"
EXTENSION = "cablewise.feedback_api"
VOTE_TTL_S = 3600.0

bp = Blueprint("feedback_api", __name__)


class FeedbackRequest(BaseModel):
    """POST /api/v1/feedback body."""

    model_config = ConfigDict(extra="ignore")

    answer_id: str = Field(pattern=r"^[0-9a-f]{16}$", description="The answer's `answer_id`.")
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS, description="The answer's `question`.")
    intent: Intent = Field(description="The answer's `intent`.")
    helpful: StrictBool = Field(description="true: helpful; false: not helpful.")
    channel: Literal["widget", "api"] = Field(
        "widget", description="Where the vote was given; statistics only."
    )


class _Limits:
    def __init__(self, limit: RateLimit, seen: SeenKeys) -> None:
        self.limit = limit
        self.seen = seen


def register(app: Flask, rate_limit: str, storage_uri: str) -> None:
    """Mount POST /api/v1/feedback, limited per client by `rate_limit` in `storage_uri`."""
    app.extensions[EXTENSION] = _Limits(
        RateLimit(rate_limit, storage_uri, scope="feedback"), keys_from_url(storage_uri)
    )
    app.register_blueprint(bp)


@bp.post(FEEDBACK_PATH)
@spec.validate(
    json=FeedbackRequest,
    resp=SpecResponse(
        HTTP_204=None,
        HTTP_400=ProblemDetail,
        HTTP_408=ProblemDetail,
        HTTP_413=ProblemDetail,
        HTTP_415=ProblemDetail,
        HTTP_422=ProblemDetail,
        HTTP_429=ProblemDetail,
        HTTP_503=ProblemDetail,
    ),
    skip_validation=True,  # validated below, so every error keeps the contract's problem+json shape
    tags=["feedback"],
)
def feedback():
    """Record a helpful / not-helpful vote on an answer; 204 (also for a repeated vote, which is not counted)."""
    limits: _Limits = current_app.extensions[EXTENSION]
    client = request.remote_addr or "unknown"
    limits.limit.hit(client)
    payload = read_json_object(request)
    try:
        vote = FeedbackRequest.model_validate(payload)
    except ValidationError as exc:
        errors = [
            {"loc": list(e["loc"]), "msg": str(e["msg"]).removeprefix("Value error, ")} for e in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in errors)
        raise InvalidQuestion(detail, errors=errors) from None
    key = f"vote:{client}:{vote.answer_id}"
    if not limits.seen.add(key, ttl=VOTE_TTL_S):
        return Response(status=204)  # this client's vote on this answer is already counted
    records = stored_records.of(current_app)
    try:
        records.feedback.record(
            channel=vote.channel,
            user="",  # the API knows no user
            question=vote.question,
            intent=vote.intent.value,
            helpful=vote.helpful,
            answer_id=vote.answer_id,
        )
    except (SQLAlchemyError, SchemaNotReady, OSError) as exc:
        limits.seen.discard(key)  # not counted: let the client try again
        log.error("feedback: database %s failed: %s", records.database.describe(), exc)
        raise StorageUnavailable("the vote could not be stored; try again later") from None
    return Response(status=204)
