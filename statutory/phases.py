"""School phases from a child's cohort: when phase transfers fall, when rights pass to the young
person, and when a plan must end.

Everything is computed from the `reception_year`, the calendar year in September of which the child
starts (or would start) the Reception year: the year they turn 5 in (Education Act 1996 s.8). It is
derived from the date of birth in the database, or from the year group the LA records for a child
taught out of their cohort, and is the only fact about age that workflows ever hold: a cohort, not
a date of birth.
"""

import calendar as _calendar
from datetime import date

from statutory.calendar import check_in_range


def reception_year_for(date_of_birth: date) -> int:
    """Born 1 September Y to 31 August Y+1: Reception starts in September Y+5."""
    return date_of_birth.year + 5 if date_of_birth.month >= 9 else date_of_birth.year + 4


def academic_year_start(on: date) -> int:
    """The calendar year in which the academic year containing `on` began (it starts in September)."""
    return on.year if on.month >= 9 else on.year - 1


def year_group(reception_year: int, on: date) -> int:
    """National curriculum year on a date (0 = Reception, 7 = the first year of secondary school)."""
    return academic_year_start(on) - reception_year


def secondary_transfer_deadline(reception_year: int) -> date:
    """Primary to secondary happens in the September Year 7 starts; the plan must be amended by
    15 February of that calendar year (SEND Regs 2014 reg 18(1)(b))."""
    return date(reception_year + 7, 2, 15)


def post16_transfer_deadline(reception_year: int) -> date:
    """Secondary to post-16 happens in the September Year 12 starts; deadline 31 March of that year
    (reg 18(1)(a))."""
    return date(reception_year + 12, 3, 31)


def transfer_starts(deadline: date) -> date:
    """The September a phase transfer whose plan deadline is `deadline` (15 Feb / 31 Mar) takes effect."""
    return date(deadline.year, 9, 1)


def compulsory_school_age_ends(reception_year: int) -> date:
    """The last Friday in June of Year 11 (Education Act 1996 s.8(4); Code of Practice introduction):
    from the next day, rights under CFA 2014 Part 3 pass from the parent to the young person."""
    year = reception_year + 12
    last = date(year, 6, _calendar.monthrange(year, 6)[1])
    day = last.toordinal() - ((last.weekday() - 4) % 7)
    result = date.fromordinal(day)
    check_in_range(result)
    return result


def plan_end(reception_year: int) -> date:
    """31 July of the academic year the young person turns 25 (CFA 2014 s.46; SEND Regs 2014 reg 46(1)(a)).

    A Reception child turns 5 during that academic year, so they turn 25 twenty years later.
    """
    return date(reception_year + 21, 7, 31)


def under_five(reception_year: int, on: date) -> bool:
    """Before the academic year in which the child turns 5 (Reception): an under-5 for Code 9.178."""
    return year_group(reception_year, on) < 0
