"""The law as data, and the deadline clock.

Pure and deterministic: imported by the workflows (inside Temporal's sandbox) and the API alike.
Every rule names its legal reference; counting follows STATUTORY.md §3.
"""

from datetime import date, datetime

from statutory.calendar import add_working_days, is_working_day, next_working_day
from statutory.clock import Unit, add_months
from statutory.deadlines import breach_at, business_date, remind_on
from statutory.exceptions import EXCEPTION_REFERENCES, ExceptionCode
from statutory.policies import DEFAULT_POLICY, POLICIES, get_rule
from statutory.rules import Rule

__all__ = [
    "DEFAULT_POLICY",
    "EXCEPTION_REFERENCES",
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
    """The last day on which the step `rule` may be done, counted from the business date `start`."""
    if isinstance(start, datetime) or not isinstance(start, date):
        raise TypeError(f"start must be a datetime.date (a business date), not {type(start).__name__}: {start!r}")
    return get_rule(rule, policy).due(start)
