"""The development question set with the real model (marker eval): fails below the bar."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.embedder import load_embedder
from index.reader_training import load_reader
from service.core.pipeline import Engine
from service.evaluation import format_report
from service.evaluation import load_items
from service.evaluation import run
from service.retrieval import HybridRetriever
from tests.conftest import SHARED
from tests.conftest import index_kb

pytestmark = pytest.mark.eval
DEV_SET = SHARED / "eval" / "dev-questions.jsonl"
PARAPHRASES = Path(__file__).with_name("paraphrases.jsonl")


@pytest.fixture(scope="module")
def report_engine(tmp_path_factory, ontology):
    embedder = load_embedder("bundled")
    out = tmp_path_factory.mktemp("eval-index")
    index_kb(out, embedder, ontology)
    return Engine(ontology, HybridRetriever.load(out, embedder), load_reader(out))


@pytest.fixture(scope="module")
def report(report_engine):
    if not DEV_SET.is_file():
        pytest.skip(
            f"{DEV_SET} is missing: the dev-set eval runs only with ../shared beside the checkout (as in CI)"
        )
    result = run(load_items(DEV_SET), report_engine.answer)
    print(format_report(result))
    return result


def test_structured_checks_reach_95_percent(report):
    assert report.totals()["structured"] >= 0.95, format_report(report)


def test_must_mention_coverage_reaches_90_percent(report):
    assert report.totals()["mentions"] >= 0.90, format_report(report)


def test_every_out_of_domain_question_is_refused_and_no_other(report):
    totals = report.totals()
    assert totals["ood_refused"] == totals["ood_total"]
    assert totals["in_domain_refused"] == 0


def test_our_own_paraphrase_set_stays_right(report_engine):
    """A second, held-out-style set written by us (tests/eval/paraphrases.jsonl) guards against fitting the dev set."""
    result = run(load_items(PARAPHRASES), report_engine.answer)
    assert result.totals()["passed"] >= 0.9, format_report(result)


def test_high_confidence_means_right(report):
    confident = [g for g in report.grades if g.answer.confidence >= 0.8]
    assert confident and sum(g.passed for g in confident) / len(confident) >= 0.97
