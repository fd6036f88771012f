"""Counting by unit: weeks and months are never rolled; months clamp to the month end (docs/law.md, How each
unit counts)."""

from datetime import date

import pytest

from statutory.clock import (
    COUNTERS,
    Unit,
    add_days,
    add_days_beginning_with,
    add_months,
    add_weeks,
    on_day_of_next_year,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("start", "months", "result"),
    [
        ("2025-01-31", 1, "2025-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2025-08-31", 1, "2025-09-30"),
        ("2023-12-31", 2, "2024-02-29"),
        ("2024-12-31", 2, "2025-02-28"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2025-10-31", 1, "2025-11-30"),
        ("2025-11-15", 2, "2026-01-15"),
        ("2025-06-10", 2, "2025-08-10"),
        ("2025-03-31", 300, "2050-03-31"),
    ],
)
def test_add_months_takes_the_same_day_or_the_month_end(start: str, months: int, result: str) -> None:
    assert add_months(D(start), months) == D(result)


def test_weeks_and_days() -> None:
    assert add_weeks(D("2025-01-06"), 20) == D("2025-05-26")
    assert add_days(D("2025-03-01"), 15) == D("2025-03-16")
    assert add_days_beginning_with(D("2025-03-03"), 15) == D("2025-03-17")
    assert add_days_beginning_with(D("2025-03-03"), 1) == D("2025-03-03")


def test_fixed_dates_fall_in_the_next_calendar_year() -> None:
    assert on_day_of_next_year(D("2026-12-31"), 2, 15) == D("2027-02-15")
    assert on_day_of_next_year(D("2026-01-01"), 3, 31) == D("2027-03-31")


def test_every_counted_unit_has_a_counter() -> None:
    assert set(COUNTERS) == set(Unit) - {Unit.FIXED_DATE}
