"""Messages of the EHC needs assessment workflow: its input, its state (the `state` query) and outcome.

Pydantic models with defaults on every new field, because running cases replay old payloads.
"""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, StrictBool

from workflows.actions import Action
from workflows.case_state import CaseInput, CaseRecord, StatutoryException


class RequestSource(StrEnum):
    """Who asked for the assessment (SEN2 RequestSource codes 1-5)."""

    PARENT = "parent"  # parent or young person
    SCHOOL = "school"  # school or other setting
    HEALTH = "health"
    SOCIAL_CARE = "social_care"
    OTHER = "other"


class Stage(StrEnum):
    """Where the case stands in the flow drawn in workflows/assessment.py."""

    REQUEST_RECEIVED = "request_received"
    ASSESSING = "assessing"
    DRAFTING = "drafting"
    DRAFT_ISSUED = "draft_issued"
    REFUSED_TO_ASSESS = "refused_to_assess"
    NO_PLAN = "no_plan"
    FINAL_ISSUED = "final_issued"
    WITHDRAWN = "withdrawn"


CLOSED_STAGES = frozenset({Stage.REFUSED_TO_ASSESS, Stage.NO_PLAN, Stage.FINAL_ISSUED, Stage.WITHDRAWN})


class AssessmentInput(CaseInput):
    received_date: date = Field(description="The day the LA received the request: every deadline runs from it")
    request_source: RequestSource = RequestSource.PARENT
    opened_by: str = "system"
    # A Tribunal order reopens the assessment on the order's clock (SEND Regs 2014 reg 44(2)(b)-(c)).
    ordered: str | None = Field(default=None, description="'assess' or 'make_plan' when the Tribunal ordered it")
    order_id: str | None = None
    tribunal_workflow_id: str | None = None


class AssessmentState(CaseRecord):
    process: str = "assessment"
    stage: Stage = Stage.REQUEST_RECEIVED
    received_date: date
    request_source: RequestSource = RequestSource.PARENT
    exceptions: list[StatutoryException] = Field(default_factory=list)
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
