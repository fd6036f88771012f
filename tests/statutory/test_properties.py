"""Properties every rule keeps for any start date 2000-2090 (hypothesis), beside the worked cases."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

import statutory
from statutory import Unit, due_date
from statutory.calendar import in_tribunal_closed_period, is_working_day
from statutory.clock import add_months
from statutory.deadlines import LONDON

RULES = statutory.POLICIES[statutory.DEFAULT_POLICY]
EXAMPLES = settings(max_examples=200, deadline=None)

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def rules_where(keep) -> st.SearchStrategy[str]:
    return st.sampled_from(sorted(rule.id for rule in RULES.values() if keep(rule)))


def days_after(start: date, end: date) -> list[date]:
    """The days in (start, end]."""
    return [start + timedelta(days=n) for n in range(1, (end - start).days + 1)]


def last_day_of_month(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda r: r.unit is Unit.WEEKS))
def test_weeks_are_exact_calendar_weeks(start: date, rule_id: str) -> None:
    assert due_date(rule_id, start) == start + timedelta(weeks=RULES[rule_id].length)


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda r: r.unit is Unit.MONTHS and not r.tribunal_rule_12))
def test_months_keep_the_day_or_clamp_to_the_month_end(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == RULES[rule_id].length
    assert due.day == start.day or (due.day < start.day and last_day_of_month(due))


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda r: r.unit in (Unit.DAYS, Unit.DAYS_BEGINNING_WITH)))
def test_calendar_days_are_never_rolled(start: date, rule_id: str) -> None:
    rule = RULES[rule_id]
    counted = rule.length - 1 if rule.unit is Unit.DAYS_BEGINNING_WITH else rule.length
    assert due_date(rule_id, start) == start + timedelta(days=counted)


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda r: r.unit is Unit.WORKING_DAYS))
def test_working_days_count_exactly_n_working_days(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert due > start and is_working_day(due)
    assert sum(map(is_working_day, days_after(start, due))) == RULES[rule_id].length


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda r: r.unit.startswith("tribunal")))
def test_tribunal_counting_skips_august_and_christmas(start: date, rule_id: str) -> None:
    rule = RULES[rule_id]
    working = rule.unit is Unit.TRIBUNAL_WORKING_DAYS

    def counts(day: date) -> bool:
        return not in_tribunal_closed_period(day) and (is_working_day(day) or not working)

    due = due_date(rule_id, start)
    assert counts(due)
    assert sum(map(counts, days_after(start, due))) == rule.length


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda r: r.tribunal_rule_12))
def test_appeal_deadlines_follow_tribunal_rule_12(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    plain = add_months(start, RULES[rule_id].length)
    assert due >= plain
    assert is_working_day(due)
    assert due.month != 8
    assert not in_tribunal_closed_period(due)
    # It moved no further than the first day that is both a working day and outside the closed periods.
    skipped = [plain + timedelta(days=n) for n in range((due - plain).days)]
    assert all(not is_working_day(d) or in_tribunal_closed_period(d) for d in skipped)


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda r: r.unit is Unit.FIXED_DATE))
def test_phase_transfers_are_fixed_dates_of_the_next_year(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert due.year == start.year + 1
    assert (due.month, due.day) == ((2, 15) if rule_id == "review.phase_transfer_school" else (3, 31))


@EXAMPLES
@given(start=starts, rule_id=st.sampled_from(sorted(RULES)))
def test_a_later_start_never_gives_an_earlier_due_date(start: date, rule_id: str) -> None:
    # Adjacent days: non-decreasing from each day to the next is non-decreasing everywhere.
    assert due_date(rule_id, start) <= due_date(rule_id, start + timedelta(days=1))


@EXAMPLES
@given(a=starts, b=starts, rule_id=st.sampled_from(sorted(RULES)))
def test_monotonic_across_any_two_starts(a: date, b: date, rule_id: str) -> None:
    first, second = sorted((a, b))
    assert due_date(rule_id, first) <= due_date(rule_id, second)


@EXAMPLES
@given(start=starts, rule_id=st.sampled_from(sorted(RULES)))
def test_due_dates_are_after_the_start_and_the_rule_answers_alike(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert due > start
    assert RULES[rule_id].due(start) == due


@EXAMPLES
@given(due=starts, before=st.integers(min_value=0, max_value=15))
def test_reminders_fall_on_working_days_before_the_due_date(due: date, before: int) -> None:
    remind = statutory.remind_on(due, before)
    assert is_working_day(remind) and remind <= due
    # Exactly `before` working days lie after the reminder, up to and including the due date.
    assert sum(map(is_working_day, days_after(remind, due))) == before


@EXAMPLES
@given(due=starts)
def test_breach_is_midnight_in_england_after_the_due_day(due: date) -> None:
    breach = statutory.breach_at(due)
    in_london = breach.astimezone(LONDON)
    assert (in_london.date(), in_london.hour, in_london.minute) == (due + timedelta(days=1), 0, 0)
    assert statutory.business_date(breach - timedelta(microseconds=1)) == due
