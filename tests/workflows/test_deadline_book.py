"""The deadline book's legal time, unit by unit: settle periods, the three kinds of date and restatements.

Expected dates and instants are written by hand (England and Wales bank holidays; GMT and BST)."""

from datetime import UTC, date, datetime

from workflows.case_state import DeadlineKind, DeadlineStatus
from workflows.deadline_book import ClockEvent, DeadlineBook, Restated, settle_end


def book(now: datetime) -> DeadlineBook:
    return DeadlineBook([], [], "send-regs-2014", 5, clock=lambda: now)


def test_the_settle_period_skips_christmas_and_boxing_day_substitute() -> None:
    # Entered Fri 18 Dec 2026: Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25, Mon 28 bank holidays) Tue 29.
    assert settle_end(datetime(2026, 12, 18, 15, 0, tzinfo=UTC)) == datetime(2026, 12, 30, 0, 0, tzinfo=UTC)


def test_the_settle_period_skips_a_bank_holiday_and_ends_at_london_midnight_in_summer() -> None:
    # Entered Fri 22 May 2026: (Mon 25 Spring bank holiday) Tue 26 ... Mon 1 Jun; 00:00 BST is 23:00 UTC.
    assert settle_end(datetime(2026, 5, 22, 12, 0, tzinfo=UTC)) == datetime(2026, 6, 1, 23, 0, tzinfo=UTC)


def test_the_settle_period_counts_from_the_london_date_of_entry() -> None:
    # 23:30 UTC on Thu 31 Dec 2026 is still Thursday in London (GMT): Mon 4 ... Fri 8 Jan 2027 (1 Jan a holiday).
    assert settle_end(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == datetime(2027, 1, 9, 0, 0, tzinfo=UTC)


def test_a_date_entered_after_its_end_is_held_and_a_future_one_is_not() -> None:
    now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)  # Friday
    deadlines = book(now)
    late = deadlines.open("late", "assessment.decide_to_assess", date(2026, 7, 6))  # due Mon 17 Aug 2026
    future = deadlines.open("future", "assessment.decide_to_assess", date(2026, 12, 1))  # due Tue 12 Jan 2027
    assert late.held_until == datetime(2026, 12, 12, 0, 0, tzinfo=UTC)  # end of Fri 11 Dec
    assert future.held_until is None
    assert deadlines.fire(now) == []
    assert deadlines.fire(datetime(2026, 12, 11, 23, 59, tzinfo=UTC)) == []
    fired = deadlines.fire(datetime(2026, 12, 12, 0, 0, tzinfo=UTC))
    assert [(f.deadline.key, f.event) for f in fired] == [("late", ClockEvent.BREACH)]
    assert late.status is DeadlineStatus.BREACHED


def test_confirming_the_backlog_ends_every_hold_at_once() -> None:
    now = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    deadlines = book(now)
    late = deadlines.open("late", "assessment.final_plan", date(2026, 7, 6))  # due Mon 23 Nov 2026
    assert deadlines.settling and deadlines.confirm_backlog()
    assert late.held_until == now and not deadlines.settling
    assert [f.event for f in deadlines.fire(now)] == [ClockEvent.BREACH]


def test_a_step_done_late_while_held_is_a_breach_recorded_at_once_and_one_in_time_is_met() -> None:
    deadlines = book(datetime(2026, 12, 4, 10, 0, tzinfo=UTC))
    late = deadlines.open("a", "assessment.decide_to_assess", date(2026, 7, 6))  # due Mon 17 Aug 2026
    deadlines.complete("a", date(2026, 8, 18))
    assert late.status is DeadlineStatus.BREACHED and late.breach_recorded
    assert deadlines.take_restated() == [(Restated.BREACHED_LATE, late)]
    in_time = deadlines.open("b", "assessment.decide_to_assess", date(2026, 7, 6))
    deadlines.complete("b", date(2026, 8, 17))  # on the due day itself
    assert in_time.status is DeadlineStatus.MET and deadlines.take_restated() == []


