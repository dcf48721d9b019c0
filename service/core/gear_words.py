"""Read one end of a connection from a few words ("Scarlett 2i2", "a mic input", "laptop USB") as a Stop.

The connection planner takes its two ends as short phrases, not as a question; this reads them with the same
lexicon (aliases of gear.yaml and devices.yaml, port words, connector names, spelling correction) the question
reader uses, so "HS5" means here what it means in a question.
"""

from __future__ import annotations

from service.core.lexicon import clean
from service.core.lexicon import correct_spelling
from service.core.lexicon import find_mentions
from service.core.lexicon import lexicon_for
from service.core.lexicon import tokenize
from service.core.ontology import Ontology
from service.core.reading import Stop

MAX_ENDPOINT_CHARS = 200


class UnknownEndpoint(ValueError):
    """The words name no gear, port or connector the knowledge base knows."""


def read_endpoint(text: str, side: str, ontology: Ontology) -> Stop:
    """The gear (a product of gear.yaml before a device class), port words and connectors `text` names.

    `side` is "out" for the sending end and "in" for the receiving one.

    :raises UnknownEndpoint: nothing in the text is known, or the text is empty or too long.
    """
    words = " ".join(text.split())
    if not words:
        raise UnknownEndpoint("name a piece of gear or a port, e.g. 'Scarlett 2i2' or 'a mic input'")
    if len(words) > MAX_ENDPOINT_CHARS:
        raise UnknownEndpoint(f"keep each end under {MAX_ENDPOINT_CHARS} characters")
    lexicon = lexicon_for(ontology)
    tokens, _ = correct_spelling(tokenize(clean(words)), lexicon)
    mentions = find_mentions(tokens, lexicon)
    devices = [m for m in mentions if m.kind == "device"]
    # A product says more than its class ("2i2" over "interface"); among equals the longer phrase wins.
    devices.sort(key=lambda m: (not ontology.devices[m.id].kind, -(m.end - m.start), m.start))
    qualifiers = tuple(dict.fromkeys(m.id for m in mentions if m.kind == "port"))
    families = tuple(dict.fromkeys(m.id for m in mentions if m.kind == "family"))
    if not devices and not qualifiers and not families:
        raise UnknownEndpoint(f"no gear, port or connector recognised in {words!r}")
    device = devices[0] if devices else None
    return Stop(
        device=device.id if device else None,
        # a product prints by its maker's name, a class by the user's own word ("laptop", not "computer")
        device_text=(ontology.devices[device.id].name if ontology.devices[device.id].kind else device.text)
        if device
        else "",
        qualifiers=qualifiers,
        role=side,
        families=families,
        text=words,
    )
