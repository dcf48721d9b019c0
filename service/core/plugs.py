"""The contract's cable-end names ("XLR-female", "dual TS-male") read back into connector families."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from service.core.ontology import Ontology

# The rules name one end of a Y-split or stereo pair "dual <plug>" (service/core/rules.py); this reads it back.
DUAL_PREFIX = "dual "


@dataclass(frozen=True, slots=True)
class PlugEnd:
    """One named cable end: its family, the XLR gender when the family has genders, and whether it is doubled."""

    family: str
    gender: str | None
    dual: bool
    plug: str  # the contract name without the dual prefix


@functools.lru_cache(maxsize=8)
def _plug_table(ontology: Ontology) -> dict[str, tuple[str, str | None]]:
    table: dict[str, tuple[str, str | None]] = {}
    for family_id, family in ontology.families.items():
        if isinstance(family.plug, dict):
            for gender, name in family.plug.items():
                table[name] = (family_id, gender)
        elif family.plug:
            table[family.plug] = (family_id, None)
    return table


def read_end(name: str, ontology: Ontology) -> PlugEnd | None:
    """The family behind a contract end name, or None when no family has that plug."""
    dual = name.startswith(DUAL_PREFIX)
    plug = name.removeprefix(DUAL_PREFIX)
    found = _plug_table(ontology).get(plug)
    if found is None:
        return None
    return PlugEnd(found[0], found[1], dual, plug)


def end_name(family_id: str, gender: str | None, dual: bool, ontology: Ontology) -> str | None:
    """The contract name of a family's plug ("XLR-male"), "dual " first when the end is doubled."""
    plug = ontology.plug_of(family_id, gender)
    if plug is None:
        return None
    return f"{DUAL_PREFIX}{plug}" if dual else plug
