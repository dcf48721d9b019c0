"""Gear words of other languages read as their English (kb/glossary.yaml, service/core/glossary.py)."""

from __future__ import annotations

import dataclasses
import shutil

import pytest

from service.core.glossary import folded
from service.core.glossary import translate
from service.core.pipeline import Engine
from service.errors import KBInvalid
from service.kb import load_ontology
from tests.conftest import KB_DIR

SPANISH = {
    "caja directa": "di box",
    "consola": "mixer",
    "bocinas": "speakers",
    "bocinas pasivas": "passive speakers",
    "amplificador": "amplifier",
    "balanceado": "balanced",
}


def test_folding_keeps_every_offset():
    text = "¿La Consola está balanceada? Entrée, Saída"
    assert len(folded(text)) == len(text)
    assert folded(text) == "¿la consola esta balanceada? entree, saida"


def test_phrases_are_found_whatever_the_case_or_accents():
    assert translate("Run it from La CONSOLA", SPANISH) == "Run it from La mixer"
    assert translate("a cáble from the cajá directa", {"caja directa": "di box"}) == "a cáble from the di box"


def test_the_longest_phrase_wins():
    assert (
        translate("las bocinas pasivas and the bocinas", SPANISH) == "las passive speakers and the speakers"
    )


def test_only_whole_words_are_translated():
    assert translate("consolation prize", SPANISH) == "consolation prize"


def test_an_english_question_is_unchanged():
    question = "Is a TRS-XLR lead between my interface and the monitors balanced?"
    assert translate(question, SPANISH) == question


def test_inverted_marks_only_separate_words():
    assert translate("¿Es balanceado?", SPANISH) == "Es balanced?"


@pytest.fixture()
def kb_copy(tmp_path):
    target = tmp_path / "kb"
    shutil.copytree(KB_DIR, target, ignore=shutil.ignore_patterns("articles"))
    return target


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("translations:\n  es:\n    speaker: mixer\n", "an English word"),
        ("translations:\n  es:\n    consóla: mixer\n", "without accents"),
        ("translations:\n  es:\n    Consola: mixer\n", "lower case"),
        ("translations:\n  es:\n    consola: mixer\n  it:\n    consola: console\n", "another language"),
        ("translations:\n  es:\n    consola: ''\n", "both text"),
    ],
)
def test_a_bad_glossary_is_refused_with_the_reason(kb_copy, yaml_text, message):
    (kb_copy / "glossary.yaml").write_text(yaml_text)
    with pytest.raises(KBInvalid, match=message):
        load_ontology(kb_copy)


def test_a_kb_without_a_glossary_translates_nothing(kb_copy):
    (kb_copy / "glossary.yaml").unlink(missing_ok=True)
    assert load_ontology(kb_copy).glossary == {}


def test_a_mixed_language_question_is_answered_as_its_english(engine):
    spanish = Engine(dataclasses.replace(engine.ontology, glossary=SPANISH), engine.retriever, engine.reader)
    english = Engine(dataclasses.replace(engine.ontology, glossary={}), engine.retriever, engine.reader)
    mixed = "La caja directa into the consola over XLR: is that balanceado?"
    plain = "The di box into the mixer over XLR: is that balanced?"
    answer = spanish.answer(mixed)
    assert answer.question == mixed  # the answer echoes what was asked
    assert answer.intent == english.answer(plain).intent
    assert answer.verdict.balanced is True
    assert english.answer(mixed).verdict.balanced is not True


def test_a_phrase_with_a_decimal_comma_is_one_phrase():
    assert translate("eine Klinke 3,5 am Handy", {"klinke 3,5": "3.5mm jack"}) == "eine 3.5mm jack am Handy"


def test_words_of_a_phrase_must_stand_one_space_apart():
    assert translate("bocinas, pasivas", SPANISH) == "speakers, pasivas"
