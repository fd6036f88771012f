"""The periods over which the provision in section F is monitored: by default each half term.

The law sets no rhythm for checking that provision is delivered; CFA 2014 s.42(2) makes the duty to secure it
continuing. The LGSCO's commonest finding against councils is that they did not check, so the plan asks the
providers after every period (docs/provision.md). Term dates are each LA's own, and no national list exists:
these are the usual English half terms, each ending on the Friday on or before a fixed day, and the periods run
on from one another with no gap (a holiday belongs to the period it ends), so every day is in exactly one.
Pure and deterministic: the plan workflow and its tests use it alike.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

# DESIGN CHOICE (docs/statutory-choices.md row 67): half terms end on the Friday on or before these days (the
# October half term, Christmas, February half term, Easter, the late May half term, the summer).
HALF_TERM_ENDS = ((10, 24), (12, 19), (2, 13), (3, 31), (5, 22), (7, 21))


class DeliveryRhythm(StrEnum):
    HALF_TERM = "half_term"  # six a year, the default
    TERM = "term"  # three a year: autumn, spring, summer
    MONTH = "month"  # each calendar month


@dataclass(frozen=True)
class DeliveryPeriod:
    key: str = ""
    start: date = date.min
    end: date = date.min

    @property
    def label(self) -> str:
        return f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"


def _friday_on_or_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 4) % 7)


def _school_year(first: int, rhythm: DeliveryRhythm) -> list[DeliveryPeriod]:
    """The periods of the school year that starts after the summer of `first`, with the last one before it."""
    ends = [_friday_on_or_before(date(first, 7, 21))]
    for number, (month, day) in enumerate(HALF_TERM_ENDS, start=1):
        if rhythm is DeliveryRhythm.HALF_TERM or number % 2 == 0:
            ends.append(_friday_on_or_before(date(first + (month < 8), month, day)))
    name = f"{first}-{(first + 1) % 100:02d}"
    unit = "ht" if rhythm is DeliveryRhythm.HALF_TERM else "t"
    return [
        DeliveryPeriod(f"{name}.{unit}{number}", previous + timedelta(days=1), end)
        for number, (previous, end) in enumerate(pairwise(ends), start=1)
    ]


def period_containing(day: date, rhythm: DeliveryRhythm) -> DeliveryPeriod:
    """The monitoring period `day` falls in."""
    if rhythm is DeliveryRhythm.MONTH:
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return DeliveryPeriod(f"{day:%Y-%m}", start, following - timedelta(days=1))
    for first in (day.year - 1, day.year):
        for period in _school_year(first, rhythm):
            if period.start <= day <= period.end:
                return period
    raise AssertionError("the school years either side of a day cover it")  # pragma: no cover


def period_after(period: DeliveryPeriod, rhythm: DeliveryRhythm) -> DeliveryPeriod:
    return period_containing(period.end + timedelta(days=1), rhythm)
