"""Reading a Google Merchant Center feed (service/adapters/catalog.py) and `cablewise catalog check`."""

from __future__ import annotations

import pytest

from service.adapters.catalog import CatalogError
from service.adapters.catalog import load_shop_reading
from service.adapters.catalog import parse_feed
from service.adapters.catalog import read_feed
from service.cli import main
from tests.conftest import KB_DIR

HEADER = "id\ttitle\tdescription\tlink\tprice\tavailability\tbrand\tcustom_label_0\tcustom_label_1\n"
GOOD = "A1\tAcme XLR female to XLR male cable, 3 m\td\thttps://shop.example.com/a1\t12.90 USD\tin_stock\tAcme\t\t\n"


@pytest.fixture(scope="module")
def reading(ontology):
    return load_shop_reading(KB_DIR, ontology)


def test_the_sample_feed_ships_about_sixty_products_and_says_which_rows_are_not_cables(ontology, reading):
    report = read_feed(KB_DIR / "shop-feed.tsv", ontology, reading)
    assert 50 <= len(report.catalog.products) <= 70
    assert report.rows == len(report.catalog.products) + len(report.left_out)
    assert all(p.link.startswith("https://shop.example.com/") for p in report.catalog.products)


def test_a_row_is_read_with_price_availability_and_labels(ontology, reading):
    text = (
        HEADER
        + GOOD
        + (
            "A2\tAcme lead\td\thttps://shop.example.com/a2\t7.5 EUR\tout of stock\tAcme\tends: TS to TS\tkind: speaker\n"
        )
    )
    report = parse_feed(text, ontology, reading)
    assert report.left_out == ()
    a1, a2 = report.catalog.products
    assert (a1.id, str(a1.price), a1.currency, a1.availability.value, a1.line) == (
        "A1",
        "12.90",
        "USD",
        "in_stock",
        2,
    )
    assert (a2.cable.kind, a2.availability.value, a2.line) == ("speaker", "out_of_stock", 3)


def test_csv_with_quoted_fields_and_merchant_center_headers(ontology, reading):
    text = (
        "g:id,g:title,g:link,g:price,g:availability,extra\n"
        '"C1","Acme XLR female to 1/4-inch TRS, ""studio"", 3 m",https://shop.example.com/c1,9.00 USD,preorder,x\n'
    )
    (product,) = parse_feed(text, ontology, reading).catalog.products
    assert (product.cable.from_end, product.cable.to_end, product.availability.value) == (
        "XLR-female",
        "TRS-male",
        "preorder",
    )


def test_malformed_rows_are_reported_by_line_and_nothing_else_is_lost(ontology, reading):
    rows = [
        GOOD,
        "\tAcme XLR cable 3 m\td\thttps://shop.example.com/x\t12.90 USD\tin_stock\tAcme\t\t\n",  # line 3: no id
        "B2\tAcme XLR cable 3 m\td\thttps://shop.example.com/b2\ttwelve\tin_stock\tAcme\t\t\n",  # 4: bad price
        "B3\tAcme XLR cable 3 m\td\thttps://shop.example.com/b3\t12.90 USD\tsoon\tAcme\t\t\n",  # 5: availability
        "B4\tAcme XLR cable 3 m\td\tjavascript:alert(1)\t12.90 USD\tin_stock\tAcme\t\t\n",  # 6: link
        "A1\tAcme XLR cable 6 m\td\thttps://shop.example.com/a1b\t15.90 USD\tin_stock\tAcme\t\t\n",  # 7: repeat
        "B6\tAcme cable ties\td\thttps://shop.example.com/b6\t3.00 USD\tin_stock\tAcme\t\t\n",  # 8: no ends
        "B7\tAcme XLR cable 3 m\td\thttps://shop.example.com/b7\t12.90 USD\tin_stock\tAcme\t\t\tsurplus\n",  # 9
        "\n",  # 10: blank, skipped
        "B8\tAcme TRS to TRS balanced cable 1 m\td\thttps://shop.example.com/b8\t9.00 USD\tbackorder\tAcme\t\t\n",
    ]
    report = parse_feed(HEADER + "".join(rows), ontology, reading)
    reasons = {row.line: (row.id, row.reason) for row in report.left_out}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 8, 9]
    assert "id is empty" in reasons[3][1]
    assert "price" in reasons[4][1] and "12.90 USD" in reasons[4][1]
    assert "availability" in reasons[5][1] and "soon" in reasons[5][1]
    assert "link" in reasons[6][1] and "http" in reasons[6][1]
    assert reasons[7] == ("A1", "id repeats the row on line 2")
    assert "names no connector" in reasons[8][1]
    assert "10 fields" in reasons[9][1]
    assert [p.id for p in report.catalog.products] == ["A1", "B8"]
    assert report.catalog.products[1].line == 11