def test_a_breach_the_clock_recorded_is_withdrawn_by_a_fact_dated_in_time() -> None:
    deadlines = book(datetime(2026, 12, 4, 10, 0, tzinfo=UTC))
    deadline = deadlines.open("a", "assessment.decide_to_assess", date(2026, 7, 6))
    deadlines.confirm_backlog()
    deadlines.fire(datetime(2026, 12, 4, 10, 0, tzinfo=UTC))
    assert deadline.status is DeadlineStatus.BREACHED
    deadlines.complete("a", date(2026, 8, 10))
    assert deadline.status is DeadlineStatus.MET and not deadline.breach_recorded
    assert deadlines.take_restated() == [(Restated.BREACH_WITHDRAWN, deadline)]
    assert not deadlines.breached


def test_a_window_is_used_on_its_last_day_and_lapsed_the_day_after_never_breached() -> None:
    deadlines = book(datetime(2025, 3, 3, 9, 0, tzinfo=UTC))
    # Served Mon 3 Mar 2025: 15 days beginning with that day end on Mon 17 Mar.
    used = deadlines.open("u", "assessment.draft_comments", date(2025, 3, 3), kind=DeadlineKind.WINDOW)
    deadlines.complete("u", date(2025, 3, 17))
    assert used.status is DeadlineStatus.USED
    late = deadlines.open("l", "assessment.draft_comments", date(2025, 3, 3), kind=DeadlineKind.WINDOW)
    deadlines.complete("l", date(2025, 3, 18))
    assert late.status is DeadlineStatus.LAPSED
    unused = deadlines.open("n", "assessment.draft_comments", date(2025, 3, 3), kind=DeadlineKind.WINDOW)
    fired = deadlines.fire(datetime(2025, 3, 18, 0, 0, tzinfo=UTC))  # 00:00 GMT after Mon 17 Mar
    assert ClockEvent.WINDOW_CLOSED in [f.event for f in fired if f.deadline is unused]
    assert unused.status is DeadlineStatus.LAPSED and unused.done_on is None
    assert not deadlines.breached and deadlines.next_open() is None


def test_a_target_goes_at_risk_then_passes_and_is_never_a_breach() -> None:
    deadlines = book(datetime(2025, 6, 1, 9, 0, tzinfo=UTC))
    # An under-5 review planned 6 months from Wed 25 Jun 2025: Thu 25 Dec 2025 (no roll).
    target = deadlines.open("t", "review.under_five", date(2025, 6, 25), kind=DeadlineKind.TARGET)
    assert target.status is DeadlineStatus.ON_TRACK and target.due == date(2025, 12, 25)
    # 5 working days before: from Wed 24 Dec back to Wed 17 Dec; the reminder is at 00:00 that day.
    assert [f.event for f in deadlines.fire(datetime(2025, 12, 17, 0, 0, tzinfo=UTC))] == [ClockEvent.REMINDER]
    assert target.status is DeadlineStatus.AT_RISK
    assert [f.event for f in deadlines.fire(datetime(2025, 12, 26, 0, 0, tzinfo=UTC))] == [ClockEvent.TARGET_PASSED]
    assert target.status is DeadlineStatus.PASSED and not deadlines.breached and deadlines.next_open() is None


def test_without_a_clock_the_book_keeps_the_rules_of_histories_recorded_before_legal_time() -> None:
    deadlines = DeadlineBook([], [], "send-regs-2014", 5)
    deadline = deadlines.open("a", "assessment.decide_to_assess", date(2026, 7, 6))
    assert deadline.held_until is None
    assert [f.event for f in deadlines.fire(datetime(2026, 12, 4, tzinfo=UTC))] == [ClockEvent.BREACH]
    window = deadlines.open("w", "assessment.draft_comments", date(2026, 7, 6), kind=DeadlineKind.WINDOW)
    deadlines.fire(datetime(2026, 12, 4, tzinfo=UTC))
    assert window.status is DeadlineStatus.MET  # the old rule: a closed window was "met"
