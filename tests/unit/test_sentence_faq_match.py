"""A long post's symptom sentence finds the curated entry that the whole post's vector is too diluted to reach."""

from __future__ import annotations

from service.types import Intent

POST = (
    "Our church runs two rooms off one rack and I look after it on weekends. "
    "The rack has an interface, a converter, a small mixer and a patch bay with mostly short leads. "
    "Why does my digital audio link pop and drop out? "
    "Everything was moved last month when the carpet was replaced."
)


def test_the_entry_nearest_one_sentence_of_a_long_post_is_its_close_match_but_never_accepted_on_its_own(
    engine,
):
    whole = engine.reader.faq.match(engine.retriever.embed(POST))
    found = engine._nearest_sentence_match(POST, whole, Intent.TROUBLESHOOTING)
    assert found.entry_id == "digital-clicks-and-dropouts"
    assert found.score > whole.score
    assert not found.accepted


def test_a_one_sentence_question_keeps_its_own_match(engine):
    question = "Why does my digital audio link pop and drop out?"
    whole = engine.reader.faq.match(engine.retriever.embed(question))
    assert engine._nearest_sentence_match(question, whole, Intent.TROUBLESHOOTING) is whole


def test_a_set_up_sentence_nearest_an_entry_of_another_intent_does_not_stand_for_the_post(engine):
    # the middle sentence is nearest an entry explaining channel counts (a concept), and nearer it than the
    # last sentence is to the clicks entry; the post asks about the clicks (troubleshooting)
    post = (
        "Everything was moved last month when the carpet was replaced. Why do i only get 4 adat channels. "
        "Why does my digital audio link pop and drop out?"
    )
    whole = engine.reader.faq.match(engine.retriever.embed(post))
    found = engine._nearest_sentence_match(post, whole, Intent.TROUBLESHOOTING)
    assert found.entry_id == "digital-clicks-and-dropouts"