def test_a_feed_that_cannot_be_read_at_all_is_one_clear_error(ontology, reading, tmp_path):
    with pytest.raises(CatalogError, match="no column price"):
        parse_feed("id\ttitle\tlink\tavailability\n", ontology, reading)
    with pytest.raises(CatalogError, match="no header"):
        parse_feed("", ontology, reading)
    with pytest.raises(CatalogError, match="no such file"):
        read_feed(tmp_path / "missing.tsv", ontology, reading)
    latin1 = tmp_path / "latin1.tsv"
    latin1.write_bytes(HEADER.encode() + "A1\tC\xe2ble\n".encode("latin-1"))
    with pytest.raises(CatalogError, match="not UTF-8"):
        read_feed(latin1, ontology, reading)


def test_catalog_check_lists_each_row_left_out(tmp_path, capsys, monkeypatch):
    feed = tmp_path / "feed.tsv"
    feed.write_text(
        HEADER + GOOD + "B2\tAcme XLR cable\td\thttps://shop.example.com/b2\tfree\tin_stock\tA\t\t\n"
    )
    monkeypatch.setenv("CABLEWISE_KB_DIR", str(KB_DIR))
    assert main(["catalog", "check", str(feed)]) == 1
    out = capsys.readouterr().out
    assert "line 3: B2: price is not a price" in out
    assert "2 rows, 1 products kept, 1 left out" in out
    feed.write_text(HEADER + GOOD)
    assert main(["catalog", "check", str(feed)]) == 0
    assert main(["catalog", "check", str(tmp_path / "nope.tsv")]) == 2


def test_a_bad_shop_yaml_is_reported_by_kb_check_and_costs_only_the_products(ontology, tmp_path, caplog):
    from service.adapters.catalog import ShopCatalog
    from service.catalog_cli import check_kb_files
    from service.errors import KBInvalid

    kb = tmp_path / "kb"
    kb.mkdir()
    for name in ("shop.yaml", "wiring.yaml"):
        (kb / name).write_text((KB_DIR / name).read_text())
    check_kb_files(kb, ontology)  # the shipped files are valid
    (kb / "shop.yaml").write_text(
        (KB_DIR / "shop.yaml").read_text().replace("every_end: [xlr, trs]", "every_end: [xlrr]")
    )
    with pytest.raises(KBInvalid, match=r"kb/shop.yaml: kinds.balanced.every_end"):
        check_kb_files(kb, ontology)
    assert ShopCatalog(KB_DIR / "shop-feed.tsv", kb).for_ontology(ontology) is None
    assert "answers list no products" in caplog.text


def test_cablewise_ask_lists_the_products_that_fit(engine, settings):
    from service.catalog_cli import products_for
    from service.catalog_cli import products_text

    answer = engine.answer("guitar into my amp, which cable? 5 m")
    products = products_for(answer, engine.ontology, settings)
    assert [p.cable.kind for p in products] == ["unbalanced"] * len(products) and products
    text = products_text(products)
    assert text.startswith("\nProducts that fit:") and products[0].link in text
    assert products_for(answer, engine.ontology, settings.model_copy(update={"catalog": None})) == ()
