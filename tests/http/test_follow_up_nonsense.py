"""Nonsense sent with a follow-up context must not re-answer the previous question (issue 13, item 8).

Fixed in the core (issue 13): a message with a context is read as a follow-up only when it is made of words the
reader knows or carries audio evidence. Found there, not in the adapters: `service/core/intent.py` `decide()` never refuses a message of 12 words or
fewer that comes with a context (`follow_up and words <= FOLLOW_UP_WORDS`), whatever it says; then
`service/core/normalize.py` `_apply_context()` copies the previous answer's links into any message that names no
new gear, cue word or not, so the previous verdict and cable come back as if the question had been asked again.
"""

from __future__ import annotations

import pytest

NONSENSE = ["asdfgh qwerty", "\U0001f642\U0001f642\U0001f642", "zzzz", "lorem ipsum dolor"]


@pytest.mark.parametrize("nonsense", NONSENSE)
def test_nonsense_with_a_context_does_not_repeat_the_previous_verdict(client, nonsense):
    first = client.post("/api/v1/ask", json={"question": "is TRS-to-TS balanced?"}).get_json()
    assert first["verdict"]["balanced"] is False and first["cable"]  # the answer a re-answer would repeat
    response = client.post("/api/v1/ask", json={"question": nonsense, "context": first["context"]})
    assert response.status_code == 200
    body = response.get_json()
    # Refused, or answered as a fresh question: either way nothing of the previous link's verdict or cable.
    assert body["verdict"] is None and body["cable"] is None, (body["intent"], body["answer"][:120])


def test_a_real_follow_up_still_uses_the_context(client):
    """The guard for the fix above: a genuine elliptical follow-up keeps working."""
    first = client.post("/api/v1/ask", json={"question": "is TRS-to-TS balanced?"}).get_json()
    body = client.post(
        "/api/v1/ask", json={"question": "and with XLR?", "context": first["context"]}
    ).get_json()
    assert body["note"] is None and "XLR" in body["cable"]["name"]
