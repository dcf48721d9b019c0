"""Properties of the balance rule over generated links (hypothesis)."""

from __future__ import annotations

from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from service.core.reading import CableSpec
from service.core.reading import LinkSpec
from service.core.reading import Reading
from service.core.reading import Stop
from service.core.rules import judge
from service.types import Intent

ANALOG_FAMILIES = ["xlr", "trs", "ts", "trs35", "ts35", "rca", "trrs"]
OUT_BALANCE = ["balanced", "impedance_balanced", "unbalanced", None]
IN_BALANCE = ["balanced", "either", "unbalanced", None]
links = st.builds(
    lambda ob, a, b, ib: LinkSpec(
        Stop(qualifiers=("line",), role="out", balance=ob),
        CableSpec((a, b)),
        Stop(qualifiers=("line",), role="in", balance=ib),
    ),
    st.sampled_from(OUT_BALANCE),
    st.sampled_from(ANALOG_FAMILIES),
    st.sampled_from(ANALOG_FAMILIES),
    st.sampled_from(IN_BALANCE),
)
SLOW_OK = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def verdict(link, ontology):
    reading = Reading("q", "q", Intent.BALANCED_CHECK, links=(link,))
    return judge(reading, ontology).balanced


@SLOW_OK
@given(link=links)
def test_a_link_with_a_ts_rca_or_mini_end_is_never_balanced(link, ontology):
    if set(link.cable.ends) & {"ts", "ts35", "rca", "trrs", "trs35"}:
        assert verdict(link, ontology) is False


@SLOW_OK
@given(link=links)
def test_balanced_needs_a_balanced_output_cable_and_input(link, ontology):
    if verdict(link, ontology) is True:
        assert link.source.balance in ("balanced", "impedance_balanced")
        assert set(link.cable.ends) <= {"xlr", "trs"}
        # an input of unknown balance counts when the cable plugs a balanced line jack (XLR) into it
        assert link.dest.balance in ("balanced", "either") or (
            link.dest.balance is None and link.cable.ends[-1] in ontology.grammar.balanced_line_jacks
        )


@SLOW_OK
@given(link=links, adapter=st.sampled_from(ANALOG_FAMILIES))
def test_an_adapter_never_makes_a_link_balanced(link, adapter, ontology):
    before = verdict(link, ontology)
    # An adapter adds a connector; it can only keep or lose the second leg, never create it.
    after = verdict(LinkSpec(link.source, CableSpec((link.cable.ends[0], adapter)), link.dest), ontology)
    if before is False and link.cable.ends[0] not in ("xlr", "trs") or link.source.balance == "unbalanced":
        assert after is not True


@SLOW_OK
@given(
    a=st.sampled_from(["TRS", "TS", "XLR", "RCA", "3.5mm", "TRRS"]),
    b=st.sampled_from(["TRS", "TS", "XLR", "RCA"]),
)
def test_swapping_the_word_order_does_not_change_the_verdict(a, b, ontology):
    from service.core.normalize import read_question

    one = judge(read_question(f"is {a} to {b} balanced?", ontology), ontology)
    two = judge(read_question(f"is {b} to {a} balanced?", ontology), ontology)
    assert one.balanced == two.balanced
