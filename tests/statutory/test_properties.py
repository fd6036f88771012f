"""Properties every rule keeps for any start date 2000-2090 (hypothesis), beside the worked cases.

Each rule's length and unit come from the hand-written table (tests/statutory/law.py), never from the rule
itself, and the months are counted here apart from statutory: a rule changed in statutory/ fails a property.
"""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

import statutory
from statutory import Unit, due_date
from statutory.calendar import in_tribunal_closed_period, is_working_day
from tests.statutory.law import LIMITS
from tests.support.dates import months_on

# The two limits HESC r.12(2), (3)(a) moves: the appeals to the Tribunal.
APPEALS = {"appeal.from_decision", "appeal.from_certificate"}
EXAMPLES = settings(max_examples=200, deadline=None)

starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


def rules_where(keep) -> st.SearchStrategy[str]:
    """The rule ids whose (length, unit) in the hand-written table pass `keep`."""
    return st.sampled_from(sorted(rule_id for rule_id, (_, unit) in LIMITS.items() if keep(rule_id, unit)))


def length(rule_id: str) -> int:
    return LIMITS[rule_id][0]


def days_after(start: date, end: date) -> list[date]:
    """The days in (start, end]."""
    return [start + timedelta(days=n) for n in range(1, (end - start).days + 1)]


def last_day_of_month(day: date) -> bool:
    return (day + timedelta(days=1)).month != day.month


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda _, unit: unit is Unit.WEEKS))
def test_weeks_are_exact_calendar_weeks(start: date, rule_id: str) -> None:
    assert due_date(rule_id, start) == start + timedelta(weeks=length(rule_id))


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda rule_id, unit: unit is Unit.MONTHS and rule_id not in APPEALS))
def test_months_keep_the_day_or_clamp_to_the_month_end(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert (due.year * 12 + due.month) - (start.year * 12 + start.month) == length(rule_id)
    assert due.day == start.day or (due.day < start.day and last_day_of_month(due))


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda _, unit: unit in (Unit.DAYS, Unit.DAYS_BEGINNING_WITH)))
def test_calendar_days_are_never_rolled(start: date, rule_id: str) -> None:
    days, unit = LIMITS[rule_id]
    counted = days - 1 if unit is Unit.DAYS_BEGINNING_WITH else days
    assert due_date(rule_id, start) == start + timedelta(days=counted)


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda _, unit: unit is Unit.WORKING_DAYS))
def test_working_days_count_exactly_n_working_days(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert due > start and is_working_day(due)
    assert sum(map(is_working_day, days_after(start, due))) == length(rule_id)


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda _, unit: unit.startswith("tribunal")))
def test_tribunal_counting_skips_august_and_christmas(start: date, rule_id: str) -> None:
    working = LIMITS[rule_id][1] is Unit.TRIBUNAL_WORKING_DAYS

    def counts(day: date) -> bool:
        return not in_tribunal_closed_period(day) and (is_working_day(day) or not working)

    due = due_date(rule_id, start)
    assert counts(due)
    assert sum(map(counts, days_after(start, due))) == length(rule_id)


@EXAMPLES
@given(start=starts, rule_id=st.sampled_from(sorted(APPEALS)))
def test_appeal_deadlines_follow_tribunal_rule_12(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    plain = months_on(start, length(rule_id))
    assert due >= plain
    assert is_working_day(due)
    assert due.month != 8
    assert not in_tribunal_closed_period(due)
    # It moved no further than the first day that is both a working day and outside the closed periods.
    skipped = [plain + timedelta(days=n) for n in range((due - plain).days)]
    assert all(not is_working_day(d) or in_tribunal_closed_period(d) for d in skipped)


@EXAMPLES
@given(start=starts, rule_id=rules_where(lambda _, unit: unit is Unit.FIXED_DATE))
def test_phase_transfers_are_fixed_dates_of_the_next_year(start: date, rule_id: str) -> None:
    due = due_date(rule_id, start)
    assert due.year == start.year + 1
    assert (due.month, due.day) == ((2, 15) if rule_id == "review.phase_transfer_school" else (3, 31))


@EXAMPLES
@given(start=starts, rule_id=st.sampled_from(sorted(LIMITS)))
def test_a_later_start_never_gives_an_earlier_due_date(start: date, rule_id: str) -> None:
    # Adjacent days: non-decreasing from each day to the next is non-decreasing everywhere.
    assert due_date(rule_id, start) <= due_date(rule_id, start + timedelta(days=1))


@EXAMPLES
@given(a=starts, b=starts, rule_id=st.sampled_from(sorted(LIMITS)))
def test_monotonic_across_any_two_starts(a: date, b: date, rule_id: str) -> None:
    first, second = sorted((a, b))
    assert due_date(rule_id, first) <= due_date(rule_id, second)


@EXAMPLES
@given(start=starts, rule_id=st.sampled_from(sorted(LIMITS)))
def test_due_dates_fall_after_the_start_within_the_longest_the_limit_can_run(start: date, rule_id: str) -> None:
    """The longest: a month is 31 days, an appeal's r.12 move out of August at most 31 days and a weekend, a
    working day at most 5 days (a weekend and two bank holidays, at Easter or Christmas), a Tribunal day skips
    August (31 days), and a fixed date is in the next calendar year."""
    count, unit = LIMITS[rule_id]
    longest = {
        Unit.WEEKS: 7 * count,
        Unit.MONTHS: 31 * count + (34 if rule_id in APPEALS else 0),
        Unit.DAYS: count,
        Unit.DAYS_BEGINNING_WITH: count - 1,
        Unit.WORKING_DAYS: 5 * count,
        Unit.TRIBUNAL_DAYS: count + 31,
        Unit.TRIBUNAL_WORKING_DAYS: 2 * count + 31,
        Unit.FIXED_DATE: 2 * 366,
    }[unit]
    assert 0 < (due_date(rule_id, start) - start).days <= longest


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
    london = ZoneInfo("Europe/London")
    in_london = breach.astimezone(london)
    assert (in_london.date(), in_london.hour, in_london.minute) == (due + timedelta(days=1), 0, 0)
    assert (breach - timedelta(microseconds=1)).astimezone(london).date() == due
