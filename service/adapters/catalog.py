"""The shop's product feed (CABLEWISE_CATALOG): read a Google Merchant Center CSV or TSV into products.

Each row is checked at the edge (pydantic): a row without an id or title, with a link that is not http(s), a price
that is not "12.90 USD", an availability Merchant Center does not define, a duplicate id, or ends that cannot be
read (service/core/products.py) is left out and reported with its line and reason; every other row is kept.
`cablewise catalog check FEED` prints that report; the service logs how many rows it left out.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import ValidationError
from pydantic import field_validator

from service.core.ontology import Ontology
from service.core.products import Availability
from service.core.products import Catalog
from service.core.products import Product
from service.core.products import ShopKind
from service.core.products import ShopReading
from service.core.products import Unreadable
from service.core.products import cable_need
from service.core.products import fitting_products
from service.core.products import read_cable
from service.errors import KBInvalid
from service.types import Answer

log = logging.getLogger("cablewise.catalog")

REQUIRED_COLUMNS = ("id", "title", "link", "price", "availability")
LABEL_COLUMNS = tuple(f"custom_label_{i}" for i in range(5))
_PRICE = re.compile(r"^\s*(\d{1,7}(?:\.\d{1,2})?)\s+([A-Z]{3})\s*$")
MAX_FEED_BYTES = 50 * 1024 * 1024
MAX_PRODUCTS = 4  # product cards under one answer


class CatalogError(ValueError):
    """The feed as a whole cannot be read (missing file, not UTF-8, no header, a required column missing)."""


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A feed row that is not offered, with the line it starts on and why."""

    line: int
    id: str
    reason: str


@dataclass(frozen=True)
class FeedReport:
    """What reading a feed gave: the products kept, and the rows left out."""

    catalog: Catalog
    left_out: tuple[LeftOut, ...]
    rows: int


