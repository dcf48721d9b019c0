"""Split guide articles (kb/articles/*.md) into passages, one per `## ` section."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from index.types import Passage

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^## +(.+?)\s*$", re.MULTILINE)
REQUIRED_KEYS = ("id", "title", "tags", "sources")


class ArticleError(ValueError):
    """An article is malformed; the message names the file and the reason."""


@dataclass(frozen=True, slots=True)
class Article:
    """One guide article with its sections in order."""

    id: str
    title: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    sections: tuple[tuple[str, str, str], ...]  # (anchor, heading, text)
    path: Path


def slugify(heading: str) -> str:
    """Make a stable URL anchor from a heading."""
    slug = re.sub(r"[^a-z0-9]+", "-", heading.lower()).strip("-")
    return slug or "section"


def read_article(path: Path) -> Article:
    """Parse one article; raise ArticleError naming the file when its front matter or body is wrong."""
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise ArticleError(f"{path}: missing front matter between '---' lines")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise ArticleError(f"{path}: front matter is not valid YAML: {exc}") from exc
    for key in REQUIRED_KEYS:
        if not meta.get(key):
            raise ArticleError(f"{path}: front matter needs '{key}'")
    if meta["id"] != path.stem:
        raise ArticleError(f"{path}: id '{meta['id']}' must equal the file name '{path.stem}'")
    body = text[match.end() :]
    sections = []
    parts = _HEADING.split(body)
    intro = parts[0].strip()
    if intro:
        sections.append(("overview", "Overview", intro))
    seen = set()
    for heading, section_text in zip(parts[1::2], parts[2::2], strict=True):
        anchor = slugify(heading)
        if anchor in seen:
            raise ArticleError(f"{path}: two sections share the heading anchor '{anchor}'")
        seen.add(anchor)
        if section_text.strip():
            sections.append((anchor, heading.strip(), section_text.strip()))
    if not sections:
        raise ArticleError(f"{path}: has no text")
    return Article(
        id=meta["id"],
        title=str(meta["title"]),
        tags=tuple(str(t) for t in meta["tags"]),
        sources=tuple(str(s) for s in meta["sources"]),
        sections=tuple(sections),
        path=path,
    )


def read_articles(articles_dir: Path) -> list[Article]:
    """Read every article in a folder, sorted by file name so ids and order are stable."""
    return [read_article(path) for path in sorted(articles_dir.glob("*.md"))]


def article_passages(article: Article) -> list[Passage]:
    """One passage per section; the id is '<article>#<anchor>' so URLs stay stable across rebuilds."""
    return [
        Passage(
            id=f"{article.id}#{anchor}",
            article_id=article.id,
            title=article.title,
            heading=heading,
            text=text,
            sources=article.sources,
        )
        for anchor, heading, text in article.sections
    ]
