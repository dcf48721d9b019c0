"""Every hostile or malformed request of the reliability table gets the contract's answer (issue 13).

The same table (tests/reliability/bad_inputs.py) is sent to the live server by `make reliability`.
"""

from __future__ import annotations

import pytest

from tests.reliability.bad_inputs import TABLE
from tests.reliability.bad_inputs import off_contract


@pytest.mark.parametrize("item", TABLE, ids=[item.name for item in TABLE])
def test_a_bad_input_is_answered_on_contract(client, item):
    response = client.open(item.path, method=item.method, data=item.body, headers=item.headers)
    reason = off_contract(item, response.status_code, dict(response.headers), response.get_data())
    assert reason is None, f"{item.name}: {reason}: {response.get_data()[:300]!r}"


def test_the_checker_catches_an_off_contract_answer():
    [item] = [i for i in TABLE if i.name == "not JSON"]
    assert off_contract(item, 500, {"X-Request-ID": "a"}, b"{}")
    assert off_contract(item, 400, {"X-Request-ID": "a", "Content-Type": "application/json"}, b"{}")
    problem = b'{"type": "t", "title": "t", "status": 400, "detail": "d"}'
    assert off_contract(item, 400, {"Content-Type": "application/problem+json"}, problem)  # no request id
    ok = {"X-Request-ID": "a", "Content-Type": "application/problem+json"}
    assert off_contract(item, 400, ok, problem) is None
