"""When a due date is breached, and when to remind: the bridge from business dates to timers.

A duty due on a day may be done until the end of that day in England, so the breach is at 00:00
Europe/London on the day after (BST or GMT as the date falls). The zone is built at import, because
constructing one inside the workflow sandbox fails.
"""

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

from statutory.calendar import is_working_day, previous_working_day, require_date

# Typed as any zone: the midnight benchmark (bench/midnight_worker.py) puts a fixed offset in its place.
LONDON: tzinfo = ZoneInfo("Europe/London")


def breach_at(due: date) -> datetime:
    """The instant (UTC) a duty due on `due` becomes late."""
    require_date(due, "due")
    return datetime.combine(due + timedelta(days=1), time(), LONDON).astimezone(UTC)


def business_date(instant: datetime) -> date:
    """The date in England at an instant (the workflow's clock, or the API's).

    A naive datetime is refused: converting it would read the machine's own time zone, which differs
    between workers and would make a workflow non-deterministic.
    """
    if not isinstance(instant, datetime):
        raise TypeError(f"instant must be a datetime, not {type(instant).__name__}: {instant!r}")
    if instant.utcoffset() is None:
        raise ValueError(f"instant must be timezone-aware, got the naive {instant!r}")
    return instant.astimezone(LONDON).date()


def remind_on(due: date, working_days_before: int) -> date:
    """The working day `working_days_before` working days before `due` (0: the due date itself).

    DESIGN CHOICE (docs/statutory-choices.md row 10): a due date that is not itself a working day is counted from the
    last working day before it, so an officer is never reminded on a weekend or bank holiday (0 then gives that
    working day).
    """
    if working_days_before < 0:
        raise ValueError(f"working_days_before must not be negative, got {working_days_before}")
    require_date(due, "due")
    day = due if is_working_day(due) else previous_working_day(due)
    for _ in range(working_days_before):
        day = previous_working_day(day)
    return day
