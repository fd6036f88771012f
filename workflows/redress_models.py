"""Messages of the redress workflow (mediation and the appeal window), and the orders it and the Tribunal make."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field, StrictBool

from workflows.actions import Action
from workflows.case_state import CaseInput, CaseRecord
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

# What an appeal against each kind of decision can end in, by the limb of CFA 2014 s.51(2) it is under and the
# reg 44(2) orders that follow from it: an assessment or re-assessment after a refusal of one ((a), (d); reg
# 44(2)(b)), a plan after a refusal to make one ((b); reg 44(2)(c)), amendments and the school named after an
# appeal on a plan's content or a refusal to amend it ((c), (e); reg 44(2)(e)-(f)), and after an appeal
# against ceasing, that the plan continue, with amendments if ordered ((f); reg 44(2)(d)). CEASE is never
# ordered: it follows from dismissing an appeal against ceasing (reg 44(2)(a)). A mediation agreement on an
# appealable matter is held to the same (reg 42(2)). DESIGN CHOICE (docs/statutory-choices.md): an order that
# cannot follow from the decision appealed is refused rather than carried, since no case could carry it out.
PLAN_CONTENT = frozenset({OrderKind.AMEND, OrderKind.NAME_SCHOOL})
ORDERS_FOR: dict[str, frozenset[OrderKind]] = {
    "refusal_to_assess": frozenset({OrderKind.ASSESS}),
    "refusal_to_reassess": frozenset({OrderKind.ASSESS}),
    "no_plan": frozenset({OrderKind.MAKE_PLAN}),
    "final_plan": PLAN_CONTENT,
    "amended_plan": PLAN_CONTENT,
    "maintain_unchanged": PLAN_CONTENT,
    "not_amended": PLAN_CONTENT,
    "cease": PLAN_CONTENT | {OrderKind.CONTINUE_TO_MAINTAIN},
}


def orders_refused(kind: str, orders: list[OrderKind]) -> str | None:
    """Why these orders cannot follow from an appeal against a `kind` decision, or None if they can."""
    if len(set(orders)) != len(orders):
        return "each order can be made once"
    allowed = ORDERS_FOR.get(kind)
    if allowed is None:
        return None  # a decision kind older than this table: taken as it was
    wrong = [o.value for o in orders if o not in allowed]
    if wrong:
        can = ", ".join(sorted(o.value for o in allowed))
        return f"an appeal against this decision ({kind}) can end in orders to {can} only, not {', '.join(wrong)}"
    return None


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


class RedressInput(CaseInput):
    decision_id: str
    kind: str
    limb: str
    decided_on: date


class AgreedOrder(BaseModel):
    order_id: str
    kind: OrderKind
    agreed_on: date
    done_on: date | None = None


class RedressState(CaseRecord):
    process: str = "redress"
    decision_id: str
    kind: str
    limb: str
    decided_on: date
    stage: RedressStage = RedressStage.INFORMATION
    appeal_by: date | None = None
    wants_mediation: bool | None = None
    certificate_on: date | None = None
    mediation_on: date | None = None
    mediation_outcome: MediationOutcome | None = None
    agreed: list[AgreedOrder] = Field(default_factory=list)
    appeal_id: str | None = None


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
