"""Messages of the EHC plan workflow: its input (also its continue-as-new state), state and actions."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, StrictBool

from statutory.phases import SchoolStructure
from workflows.actions import Action
from workflows.assessment_models import AppealableDecision, SettingConsultation
from workflows.case_state import CaseInput, CaseRecord, Deadline, StatutoryException
from workflows.day import Day
from workflows.delivery_periods import DeliveryRhythm
from workflows.provision_models import MAX_LINES, LineDelivery, LineRef, ProvisionLine


class PlanStage(StrEnum):
    MAINTAINED = "maintained"  # waiting for the next review
    REVIEW_SCHEDULED = "review_scheduled"
    REVIEW_HELD = "review_held"  # report and the LA's decision outstanding
    AMENDMENT_PROPOSED = "amendment_proposed"
    REASSESSMENT_REQUESTED = "reassessment_requested"
    REASSESSING = "reassessing"
    REASSESSMENT_DRAFT = "reassessment_draft"  # the re-assessment's draft with the family (reg 27, reg 13(1))
    ORDERED_AMENDMENT = "ordered_amendment"  # the Tribunal ordered the plan amended (reg 44(2)(e)-(f))
    CEASE_PENDING_APPEAL = "cease_pending_appeal"  # decided to cease; in force until appeal rights end
    CEASED = "ceased"


class RightsHolder(StrEnum):
    PARENT = "parent"
    YOUNG_PERSON = "young_person"


class ReviewOutcome(StrEnum):
    MAINTAIN = "maintain"
    AMEND = "amend"
    CEASE = "cease"


class PlanVersion(BaseModel):
    version: int
    document_id: str
    issued_on: date
    reason: str
    by: str


class PlanInput(CaseInput):
    """The plan as it stands at the start of a review cycle; continue-as-new passes it on."""

    issued_on: date = Field(description="When the plan was first issued")
    last_review_on: date | None = Field(default=None, description="The last review meeting, if any")
    reception_year: int | None = Field(default=None, description="Cohort; loaded from the database if not given")
    cycle: int = 1
    rights_holder: RightsHolder = RightsHolder.PARENT
    versions: list[PlanVersion] = Field(default_factory=list)
    decisions: list[AppealableDecision] = Field(default_factory=list)
    # A transfer in from another LA: the next review is the later of the usual date and 3 months after
    # the transfer (SEND Regs 2014 reg 15(5)).
    transferred_on: date | None = None
    phase_transfers_done: list[str] = Field(default_factory=list)
    carried_deadlines: list[Deadline] = Field(default_factory=list)
    open_orders: list["OpenOrder"] = Field(default_factory=list)
    previous_history_count: int = 0
    imported: bool = False
    imported_by: str = Field(default="system", max_length=120, description="Who imported the plan (a staff id)")
    named_setting_urn: str | None = Field(default=None, description="The setting named in section I, if known")
    school_structure: SchoolStructure = Field(
        default=SchoolStructure.PRIMARY, description="The LA's school phases, which set the child's transfers"
    )
    provision: list[ProvisionLine] = Field(default_factory=list, description="Section F's lines, as monitored")
    delivery_rhythm: DeliveryRhythm = DeliveryRhythm.HALF_TERM
    delivery_period_start: date | None = Field(default=None, description="The period being delivered now")
    provision_document_id: str | None = Field(default=None, description="Where the lines in force are written")
    deliveries: list[LineDelivery] = Field(default_factory=list, description="Periods not yet settled")


class PlanState(CaseRecord):
    process: str = "plan"
    stage: PlanStage = PlanStage.MAINTAINED
    cycle: int = 1
    issued_on: date
    last_review_on: date | None = None
    review_due: date | None = None
    review_reason: str = ""
    meeting_on: date | None = None
    advice_circulated_on: date | None = None
    named_setting_urn: str | None = None
    preferred_setting_urn: str | None = Field(
        default=None, description="The setting the family asked for on the proposals or the draft (CFA 2014 s.38(2))"
    )
    school_structure: SchoolStructure = SchoolStructure.PRIMARY
    settings: list[SettingConsultation] = Field(
        default_factory=list, description="Settings consulted in this cycle on being named (CFA 2014 ss.39-40)"
    )
    cease_consulted_on: date | None = Field(
        default=None,
        description="When the family and the head of the named setting were consulted on ceasing (reg 31(1))",
    )
    reception_year: int | None = None
    year_group: int | None = None
    rights_holder: RightsHolder = RightsHolder.PARENT
    rights_pass_on: date | None = None
    plan_ends_on: date | None = None
    phase_transfer_due: date | None = None
    phase_transfers_done: list[str] = Field(default_factory=list)
    versions: list[PlanVersion] = Field(default_factory=list)
    proposed_document_id: str | None = None
    open_orders: list["OpenOrder"] = Field(default_factory=list)
    transferred_on: date | None = None
    exceptions: list[StatutoryException] = Field(default_factory=list)
    decisions: list[AppealableDecision] = Field(default_factory=list)
    provision: list[ProvisionLine] = Field(default_factory=list, description="Section F's lines, as monitored")
    delivery_rhythm: DeliveryRhythm = DeliveryRhythm.HALF_TERM
    delivery_period_start: date | None = None
    delivery_period_end: date | None = Field(default=None, description="When providers are next asked")
    provision_document_id: str | None = Field(
        default=None, description="The stored plan document whose lines of section F are in force"
    )
    deliveries: list[LineDelivery] = Field(
        default_factory=list, description="What providers said of each line, period by period (kept a year)"
    )


class MeetingScheduled(Action):
    meeting_on: Day = Field(description="The review meeting date; notice must be at least 2 weeks before")


class AdviceCirculated(Action):
    pass


class FamilyViews(Action):
    """The family's advice and information for the review meeting, which whoever arranges it must obtain from them
    (SEND Regs 2014 reg 20(2)(a), (4); reg 21 where no school or other institution is attended). Their words are
    kept in the database where they arrived (the portal's submissions, or the LA's post): the plan records that
    they came, and when."""


class ReviewHeld(Action):
    pass


class ReportReceived(Action):
    pass


class ReviewDecision(Action):
    outcome: ReviewOutcome
    reasons: str = Field(default="", max_length=4000)
    proposed_document_id: str | None = Field(default=None, description="Proposed amendments, for 'amend'")


class AmendedPlanIssued(Action):
    document_id: str
    named_setting_urn: str | None = Field(default=None, pattern=r"^[0-9]{6,8}$")
    # Section F's lines in the new version; None (every history before them) leaves the lines as they were.
    provision: list[LineRef] | None = Field(default=None, max_length=MAX_LINES)


class NotAmended(Action):
    reasons: str = Field(min_length=1, max_length=4000)


class ReassessmentRequested(Action):
    pass


class ReassessmentDecision(Action):
    reassess: StrictBool
    reasons: str = Field(default="", max_length=4000)


class CeaseConsulted(Action):
    """The LA told the parent or young person it is considering ceasing the plan and consulted them and the head
    of the setting named in it (SEND Regs 2014 reg 31(1)); `on` is when that consultation was made."""


class CeaseDecision(Action):
    reasons: str = Field(min_length=1, max_length=4000)


class AppealEvent(Action):
    lodged: StrictBool = Field(default=True, description="True: an appeal was registered; False: decided")
    upheld: StrictBool | None = Field(default=None, description="Decided: was the appeal against ceasing allowed?")


# What a plan's history records when it moves to another LA (PlanWorkflow.transfer_in names it, as each handler
# names what it records, for tests/api/test_steps.py to read): the read model moves the case's deadlines with it
# when it writes this line (activities/case_sync.py).
TRANSFERRED_IN = "transferred_in"


class TransferIn(Action):
    from_la_code: str = Field(pattern=r"^[A-Z0-9]{3,9}$")
    to_la_code: str = Field(pattern=r"^[A-Z0-9]{3,9}$")


class NoticeSent(Action):
    pass


class TransferNotice(NoticeSent):
    """The receiving LA's letter of reg 15(4): the plan has transferred, and whether it proposes an EHC needs
    assessment. Optional here only because notices recorded before this field carried none."""

    proposes_assessment: StrictBool | None = Field(
        default=None, description="Does the new LA propose to make an EHC needs assessment (reg 15(4))?"
    )


class TribunalOrder(Action):
    """An order of the Tribunal (or a mediation agreement) that changes the plan (reg 44(2)(e)-(f))."""

    order_id: str
    kind: str = Field(description="amend, name_school or reassess")
    tribunal_workflow_id: str


class OpenOrder(BaseModel):
    order_id: str
    kind: str
    tribunal_workflow_id: str
    made_on: date


PlanInput.model_rebuild()
PlanState.model_rebuild()


class Post16MovePlanned(Action):
    """A move between post-16 institutions planned at a time other than the start of the academic year after
    secondary school (SEND Regs 2014 reg 18(2))."""

    moves_on: Day = Field(description="When the young person is to start at the new institution")
