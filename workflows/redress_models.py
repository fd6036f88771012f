"""Messages of the redress workflows: mediation and the appeal window, then the Tribunal and its orders."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, StrictBool, field_validator

import statutory
from workflows.assessment_models import Action
from workflows.case_state import Deadline, HistoryEntry
from workflows.day import Day


class OrderKind(StrEnum):
    """What the Tribunal (or a mediation agreement, reg 42(2)) can require of the LA, and its deadlines."""

    ASSESS = "assess"  # reg 44(2)(b)
    MAKE_PLAN = "make_plan"  # reg 44(2)(c)
    AMEND = "amend"  # reg 44(2)(e): sections B / F (and I)
    NAME_SCHOOL = "name_school"  # reg 44(2)(f)
    CONTINUE_TO_MAINTAIN = "continue_to_maintain"  # reg 44(2)(d): at once
    CEASE = "cease"  # reg 44(2)(a): an appeal against ceasing dismissed, at once


# The reg 44 deadlines each kind of order starts (nothing for the orders that take effect at once).
ORDER_RULES: dict[OrderKind, tuple[str, ...]] = {
    OrderKind.ASSESS: ("tribunal.comply_assess",),
    OrderKind.MAKE_PLAN: ("tribunal.comply_issue_draft", "tribunal.comply_final_after_draft"),
    OrderKind.AMEND: ("tribunal.comply_amend",),
    OrderKind.NAME_SCHOOL: ("tribunal.comply_name_school",),
    OrderKind.CONTINUE_TO_MAINTAIN: (),
    OrderKind.CEASE: (),
}


class RedressStage(StrEnum):
    INFORMATION = "information"  # the family has the decision and the mediation information
    CERTIFICATE_PENDING = "certificate_pending"
    MEDIATION_REQUESTED = "mediation_requested"
    MEDIATION_ARRANGED = "mediation_arranged"
    MEDIATION_HELD = "mediation_held"
    APPEAL_WINDOW = "appeal_window"  # certificate issued: the family may appeal
    AGREEMENT_COMPLIANCE = "agreement_compliance"  # the LA carries out a mediation agreement
    APPEALED = "appealed"
    SETTLED = "settled"
    LAPSED = "lapsed"  # no appeal in time


class MediationOutcome(StrEnum):
    AGREEMENT = "agreement"
    PARTIAL = "partial"
    NONE = "none"


class RedressInput(BaseModel):
    case_ref: str
    la_code: str
    decision_id: str
    kind: str
    limb: str
    decided_on: date
    policy: str = statutory.DEFAULT_POLICY
    reminder_working_days: int = 5


class AgreedOrder(BaseModel):
    order_id: str
    kind: OrderKind
    agreed_on: date
    done_on: date | None = None


class RedressState(BaseModel):
    case_ref: str
    la_code: str
    process: str = "redress"
    policy: str
    decision_id: str
    kind: str
    limb: str
    decided_on: date
    stage: RedressStage = RedressStage.INFORMATION
    closed: bool = False
    outcome: str | None = None
    appeal_by: date | None = None
    wants_mediation: bool | None = None
    certificate_on: date | None = None
    mediation_on: date | None = None
    mediation_outcome: MediationOutcome | None = None
    agreed: list[AgreedOrder] = Field(default_factory=list)
    appeal_id: str | None = None
    waiting_for: str = ""
    deadlines: list[Deadline] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)


class AdviserContacted(Action):
    wants_mediation: StrictBool
    health_included: StrictBool = False


class CertificateIssued(Action):
    pass


class MediationArranged(Action):
    mediation_on: Day


class MediationNotArranged(Action):
    pass


class MediationHeld(Action):
    outcome: MediationOutcome
    agreed: list[OrderKind] = Field(
        default_factory=list, max_length=len(OrderKind), description="Appealable matters agreed (reg 42(2))"
    )
    non_appealable_agreed: StrictBool = Field(default=False, description="Health or social care agreed (reg 42(3))")


class AgreementCarriedOut(Action):
    order_id: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class AppealLodged(Action):
    settings_only: StrictBool = Field(default=False, description="Only about the setting in section I (CFA s.55(3))")
    extension_granted: StrictBool = Field(default=False, description="The Tribunal extended time (HESC r.5(3)(a))")


class TribunalStage(StrEnum):
    LODGED = "lodged"
    REGISTERED = "registered"
    HEARING_LISTED = "hearing_listed"
    COMPLYING = "complying"  # orders made: the LA must carry them out
    # Decided, no order owed: the written responses to the Tribunal's recommendations are (SI 2017/1306).
    RESPONDING = "responding"
    COMPLIED = "complied"
    DISMISSED = "dismissed"
    WITHDRAWN = "withdrawn"
    STRUCK_OUT = "struck_out"


class RecommendationTo(StrEnum):
    """Whom the Tribunal's non-binding recommendations are addressed to (SEND (First-tier Tribunal
    Recommendations Power) Regs 2017, SI 2017/1306; STATUTORY.md TR9)."""

    HEALTH = "health"  # the health care needs and provision: the health commissioning body
    SOCIAL_CARE = "social_care"  # the social care needs and provision: the LA's social care function


class Recommendation(BaseModel):
    """A recommendation the Tribunal made, and the addressee's written response (due within 5 weeks)."""

    to: RecommendationTo
    made_on: date
    responded_on: date | None = None
    follows: bool | None = Field(default=None, description="Will the addressee follow it? None: not said")


