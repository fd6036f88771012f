"""England and Wales working days, and the First-tier Tribunal's own way of counting (HESC r.12).

A working day is any day but a Saturday, a Sunday or a bank holiday in England and Wales, Christmas
Day and Good Friday included (DESIGN CHOICE, docs/statutory-choices.md row 3: the SEND Regs 2014 do not define the
term; this is the standard formula, which HESC r.1(3) is understood to use). The holidays come from
the `holidays` package, which carries substitute days and one-off days (19 Sep 2022, 8 May 2023), not
from a hand-written list.

The dates are computed once, at import, into a frozen set for a fixed range of years (about 1,000
dates, under 0.1 s): this module runs inside the Temporal workflow sandbox, where it must be pure and
must not mutate shared state, as a lazily-filled `holidays` object would.
"""

from datetime import date, datetime, timedelta

import holidays

FIRST_YEAR = 1990
LAST_YEAR = 2100

BANK_HOLIDAYS: frozenset[date] = frozenset(
    holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
)

ONE_DAY = timedelta(days=1)


def require_date(value: object, name: str) -> date:
    """Refuse anything but a plain date.

    A datetime is a date subclass, but it is an instant, not a business date, and it never equals the
    date it falls on: a datetime on Christmas Day would pass as a working day.
    """
    if isinstance(value, datetime) or not isinstance(value, date):
        kind = type(value).__name__
        raise TypeError(f"{name} must be a datetime.date (a business date), not {kind}: {value!r}")
    return value


def check_in_range(day: date) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(
            f"date {day.isoformat()} is outside the calendar this system knows ({FIRST_YEAR} to {LAST_YEAR})"
        )


def is_working_day(day: date) -> bool:
    require_date(day, "day")
    check_in_range(day)
    return day.weekday() < 5 and day not in BANK_HOLIDAYS


def next_working_day(after: date) -> date:
    """The first working day strictly after `after`."""
    day = after + ONE_DAY
    while not is_working_day(day):
        day += ONE_DAY
    return day


def previous_working_day(before: date) -> date:
    """The last working day strictly before `before`."""
    day = before - ONE_DAY
    while not is_working_day(day):
        day -= ONE_DAY
    return day


def add_working_days(start: date, count: int) -> date:
    """The `count`-th working day after `start`: the start day itself is never counted."""
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    day = start
    for _ in range(count):
        day = next_working_day(day)
    return day


# The Tribunal (HESC Rules 2008 r.12, as amended 2020, SEN cases) -------------------------------------


def in_tribunal_closed_period(day: date) -> bool:
    """25 December to 1 January inclusive, and every day of August (HESC r.12(3))."""
    return day.month == 8 or (day.month == 12 and day.day >= 25) or (day.month == 1 and day.day == 1)


def tribunal_appeal_deadline(day: date) -> date:
    """Move an appeal deadline as HESC r.12 does for SEN appeals.

    r.12(3)(a): a deadline ending 25 Dec to 1 Jan or in August is met by the first working day after
    1 January or 31 August; r.12(2): any other deadline ending on a non-working day moves to the next
    working day.

    DESIGN CHOICE (docs/statutory-choices.md row 60): the two moves are applied until neither applies. A weekend roll
    can land inside a closed period (Sat 23 Dec 2023 rolls to Wed 27 Dec; Sat 31 Jul 2027 rolls to Mon 2 Aug), and the
    time then ends on a day r.12(3)(a) covers, so it moves again (to 2 Jan 2024; to 1 Sep 2027). An appeal deadline is
    therefore never in August or in 25 Dec to 1 Jan.
    """
    check_in_range(day)
    while not is_working_day(day) or in_tribunal_closed_period(day):
        if day.month == 8:
            day = next_working_day(date(day.year, 8, 31))
        elif day.month == 12 and day.day >= 25:
            day = next_working_day(date(day.year + 1, 1, 1))
        else:
            day = next_working_day(day)
    return day


def add_tribunal_days(start: date, count: int, *, working: bool) -> date:
    """Count days under HESC r.12(3)(b): days from 25 Dec to 1 Jan and in August are not counted.

    With `working`, weekends and bank holidays are not counted either (the 30 working days the
    Tribunal's standard directions give the LA to respond). The start day is never counted.
    """
    if count < 0:
        raise ValueError(f"count must not be negative, got {count}")
    day = start
    counted = 0
    while counted < count:
        day += ONE_DAY
        if in_tribunal_closed_period(day) or (working and not is_working_day(day)):
            continue
        counted += 1
    check_in_range(day)
    return day
