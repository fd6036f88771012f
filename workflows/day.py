"""A date as a request states it: YYYY-MM-DD, and nothing a parser might guess at.

Pydantic on its own also reads a number as a Unix time ("on": 1735689600 is 1 January 2025), a string of
digits likewise, and a timestamp as its date. A client's bug would then record an action on a day nobody
typed. Every date an officer or a family gives is a calendar day, so it is written as one; a date object
made in code passes as it is.
"""

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator

_ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _written_as_a_day(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return value  # still to be checked as a real day (2025-02-30 is not) by the date type itself
    raise ValueError("a date is written as YYYY-MM-DD")


def _within_the_calendars(value: date) -> date:
    """The bank-holiday calendars every deadline is counted on run from 1990 to 2100 (statutory/calendar.py):
    a day outside FIRST_YEAR to LAST_YEAR is no one's real date and could not be counted from."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"must be a date between {FIRST_YEAR} and {LAST_YEAR}")
    return value


FIRST_YEAR, LAST_YEAR = 1900, 2099
Day = Annotated[date, BeforeValidator(_written_as_a_day), AfterValidator(_within_the_calendars)]
