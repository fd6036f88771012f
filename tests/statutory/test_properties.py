"""Properties every rule keeps for any start date (hypothesis), beside the worked cases."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

import statutory
from statutory import Unit, due_date
from statutory.calendar import in_tribunal_closed_period, is_working_day

RULES = statutory.POLICIES[statutory.DEFAULT_POLICY]
starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))
rule_ids = st.sampled_from(sorted(RULES))
settings.register_profile("statutory", max_examples=200, deadline=None)
settings.load_profile("statutory")


def last_day_of_month(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


@given(start=starts, rule_id=st.sampled_from(sorted(r.id for r in RULES.values() if r.unit is Unit.WEEKS)))
def test_weeks_are_exact_calendar_weeks(start: date, rule_id: str) -> None:
    assert due_date(rule_id, start) == start + timedelta(weeks=RULES[rule_id].length)


MONTH_RULES = sorted(r.id for r in RULES.values() if r.unit is Unit.MONTHS and not r.tribunal_rule_12)


@given(start=starts, rule_id=st.sampled_from(MONTH_RULES))
def test_months_keep_the_day_or_clamp_to_the_month_end(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    rule = RULES[rule_id]
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == rule.length
    assert due.day == start.day or (due.day < start.day and last_day_of_month(due))


@given(start=starts, rule_id=st.sampled_from(sorted(r.id for r in RULES.values() if r.unit is Unit.WORKING_DAYS)))
def test_working_days_count_exactly_n_working_days(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert due > start and is_working_day(due)
    days = [start + timedelta(days=n) for n in range(1, (due - start).days + 1)]
    assert sum(is_working_day(d) for d in days) == RULES[rule_id].length


@given(start=starts, rule_id=st.sampled_from(["appeal.from_decision", "appeal.from_certificate"]))
def test_appeal_deadlines_follow_tribunal_rule_12(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    plain = statutory.add_months(start, RULES[rule_id].length)
    assert due >= plain
    assert is_working_day(due)
    assert not in_tribunal_closed_period(due)
    if due != plain:
        # It moved no further than the first working day after the day or the closed period it fell in.
        between = [plain + timedelta(days=n) for n in range((due - plain).days)]
        assert all(not is_working_day(d) or in_tribunal_closed_period(d) for d in between)


@given(start=starts, rule_id=st.sampled_from(["review.phase_transfer_school", "review.phase_transfer_post16"]))
def test_phase_transfers_are_fixed_dates_of_the_next_year(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert due.year == start.year + 1
    assert (due.month, due.day) == ((2, 15) if rule_id.endswith("school") else (3, 31))


@given(a=starts, b=starts, rule_id=rule_ids)
def test_a_later_start_never_gives_an_earlier_due_date(a: date, b: date, rule_id: str) -> None:
    first, second = sorted((a, b))
    assert due_date(rule_id, first) <= due_date(rule_id, second)


@given(start=starts, rule_id=rule_ids)
def test_due_dates_are_after_the_start(start: date, rule_id: str) -> None:
    assert due_date(rule_id, start) > start


@given(due=starts, before=st.integers(min_value=0, max_value=15))
def test_reminders_fall_on_working_days_before_the_due_date(due: date, before: int) -> None:
    remind = statutory.remind_on(due, before)
    assert is_working_day(remind) and remind <= due
    # Exactly `before` working days lie after the reminder, up to and including the due date.
    between = [remind + timedelta(days=n) for n in range(1, (due - remind).days + 1)]
    assert sum(is_working_day(d) for d in between) == before


@given(due=starts)
def test_breach_is_midnight_in_england_after_the_due_day(due: date) -> None:
    breach = statutory.breach_at(due)
    assert statutory.business_date(breach) == due + timedelta(days=1)
    assert statutory.business_date(breach - timedelta(microseconds=1)) == due
