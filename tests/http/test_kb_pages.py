"""The served knowledge base: /kb/, /kb/<article> anchored per passage, /kb/ontology, and sanitizing."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from index.chunking import read_article
from index.chunking import read_articles
from service.app import create_app
from service.settings import Settings
from service.types import Answer
from service.types import Basis
from service.types import Intent

ROOT = Path(__file__).resolve().parents[2]
ARTICLES = ROOT / "kb" / "articles"


class FakeEngine:
    """The kb pages never ask the engine anything; the app only needs one to become ready."""

    def answer(self, question: str, context: dict | None = None) -> Answer:
        return Answer(question=question, intent=Intent.CONCEPT, text="ok", basis=Basis.NONE)


class Page(HTMLParser):
    """Every start tag with its attributes, every id, and the visible text of an HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text_parts.append(data)

    @property
    def ids(self) -> list[str]:
        return [attrs["id"] for _, attrs in self.tags if attrs.get("id")]

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture()
def kb_client(settings):
    """A client over the real kb/ (the engine is a fake: these pages do not answer questions)."""
    return create_app(settings, engine=FakeEngine()).test_client()


def test_index_lists_every_article(kb_client):
    response = kb_client.get("/kb/")
    page = Page(response.get_data(as_text=True))

    assert response.status_code == 200
    hrefs = {attrs["href"] for attrs in page.named("a")}
    for article in read_articles(ARTICLES):
        assert f"/kb/{article.id}" in hrefs, article.id
        assert article.title in page.text
    assert "/kb/ontology" in hrefs


@pytest.mark.parametrize("path", sorted(ARTICLES.glob("*.md")), ids=lambda p: p.stem)
def test_every_passage_of_every_article_has_its_anchor(kb_client, path):
    """A source url /kb/<article>#<anchor> must land on its passage, for every passage the index holds."""
    article = read_article(path)
    response = kb_client.get(f"/kb/{article.id}")
    page = Page(response.get_data(as_text=True))

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    ids = page.ids
    assert len(ids) == len(set(ids)), "duplicate ids on the page"
    sections = {attrs["id"]: attrs for attrs in page.named("section")}
    for anchor, heading, _ in article.sections:
        assert anchor in sections, anchor
        if anchor != "overview":
            assert heading in page.text
    assert article.title in page.text


def test_an_article_renders_its_markdown(kb_client):
    response = kb_client.get("/kb/trs-vs-ts")
    html = response.get_data(as_text=True)
    page = Page(html)

    assert [attrs["id"] for attrs in page.named("section")][:3] == [
        "telling-trs-and-ts-plugs-apart",
        "what-ts-and-trs-can-carry",
        "ts-plug-in-a-balanced-trs-jack",
    ]
    assert "A TS plug in a balanced TRS jack works" in page.text
    assert page.named("h1") and page.named("p")
    assert "##" not in page.text  # headings became elements, not text


def test_kb_pages_forbid_scripts(kb_client):
    for path in ("/kb/", "/kb/trs-vs-ts", "/kb/ontology"):
        policy = kb_client.get(path).headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy, path
        assert "script-src" not in policy  # falls back to default-src 'none': no script runs at all


@pytest.mark.parametrize(
    "article_id", ["no-such-article", "Trs-vs-ts", "trs_vs_ts", "trs-vs-ts.md", "..", "%2e%2e"]
)
def test_unknown_or_malformed_article_ids_are_404_problems(kb_client, article_id):
    response = kb_client.get(f"/kb/{article_id}")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_a_path_outside_the_articles_folder_cannot_be_read(kb_client):
    for path in ("/kb/../settings.py", "/kb/..%2f..%2fpyproject", "/kb/articles/trs-vs-ts"):
        response = kb_client.get(path)
        assert response.status_code == 404, path
        assert "build-system" not in response.get_data(as_text=True)


def test_ontology_page_anchors_every_fact_hazard_and_source(kb_client, ontology):
    response = kb_client.get("/kb/ontology")
    page = Page(response.get_data(as_text=True))

    assert response.status_code == 200
    ids = set(page.ids)
    assert set(ontology.facts) <= ids
    assert set(ontology.hazards) <= ids
    assert {f"source-{tag}" for tag in ontology.sources} <= ids
    hazard = ontology.hazards["phantom-into-unbalanced"]
    assert hazard.title in page.text
    assert hazard.severity in page.text  # severity in words, not colour alone
    fact = next(iter(ontology.facts.values()))
    assert " ".join(fact.text.split()) in page.text


def test_article_sources_link_to_the_ontology_page(kb_client, ontology):
    article = read_article(ARTICLES / "trs-vs-ts.md")
    page = Page(kb_client.get("/kb/trs-vs-ts").get_data(as_text=True))

    hrefs = {attrs["href"] for attrs in page.named("a")}
    for tag in article.sources:
        assert f"/kb/ontology#source-{tag}" in hrefs
        assert ontology.sources[tag].title in page.text


HOSTILE_ARTICLE = """\
---
id: hostile
title: "Cables <script>alert('title')</script>"
tags: [test]
sources: [R110]
---
Intro with <script>alert('intro')</script> and <img src=x onerror="alert('img')"> inline.

## Wiring <b onmouseover="alert('heading')">hot</b> pins
A [bad link](javascript:alert('link')) and a [good one](https://example.com/guide) and **bold** text.

<iframe src="https://evil.example"></iframe>

<div onclick="alert('div')">raw block</div>

- item one
- item <svg onload="alert('svg')">two</svg>
"""


@pytest.fixture()
def hostile_client(tmp_path, settings):
    """An app over a tmp kb whose only article tries every way of getting markup onto the page."""
    articles = tmp_path / "kb" / "articles"
    articles.mkdir(parents=True)
    (articles / "hostile.md").write_text(HOSTILE_ARTICLE, encoding="utf-8")
    tmp_settings = Settings(_env_file=None, **(settings.model_dump() | {"kb_dir": tmp_path / "kb"}))
    return create_app(tmp_settings, engine=FakeEngine()).test_client()


def test_markup_in_an_article_is_never_rendered_as_html(hostile_client):
    response = hostile_client.get("/kb/hostile")
    html = response.get_data(as_text=True)
    page = Page(html)

    assert response.status_code == 200
    tags = {name for name, _ in page.tags}
    assert not tags & {"script", "img", "iframe", "svg", "b"}
    for _, attrs in page.tags:
        assert not any(name.startswith("on") for name in attrs), attrs
        assert not str(attrs.get("href", "")).lower().startswith("javascript:"), attrs
    assert "[bad link](javascript:alert('link'))" in page.text  # refused as a link, left as text
    # The markup is shown as text, so the reader still sees what the author wrote.
    assert "<script>alert('intro')</script>" in page.text
    assert "Cables <script>alert('title')</script>" in page.text
    # What is allowed still works: bold, lists, a safe link (marked noopener), and the section anchor.
    assert page.named("strong") and page.named("li")
    good = [a for a in page.named("a") if a.get("href") == "https://example.com/guide"]
    assert good and "noopener" in (good[0].get("rel") or "")
    assert {"overview", "wiring-b-onmouseover-alert-heading-hot-b-pins"} <= set(page.ids)


def test_the_index_escapes_article_titles(hostile_client):
    page = Page(hostile_client.get("/kb/").get_data(as_text=True))

    assert "script" not in {name for name, _ in page.tags}
    assert "Cables <script>alert('title')</script>" in page.text
