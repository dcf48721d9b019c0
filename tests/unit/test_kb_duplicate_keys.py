"""kb check refuses duplicate keys in kb/*.yaml (YAML would keep the last one silently)."""

from __future__ import annotations

import shutil

import pytest

from service.errors import KBInvalid
from service.kb import load_ontology
from tests.conftest import KB_DIR


@pytest.fixture()
def kb_copy(tmp_path):
    kb = tmp_path / "kb"
    shutil.copytree(KB_DIR, kb)
    return kb


def test_a_duplicate_top_level_key_is_refused_with_file_and_line(kb_copy):
    path = kb_copy / "sources.yaml"
    text = path.read_text()
    first = next(line for line in text.splitlines() if line and not line.startswith(("#", " ")))
    path.write_text(text + "\n" + first + "\n")
    key = first.split(":", 1)[0]
    with pytest.raises(
        KBInvalid,
        match=rf"(?s)kb/sources.yaml: not valid YAML: .*duplicate key '{key}' on line \d+ \(first on line \d+\)",
    ):
        load_ontology(kb_copy)


def test_a_duplicate_nested_key_is_refused(kb_copy):
    path = kb_copy / "hazards.yaml"
    lines = path.read_text().splitlines()
    # repeat the first indented "key: value" line of the file right below itself
    index = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("    ") and ": " in line and not line.strip().startswith("-")
    )
    lines.insert(index + 1, lines[index])
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(KBInvalid, match="duplicate key"):
        load_ontology(kb_copy)


def test_the_real_kb_has_no_duplicate_keys():
    load_ontology(KB_DIR)


def test_merge_keys_may_repeat_what_they_override(tmp_path):
    import yaml

    from service.kb import _UniqueKeyLoader

    text = "base: &b {a: 1, b: 2}\nchild:\n  <<: *b\n  b: 3\n"
    assert yaml.load(text, Loader=_UniqueKeyLoader)["child"] == {"a": 1, "b": 3}
