"""What the passage search looks for: the question's words, plus the class of each product it names.

A question that names its gear only by model ("my Vocaster One and the PodMic") shares few words with the guide's
passages, which speak of audio interfaces and dynamic mics; the catalog knows each product's class, so the search
text is given those names too. The pipeline embeds a new question once (this text feeds the lexical half of the
search); a follow-up's text, the question before it included, is embedded again.
"""

from __future__ import annotations

from service.core.ontology import Ontology
from service.core.reading import Reading


def with_gear_classes(reading: Reading, ontology: Ontology) -> str:
    """The search text: the reader's query and the class name of each product it names, where the query does not
    say it already."""
    classes = []
    for device_id in reading.devices:
        device = ontology.devices.get(device_id)
        if device is not None and device.kind and device.kind in ontology.devices:
            classes.append(ontology.devices[device.kind].name)
    # a class named by a model number ("AT2020", "C214") is said by its own name too; not one named by a nickname
    # ("the desk", "keys"), which the guide's words already cover
    for entity in reading.entities:
        device = ontology.devices.get(entity.id) if entity.kind == "device" else None
        if device is not None and not device.kind and any(c.isdigit() for c in entity.text):
            classes.append(device.name)
    extra = [name for name in dict.fromkeys(classes) if name.lower() not in reading.search_query.lower()]
    return " ".join([reading.search_query, *extra]) if extra else reading.search_query
