"""A statutory rule: a length, a unit, how to count it, and the law that says so.

A rule is data so that a rule set can be versioned (`policies`) and a case can say, in its letters and
on screen, which law each deadline comes from.
"""

from dataclasses import dataclass
from datetime import date

from statutory.calendar import FIRST_YEAR, LAST_YEAR, require_date, tribunal_appeal_deadline
from statutory.clock import COUNTERS, Unit, on_day_of_next_year
from statutory.exceptions import ExceptionCode

# The longest rule (12 months, then an appeal roll past New Year) stays inside the holiday calendar
# from any start up to a year before its end, so a start is refused, naming it, rather than a due date.
EARLIEST_START = date(FIRST_YEAR, 1, 1)
LATEST_START = date(LAST_YEAR - 1, 12, 31)


@dataclass(frozen=True)
class Rule:
    id: str
    length: int
    unit: Unit
    reference: str
    # Plain English, for letters and screens.
    description: str
    # For FIXED_DATE rules: the month and day in the calendar year after the start.
    fixed_month: int | None = None
    fixed_day: int | None = None
    # Appeal deadlines move under the Tribunal's rule 12 (HESC Rules 2008 r.12(2), (3)(a)).
    tribunal_rule_12: bool = False
    # The statutory exceptions that can disapply this limit.
    exceptions: tuple[ExceptionCode, ...] = ()

    def __post_init__(self) -> None:
        if self.unit is Unit.FIXED_DATE:
            if self.fixed_month is None or self.fixed_day is None or self.length:
                raise ValueError(f"rule {self.id!r}: a fixed-date rule needs a month and a day and no length")
            date(2001, self.fixed_month, self.fixed_day)  # a day every year has (not 29 Feb), or ValueError
        elif self.fixed_month is not None or self.fixed_day is not None or self.length <= 0:
            raise ValueError(f"rule {self.id!r}: a {self.unit} rule needs a positive length, no fixed date")

    def due(self, start: date) -> date:
        """The last day on which the step may be done, counted from the business date `start`."""
        require_date(start, "start")
        if not EARLIEST_START <= start <= LATEST_START:
            raise ValueError(
                f"start date {start.isoformat()} is outside the range deadlines can be counted from "
                f"({EARLIEST_START.isoformat()} to {LATEST_START.isoformat()})"
            )
        if self.unit is Unit.FIXED_DATE:
            assert self.fixed_month is not None and self.fixed_day is not None  # __post_init__ saw to it
            return on_day_of_next_year(start, self.fixed_month, self.fixed_day)
        result = COUNTERS[self.unit](start, self.length)
        return tribunal_appeal_deadline(result) if self.tribunal_rule_12 else result
