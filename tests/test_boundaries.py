"""Import rules: the core stays pure, and each heavy dependency has one importer."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent


def test_core_imports_no_io_or_heavy_libraries():
    code = (
        "import sys, service.core.pipeline, service.core.normalize, service.core.rules, service.core.compose; "
        "print(sorted(m for m in ('flask','faiss','slack_bolt','sentence_transformers','torch','bm25s') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]"


def importers(module: str) -> set[str]:
    pattern = re.compile(rf"^\s*(import {module}\b|from {module}\b)", re.MULTILINE)
    return {
        str(path.relative_to(ROOT))
        for folder in ("service", "index")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text())
    }


def test_heavy_dependencies_have_one_importer_each():
    assert importers("faiss") == {"index/store.py"}
    assert importers("sentence_transformers") == {"index/embedder.py"}
    assert importers("slack_bolt") == {"service/adapters/slack.py"}


def test_core_does_no_file_io():
    for path in (ROOT / "service" / "core").glob("*.py"):
        text = path.read_text()
        assert "open(" not in text and "read_text" not in text, path.name
