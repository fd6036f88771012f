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
from enum import StrEnum

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


class SchoolStructure(StrEnum):
    """How an LA's schools are organised, which sets when a child changes phase (SEND Regs 2014 reg 2(1): early
    years to school, infant to junior, primary to middle, primary or middle to secondary, secondary to post-16)."""

    PRIMARY = "primary"  # primary (Reception to Year 6), then secondary
    INFANT_JUNIOR = "infant_junior"  # infant (to Year 2), junior (Years 3-6), then secondary
    # DESIGN CHOICE (docs/statutory-choices.md): first (to Year 4), middle (Years 5-8), upper (Year 9 on), the most
    # common three-tier ages; an LA whose middle schools differ records its own structure.
    THREE_TIER = "three_tier"


# The year group each move of a phase is into (Reception is 0; Year 12 is the move to post-16).
MOVES_INTO = {
    SchoolStructure.PRIMARY: (0, 7, 12),
    SchoolStructure.INFANT_JUNIOR: (0, 3, 7, 12),
    SchoolStructure.THREE_TIER: (0, 5, 9, 12),
}
POST16 = 12


def transfer_deadline(reception_year: int, year_into: int) -> date:
    """Reg 18(1): the plan is amended by 31 March before a move from secondary school to post-16 (reg 18(1)(a)),
    and by 15 February before any other move between phases (reg 18(1)(b)), in the calendar year of the move."""
    start = reception_year + year_into
    return date(start, 3, 31) if year_into == POST16 else date(start, 2, 15)


def transfers(reception_year: int, structure: SchoolStructure) -> list[tuple[int, date]]:
    """Every move between phases of a child's schooling, earliest first, with its reg 18(1) date."""
    return [(year, transfer_deadline(reception_year, year)) for year in MOVES_INTO[structure]]


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