class FeedRow(BaseModel):
    """One row of the feed, as Merchant Center defines its columns (extra columns are ignored)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    id: str
    title: str
    link: str
    price: str
    availability: str
    description: str = ""
    labels: tuple[str, ...] = ()

    @field_validator("id", "title")
    @classmethod
    def _present(cls, value: str) -> str:
        if not value:
            raise ValueError("is empty")
        return value

    @field_validator("link")
    @classmethod
    def _web_link(cls, value: str) -> str:
        # The widget shows it as a link: anything but an http(s) URL (javascript:, data:) is refused.
        if not re.match(r"^https?://[^\s/]+\.[^\s]+$", value, flags=re.IGNORECASE):
            raise ValueError(f"is not an http(s) URL: {value[:60]!r}")
        return value

    @field_validator("price")
    @classmethod
    def _price(cls, value: str) -> str:
        if not _PRICE.match(value):
            raise ValueError(f"is not a price such as '12.90 USD': {value[:40]!r}")
        return value

    @field_validator("availability")
    @classmethod
    def _availability(cls, value: str) -> str:
        # Merchant Center's older spelling uses spaces ("in stock").
        normal = value.strip().lower().replace(" ", "_")
        if normal not in {a.value for a in Availability}:
            known = ", ".join(a.value for a in Availability)
            raise ValueError(f"is not one of {known}: {value[:40]!r}")
        return normal


def read_feed(path: Path, ontology: Ontology, reading: ShopReading) -> FeedReport:
    """Read a CSV or TSV feed (the delimiter is the header's: a tab or a comma).

    :raises CatalogError: the file as a whole cannot be read, with the reason.
    """
    try:
        if path.stat().st_size > MAX_FEED_BYTES:
            raise CatalogError(f"{path}: larger than {MAX_FEED_BYTES // (1024 * 1024)} MiB")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CatalogError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise CatalogError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise CatalogError(f"{path}: cannot be read ({exc.strerror})") from None
    return parse_feed(text, ontology, reading, name=str(path))


def parse_feed(text: str, ontology: Ontology, reading: ShopReading, *, name: str = "feed") -> FeedReport:
    """Parse the feed's text; see read_feed."""
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line else ","
    rows = csv.reader(text.splitlines(keepends=True), delimiter=delimiter)
    try:
        header = [_column(c) for c in next(rows)]
    except StopIteration:
        raise CatalogError(f"{name}: empty, no header line") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise CatalogError(
            f"{name}: the header has no column {', '.join(missing)} (found: {', '.join(header)})"
        )

    products: list[Product] = []
    left_out: list[LeftOut] = []
    seen: dict[str, int] = {}
    count = 0
    line = rows.line_num + 1
    try:
        for cells in rows:
            start, line = line, rows.line_num + 1
            if not any(c.strip() for c in cells):
                continue  # blank line
            count += 1
            kept = _row(cells, header, start, seen, ontology, reading)
            if isinstance(kept, LeftOut):
                left_out.append(kept)
            else:
                products.append(kept)
                seen[kept.id] = start
    except csv.Error as exc:
        # an unclosed quote swallows the rest of the file: say where it starts rather than lose rows silently
        left_out.append(LeftOut(line, "", f"unreadable from here on: {exc}"))
    return FeedReport(Catalog.of(products), tuple(left_out), count)


def _column(name: str) -> str:
    # Merchant Center also accepts "g:id" and "Custom label 0"-style headers
    name = name.strip().lower().removeprefix("g:")
    return re.sub(r"[\s-]+", "_", name)


def _row(
    cells: list[str],
    header: list[str],
    line: int,
    seen: dict[str, int],
    ontology: Ontology,
    reading: ShopReading,
) -> Product | LeftOut:
    if len(cells) > len(header):
        return LeftOut(
            line, cells[0].strip() if cells else "", f"{len(cells)} fields, the header has {len(header)}"
        )
    values: dict[str, Any] = dict(zip(header, cells, strict=False))
    values["labels"] = tuple(values.get(c, "") for c in LABEL_COLUMNS if values.get(c, "").strip())
    ident = (values.get("id") or "").strip()
    try:
        row = FeedRow.model_validate(values)
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc'])} {_msg(e)}" for e in exc.errors())
        return LeftOut(line, ident, reasons)
    if row.id in seen:
        return LeftOut(line, row.id, f"id repeats the row on line {seen[row.id]}")
    cable = read_cable(row.title, row.labels, ontology, reading)
    if isinstance(cable, Unreadable):
        return LeftOut(line, row.id, cable.reason)
    amount, currency = _PRICE.match(row.price).groups()  # type: ignore[union-attr]  # validated above
    try:
        price = Decimal(amount)
    except InvalidOperation:  # pragma: no cover - the pattern admits only decimals
        return LeftOut(line, row.id, f"price {row.price!r} is not a number")
    return Product(row.id, row.title, row.link, price, currency, Availability(row.availability), cable, line)


def _msg(error: dict) -> str:
    if error["type"] == "missing":
        return "is missing"
    return str(error["msg"]).removeprefix("Value error, ")


# kb/shop.yaml


def load_shop_reading(kb_dir: Path, ontology: Ontology) -> ShopReading:
    """Read kb/shop.yaml (how a feed is read) and check its names against the ontology.

    :raises KBInvalid: naming the key and the reason.
    """
    from service.kb import _mapping
    from service.kb import _read_yaml

    raw = _read_yaml(kb_dir / "shop.yaml")
    domains = {port.domain for port in ontology.ports.values()}
    known = {
        "cables": set(ontology.cables),
        "balance": set(ontology.terms.balance_words),
        "port_domains": domains,
        "any_end": set(ontology.families),
        "every_end": set(ontology.families),
    }
    kinds = []
    for kind_id, body in _mapping("shop", "kinds", raw.get("kinds")).items():
        body = _mapping("shop", f"kinds.{kind_id}", body)
        unknown = set(body) - set(known) - {"name"}
        if unknown:
            raise KBInvalid(f"kb/shop.yaml: kinds.{kind_id}: unknown keys {sorted(unknown)}")
        if not isinstance(body.get("name"), str):
            raise KBInvalid(f"kb/shop.yaml: kinds.{kind_id}.name: must be text")
        lists = {}
        for key, ids in known.items():
            values = body.get(key) or []
            if not isinstance(values, list) or any(v not in ids for v in values):
                raise KBInvalid(f"kb/shop.yaml: kinds.{kind_id}.{key}: must list known ids, got {values!r}")
            lists[key] = frozenset(values)
        kinds.append(ShopKind(kind_id, body["name"], **lists))
    default = raw.get("answer_default")
    if default not in {k.id for k in kinds}:
        raise KBInvalid(f"kb/shop.yaml: answer_default: {default!r} is not one of the kinds")
    words = raw.get("one_way_words") or []
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise KBInvalid("kb/shop.yaml: one_way_words: must be a list of phrases")
    return ShopReading(tuple(kinds), default, tuple(words))


# The running service's catalog


class ShopCatalog:
    """The service's catalog: the feed read once per ontology (a hot-reloaded kb reads it again)."""

    def __init__(self, feed: Path | None, kb_dir: Path) -> None:
        self.feed = feed
        self.kb_dir = kb_dir
        self._lock = threading.Lock()
        self._read: tuple[Ontology, ShopReading, Catalog] | None = None

    def for_ontology(self, ontology: Ontology) -> tuple[ShopReading, Catalog] | None:
        """The shop reading and catalog read with this ontology; None when no feed is set or it is unreadable."""
        if self.feed is None:
            return None
        current = self._read
        if current is None or current[0] is not ontology:
            with self._lock:
                current = self._read
                if current is None or current[0] is not ontology:
                    current = self._load(ontology)
                    self._read = current
        return (current[1], current[2]) if current[2].products else None

    def _load(self, ontology: Ontology) -> tuple[Ontology, ShopReading, Catalog]:
        try:
            reading = load_shop_reading(self.kb_dir, ontology)
        except KBInvalid as exc:  # `cablewise kb check` reports it; answers go on without products
            log.error("shop catalog not read, answers list no products: %s", exc.detail)
            return ontology, ShopReading((), ""), Catalog()
        try:
            report = read_feed(self.feed, ontology, reading)  # type: ignore[arg-type]  # checked by the caller
        except CatalogError as exc:
            log.error("shop catalog not read, answers list no products: %s", exc)
            return ontology, reading, Catalog()
        if report.left_out:
            log.warning(
                "shop catalog: %d of %d rows left out; `cablewise catalog check %s` lists them",
                len(report.left_out),
                report.rows,
                self.feed,
            )
        log.info("shop catalog: %d products from %s", len(report.catalog.products), self.feed)
        return ontology, reading, report.catalog


def install(app, feed: Path | None, kb_dir: Path) -> None:
    """Keep the app's catalog in app.extensions."""
    app.extensions["cablewise.catalog"] = ShopCatalog(feed, kb_dir)


def of(app) -> ShopCatalog:
    """The app's catalog (an empty one when none was installed)."""
    return app.extensions.get("cablewise.catalog") or ShopCatalog(None, Path())


def fitting(app, engine, answer: Answer, limit: int = MAX_PRODUCTS) -> tuple[Product, ...]:
    """The catalog's products that fit the answer's cable (none without a catalog or a cable)."""
    ontology = getattr(engine, "ontology", None)
    read = of(app).for_ontology(ontology) if ontology is not None else None
    if read is None:
        return ()
    reading, catalog = read
    return fitting_products(cable_need(answer, ontology, reading), catalog, limit)
