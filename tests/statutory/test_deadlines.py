"""Breach instants and reminder days, around the clock changes and bank holidays."""

import re
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from statutory import breach_at, business_date, remind_on

D = date.fromisoformat


@pytest.mark.parametrize(
    ("due", "breach"),
    [
        ("2025-12-01", datetime(2025, 12, 2, 0, 0, tzinfo=UTC)),  # GMT
        ("2025-06-30", datetime(2025, 6, 30, 23, 0, tzinfo=UTC)),  # BST: midnight in London is 23:00 UTC
        ("2025-03-29", datetime(2025, 3, 30, 0, 0, tzinfo=UTC)),  # clocks go forward at 01:00 on 30 Mar
        ("2025-03-30", datetime(2025, 3, 30, 23, 0, tzinfo=UTC)),
        ("2025-10-25", datetime(2025, 10, 25, 23, 0, tzinfo=UTC)),  # still BST at midnight on 26 Oct
        ("2025-10-26", datetime(2025, 10, 27, 0, 0, tzinfo=UTC)),
    ],
)
def test_a_duty_is_breached_at_midnight_in_england_after_its_due_day(due: str, breach: datetime) -> None:
    result = breach_at(D(due))
    assert result == breach
    assert result.tzinfo is UTC


def test_business_date_is_the_date_in_england() -> None:
    assert business_date(datetime(2025, 6, 30, 23, 30, tzinfo=UTC)) == D("2025-07-01")
    assert business_date(datetime(2025, 12, 31, 23, 30, tzinfo=UTC)) == D("2025-12-31")
    assert business_date(datetime(2025, 7, 1, 1, 0, tzinfo=timezone(timedelta(hours=2)))) == D("2025-07-01")


def test_business_date_refuses_a_naive_datetime() -> None:
    with pytest.raises(ValueError, match=re.escape("naive datetime.datetime(2025, 6, 30, 12, 0)")):
        business_date(datetime(2025, 6, 30, 12, 0))
    with pytest.raises(TypeError, match="not date"):
        business_date(date(2025, 6, 30))  # type: ignore[arg-type]  # what a careless caller passes


@pytest.mark.parametrize(
    ("due", "before", "remind"),
    [
        ("2025-05-28", 0, "2025-05-28"),  # a working day: itself
        ("2025-05-28", 2, "2025-05-23"),  # Tue 27, Fri 23 (Mon 26 May is a bank holiday)
        ("2025-05-26", 0, "2025-05-23"),  # due on a bank holiday: the working day before (DESIGN CHOICE)
        ("2025-05-26", 1, "2025-05-22"),
        ("2025-05-25", 0, "2025-05-23"),  # due on a Sunday
        ("2026-01-05", 3, "2025-12-30"),  # Fri 2 Jan, Wed 31 Dec, Tue 30 Dec
        ("2025-04-22", 1, "2025-04-17"),  # over Easter
    ],
)
def test_remind_on_counts_working_days_back(due: str, before: int, remind: str) -> None:
    assert remind_on(D(due), before) == D(remind)


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("-1")):
        remind_on(D("2025-05-28"), -1)
    with pytest.raises(TypeError, match=re.escape("due must be a datetime.date")):
        breach_at(datetime(2025, 5, 28, 9, 0))
    with pytest.raises(TypeError, match=re.escape("due must be a datetime.date")):
        remind_on(datetime(2025, 5, 28, 9, 0), 1)
