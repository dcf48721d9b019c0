"""The passage search text: the question plus the classes of the products it names (service/core/query.py)."""

from service.core.normalize import read_question
from service.core.query import with_gear_classes


def test_a_product_adds_its_class_name_to_the_search_text(ontology):
    reading = read_question("my Shure SM7B gives no signal into the Scarlett 2i2, what now?", ontology)
    text = with_gear_classes(reading, ontology)
    assert text.startswith(reading.search_query)
    added = text[len(reading.search_query) :]
    assert ontology.devices["audio-interface"].name in added


def test_a_question_naming_only_classes_searches_its_own_words(ontology):
    reading = read_question("why does my interface hum when the laptop charges?", ontology)
    assert with_gear_classes(reading, ontology) == reading.search_query
