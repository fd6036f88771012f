"""The law as data, and the deadline clock.

Pure and deterministic (no I/O, no clock, no environment): imported by the workflows inside
Temporal's sandbox and by the API alike, so both always agree on a due date. Every rule names its
legal reference (docs/rules.md); how each unit counts is in docs/law.md.
"""

from datetime import date

from statutory.calendar import add_working_days, is_working_day, next_working_day
from statutory.clock import Unit, add_months
from statutory.deadlines import breach_at, business_date, remind_on
from statutory.exceptions import EXCEPTION_REFERENCES, MINIMUM_DAYS, ExceptionCode
from statutory.policies import DEFAULT_POLICY, POLICIES, get_rule
from statutory.rules import Rule

__all__ = [
    "DEFAULT_POLICY",
    "EXCEPTION_REFERENCES",
    "MINIMUM_DAYS",
    "POLICIES",
    "ExceptionCode",
    "Rule",
    "Unit",
    "add_months",
    "add_working_days",
    "breach_at",
    "business_date",
    "due_date",
    "get_rule",
    "is_working_day",
    "next_working_day",
    "remind_on",
]


def due_date(rule: str, start: date, policy: str = DEFAULT_POLICY) -> date:
    """The last day on which the step `rule` may be done, counted from the business date `start`.

    Raises ValueError for an unknown rule or policy or a start outside the supported years, and
    TypeError for a start that is not a plain date (a datetime included).
    """
    return get_rule(rule, policy).due(start)
