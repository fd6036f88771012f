"""The state every case workflow keeps and returns from its `state` query.

The same models travel as workflow input on continue-as-new and as the API's view of a single case,
so every field has a default: a field added later must not break a running case's history.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, Field

import statutory


class DeadlineStatus(StrEnum):
    """Each kind of date has words of its own, so no list can mistake a lapsed window for a breach."""

    # A duty: open, then met, breached (the law was broken) or excepted (missed under a statutory exception).
    OPEN = "open"
    MET = "met"
    BREACHED = "breached"
    EXCEPTED = "excepted"
    # A window given to another party: used in time, or lapsed unused. Never the LA's breach.
    USED = "used"
    LAPSED = "lapsed"
    # A planning target the law does not set: on track, at risk (inside the reminder period), passed.
    # Reaching it is "met"; passing it is never a breach.
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    PASSED = "passed"
    # Any kind: no longer running because the case ended before the date came (a refusal to assess ends the
    # 20 weeks to a final plan; they were never owed, and nothing was issued).
    ENDED = "ended"


# Statuses of a date that is still running: the clock watches these.
PENDING = frozenset({DeadlineStatus.OPEN, DeadlineStatus.ON_TRACK, DeadlineStatus.AT_RISK})


class DeadlineKind(StrEnum):
    # A statutory duty ("must"): a miss is a breach, recorded and escalated.
    DUTY = "duty"
    # A window given to someone else (the parent's 15 days on the draft, the appeal deadline, the
    # mediation adviser's 3 working days): used or lapsed, never breached.
    WINDOW = "window"
    # A date the law does not set (the under-5 review, a review meeting scheduled back from a phase
    # transfer, reg 10(1)'s 16 weeks when the plan is issued): on track, at risk or passed, never breached.
    TARGET = "target"


class Deadline(BaseModel):
    key: str = Field(description="Unique within the case, e.g. 'assessment.advice:educational_psychologist'")
    step: str = Field(description="Rule id in `statutory`, e.g. 'assessment.final_plan'")
    label: str = ""
    reference: str = Field(default="", description="The legal reference of the rule")
    kind: DeadlineKind = DeadlineKind.DUTY
    start: date
    due: date
    status: DeadlineStatus = DeadlineStatus.OPEN
    done_on: date | None = Field(default=None, description="Business date the step was done")
    reminded: bool = False
    breach_recorded: bool = False
    exception_code: str | None = None
    # A date entered after its moments had passed (a case entered late, a backlog typed in today): its
    # reminder and breach wait until `held_until`, so the officer can enter what was done in time first.
    entered_at: datetime | None = Field(default=None, description="When the deadline was opened, if held")
    held_until: datetime | None = Field(
        default=None, description="Breaches of this late-entered date stay provisional until then"
    )

    @property
    def pending(self) -> bool:
        return self.status in PENDING and self.done_on is None

    def provisional(self, now: datetime) -> bool:
        """Overdue, but entered late and still inside its settle period: not (yet) a breach."""
        return self.pending and self.held_until is not None and now < self.held_until


class StatutoryException(BaseModel):
    """An exception the regulations allow (e.g. SEND Regs 2014 reg 5(4)): recorded, not a moved deadline."""

    code: str
    reason: str
    start: date
    end: date
    steps: list[str] = Field(default_factory=list)
    recorded_by: str = ""


class HistoryEntry(BaseModel):
    seq: int
    at: datetime = Field(description="When the workflow recorded it")
    on: date | None = Field(default=None, description="The business date the action took effect")
    action: str
    actor: str = "system"
    summary: str = ""


class StepResult(BaseModel):
    """What an officer action returns: the stage it left the case in and its place in the history.

    Small on purpose: it is stored in history with every update, so the whole case would grow a case's
    history with the square of its length.
    """

    stage: str
    seq: int


class CaseInput(BaseModel):
    """What every case workflow starts from, whatever its process."""

    case_ref: str
    la_code: str
    policy: str = statutory.DEFAULT_POLICY
    reminder_working_days: int = 5


class CaseRecord(BaseModel):
    """What every case workflow's state holds, whatever its process: the case, the law it runs under, whether it
    has ended and how, what it waits for, its dates and its history. Each process adds its own stage and facts."""

    case_ref: str
    la_code: str
    process: str
    policy: str
    closed: bool = False
    outcome: str | None = None
    waiting_for: str = ""
    deadlines: list[Deadline] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)

    @classmethod
    def opened(cls, input: CaseInput, **facts: Any) -> Self:
        """The state a run opens with: every fact its input carries under the same name (a list copied, so the
        state never shares one with the input), then the process's own `facts`."""
        carried = {
            name: list(value) if isinstance(value, list) else value
            for name in cls.model_fields
            if name in type(input).model_fields and name not in facts
            for value in [getattr(input, name)]
        }
        return cls(**carried, **facts)
