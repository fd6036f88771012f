"""Messages of the EHC needs assessment workflow: its input, its state (the `state` query) and outcome.

Pydantic models with defaults on every new field, because running cases replay old payloads.
"""

from datetime import date, timedelta
from enum import StrEnum
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator

import statutory
from workflows.case_state import Deadline, HistoryEntry, StatutoryException
from workflows.day import Day


class RequestSource(StrEnum):
    """Who asked for the assessment (SEN2 RequestSource codes 1-5)."""

    PARENT = "parent"  # parent or young person
    SCHOOL = "school"  # school or other setting
    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    OTHER = "other"


class Stage(StrEnum):
    """Where the case stands in the flow of STATUTORY.md §2.1."""

    REQUEST_RECEIVED = "request_received"
    ASSESSING = "assessing"
    DRAFTING = "drafting"
    DRAFT_ISSUED = "draft_issued"
    REFUSED_TO_ASSESS = "refused_to_assess"
    NO_PLAN = "no_plan"
    FINAL_ISSUED = "final_issued"
    WITHDRAWN = "withdrawn"


CLOSED_STAGES = frozenset({Stage.REFUSED_TO_ASSESS, Stage.NO_PLAN, Stage.FINAL_ISSUED, Stage.WITHDRAWN})


class AssessmentInput(BaseModel):
    case_ref: str
    la_code: str
    received_date: date = Field(description="The day the LA received the request: every deadline runs from it")
    request_source: RequestSource = RequestSource.PARENT
    policy: str = statutory.DEFAULT_POLICY
    reminder_working_days: int = 5
    opened_by: str = "system"
    # A Tribunal order reopens the assessment on the order's clock (SEND Regs 2014 reg 44(2)(b)-(c)).
    ordered: str | None = Field(default=None, description="'assess' or 'make_plan' when the Tribunal ordered it")
    order_id: str | None = None
    tribunal_workflow_id: str | None = None


class AssessmentState(BaseModel):
    case_ref: str
    la_code: str
    process: str = "assessment"
    policy: str
    stage: Stage = Stage.REQUEST_RECEIVED
    received_date: date
    request_source: RequestSource = RequestSource.PARENT
    closed: bool = False
    outcome: str | None = None
    waiting_for: str = ""
    deadlines: list[Deadline] = Field(default_factory=list)
    exceptions: list[StatutoryException] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)
    advice: list["AdviceState"] = Field(default_factory=list)
    settings: list["SettingConsultation"] = Field(default_factory=list)
    decisions: list["AppealableDecision"] = Field(default_factory=list)
    preferred_setting_urn: str | None = None
    meeting_requested: bool = False
    draft_document_id: str | None = None
    final_document_id: str | None = None
    named_setting_urn: str | None = None


class AssessmentOutcome(BaseModel):
    case_ref: str
    stage: Stage
    closed_on: date | None = None


# Officer actions (workflow updates) ---------------------------------------------------------------


class AdviserType(StrEnum):
    """Whose advice the LA must seek (SEND Regs 2014 reg 6(1)(a)-(h))."""

    PARENT = "parent"  # reg 6(1)(a)
    EDUCATIONAL = "educational"  # reg 6(1)(b): head teacher, SENCO or early years provider
    HEALTH = "health"  # reg 6(1)(c): health care professional identified by the RCB
    EDUCATIONAL_PSYCHOLOGIST = "educational_psychologist"  # reg 6(1)(d)
    SOCIAL_CARE = "social_care"  # reg 6(1)(e)
    PREPARING_FOR_ADULTHOOD = "preparing_for_adulthood"  # reg 6(1)(f): in or beyond year 9
    SENSORY = "sensory"  # reg 6(1)(g): hearing or vision impairment, qualified teacher
    OTHER = "other"  # reg 6(1)(h): anyone the parent or young person reasonably requests


def _unprintable(text: str) -> bool:
    return any(
        (ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in text
    )


def refuse_control_characters(model: BaseModel) -> None:
    """A NUL byte or another control character can be neither stored (PostgreSQL text refuses NUL) nor printed
    in a letter: refused with the request, not found later by an activity that then fails on every retry."""
    for name, value in model.__dict__.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and _unprintable(text) for text in texts):
            raise ValueError(f"{name} contains a control character (such as a NUL byte); remove it and resend")


