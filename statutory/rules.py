"""A statutory rule: a length, a unit, how to count it, and the law that says so."""

from dataclasses import dataclass, field
from datetime import date

from statutory.calendar import check_in_range, tribunal_appeal_deadline
from statutory.clock import Unit, advance
from statutory.exceptions import ExceptionCode


@dataclass(frozen=True)
class Rule:
    id: str
    length: int
    unit: Unit
    reference: str
    description: str
    # For FIXED_DATE rules: the month and day in the calendar year after the start.
    fixed_month: int | None = None
    fixed_day: int | None = None
    # Appeal deadlines move under the Tribunal's rule 12 (HESC Rules 2008 r.12(2), (3)(a)).
    tribunal_rule_12: bool = False
    exceptions: tuple[ExceptionCode, ...] = field(default=())

    def due(self, start: date) -> date:
        if self.unit is Unit.FIXED_DATE:
            check_in_range(start)
            assert self.fixed_month is not None and self.fixed_day is not None
            return date(start.year + 1, self.fixed_month, self.fixed_day)
        result = advance(start, self.length, self.unit)
        return tribunal_appeal_deadline(result) if self.tribunal_rule_12 else result
