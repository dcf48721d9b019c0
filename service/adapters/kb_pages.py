"""The served knowledge base: GET /kb/, /kb/<article> and /kb/ontology, the pages that answers cite.

Every section carries `id="<anchor>"` equal to the passage anchor the index uses (`index.chunking.slugify`),
so a source's url `/kb/<article>#<anchor>` opens at the passage. Article Markdown is rendered with raw HTML
turned off and then sanitized with nh3, so a kb file can never put a script on the page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import nh3
from flask import Blueprint
from flask import Flask
from flask import Response
from flask import abort
from flask import current_app
from flask import render_template
from flask import request
from markdown_it import MarkdownIt
from markupsafe import Markup

from index.chunking import Article
from index.chunking import read_article
from index.chunking import read_articles
from service.adapters import wiring_svg
from service.adapters.rate_limit import RateLimit
from service.core.ontology import Ontology
from service.errors import KBInvalid
from service.kb import load_ontology
from service.runtime import get_runtime

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ARTICLE_ID = re.compile(r"^[a-z0-9-]{1,100}$")  # bounded: a longer name is no article, and the OS refuses it
# kb pages run no script at all; the policy makes that hold even if sanitizing ever missed something.
# frame-ancestors 'none' (and X-Frame-Options for older browsers): no other site may frame these pages.
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
RATE_LIMIT_EXTENSION = "cablewise.kb_rate_limit"

bp = Blueprint("kb", __name__, url_prefix="/kb", template_folder=str(TEMPLATES))

# html=False: raw HTML in an article shows as text, it is not passed through; nh3 then strips anything else.
_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")


@dataclass(frozen=True)
class Section:
    """One rendered passage of an article."""

    anchor: str
    heading: str
    html: Markup
    intro: bool


def render_markdown(text: str) -> Markup:
    """Render article Markdown to sanitized HTML."""
    return Markup(nh3.clean(_markdown.render(text)))


@bp.before_request
def count_client() -> None:
    """Rate-limit the pages per client (each costs a render): 429 problem+json past CABLEWISE_KB_RATE_LIMIT."""
    limit = current_app.extensions.get(RATE_LIMIT_EXTENSION)
    if limit is not None:
        limit.hit(request.remote_addr or "unknown")


@bp.after_request
def forbid_scripts(response: Response) -> Response:
    """Send the no-script Content-Security-Policy, which also forbids framing, on every kb page."""
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/")
def index() -> str:
    """List the guide articles, and link the ontology page."""
    articles = read_articles(_settings().kb_dir / "articles")
    return render_template("kb_index.html", articles=articles)


@bp.get("/ontology")
def ontology() -> str:
    """Show the ontology's facts, hazards and sources, each anchored by its id (answers link `#<fact id>`)."""
    onto = _ontology(_settings().kb_dir)
    return render_template(
        "kb_ontology.html",
        facts=sorted(onto.facts.values(), key=lambda f: f.id),
        hazards=sorted(onto.hazards.values(), key=lambda h: h.id),
        sources=sorted(onto.sources.items()),
        cables=wiring_svg.named_cables(onto, _settings().kb_dir),
        pairs=wiring_svg.pairs_by_end(onto, _settings().kb_dir),
    )


@bp.get("/<article_id>")
def article(article_id: str) -> str:
    """Render one article with one anchored section per passage.

    :raise 404: the id is malformed or no such article exists.
    """
    if not ARTICLE_ID.match(article_id):
        abort(404, description=f"no article {article_id!r}: ids are lowercase letters, digits and hyphens")
    path = _settings().kb_dir / "articles" / f"{article_id}.md"
    if not path.is_file():
        abort(404, description=f"no article {article_id!r} in the knowledge base")
    doc = read_article(path)
    return render_template(
        "kb_article.html", article=doc, sections=_sections(doc), source_titles=_source_titles()
    )


def register(app: Flask, rate_limit: str | None = None, storage_uri: str = "memory://") -> None:
    """Mount the /kb pages, limited per client by `rate_limit` (limits syntax) when given."""
    if rate_limit:
        app.extensions[RATE_LIMIT_EXTENSION] = RateLimit(rate_limit, storage_uri, scope="kb")
    app.register_blueprint(bp)


def _sections(doc: Article) -> list[Section]:
    return [
        Section(anchor, heading, render_markdown(text), intro=anchor == "overview")
        for anchor, heading, text in doc.sections
    ]


def _settings():
    return get_runtime(current_app).settings


def _source_titles() -> dict[str, str]:
    # A kb folder without ontology files (a test's tmp kb) still renders; its source tags just show bare.
    try:
        return {tag: source.title for tag, source in _ontology(_settings().kb_dir).sources.items()}
    except KBInvalid:
        return {}


@lru_cache(maxsize=4)
def _ontology(kb_dir: Path) -> Ontology:
    # Loaded once (loading validates every file again), and again after a hot reload from a changed kb/.
    return load_ontology(kb_dir)


def forget_knowledge() -> None:
    """After a hot reload from a changed kb/ (service/index_reload.py): read the ontology again when needed."""
    _ontology.cache_clear()
