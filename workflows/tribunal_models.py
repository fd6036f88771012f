"""Messages of the Tribunal workflow: an appeal from registration to the LA carrying out the orders."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, StrictBool, field_validator

from workflows.actions import Action
from workflows.case_state import CaseInput, CaseRecord
from workflows.day import Day
from workflows.redress_models import OrderKind


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
    Recommendations Power) Regs 2017, SI 2017/1306; docs/statutory-choices.md row 50)."""

    HEALTH = "health"  # the health care needs and provision: the health commissioning body
    SOCIAL_CARE = "social_care"  # the social care needs and provision: the LA's social care function


class Recommendation(BaseModel):
    """A recommendation the Tribunal made, and the addressee's written response (due within 5 weeks)."""

    to: RecommendationTo
    made_on: date
    responded_on: date | None = None
    follows: bool | None = Field(default=None, description="Will the addressee follow it? None: not said")


class TribunalInput(CaseInput):
    decision_id: str
    kind: str
    appeal_id: str
    lodged_on: date
    settings_only: bool = False


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


class TribunalState(CaseRecord):
    process: str = "tribunal"
    decision_id: str
    kind: str
    appeal_id: str
    lodged_on: date
    settings_only: bool = False
    stage: TribunalStage = TribunalStage.LODGED
    registered_on: date | None = None
    hearing_on: date | None = None
    orders: list[Order] = Field(default_factory=list)
    decided_on: date | None = None
    upheld: bool | None = Field(default=None, description="Was the appeal allowed? None: not decided")
    recommendations: list[Recommendation] = Field(default_factory=list)


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
