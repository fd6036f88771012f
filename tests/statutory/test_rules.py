"""The rule table: references, the exceptions each limit admits, rule validation and derived rule sets."""

import dataclasses
import re
from datetime import date

import pytest

import statutory
from statutory import ExceptionCode, Rule, Unit, get_rule
from statutory.policies import derive, rule_table
from tests.statutory.law import LIMITS

RULES = statutory.POLICIES[statutory.DEFAULT_POLICY]


@pytest.mark.parametrize("rule_id", sorted(LIMITS))
def test_required_rules_have_their_length_and_unit(rule_id: str) -> None:
    rule = get_rule(rule_id)
    assert (rule.length, rule.unit) == LIMITS[rule_id]


def test_every_rule_is_in_the_hand_written_table() -> None:
    assert set(RULES) == set(LIMITS)


def test_every_rule_names_its_law_and_says_what_it_is() -> None:
    instruments = (
        "SEND Regs 2014",
        "CFA 2014",
        "HESC Rules 2008",
        "SEND (First-tier",
        "SEND Code",
        "Tribunal standard case directions",
    )
    for rule in RULES.values():
        assert rule.reference.startswith(instruments), rule.id
        assert rule.description and rule.description[0].isupper(), rule.id


def test_only_the_appeals_move_under_tribunal_rule_12() -> None:
    moved = {rule.id for rule in RULES.values() if rule.tribunal_rule_12}
    assert moved == {"appeal.from_decision", "appeal.from_certificate"}


@pytest.mark.parametrize(
    ("rule_id", "month", "day"),
    [("review.phase_transfer_school", 2, 15), ("review.phase_transfer_post16", 3, 31)],
)
def test_fixed_dates(rule_id: str, month: int, day: int) -> None:
    assert (RULES[rule_id].fixed_month, RULES[rule_id].fixed_day) == (month, day)


CLOSURE, PERSONAL, AWAY_4W, MISSED, AWAY_2W = (
    ExceptionCode.CLOSURE_WINDOW,
    ExceptionCode.PERSONAL_CIRCUMSTANCES,
    ExceptionCode.ABSENCE_FOUR_WEEKS,
    ExceptionCode.MISSED_APPOINTMENT,
    ExceptionCode.ABSENCE_TWO_WEEKS,
)
ASSESSMENT = {CLOSURE, PERSONAL, AWAY_4W}
ADVICE = {PERSONAL, AWAY_4W, MISSED}
ORDER = {PERSONAL, AWAY_2W}
EXCEPTIONS = {
    "assessment.decide_to_assess": ASSESSMENT,  # reg 5(4)
    "assessment.notify_no_plan": ASSESSMENT,  # reg 10(4)
    "assessment.final_plan": ASSESSMENT,  # reg 13(3)
    "reassessment.final_plan": ASSESSMENT,  # reg 27(3)
    "assessment.advice": ADVICE,  # reg 8(2)
    **{rule_id: ORDER for rule_id in RULES if rule_id.startswith("tribunal.comply_")},  # reg 44(3)
}


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_each_limit_admits_only_its_statutory_exceptions(rule_id: str) -> None:
    assert set(RULES[rule_id].exceptions) == EXCEPTIONS.get(rule_id, set())


def test_no_reference_is_shown_as_unconfirmed() -> None:
    """A reference is cited at the level the law was read to, never with a placeholder (statutory-choices.md)."""
    references = [(rule.id, rule.reference) for rules in statutory.POLICIES.values() for rule in rules.values()]
    references += [(code.value, code.reference) for code in ExceptionCode]
    for name, reference in references:
        assert "unconfirmed" not in reference.lower(), name
        assert "[u]" not in reference.lower(), name


def test_exception_codes_carry_their_references() -> None:
    assert ExceptionCode.MISSED_APPOINTMENT.reference == "SEND Regs 2014 reg 8(2)(c)"
    assert ExceptionCode.ABSENCE_TWO_WEEKS.reference == "SEND Regs 2014 reg 44(3)"
    assert "5(4)(a)-(b)" in ExceptionCode.CLOSURE_WINDOW.reference
    assert all(code.reference.startswith("SEND Regs 2014") for code in ExceptionCode)
    assert ExceptionCode("absence_4_weeks") is ExceptionCode.ABSENCE_FOUR_WEEKS


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"length": 0, "unit": Unit.WEEKS}, "needs a positive length"),
        ({"length": 2, "unit": Unit.MONTHS, "fixed_month": 2, "fixed_day": 15}, "no fixed date"),
        ({"length": 0, "unit": Unit.FIXED_DATE, "fixed_month": 2}, "needs a month and a day"),
        ({"length": 1, "unit": Unit.FIXED_DATE, "fixed_month": 2, "fixed_day": 15}, "no length"),
        ({"length": 0, "unit": Unit.FIXED_DATE, "fixed_month": 2, "fixed_day": 29}, "day is out of range"),
    ],
)
def test_malformed_rules_are_refused(fields: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Rule("test.rule", reference="SEND Regs 2014", description="Test", **fields)


def test_rules_are_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        RULES["assessment.final_plan"].length = 21  # type: ignore[misc]


def test_a_later_policy_is_derived_by_overriding_a_few_rules() -> None:
    base = RULES
    no_roll = dataclasses.replace(base["appeal.from_decision"], tribunal_rule_12=False)
    shorter = dataclasses.replace(base["assessment.final_plan"], length=18, reference="Green paper (example)")
    derived = derive(base, no_roll, shorter)

    start = date(2025, 6, 10)
    assert derived["appeal.from_decision"].due(start) == date(2025, 8, 10)
    assert derived["assessment.final_plan"].due(date(2025, 1, 6)) == date(2025, 5, 12)
    assert derived["review.annual"] is base["review.annual"]
    assert set(derived) == set(base)
    # Today's table is untouched.
    assert base["appeal.from_decision"].due(start) == date(2025, 9, 1)
    assert statutory.due_date("assessment.final_plan", date(2025, 1, 6)) == date(2025, 5, 26)


def test_duplicate_rule_ids_are_refused() -> None:
    rule = RULES["review.annual"]
    with pytest.raises(ValueError, match=re.escape("duplicate rule ids: review.annual")):
        rule_table((rule, rule))
    with pytest.raises(ValueError, match=re.escape("review.annual")):
        derive(RULES, rule, rule)


def test_the_policy_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        statutory.POLICIES["mine"] = RULES  # type: ignore[index]
    with pytest.raises(TypeError):
        RULES["mine"] = RULES["review.annual"]  # type: ignore[index]
