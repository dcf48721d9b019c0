"""The service against its own OpenAPI document: schemathesis generates requests for every documented operation,
valid ones and invalid ones, and checks every response (no server error; a documented status, content type,
header set and body schema). In-process (WSGI) with a few examples per operation and mode, derandomized so a
failure repeats; `make reliability` runs the same checks against the live server with many more cases.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

EXAMPLES = 25
# Operations whose schema-valid body may still name nothing the knowledge base knows ("from 1 to 1"): a 422
# there is the contract's answer, not a rejected valid request. /api/v1/ask answers any valid question.
LOOKUPS = {"/api/v1/plan"}


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_the_service_keeps_its_document(app, mode):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8  # the API, the health checks, the pages, the widget, /metrics
    for operation in operations:
        if mode is GenerationMode.NEGATIVE and not operation.body:
            continue  # a path or query string of any value cannot be made invalid
        excluded = [positive_data_acceptance] if operation.path in LOOKUPS else []
        _keeps_document(operation, mode, excluded)


def _keeps_document(operation, mode, excluded) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
    def keeps_document(case):
        case.call_and_validate(excluded_checks=excluded)

    keeps_document()
