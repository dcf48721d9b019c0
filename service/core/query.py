"""What the passage search looks for: the question's words, plus the class of each product it names.

"AT2020 into my UMC22, meters don't move" shares no word with the guide's "condenser mic is silent" passage; the
catalog knows the AT2020 is a condenser mic, so the lexical (BM25) half of the search is given that name too. The
sentence vector stays the question's own: the question is embedded once.
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
    extra = [name for name in dict.fromkeys(classes) if name.lower() not in reading.search_query.lower()]
    return " ".join([reading.search_query, *extra]) if extra else reading.search_query
