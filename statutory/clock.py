"""Calendar arithmetic for statutory periods (STATUTORY.md §3).

DESIGN CHOICES (recorded in STATUTORY.md §3, awaiting legal sign-off):
- weeks are calendar weeks: start + 7N days, with no roll-forward for weekends or bank holidays
  (nothing in the SEND Regs 2014 excludes them);
- months use the corresponding date N months on, or the last day of that month when it has no such
  date (31 Dec + 2 months = 28/29 Feb), following the Interpretation Act 1978 Sch 1 and Dodds v Walker;
- "N days beginning with" a day counts that day as day 1 (regs 13(1), 22(2)(c)); a plain "within N
  days of" does not count the start day.
"""

import calendar as _calendar
from datetime import date, timedelta
from enum import StrEnum

from statutory.calendar import add_tribunal_days, add_working_days, check_in_range


class Unit(StrEnum):
    WEEKS = "weeks"
    MONTHS = "months"
    DAYS = "days"
    DAYS_BEGINNING_WITH = "days beginning with"
    WORKING_DAYS = "working days"
    TRIBUNAL_DAYS = "days (HESC r.12(3)(b))"
    TRIBUNAL_WORKING_DAYS = "working days (HESC r.12(3)(b))"
    FIXED_DATE = "fixed date"


def add_months(start: date, months: int) -> date:
    """The corresponding date `months` on, clamped to the month end; never rolled."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, _calendar.monthrange(year, month)[1]))


def advance(start: date, length: int, unit: Unit) -> date:
    check_in_range(start)
    match unit:
        case Unit.WEEKS:
            result = start + timedelta(weeks=length)
        case Unit.MONTHS:
            result = add_months(start, length)
        case Unit.DAYS:
            result = start + timedelta(days=length)
        case Unit.DAYS_BEGINNING_WITH:
            result = start + timedelta(days=length - 1)
        case Unit.WORKING_DAYS:
            result = add_working_days(start, length)
        case Unit.TRIBUNAL_DAYS:
            result = add_tribunal_days(start, length, working=False)
        case Unit.TRIBUNAL_WORKING_DAYS:
            result = add_tribunal_days(start, length, working=True)
        case Unit.FIXED_DATE:
            raise ValueError("a fixed-date rule has no length to advance by")
    check_in_range(result)
    return result
