"""Date arithmetic for tests that run on the time-skipping server's clock, written apart from `statutory`
so that a changed rule there shows up as a failing test rather than a moved expectation."""

import calendar
import re
from datetime import date, datetime, timedelta


def months_on(day: date, months: int) -> date:
    """The corresponding day `months` calendar months on, or the month's last day if it has none."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def appeal_deadline_fits(decided: date, appeal_by: date, months: int) -> bool:
    """Whether `appeal_by` is `months` calendar months after `decided` (HESC r.20(1)(c)) as HESC r.12 may move
    it: off a weekend or bank holiday by a few days (r.12(2)), or out of August or 25 Dec to 1 Jan to the first
    working day after (r.12(3)(a)), at most 31 days and a weekend later; a day a weekend roll carries into one
    of those (from 29 Jul, from 22 Dec) moves out of it too."""
    plain = months_on(decided, months)
    day = (plain.month, plain.day)
    closed = (7, 29) <= day <= (8, 31) or day >= (12, 22) or day == (1, 1)
    return timedelta(0) <= appeal_by - plain <= timedelta(days=35 if closed else 4)


def day_named_in(text: str) -> date:
    """The one date a sentence names as '05 Mar 2027', the way the workflows write one for people."""
    (named,) = re.findall(r"\b\d{2} [A-Z][a-z]{2} \d{4}\b", text)
    return datetime.strptime(named, "%d %b %Y").date()
