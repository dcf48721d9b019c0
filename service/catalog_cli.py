"""`cablewise catalog check FEED`: read a product feed as the service does and list every row it leaves out."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `catalog check FEED` to the command line."""
    catalog = sub.add_parser("catalog", help="the shop's product feed (CABLEWISE_CATALOG)")
    catalog_sub = catalog.add_subparsers(dest="catalog_command", required=True)
    check = catalog_sub.add_parser(
        "check", help="read a feed as the service does; list each row left out, with its line and reason"
    )
    check.add_argument("feed", type=Path, nargs="?", help="CSV or TSV feed (default: CABLEWISE_CATALOG)")
    check.add_argument("--products", action="store_true", help="also list each product kept, as read")


def run(args: argparse.Namespace) -> int:
    """0 when every row was read, 1 when rows were left out, 2 when the feed cannot be read at all."""
    from service.adapters.catalog import CatalogError
    from service.adapters.catalog import load_shop_reading
    from service.adapters.catalog import read_feed
    from service.kb import load_ontology
    from service.settings import Settings

    settings = Settings()
    feed = args.feed or settings.catalog
    if feed is None:
        print("error: no feed given and CABLEWISE_CATALOG is empty", file=sys.stderr)
        return 2
    ontology = load_ontology(settings.kb_dir)
    reading = load_shop_reading(settings.kb_dir, ontology)
    try:
        report = read_feed(feed, ontology, reading)
    except CatalogError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.products:
        for p in report.catalog.products:
            c = p.cable
            length = f"{c.length_m:g} m" if c.length_m is not None else "-"
            direction = "" if c.reversible else " (one way)"
            print(f"line {p.line}: {p.id}: {c.from_end} to {c.to_end}{direction}, {c.kind}, {length}")
    for row in report.left_out:
        print(f"line {row.line}: {row.id or '(no id)'}: {row.reason}")
    kept = len(report.catalog.products)
    print(f"{feed}: {report.rows} rows, {kept} products kept, {len(report.left_out)} left out")
    return 1 if report.left_out else 0


def check_kb_files(kb_dir: Path, ontology) -> None:
    """Validate kb/shop.yaml and kb/wiring.yaml against the ontology (`cablewise kb check` runs this).

    :raises KBInvalid: naming the file, the key and the reason.
    """
    from service.adapters.catalog import load_shop_reading
    from service.adapters.wiring_svg import load_drawing

    load_shop_reading(kb_dir, ontology)
    load_drawing(kb_dir, ontology)


def products_for(answer, ontology, settings) -> tuple:
    """The products of CABLEWISE_CATALOG that fit the answer's cable, for `cablewise ask`."""
    from service.adapters.catalog import MAX_PRODUCTS
    from service.adapters.catalog import ShopCatalog
    from service.core.products import cable_need
    from service.core.products import fitting_products

    read = ShopCatalog(settings.catalog, settings.kb_dir).for_ontology(ontology)
    if read is None:
        return ()
    reading, catalog = read
    return fitting_products(cable_need(answer, ontology, reading), catalog, MAX_PRODUCTS)


def products_text(products) -> str:
    """Product lines under a terminal answer ('' when none fit)."""
    if not products:
        return ""
    lines = ["", "Products that fit:"]
    for p in products:
        length = f", {p.cable.length_m:g} m" if p.cable.length_m is not None else ""
        stock = p.availability.value.replace("_", " ")
        lines.append(f"  - {p.title} ({p.price} {p.currency}, {stock}{length}) {p.link}")
    return "\n".join(lines)
