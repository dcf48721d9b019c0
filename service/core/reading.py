"""What a question was read as: the typed output of normalize.py and the input of rules.py."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from typing import Any

from service.types import Entity
from service.types import Intent

SINGLE_INPUT = "single"  # Stop.channels of an input said to be one of several: it takes one channel
TWO_INPUTS = (
    "two"  # Stop.channels of inputs said to be two ("the two line inputs", "inputs 1 and 2"): one leg each
)


@dataclass(frozen=True, slots=True)
class Stop:
    """One end of a link as the question describes it: a device, a port, or both."""

    device: str | None = None
    device_text: str = ""  # the word used for the device ("synth" and "keyboard" are one device kind)
    qualifiers: tuple[str, ...] = ()  # port words: line, mic, instrument, headphone, speaker, midi...
    role: str | None = None  # out | in, when the question says so
    families: tuple[str, ...] = ()  # connector families named for this end
    gender: str | None = None
    balance: str | None = (
        None  # balanced | unbalanced | impedance_balanced | either, when stated; unknown: said not known
    )
    formats: tuple[str, ...] = ()
    level: str | None = None
    text: str = ""
    position: int = 0
    dual: bool = False
    channels: str | None = (
        None  # mono | stereo | single, when said ("a stereo RCA input", "into ONE line in")
    )
    numbered: bool = False  # "input 1", "channel 3": an input said by its number, a channel of the gear

    def to_context(self) -> dict[str, Any]:
        """A compact form to send back to the client for follow-ups."""
        return {k: v for k, v in _asdict(self).items() if v not in (None, (), "", False, 0)}

    @classmethod
    def from_context(cls, data: dict[str, Any]) -> Stop:
        """Rebuild a Stop from its compact form (unknown keys are ignored)."""
        return cls(**_from_dict(cls, data))


@dataclass(frozen=True, slots=True)
class CableSpec:
    """A cable the question names: its ends in the order given (families), and its kind."""

    ends: tuple[str, ...] = ()
    genders: tuple[str | None, ...] = ()
    duals: tuple[bool, ...] = ()
    kind: str = "signal"  # signal | instrument | speaker | control | insert | digital
    text: str = ""
    position: int = 0
    explicit_ends: bool = False  # "X to Y" was said, so the order and the genders are the user's

    def to_context(self) -> dict[str, Any]:
        """A compact form to send back to the client for follow-ups."""
        return {k: v for k, v in _asdict(self).items() if v not in (None, (), "", False, 0)}

    @classmethod
    def from_context(cls, data: dict[str, Any]) -> CableSpec:
        """Rebuild a CableSpec from its compact form."""
        return cls(**_from_dict(cls, data))


@dataclass(frozen=True, slots=True)
class LinkSpec:
    """Output -> cable -> input, any part possibly unknown."""

    source: Stop | None = None
    cable: CableSpec | None = None
    dest: Stop | None = None

    def to_context(self) -> dict[str, Any]:
        """A compact form to send back to the client for follow-ups."""
        out: dict[str, Any] = {}
        if self.source:
            out["source"] = self.source.to_context()
        if self.cable:
            out["cable"] = self.cable.to_context()
        if self.dest:
            out["dest"] = self.dest.to_context()
        return out

    @classmethod
    def from_context(cls, data: dict[str, Any]) -> LinkSpec:
        """Rebuild a LinkSpec from its compact form."""
        return cls(
            source=Stop.from_context(data["source"]) if isinstance(data.get("source"), dict) else None,
            cable=CableSpec.from_context(data["cable"]) if isinstance(data.get("cable"), dict) else None,
            dest=Stop.from_context(data["dest"]) if isinstance(data.get("dest"), dict) else None,
        )


@dataclass(frozen=True)
class Reading:
    """Everything normalize.py understood about a question."""

    question: str
    cleaned: str
    intent: Intent
    entities: tuple[Entity, ...] = ()
    links: tuple[LinkSpec, ...] = ()
    phantom: str = "unknown"  # on | off | unknown
    phantom_needed: bool = False  # the question says the gear needs phantom power to work at all
    phantom_said: bool = False  # the question mentions phantom power at all ("must I turn 48V on?")
    length_m: float | None = None
    sample_rate_khz: float | None = None  # the highest sample rate the question states ("at 96k")
    speaker_loads: tuple[float, ...] = ()  # speaker impedances stated ("4 ohm cab", "16 ohm output")
    wired_unbalanced: bool = False  # the cable is said to be wired unbalanced ("pin 3 tied to pin 1")
    balance_unstated: bool = (
        False  # the gear's papers are said not to tell its balance ("the manual doesn't say")
    )
    formats: tuple[str, ...] = ()
    families: tuple[str, ...] = ()  # every connector family named, in order
    devices: tuple[str, ...] = ()
    # gear the earlier turns of a conversation named (a follow-up's "unplug the speaker" is about their valve amp)
    devices_before: tuple[str, ...] = ()
    is_chain: bool = False
    drawn: bool = False  # the user drew the chain with arrows ("mic -> pre -> interface")
    hop: int | None = None  # the link a "which cable for the X-to-Y hop" question asks about
    refusal: str | None = None  # why the question is out of domain
    # the hazards the question's own words raise (service/core/hazard_words.py), read once for reader and rules
    hazards_said: tuple[str, ...] = ()
    follow_up: bool = False
    corrections: tuple[tuple[str, str], ...] = ()
    search_query: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)  # soft signals for confidence ("guessed the port")
    understanding: Any = None  # the classifier's Understanding (service/core/intent.py)
    intent_confidence: float = 0.0
    elliptical: bool = False  # the classifier read it as a follow-up to the answer before it
    # the question uses a balance word (balanced, unbalanced, impedance-balanced...)
    mentions_balance: bool = False
    fit: Any = (
        None  # a plug variant put in a jack variant (service/core/fit.py PlugFit), when the question says
    )

    def with_intent(self, intent: Intent) -> Reading:
        """Return a copy with another intent."""
        return replace(self, intent=intent)


def _asdict(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__slots__}


def _from_dict(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Keep only well-typed fields: a context comes back from a client and may have been tampered with."""
    defaults = cls()
    out = {}
    for key, value in data.items():
        if key not in cls.__slots__:
            continue
        default = getattr(defaults, key)
        if isinstance(default, tuple):
            if isinstance(value, list | tuple) and all(v is None or isinstance(v, str | bool) for v in value):
                out[key] = tuple(value)
        elif isinstance(default, bool):
            if isinstance(value, bool):
                out[key] = value
        elif isinstance(default, int):
            if isinstance(value, int) and not isinstance(value, bool):
                out[key] = value
        elif isinstance(value, str):
            out[key] = value
    return out
