"""Coverage gaps: which questions count, how they are grouped, and the `cablewise report gaps` command."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import numpy as np
import pytest

from index.embedder import HashEmbedder
from service import gaps
from service.feedback import FeedbackStore
from service.question_log import QuestionLog
from service.storage import tables
from service.storage.database import Database
from service.storage.database import database_url
from service.types import Answer
from service.types import Basis
from service.types import Intent
from tests.conftest import ROOT

HUM = ["why do my studio monitors hum", "my studio monitors hum why", "studio monitors hum why do they"]
WEATHER = ["what is the weather in Paris", "weather in Paris today"]


def unit(*rows: list[float]) -> np.ndarray:
    vectors = np.array(rows, dtype=np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_groups_form_around_the_most_connected_question():
    # 0, 1 and 2 are close to each other, 3 only to 2 (cosine 0.83), 4 to none: 2 reaches the most, so it
    # leads a group of all four (3 and 0 are not close, but both are close to 2).
    vectors = unit([1, 0, 0], [0.95, 0.31, 0], [0.9, 0, 0.43], [0.5, 0, 0.86], [0, 1, 0])
    assert gaps.group_by_meaning(vectors, [1, 1, 1, 1, 1], similarity=0.8) == [[2, 0, 1, 3], [4]]
    # Without 3 close to 2, the first of three equally connected questions leads.
    vectors = unit([1, 0, 0], [0.95, 0.31, 0], [0.9, 0, 0.43], [0.3, 0, 0.95], [0, 1, 0])
    assert gaps.group_by_meaning(vectors, [1, 1, 1, 1, 1], similarity=0.8) == [[0, 1, 2], [3], [4]]
    # Repeats count: a question asked five times leads, and its group is first.
    assert gaps.group_by_meaning(vectors, [1, 1, 1, 1, 5], similarity=0.8)[0] == [4]
    assert gaps.group_by_meaning(np.zeros((0, 3), dtype=np.float32), [], similarity=0.8) == []


def test_every_question_is_in_exactly_one_group():
    rng = np.random.default_rng(7)
    vectors = unit(*rng.normal(size=(60, 8)).tolist())
    groups = gaps.group_by_meaning(vectors, [1] * 60, similarity=0.5)
    assert sorted(i for group in groups for i in group) == list(range(60))
    for group in groups:  # every member is close to its group's first question
        assert all(vectors[group[0]] @ vectors[i] >= 0.5 - 1e-6 for i in group)


def test_options_refuse_values_out_of_range():
    for bad in ({"days": 0}, {"below": 1.5}, {"similarity": 0}, {"limit": 0}):
        with pytest.raises(ValueError):
            gaps.GapOptions(**bad)


def answer(question: str, intent: Intent, confidence: float) -> Answer:
    return Answer(question=question, intent=intent, text="...", basis=Basis.GUIDE, confidence=confidence)


@pytest.fixture()
def recorded(tmp_path):
    """A SQLite database with refused, low-confidence, confident and not-helpful questions."""
    db = Database(database_url(None, tmp_path / "cablewise.sqlite3"))
    log = QuestionLog(db, enabled=True, retention_days=30)
    for question in HUM[:2]:
        log.record(answer(question, Intent.TROUBLESHOOTING, 0.3), channel="api")  # low confidence
    for question in WEATHER:
        log.record(answer(question, Intent.OUT_OF_DOMAIN, 0.9), channel="widget")  # refused
    confident = answer("is TRS to TS balanced?", Intent.BALANCED_CHECK, 0.95)
    log.record(confident, channel="api")  # answered well: not a gap
    assert log.flush()  # the log writes in the background
    FeedbackStore(db).record("slack", "U1", HUM[2], "troubleshooting", helpful=False)
    FeedbackStore(db).record(
        "slack", "U1", "which cable for my monitors?", "cable_recommendation", helpful=True
    )
    # the log writes in a background thread; on a loaded machine the rows may not be there yet
    assert log.flush(timeout=30.0)
    yield db
    db.dispose()


def test_report_counts_refused_low_confidence_and_not_helpful_by_meaning(recorded):
    result = gaps.report(recorded, HashEmbedder().encode, gaps.GapOptions(similarity=0.5))
    assert result.questions == 5
    hum, weather = result.groups
    assert hum.count == 3 and hum.reasons == {gaps.LOW_CONFIDENCE: 2, gaps.NOT_HELPFUL: 1}
    assert {hum.example, *hum.wordings} == set(HUM)
    assert weather.count == 2 and weather.reasons == {gaps.REFUSED: 2}
    assert "balanced" not in json.dumps(result.as_json())


def test_report_window_and_threshold(recorded):
    old = datetime.now(UTC) - timedelta(days=40)
    with recorded.begin() as conn:
        conn.execute(tables.question_log.update().values(asked_at=old))
    result = gaps.report(recorded, HashEmbedder().encode, gaps.GapOptions(days=30, similarity=0.5))
    assert [g.reasons for g in result.groups] == [{gaps.NOT_HELPFUL: 1}]  # only the vote is recent
    strict = gaps.report(recorded, HashEmbedder().encode, gaps.GapOptions(days=60, below=0.2, similarity=0.5))
    assert sum(g.reasons.get(gaps.LOW_CONFIDENCE, 0) for g in strict.groups) == 0  # 0.3 is not below 0.2


def test_text_report_names_counts_reasons_and_examples(recorded):
    text = gaps.format_report(gaps.report(recorded, HashEmbedder().encode, gaps.GapOptions(similarity=0.5)))
    assert "5 questions" in text and "in 2 groups" in text
    assert "3 x" in text and "low confidence 2, not helpful 1" in text and "refused 2" in text


def test_empty_report_says_so(tmp_path):
    db = Database(database_url(None, tmp_path / "empty.sqlite3"))
    text = gaps.format_report(gaps.report(db, HashEmbedder().encode, gaps.GapOptions()))
    assert "nothing to report" in text
    db.dispose()


def test_report_gaps_command(recorded, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "CABLEWISE_FEEDBACK_DB": recorded.url.database,
        "CABLEWISE_MODEL": "hash",
    }
    run = subprocess.run(
        [sys.executable, "-m", "service.cli", "report", "gaps", "--json", "--similarity", "0.5"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert [g["count"] for g in report["groups"]] == [3, 2]
    bad = subprocess.run(
        [sys.executable, "-m", "service.cli", "report", "gaps", "--similarity", "2"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "similarity must be" in bad.stderr
