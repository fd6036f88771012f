"""Working days in England and Wales, and the Tribunal's counting, on dates checked by hand."""

import re
from datetime import date, datetime

import pytest

from statutory.calendar import (
    BANK_HOLIDAYS,
    add_tribunal_days,
    add_working_days,
    in_tribunal_closed_period,
    is_working_day,
    next_working_day,
    previous_working_day,
    tribunal_appeal_deadline,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    "day",
    [
        "2025-12-25",  # Christmas Day
        "2025-12-26",  # Boxing Day
        "2026-01-01",  # New Year's Day
        "2025-04-18",  # Good Friday
        "2025-04-21",  # Easter Monday
        "2024-03-29",  # Good Friday
        "2024-04-01",  # Easter Monday
        "2025-05-05",  # early May
        "2026-05-25",  # spring
        "2026-08-31",  # summer
        "2022-09-19",  # state funeral of Queen Elizabeth II
        "2023-05-08",  # coronation of King Charles III
        "2022-06-02",  # spring bank holiday moved for the Platinum Jubilee
        "2022-06-03",  # Platinum Jubilee
        "2020-05-08",  # early May moved to VE Day
        "2020-12-28",  # Boxing Day substitute
        "2021-12-27",  # Christmas Day substitute
        "2021-12-28",  # Boxing Day substitute
        "2022-01-03",  # New Year's Day substitute
        "2026-12-28",  # Boxing Day substitute
        "2027-12-27",  # Christmas Day substitute
        "2027-12-28",  # Boxing Day substitute
    ],
)
def test_bank_holidays_are_not_working_days(day: str) -> None:
    assert D(day).weekday() < 5
    assert D(day) in BANK_HOLIDAYS
    assert not is_working_day(D(day))


@pytest.mark.parametrize(
    "day",
    [
        "2025-12-24",  # Christmas Eve
        "2025-12-31",  # New Year's Eve
        "2026-01-02",
        "2025-04-17",  # Maundy Thursday
        "2025-04-22",  # Easter Tuesday
        "2020-05-04",  # the first Monday in May 2020 was not a holiday (moved to 8 May)
        "2022-05-30",  # the last Monday in May 2022 was not a holiday (moved to 2 June)
        "2025-03-17",  # St Patrick's Day: Northern Ireland only
        "2025-08-04",  # Scotland's summer holiday: not England
        "2026-08-03",
    ],
)
def test_ordinary_weekdays_are_working_days(day: str) -> None:
    assert is_working_day(D(day))


def test_weekends_are_not_working_days() -> None:
    assert not is_working_day(D("2025-06-07"))
    assert not is_working_day(D("2025-06-08"))


def test_next_and_previous_working_day_skip_christmas() -> None:
    assert next_working_day(D("2025-12-24")) == D("2025-12-29")
    assert next_working_day(D("2026-12-24")) == D("2026-12-29")
    assert previous_working_day(D("2025-12-29")) == D("2025-12-24")
    assert previous_working_day(D("2022-01-04")) == D("2021-12-31")


@pytest.mark.parametrize(
    ("start", "count", "due"),
    [
        ("2025-12-24", 0, "2025-12-24"),
        ("2025-12-24", 1, "2025-12-29"),
        ("2025-12-24", 5, "2026-01-05"),  # 29, 30, 31 Dec, 2 Jan, 5 Jan
        ("2027-12-24", 5, "2028-01-05"),  # 29, 30, 31 Dec, 4, 5 Jan: 1 Jan 2028 is substituted on 3 Jan
        ("2021-12-24", 3, "2021-12-31"),  # 29, 30, 31 Dec
        ("2021-12-24", 4, "2022-01-04"),  # 3 Jan 2022 is New Year's Day's substitute
        ("2025-04-17", 1, "2025-04-22"),
        ("2025-12-27", 1, "2025-12-29"),  # from a Saturday
    ],
)
def test_add_working_days(start: str, count: int, due: str) -> None:
    assert add_working_days(D(start), count) == D(due)


@pytest.mark.parametrize(
    ("day", "closed"),
    [
        ("2025-12-24", False),
        ("2025-12-25", True),
        ("2025-12-31", True),
        ("2026-01-01", True),
        ("2026-01-02", False),
        ("2025-07-31", False),
        ("2025-08-01", True),
        ("2025-08-31", True),
        ("2025-09-01", False),
    ],
)
def test_tribunal_closed_period(day: str, closed: bool) -> None:
    assert in_tribunal_closed_period(D(day)) is closed


@pytest.mark.parametrize(
    ("day", "moved"),
    [
        ("2025-08-10", "2025-09-01"),
        ("2026-08-01", "2026-09-01"),  # 31 Aug 2026 is a bank holiday, inside August anyway
        ("2025-12-25", "2026-01-02"),
        ("2026-12-25", "2027-01-04"),  # 2 Jan 2027 is a Saturday
        ("2021-12-31", "2022-01-04"),  # 3 Jan 2022 is a substitute bank holiday
        ("2026-01-01", "2026-01-02"),
        ("2023-12-23", "2024-01-02"),  # Saturday -> 27 Dec, inside the window -> after 1 Jan
        ("2027-07-31", "2027-09-01"),  # Saturday -> 2 Aug, inside August; 30 Aug 2027 a bank holiday
        ("2025-04-18", "2025-04-22"),  # Good Friday -> Tuesday after Easter Monday
        ("2025-12-24", "2025-12-24"),
        ("2025-09-30", "2025-09-30"),
    ],
)
def test_tribunal_appeal_deadline(day: str, moved: str) -> None:
    assert tribunal_appeal_deadline(D(day)) == D(moved)


def test_tribunal_days_skip_the_closed_periods() -> None:
    assert add_tribunal_days(D("2025-07-30"), 2, working=False) == D("2025-09-01")
    assert add_tribunal_days(D("2025-12-24"), 1, working=False) == D("2026-01-02")
    # Working: 31 Jul 2025 counts; August does not; Mon 1 Sep is next.
    assert add_tribunal_days(D("2025-07-30"), 2, working=True) == D("2025-09-01")
    # 2 Jan 2027 is a Saturday: the first counted working day after Christmas is Mon 4 Jan.
    assert add_tribunal_days(D("2026-12-24"), 1, working=True) == D("2027-01-04")


@pytest.mark.parametrize(
    "call",
    [
        lambda: is_working_day(datetime(2025, 12, 25, 12, 0)),
        lambda: is_working_day("2025-12-25"),  # type: ignore[arg-type]  # what a careless caller passes
    ],
)
def test_a_datetime_or_string_is_not_a_business_date(call) -> None:
    with pytest.raises(TypeError, match=re.escape("must be a datetime.date")):
        call()


def test_dates_outside_the_calendar_are_refused() -> None:
    with pytest.raises(ValueError, match=re.escape("date 1989-12-31 is outside the calendar")):
        is_working_day(D("1989-12-31"))
    with pytest.raises(ValueError, match=re.escape("date 2101-01-01 is outside the calendar")):
        next_working_day(D("2100-12-31"))


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="-1"):
        add_working_days(D("2025-01-06"), -1)
    with pytest.raises(ValueError, match="-2"):
        add_tribunal_days(D("2025-01-06"), -2, working=False)


def test_the_holiday_table_is_frozen_and_covers_the_supported_years() -> None:
    assert isinstance(BANK_HOLIDAYS, frozenset)
    assert min(BANK_HOLIDAYS).year == 1990
    assert max(BANK_HOLIDAYS).year == 2100
