"""A chat answer carries the planner's best safe plan when the link it states cannot work, and only then."""

from service.adapters import render


def test_a_link_that_cannot_work_gets_the_way_that_does(engine):
    answer = engine.answer("will the midi out of my keyboard go into my laptop usb")

    assert answer.verdict is not None and answer.verdict.compatibility.value == "does_not_work"
    names = [part.name for part in answer.plan]
    assert any("USB-MIDI" in name for name in names), names
    # said near the top, where people read, and kept as data for clients
    assert "What works instead" in " ".join(answer.text.split()[:60])
    body = render.to_api(answer)
    assert body["plan"]["summary"] == answer.plan_summary
    assert [p["name"] for p in body["plan"]["parts"]] == names


def test_a_link_that_works_needs_no_plan(engine):
    answer = engine.answer("which cable from my interface's TRS line out to my monitor's XLR input?")

    assert answer.plan == ()
    assert render.to_api(answer)["plan"] is None


def test_no_plan_is_offered_that_carries_a_hazard(engine):
    # speaker level into a line input is unsafe; whatever is offered instead must be safe on every hop
    answer = engine.answer("can the power amp's speaker output go straight into my interface line input?")

    assert answer.verdict is not None and answer.verdict.compatibility.value in {"unsafe", "does_not_work"}
    assert "danger" not in " ".join(part.reason.lower() for part in answer.plan)


def test_a_link_read_in_a_troubleshooting_question_still_carries_its_verdict(ontology):
    # the classifier reads a symptom, but the link the question describes is judged: its balance is in the verdict
    from service.core.compose import compose_answer
    from service.core.intent import Understanding
    from service.core.normalize import read_question
    from service.core.rules import judge

    symptom = Understanding(0.0, {"troubleshooting": 0.9, "balanced_check": 0.1})
    reading = read_question(
        "monitors buzz: interface line out -> TS guitar cable -> monitor input", ontology, None, symptom
    )
    answer = compose_answer(reading, judge(reading, ontology), (), ontology)
    assert answer.intent.value == "troubleshooting"
    assert answer.verdict is not None and answer.verdict.balanced is False


def test_the_cable_the_verdict_turned_down_is_not_offered_as_what_works(engine):
    # the judge reads that the mic needs phantom; the planner alone would call the same cable workable
    answer = engine.answer(
        "My condenser requires 48V phantom and has no battery. Will it run into my laptop's 3.5 mm mic input"
        " through an XLR to 3.5 mm lead?"
    )

    assert answer.verdict is not None and answer.verdict.compatibility.value == "does_not_work"
    assert "What works instead" not in answer.text


def test_a_hazard_the_question_sets_up_is_said_right_after_the_lead(engine):
    answer = engine.answer(
        "I'll join my tablet and my laptop into the single aux input of the PA with a Y splitter used backwards."
        " Any problem with that?"
    )
    paragraphs = answer.text.split("\n\n")
    assert any(w.hazard == "y-cable-outputs" for w in answer.verdict.warnings)
    assert "Y cable" in paragraphs[1]
