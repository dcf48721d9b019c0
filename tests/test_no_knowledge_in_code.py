"""The core names no connector, device, port word or phrase: knowledge lives in kb/, where the README says how to
add it. A string literal in service/core/*.py that is a kb id or a phrase of the lexicon is a defect; so is a
regular expression there that spells out such words."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from service.core.lexicon import lexicon_for
from tests.conftest import ROOT

CORE = sorted((ROOT / "service" / "core").glob("*.py"))
# The data model's own values, fixed by the loader's schema (service/kb.py) rather than by the vocabulary: the
# two roles of a port, XLR genders, balance states, verdicts, severities, and the reader's mention kinds and
# grammar roles (kb/reading.yaml maps words onto these roles; the code only knows the roles), and the three
# states of phantom power a reading records.
SCHEMA_VALUES = frozenset(
    "in out male female balanced unbalanced impedance_balanced either unknown n/a works works_with_caveat "
    "does_not_work unsafe danger warning caution info family cable device port level balance format gender "
    "dual phantom role sep attach cableword mono both explicit on off".split()
)
REGEX_MARKS = re.compile(r"\\b|\(\?|\\W|\[\^|\\s")


def kb_words(ontology) -> set[str]:
    lexicon = lexicon_for(ontology)
    words = {" ".join(key) for key in lexicon.phrases}
    ids = set(ontology.families) | set(ontology.devices) | set(ontology.ports) | set(ontology.formats)
    ids |= set(ontology.hazards) | set(ontology.facts) | {rule.id for rule in ontology.link_rules}
    ids |= set(ontology.terms.port_words) | set(ontology.cables) | set(ontology.levels) | set(ontology.faq)
    return {w.lower() for w in words | ids} - SCHEMA_VALUES


def literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


@pytest.mark.parametrize("path", CORE, ids=[p.name for p in CORE])
def test_core_names_no_kb_word(path, ontology):
    words = kb_words(ontology)
    found = []
    for line, value in literals(path):
        text = value.lower().strip()
        if not re.search(r"[a-z0-9]", text):
            continue  # punctuation (the arrow a typographic arrow is cleaned into) is no word
        if text in words:
            found.append(f"{path.name}:{line}: {value!r}")
        elif REGEX_MARKS.search(value):
            spelled = [
                w
                for w in words
                if len(w) > 2 and re.search(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])", text)
            ]
            if spelled:
                found.append(f"{path.name}:{line}: a pattern spelling {sorted(spelled)[:5]}")
    assert not found, "knowledge belongs in kb/:\n" + "\n".join(found)


def test_the_check_catches_a_connector_name(ontology, tmp_path):
    """The test above must be able to fail."""
    sample = tmp_path / "sample.py"
    sample.write_text('BALANCED_ENDS = {"xlr", "trs"}\nCUE = r"\\bwhich cable\\b"\n')
    words = kb_words(ontology)
    assert any(value.lower() in words for _, value in literals(sample))
