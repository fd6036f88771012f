"""The state every case workflow keeps and returns from its `state` query.

The same models travel as workflow input on continue-as-new and as the API's view of a single case,
so every field has a default: a field added later must not break a running case's history.
"""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class DeadlineStatus(StrEnum):
    OPEN = "open"
    MET = "met"
    BREACHED = "breached"
    EXCEPTED = "excepted"


class DeadlineKind(StrEnum):
    # A duty on the LA (or a body it asked): a miss is a breach and is escalated.
    DUTY = "duty"
    # A window given to someone else (the parent's 15 days on the draft): it closes, it is never breached.
    WINDOW = "window"


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