# Five years: the longest a planned step lies ahead (a post-16 move, a hearing, an exception's end) is far less.
FARTHEST_AHEAD = timedelta(days=5 * 365 + 1)


class Action(BaseModel):
    """Who acted and the business date the action took effect (which may be earlier than today).

    Strict about what it is sent: a field it does not know is refused, not silently ignored (a typo would
    otherwise record an action without what the officer meant), and a yes/no is a JSON true or false, never
    a string. Workflow histories carry these models as they were written, so nothing unknown ever arrives."""

    model_config = ConfigDict(extra="forbid")

    on: Day
    actor: str = Field(
        default="officer", min_length=1, max_length=120, description="Ignored by the API: the signed-in user acts"
    )

    @model_validator(mode="after")
    def _printable(self) -> Self:
        refuse_control_characters(self)
        return self

    @model_validator(mode="after")
    def _not_far_ahead(self) -> Self:
        """A date an action names ahead of itself (a meeting, a hearing, a move, the end of an exception) is
        within FARTHEST_AHEAD of it: no statutory step is planned further off, and a date in the year 9999
        would reach past every calendar the deadlines are counted on."""
        latest = self.on + FARTHEST_AHEAD
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, date) and value > latest:
                raise ValueError(f"{name} is more than 5 years after the action's date")
        return self


class BacklogConfirmed(Action):
    """The officer says every past fact of a late-entered case is in: its overdue dates are judged now.

    `on` is today: confirming is something the officer does now, not a past fact."""


class AssessDecision(Action):
    assess: StrictBool
    reasons: str = Field(default="", max_length=4000)


class AdviceRequest(Action):
    adviser: AdviserType
    description: str = Field(default="", max_length=200, description="Who, for 'other' advisers (no names)")


class AdviceReceived(Action):
    # An adviser type or "other-N" (AssessmentWorkflow._advice_id): bounded, so no refusal can carry a megabyte.
    advice_id: str = Field(max_length=32, pattern=r"^[a-z_]+(-[0-9]{1,3})?$")


class IssueDecision(Action):
    issue: StrictBool
    reasons: str = Field(default="", max_length=4000)


class DraftSent(Action):
    document_id: str = Field(description="The draft plan document in the database (sections A-K, no I)")


class ParentComments(Action):
    preferred_setting_urn: str | None = Field(
        default=None, pattern=r"^[0-9]{6,8}$", description="The URN of the setting the parent asks for"
    )
    meeting_requested: StrictBool = False
    # Never used: the API sent it as null until it stopped taking it; recorded comments carry it, so it stays.
    document_id: str | None = Field(default=None, max_length=64)


class SettingConsulted(Action):
    setting_urn: str = Field(pattern=r"^[0-9]{6,8}$")


class SettingAnswered(Action):
    setting_urn: str = Field(pattern=r"^[0-9]{6,8}$")
    agrees: StrictBool


class FinalPlanIssued(Action):
    document_id: str
    named_setting_urn: str | None = None
    setting_type: str = Field(default="", max_length=120)


class ExceptionRecorded(Action):
    code: str = Field(max_length=48, pattern=r"^[a-z0-9_]+$", description="e.g. absence_4_weeks")
    reason: str = Field(min_length=1, max_length=2000)
    start: Day
    end: Day
    # A rule id each (statutory/policies.py); a case has a dozen steps at most, so 16 bounds any honest list.
    steps: list[Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z0-9_.]+$")]] = Field(
        min_length=1, max_length=16
    )


class WithdrawalReason(StrEnum):
    MOVED_AWAY = "moved_away"
    REQUEST_WITHDRAWN = "request_withdrawn"
    OTHER = "other"


class Withdrawal(Action):
    reason: WithdrawalReason


class AdviceState(BaseModel):
    advice_id: str
    adviser: AdviserType
    description: str = ""
    requested_on: date
    received_on: date | None = None
    due: date


class SettingConsultation(BaseModel):
    setting_urn: str
    sent_on: date
    answered_on: date | None = None
    agrees: bool | None = None
    due: date


class AppealableDecision(BaseModel):
    """A decision that carries appeal rights (CFA 2014 s.51(2)); the redress process picks it up."""

    decision_id: str
    kind: str
    limb: str
    decided_on: date
    mediation_certificate_needed: bool = True


AssessmentState.model_rebuild()
