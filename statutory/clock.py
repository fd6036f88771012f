"""Date arithmetic for statutory periods, one function per way the law counts (docs/law.md, How each unit counts).

DESIGN CHOICES (docs/statutory-choices.md rows 1, 2, 4 and 5, awaiting legal sign-off):
- weeks are calendar weeks: start + 7N days, with no roll-forward for weekends or bank holidays
  (nothing in the SEND Regs 2014 excludes them);
- months use the corresponding date N months on, or the last day of that month when it has no such
  date (31 Dec + 2 months = 28/29 Feb), following the Interpretation Act 1978 Sch 1 and Dodds v Walker;
  never rolled;
- "N days beginning with" a day counts that day as day 1 (regs 13(1), 22(2)(c)); a plain "within N
  days of" does not count the start day.
"""

from calendar import monthrange
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from enum import StrEnum
from types import MappingProxyType

from statutory.calendar import add_tribunal_days, add_working_days


class Unit(StrEnum):
    WEEKS = "weeks"
    MONTHS = "months"
    DAYS = "days"
    DAYS_BEGINNING_WITH = "days_beginning_with"
    WORKING_DAYS = "working_days"
    # Calendar days, not counting 25 Dec to 1 Jan or August (HESC r.12(3)(b)).
    TRIBUNAL_DAYS = "tribunal_days"
    # Working days, not counting 25 Dec to 1 Jan or August either (HESC r.12(3)(b)).
    TRIBUNAL_WORKING_DAYS = "tribunal_working_days"
    # A named day of the calendar year after the start (reg 18(1)).
    FIXED_DATE = "fixed_date"


def add_weeks(start: date, weeks: int) -> date:
    return start + timedelta(weeks=weeks)


def add_months(start: date, months: int) -> date:
    """The corresponding date `months` on, clamped to the month end; never rolled."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def add_days(start: date, days: int) -> date:
    """A plain 'within N days of': the start day is day 0."""
    return start + timedelta(days=days)


def add_days_beginning_with(start: date, days: int) -> date:
    """'N days beginning with' a day: that day is day 1, so the result is the last day of the window."""
    return start + timedelta(days=days - 1)


def add_tribunal_calendar_days(start: date, days: int) -> date:
    return add_tribunal_days(start, days, working=False)


def add_tribunal_working_days(start: date, days: int) -> date:
    return add_tribunal_days(start, days, working=True)


def on_day_of_next_year(start: date, month: int, day: int) -> date:
    return date(start.year + 1, month, day)


COUNTERS: Mapping[Unit, Callable[[date, int], date]] = MappingProxyType(
    {
        Unit.WEEKS: add_weeks,
        Unit.MONTHS: add_months,
        Unit.DAYS: add_days,
        Unit.DAYS_BEGINNING_WITH: add_days_beginning_with,
        Unit.WORKING_DAYS: add_working_days,
        Unit.TRIBUNAL_DAYS: add_tribunal_calendar_days,
        Unit.TRIBUNAL_WORKING_DAYS: add_tribunal_working_days,
    }
)
"""How to count a length in each unit; FIXED_DATE has no length and is absent."""
