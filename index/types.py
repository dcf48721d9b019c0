"""Plain data shared by the index builder and the service; no heavy imports here."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Passage:
    """One retrievable piece of knowledge: a guide section or an ontology fact."""

    id: str  # "<article>#<section>" for guides, "fact:<ontology id>" for ontology facts
    article_id: str
    title: str
    heading: str
    text: str
    sources: tuple[str, ...] = ()
    kind: str = "guide"  # "guide" or "fact"

    @property
    def url(self) -> str:
        """Where the passage can be read in the served knowledge base."""
        if self.kind != "guide":
            return f"/kb/ontology#{self.article_id}"
        anchor = self.id.split("#", 1)[1] if "#" in self.id else ""
        return f"/kb/{self.article_id}#{anchor}" if anchor else f"/kb/{self.article_id}"

    def search_text(self) -> str:
        """The text that is embedded and indexed: title and heading give the section its topic."""
        return f"{self.title}. {self.heading}. {self.text}"


@dataclass(frozen=True, slots=True)
class ScoredPassage:
    """A passage with the fused retrieval score it was found with."""

    passage: Passage
    score: float


@dataclass(frozen=True, slots=True)
class Manifest:
    """Describes a built index so a loader can refuse one built differently."""

    format_version: int
    model_name: str
    dim: int
    kb_sha256: str
    count: int
    built_at: str
    metric: str = "ip"
    normalized: bool = True
    extra: dict[str, str] = field(default_factory=dict)
    # The version folder's name, written by store.save; "" for an index built before versions were named.
    version: str = ""
