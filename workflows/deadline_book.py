"""A case's statutory deadlines and the moments its clock must wake for them.

Each open deadline yields two moments: a reminder to the case officer a configured number of working
days before it falls due, and its end at the end of the due day (Europe/London). Only a duty's end is a
breach: it never stops the process (the duty stays "as soon as practicable"), so it is recorded and
escalated, and the step can still be done late. A window lapses and a target passes; neither is a breach.

Legal time: a deadline is judged by the legal dates of the facts, never by when they were typed. A date
entered after its moments had passed (a case received months ago, a backlog typed in today) holds those
moments for a settle period, so that the officer can enter what was in fact done in time before any
reminder, breach or escalation goes out; confirming the backlog ends the hold at once.
Pure and deterministic: it runs inside workflows and in unit tests.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

import statutory
from workflows.case_state import Deadline, DeadlineKind, DeadlineStatus, StatutoryException

# DESIGN CHOICE (docs/statutory-choices.md, "late entry"): a date entered after its moments had passed stays
# provisional until the end of the fifth working day after the day it was entered, or until the officer
# confirms the backlog is in, whichever comes first. A week is enough to enter a case's paper history and
# short enough that a real breach reaches the manager and the dashboard within it.
LATE_ENTRY_SETTLE_WORKING_DAYS = 5


class ClockEvent(StrEnum):
    REMINDER = "reminder"
    BREACH = "breach"
    WINDOW_CLOSED = "window_closed"
    TARGET_PASSED = "target_passed"


# What the end of each kind of date is: only a duty's is a breach.
END_EVENTS = {
    DeadlineKind.DUTY: ClockEvent.BREACH,
    DeadlineKind.WINDOW: ClockEvent.WINDOW_CLOSED,
    DeadlineKind.TARGET: ClockEvent.TARGET_PASSED,
}


# What a fact did to a deadline besides meeting it: the workflow records each in the case history.
class Restated(StrEnum):
    # Done after its due date, and no breach recorded yet (it was held): the breach is recorded now.
    BREACHED_LATE = "deadline_breached"
    # A breach recorded by the clock, and then the step entered with a date by the due date: it was met.
    BREACH_WITHDRAWN = "breach_withdrawn"


@dataclass(frozen=True)
class Firing:
    deadline: Deadline
    event: ClockEvent


def settle_end(now: datetime) -> datetime:
    """The end of the settle period of a date entered at `now`."""
    entered_on = statutory.business_date(now)
    return statutory.breach_at(statutory.add_working_days(entered_on, LATE_ENTRY_SETTLE_WORKING_DAYS))


class DeadlineBook:
    def __init__(
        self,
        deadlines: list[Deadline],
        exceptions: list[StatutoryException],
        policy: str,
        reminder_working_days: int,
        scope: str = "",
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        # The lists are the workflow state's own, so every change here is in the state the query returns.
        self.deadlines = deadlines
        self.exceptions = exceptions
        self.policy = policy
        self.reminder_working_days = reminder_working_days
        # Appended to every key: a plan's review cycles reuse step names, and each cycle's deadlines
        # must stay distinct in the read model ("review.annual@c3").
        self.scope = scope
        # With a clock, the book keeps legal time (late-entered dates held, restatements reported);
        # without one (histories recorded before it) it behaves as it always did.
        self.clock = clock
        self.restated: list[tuple[Restated, Deadline]] = []

    @property
    def legal_time(self) -> bool:
        return self.clock is not None

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
        due: date | None = None,
    ) -> Deadline:
        """Open a deadline under the case's rule set; opening one that exists returns it unchanged.

        `due` sets a planning target's date where the rule's own count does not give it (a review meeting
        scheduled back from a phase transfer)."""
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
            due=due or rule.due(start),
            status=DeadlineStatus.ON_TRACK if kind is DeadlineKind.TARGET else DeadlineStatus.OPEN,
        )
        self.hold_if_late(deadline)
        self.deadlines.append(deadline)
        return deadline

    def hold_if_late(self, deadline: Deadline) -> None:
        """Hold the moments of a date entered after they passed (see LATE_ENTRY_SETTLE_WORKING_DAYS).

        A planning target already past when entered is at risk, not on track, while it waits: whether it was
        reached is for the facts still to be entered to say."""
        if self.clock is None:
            return
        now = self.clock()
        moments = self._moments(deadline)
        if any(when <= now for when, _ in moments):
            deadline.entered_at = now
            deadline.held_until = settle_end(now)
            if deadline.kind is DeadlineKind.TARGET:
                deadline.status = DeadlineStatus.AT_RISK

    def confirm_backlog(self) -> bool:
        """The officer says every past fact is in: held dates are judged now. True if any was held."""
        if self.clock is None:
            return False
        now = self.clock()
        held = [d for d in self.deadlines if d.held_until is not None and d.held_until > now]
        for deadline in held:
            deadline.held_until = now
        return bool(held)

    @property
    def settling(self) -> bool:
        """Some late-entered date is still inside its settle period."""
        if self.clock is None:
            return False
        now = self.clock()
        return any(d.pending and d.held_until is not None and d.held_until > now for d in self.deadlines)

    def complete(self, key: str, on: date) -> Deadline | None:
        """The step was done on a business date: judged by that date, whenever it is entered."""
        return self.finish(self.get(key), on)

    def open_for(self, step: str) -> Deadline | None:
        """The open deadline of a step, whatever scope opened it (one carried over from a past cycle)."""
        return next((d for d in self.deadlines if d.step == step and d.done_on is None), None)

    def finish(self, deadline: Deadline | None, on: date) -> Deadline | None:
        """Judge a deadline by the legal date its step was done on.

        A duty done by its due date is met, even if the clock had recorded a breach before the fact was
        entered (the breach is withdrawn); done later, it is a breach, recorded now if the clock had not
        (a late-entered date still held). A window is used or lapsed, a target met or passed."""
        if deadline is None or deadline.done_on is not None:
            return deadline
        deadline.done_on = on
        in_time = on <= deadline.due
        if deadline.kind is DeadlineKind.WINDOW:
            deadline.status = DeadlineStatus.USED if in_time else DeadlineStatus.LAPSED
        elif deadline.kind is DeadlineKind.TARGET:
            deadline.status = DeadlineStatus.MET if in_time else DeadlineStatus.PASSED
        elif in_time:
            if self.legal_time and deadline.breach_recorded and deadline.status is DeadlineStatus.BREACHED:
                deadline.breach_recorded = False
                self.restated.append((Restated.BREACH_WITHDRAWN, deadline))
            deadline.status = DeadlineStatus.MET
        elif deadline.status is DeadlineStatus.OPEN:
            deadline.status = self._missed_status(deadline)
            if self.legal_time and not deadline.breach_recorded:
                deadline.breach_recorded = True
                self.restated.append((Restated.BREACHED_LATE, deadline))
        return deadline

    def take_restated(self) -> list[tuple[Restated, Deadline]]:
        taken, self.restated[:] = list(self.restated), []
        return taken

    def withdraw_open(self, on: date, *, settle_breached: bool) -> None:
        """A withdrawn or closed case owes nothing more; open duties close without a breach.

        With `settle_breached`, so do duties already marked breached that were not yet due on the closing
        date: a case entered late (a request received months ago) breaches at once, and a refusal or
        withdrawal dated before those deadlines means they were never owed. Without it (cases closed before
        that was known) they keep the breach they recorded. A window still running ends used if the case
        moved on within it, and a target is met or passed by the closing date."""
        for deadline in self.deadlines:
            if deadline.pending and self.legal_time and on <= deadline.due:
                deadline.status, deadline.done_on = DeadlineStatus.ENDED, on  # never owed: the case ended first
            elif deadline.pending:
                if deadline.kind is DeadlineKind.DUTY:
                    deadline.status = DeadlineStatus.MET if on <= deadline.due else self._missed_status(deadline)
                    deadline.done_on = on
                    if on > deadline.due and self.legal_time and not deadline.breach_recorded:
                        deadline.breach_recorded = True  # overdue but held when the case ended: a breach
                        self.restated.append((Restated.BREACHED_LATE, deadline))
                elif on <= deadline.due:
                    self.finish(deadline, on)
                else:  # it ran out before the case ended, unused
                    window = deadline.kind is DeadlineKind.WINDOW
                    deadline.status = DeadlineStatus.LAPSED if window else DeadlineStatus.PASSED
                    deadline.breach_recorded = True
            elif settle_breached and self._never_owed(deadline, on):
                deadline.status = DeadlineStatus.ENDED if self.legal_time else DeadlineStatus.MET
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
        if not deadline.pending if self.legal_time else deadline.status is not DeadlineStatus.OPEN:
            return moments
        end = statutory.breach_at(deadline.due)
        if not deadline.reminded:
            remind_day = statutory.remind_on(deadline.due, self.reminder_working_days)
            moments.append((statutory.breach_at(remind_day - timedelta(days=1)), ClockEvent.REMINDER))
        if not deadline.breach_recorded:
            moments.append((end, END_EVENTS[deadline.kind]))
        held, entered = deadline.held_until, deadline.entered_at
        if held is not None and entered is not None:
            moments = [(held if when <= entered else when, event) for when, event in moments]
        return moments

    def next_wake(self) -> datetime | None:
        moment = self.next_moment()
        return None if moment is None else moment[0]

    def next_moment(self) -> tuple[datetime, ClockEvent, Deadline] | None:
        """The clock's next moment: when, what happens then, and to which date."""
        moments = [(when, event, d) for d in self.deadlines for when, event in self._moments(d)]
        return min(moments, key=lambda moment: moment[0], default=None)

    def fire(self, now: datetime) -> list[Firing]:
        """Everything due by `now`, each at most once; a reminder whose breach has also passed is skipped."""
        firings: list[Firing] = []
        for deadline in self.deadlines:
            due_now = [event for when, event in self._moments(deadline) if when <= now]
            if not due_now:
                continue
            if ClockEvent.REMINDER in due_now:
                deadline.reminded = True
                if deadline.kind is DeadlineKind.TARGET:
                    deadline.status = DeadlineStatus.AT_RISK
                if len(due_now) == 1:
                    firings.append(Firing(deadline, ClockEvent.REMINDER))
                    continue
            deadline.breach_recorded = True
            event = END_EVENTS[deadline.kind]
            if deadline.kind is DeadlineKind.WINDOW:
                deadline.status = DeadlineStatus.LAPSED if self.legal_time else DeadlineStatus.MET
            elif deadline.kind is DeadlineKind.TARGET:
                deadline.status = DeadlineStatus.PASSED
            else:
                deadline.status = self._missed_status(deadline)
            firings.append(Firing(deadline, event))
        return firings

    def next_open(self) -> Deadline | None:
        """The earliest duty still owed (any open date, before legal time): what the case waits for next."""
        if self.legal_time:
            open_ones = [d for d in self.deadlines if d.pending and d.kind is DeadlineKind.DUTY]
        else:
            open_ones = [d for d in self.deadlines if d.status is DeadlineStatus.OPEN]
        return min(open_ones, key=lambda d: d.due, default=None)

    @property
    def breached(self) -> bool:
        """Some duty of the LA's was breached: what the DeadlineBreached search attribute says."""
        duties = (DeadlineKind.DUTY,) if self.legal_time else tuple(DeadlineKind)
        return any(d.status is DeadlineStatus.BREACHED and d.kind in duties for d in self.deadlines)
