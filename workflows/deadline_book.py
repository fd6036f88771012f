"""A case's statutory deadlines and the moments its clock must wake for them.

Each open deadline yields two moments: a reminder to the case officer a configured number of working
days before it falls due, and the breach at the end of the due day (Europe/London). A breach never
stops the process (the duty stays "as soon as practicable"), so it is recorded and escalated, and the
step can still be done late. Pure and deterministic: it runs inside workflows and in unit tests.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import statutory
from workflows.case_state import Deadline, DeadlineKind, DeadlineStatus, StatutoryException


class ClockEvent(StrEnum):
    REMINDER = "reminder"
    BREACH = "breach"
    WINDOW_CLOSED = "window_closed"


@dataclass(frozen=True)
class Firing:
    deadline: Deadline
    event: ClockEvent


class DeadlineBook:
    def __init__(
        self,
        deadlines: list[Deadline],
        exceptions: list[StatutoryException],
        policy: str,
        reminder_working_days: int,
        scope: str = "",
    ) -> None:
        # The lists are the workflow state's own, so every change here is in the state the query returns.
        self.deadlines = deadlines
        self.exceptions = exceptions
        self.policy = policy
        self.reminder_working_days = reminder_working_days
        # Appended to every key: a plan's review cycles reuse step names, and each cycle's deadlines
        # must stay distinct in the read model ("review.annual@c3").
        self.scope = scope

    def get(self, key: str) -> Deadline | None:
        scoped = key + self.scope
        return next((d for d in self.deadlines if d.key == scoped), None)

    def open(
        self,
        key: str,
        step: str,
        start: date,
        *,
        kind: DeadlineKind = DeadlineKind.DUTY,
        label: str | None = None,
    ) -> Deadline:
        """Open a deadline under the case's rule set; opening one that exists returns it unchanged."""
        if existing := self.get(key):
            return existing
        rule = statutory.get_rule(step, self.policy)
        deadline = Deadline(
            key=key + self.scope,
            step=step,
            label=label or rule.description,
            reference=rule.reference,
            kind=kind,
            start=start,
            due=rule.due(start),
        )
        self.deadlines.append(deadline)
        return deadline

    def complete(self, key: str, on: date) -> Deadline | None:
        """The step was done on a business date: met if on time, otherwise it stays a breach."""
        return self.finish(self.get(key), on)

    def open_for(self, step: str) -> Deadline | None:
        """The open deadline of a step, whatever scope opened it (one carried over from a past cycle)."""
        return next((d for d in self.deadlines if d.step == step and d.done_on is None), None)

    def finish(self, deadline: Deadline | None, on: date) -> Deadline | None:
        if deadline is None or deadline.done_on is not None:
            return deadline
        deadline.done_on = on
        if on <= deadline.due:
            deadline.status = DeadlineStatus.MET
        elif deadline.status is DeadlineStatus.OPEN:
            deadline.status = self._missed_status(deadline)
        return deadline

    def withdraw_open(self, on: date, *, settle_breached: bool) -> None:
        """A withdrawn or closed case owes nothing more; open duties close without a breach.

        With `settle_breached`, so do duties already marked breached that were not yet due on the closing
        date: a case entered late (a request received months ago) breaches at once, and a refusal or
        withdrawal dated before those deadlines means they were never owed. Without it (cases closed before
        that was known) they keep the breach they recorded."""
        for deadline in self.deadlines:
            if deadline.status is DeadlineStatus.OPEN:
                deadline.status = DeadlineStatus.MET if on <= deadline.due else self._missed_status(deadline)
                deadline.done_on = on
            elif settle_breached and self._never_owed(deadline, on):
                deadline.status = DeadlineStatus.MET
                deadline.done_on = on

    @staticmethod
    def _never_owed(deadline: Deadline, closed_on: date) -> bool:
        missed = deadline.status in (DeadlineStatus.BREACHED, DeadlineStatus.EXCEPTED)
        return deadline.kind is DeadlineKind.DUTY and missed and deadline.done_on is None and closed_on <= deadline.due

    def record_exception(self, exception: StatutoryException) -> None:
        self.exceptions.append(exception)
        for deadline in self.deadlines:
            if deadline.status is DeadlineStatus.BREACHED and self._exception_for(deadline):
                deadline.status = DeadlineStatus.EXCEPTED
                deadline.exception_code = exception.code

    def _exception_for(self, deadline: Deadline) -> StatutoryException | None:
        """An exception covers a deadline if it names its step and its period overlaps the deadline's."""
        for exception in self.exceptions:
            if deadline.step in exception.steps and exception.start <= deadline.due and exception.end >= deadline.start:
                return exception
        return None

    def _missed_status(self, deadline: Deadline) -> DeadlineStatus:
        if exception := self._exception_for(deadline):
            deadline.exception_code = exception.code
            return DeadlineStatus.EXCEPTED
        return DeadlineStatus.BREACHED

    # The clock ---------------------------------------------------------------------------------

    def _moments(self, deadline: Deadline) -> list[tuple[datetime, ClockEvent]]:
        moments: list[tuple[datetime, ClockEvent]] = []
        if deadline.status is not DeadlineStatus.OPEN:
            return moments
        end = statutory.breach_at(deadline.due)
        if not deadline.reminded:
            remind_day = statutory.remind_on(deadline.due, self.reminder_working_days)
            moments.append((statutory.breach_at(remind_day - timedelta(days=1)), ClockEvent.REMINDER))
        if not deadline.breach_recorded:
            event = ClockEvent.WINDOW_CLOSED if deadline.kind is DeadlineKind.WINDOW else ClockEvent.BREACH
            moments.append((end, event))
        return moments

    def next_wake(self) -> datetime | None:
        moments = [when for d in self.deadlines for when, _ in self._moments(d)]
        return min(moments, default=None)

    def fire(self, now: datetime) -> list[Firing]:
        """Everything due by `now`, each at most once; a reminder whose breach has also passed is skipped."""
        firings: list[Firing] = []
        for deadline in self.deadlines:
            due_now = [event for when, event in self._moments(deadline) if when <= now]
            if not due_now:
                continue
            if ClockEvent.REMINDER in due_now:
                deadline.reminded = True
                if len(due_now) == 1:
                    firings.append(Firing(deadline, ClockEvent.REMINDER))
                    continue
            deadline.breach_recorded = True
            if deadline.kind is DeadlineKind.WINDOW:
                deadline.status = DeadlineStatus.MET
                firings.append(Firing(deadline, ClockEvent.WINDOW_CLOSED))
            else:
                deadline.status = self._missed_status(deadline)
                firings.append(Firing(deadline, ClockEvent.BREACH))
        return firings

    def next_open(self) -> Deadline | None:
        """The earliest open deadline: what the case waits for next."""
        open_ones = [d for d in self.deadlines if d.status is DeadlineStatus.OPEN]
        return min(open_ones, key=lambda d: d.due, default=None)

    @property
    def breached(self) -> bool:
        return any(d.status is DeadlineStatus.BREACHED for d in self.deadlines)