class TribunalInput(BaseModel):
    case_ref: str
    la_code: str
    decision_id: str
    kind: str
    appeal_id: str
    lodged_on: date
    settings_only: bool = False
    policy: str = statutory.DEFAULT_POLICY
    reminder_working_days: int = 5


class Order(BaseModel):
    order_id: str
    kind: OrderKind
    made_on: date
    done_on: date | None = None
    conceded: bool = False
    carried_to: str | None = Field(
        default=None,
        description="The case workflow that owns the order's reg 44 deadlines; None: this appeal keeps them",
    )


class TribunalState(BaseModel):
    case_ref: str
    la_code: str
    process: str = "tribunal"
    policy: str
    decision_id: str
    kind: str
    appeal_id: str
    lodged_on: date
    settings_only: bool = False
    stage: TribunalStage = TribunalStage.LODGED
    closed: bool = False
    outcome: str | None = None
    registered_on: date | None = None
    hearing_on: date | None = None
    orders: list[Order] = Field(default_factory=list)
    decided_on: date | None = None
    upheld: bool | None = Field(default=None, description="Was the appeal allowed? None: not decided")
    recommendations: list[Recommendation] = Field(default_factory=list)
    waiting_for: str = ""
    deadlines: list[Deadline] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)


class Registered(Action):
    response_due: Day | None = Field(
        default=None,
        description="The date the Tribunal's directions fix for the LA's response, where they fix one (HESC r.12(4)); "
        "otherwise 30 working days from registration",
    )


class ResponseSent(Action):
    pass


class HearingListed(Action):
    hearing_on: Day


class Decided(Action):
    upheld: StrictBool = Field(description="Was the appeal allowed, in whole or in part?")
    orders: list[OrderKind] = Field(default_factory=list, max_length=len(OrderKind))
    recommendations: list[RecommendationTo] = Field(
        default_factory=list,
        max_length=2,
        description="Non-binding recommendations on health or social care (SI 2017/1306): each addressee "
        "must answer in writing within 5 weeks",
    )

    @field_validator("recommendations")
    @classmethod
    def _once_each(cls, value: list[RecommendationTo]) -> list[RecommendationTo]:
        if len(set(value)) != len(value):
            raise ValueError("each addressee can be named once")  # says why, never echoes the input
        return value


class Conceded(Action):
    orders: list[OrderKind] = Field(min_length=1, max_length=len(OrderKind))


class Ended(Action):
    pass


class OrderComplied(Action):
    order_id: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")


class RecommendationResponse(Action):
    """The written response of one addressee to the Tribunal's recommendations (SI 2017/1306)."""

    to: RecommendationTo
    follows: StrictBool | None = Field(
        default=None, description="Will it follow the recommendations? If not, it says why"
    )
