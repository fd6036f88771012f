"""The statutory exceptions that disapply a time limit (docs/law.md, Statutory exceptions).

An exception does not move a deadline: the limit stops applying and the duty becomes "as soon as
practicable". DESIGN CHOICE (docs/statutory-choices.md row 7): keep the nominal due date and record the exception
with its reason and dates, because DfE's timeliness measure reports plans both with and without them.
"""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType


class ExceptionCode(StrEnum):
    # The LA asked a school or early-years provider for advice in the window from 1 week before a
    # closure of 4 or more continuous weeks to 1 week before it reopens.
    CLOSURE_WINDOW = "closure_window"
    # Exceptional personal circumstances affect the child, the parent or the young person.
    PERSONAL_CIRCUMSTANCES = "personal_circumstances"
    # The child, parent or young person is away from the LA's area for 4 or more continuous weeks.
    ABSENCE_FOUR_WEEKS = "absence_4_weeks"
    # The child or young person missed an examination or test the advising body arranged.
    MISSED_APPOINTMENT = "missed_appointment"
    # Away from the LA's area for 2 or more continuous weeks (compliance with a Tribunal order).
    ABSENCE_TWO_WEEKS = "absence_2_weeks"

    @property
    def reference(self) -> str:
        return EXCEPTION_REFERENCES[self]


EXCEPTION_REFERENCES: Mapping[ExceptionCode, str] = MappingProxyType(
    {
        ExceptionCode.CLOSURE_WINDOW: "SEND Regs 2014 regs 5(4)(a)-(b), 10(4)(a)-(b), 13(3), 27(3)(a)-(b)",
        ExceptionCode.PERSONAL_CIRCUMSTANCES: (
            "SEND Regs 2014 regs 5(4)(c), 8(2)(a), 10(4)(c), 13(3), 27(3)(c), 44(3)"
        ),
        ExceptionCode.ABSENCE_FOUR_WEEKS: "SEND Regs 2014 regs 5(4)(d), 8(2)(b), 10(4)(d), 13(3), 27(3)(d)",
        ExceptionCode.MISSED_APPOINTMENT: "SEND Regs 2014 reg 8(2)(c)",
        ExceptionCode.ABSENCE_TWO_WEEKS: "SEND Regs 2014 reg 44(3)",
    }
)

# How long the circumstance must have lasted, where the regulation says: "a continuous period of not less than
# 4 weeks" (regs 5(4)(d), 8(2)(b), 10(4)(d), 27(3)(d); and the closure of regs 5(4)(a)-(b), whose window runs
# from 1 week before the closure to 1 week before it reopens), "not less than 2 weeks" (reg 44(3)). Counted
# in days from the first to the last, both included.
MINIMUM_DAYS: Mapping[ExceptionCode, int] = MappingProxyType(
    {
        ExceptionCode.CLOSURE_WINDOW: 28,
        ExceptionCode.ABSENCE_FOUR_WEEKS: 28,
        ExceptionCode.ABSENCE_TWO_WEEKS: 14,
    }
)

# The sets attached to rules, by the regulation that lists them.
ASSESSMENT_LIMITS = (  # regs 5(4), 10(4), 13(3) (which applies 10(4)), 27(3)
    ExceptionCode.CLOSURE_WINDOW,
    ExceptionCode.PERSONAL_CIRCUMSTANCES,
    ExceptionCode.ABSENCE_FOUR_WEEKS,
)
ADVICE_LIMITS = (  # reg 8(2)
    ExceptionCode.PERSONAL_CIRCUMSTANCES,
    ExceptionCode.ABSENCE_FOUR_WEEKS,
    ExceptionCode.MISSED_APPOINTMENT,
)
ORDER_LIMITS = (ExceptionCode.PERSONAL_CIRCUMSTANCES, ExceptionCode.ABSENCE_TWO_WEEKS)  # reg 44(3)
