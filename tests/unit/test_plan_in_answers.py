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
