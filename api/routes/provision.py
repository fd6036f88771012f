"""Section F as lines of provision, and whether each was delivered: what the plan says the child gets, what each
provider said it delivered period by period, and the LA's duty to secure it (CFA 2014 s.42(2); docs/provision.md).

The lines' words, the providers' names and addresses are plan text: they are read and written here, in the
database, and the plan's workflow gets only each line's number, kind and provider's code.
"""

from datetime import date
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.actions import OfficerAction
from api.auth import Acting, InScope, WithPersonalData, audit_personal_data, case_for
from api.deps import CaseRef, SessionDep, TemporalDep
from api.routes.cases import query_state
from api.routes.plans import PLAN, ProvisionLineOut
from api.schemas import ProvisionLinesIn
from api.updates import IdempotencyKey, with_document
from core.workflow_ids import plan_id
from store.models import Case, PlanDocument, ProvisionDeliveryRow, ProvisionLineRow
from workflows.case_state import PENDING, DeadlineStatus
from workflows.delivery_periods import DeliveryRhythm
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanState
from workflows.provision_models import ProvisionLinesSet
from workflows.provision_monitoring import CONFIRM, asked_of

router = APIRouter(prefix="/plans/{case_ref}", tags=["provision"], dependencies=[InScope])

PROVISION_ACTIONS = (
    OfficerAction(
        "provision-confirmations",
        PlanWorkflow.confirm_provision,
        "A provider's account of a delivery period: each of its lines of section F delivered in full, or short by "
        "so many sessions and why. A shortfall the LA answers for is a breach of its duty to secure the provision "
        "(CFA 2014 s.42(2)) over that period, owed until made good; a child's absence or a family's refusal is not",
        records=("provision_confirmed",),
    ),
    OfficerAction(
        "provision-made-good",
        PlanWorkflow.make_good_shortfall,
        "Record that the LA made good a shortfall (sessions made up, compensatory provision): the duty it owed is "
        "done, and its breach stays on the record (CFA 2014 s.42(2))",
        records=("provision_made_good",),
    ),
)
PLAN.add(router, PROVISION_ACTIONS)

SET_LINES = OfficerAction(
    "provision-lines",
    PlanWorkflow.set_provision_lines,
    "Set out section F of the plan in force as lines of provision to monitor (an imported plan's, or a correction): "
    "what, by whom, how much and how often, where; no new version of the plan",
    records=("provision_lines_set",),
    body=ProvisionLinesIn,
)


@router.post(f"/{SET_LINES.path}", response_model=PlanState, summary=SET_LINES.what, name=SET_LINES.name)
async def set_provision_lines(
    case_ref: CaseRef,
    body: ProvisionLinesIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """The lines are kept with a record of their own (a plan document of kind `section_f`, written first and removed
    again if the plan refuses them), so that every set of lines the plan has had stays readable and the plan says
    which is in force; the workflow watches them from the period `on` falls in."""
    await case_for(session, user, case_ref)

    async def set_out(document_id: str) -> Any:
        watched = [line.watched() for line in body.provision]
        action = ProvisionLinesSet(on=body.on, actor=user.sub, provision=watched, document_id=document_id)
        return await PLAN.act(temporal, session, user, case_ref, SET_LINES.update, action, idempotency_key)

    return await with_document(
        session, case_ref, "section_f", {}, idempotency_key, set_out, lines=body.provision, created_by=user.sub
    )


class Awaited(BaseModel):
    provider: str
    period: str
    due: date = Field(description="The planning date for the provider's account (not a statutory limit)")
    status: str = Field(description="on_track, at_risk (chased) or passed (escalated)")


class DeliveryOut(BaseModel):
    period: str
    period_start: date
    period_end: date
    ref: str
    kind: str
    provider: str
    status: str = Field(description="unconfirmed, delivered, short (the LA's breach until made good), not_taken_up")
    sessions_missed: int
    minutes_missed: int | None = Field(description="Sessions missed times the line's minutes, where the line is known")
    reason: str | None
    confirmed_on: date | None
    made_good_on: date | None


class ProvisionView(BaseModel):
    rhythm: DeliveryRhythm
    period_start: date | None = Field(description="The delivery period running now")
    period_end: date | None
    lines: list[ProvisionLineOut]
    awaited: list[Awaited] = Field(description="Providers' accounts asked for and not yet given")
    deliveries: list[DeliveryOut] = Field(description="Every period's account of every line, newest first")


@router.get("/provision", response_model=ProvisionView)
async def read_provision(
    case_ref: CaseRef, session: SessionDep, temporal: TemporalDep, user: WithPersonalData
) -> ProvisionView:
    """Section F's lines in force, the providers' accounts awaited, and every account given."""
    await case_for(session, user, case_ref)
    await audit_personal_data(session, user, case_ref, "section F's lines of provision")
    state = await query_state(temporal.get_workflow_handle(plan_id(case_ref)), case_ref, PlanWorkflow.get_state)
    lines = await lines_in_force(session, case_ref)
    minutes = {line.ref: line.minutes for line in lines}
    rows = await session.exec(
        select(ProvisionDeliveryRow)
        .where(ProvisionDeliveryRow.case_ref == case_ref)
        .order_by(col(ProvisionDeliveryRow.period_end).desc(), col(ProvisionDeliveryRow.ref))
    )
    awaited = [
        Awaited(provider=provider, period=period, due=d.due, status=d.status.value)
        for d in state.deadlines
        if d.step == CONFIRM
        and d.done_on is None
        and d.status in {*PENDING, DeadlineStatus.PASSED}
        and not state.closed
        for period, provider in [asked_of(d)]
    ]
    return ProvisionView(
        rhythm=state.delivery_rhythm,
        period_start=state.delivery_period_start,
        period_end=state.delivery_period_end,
        lines=[ProvisionLineOut.model_validate(line, from_attributes=True) for line in lines],
        awaited=awaited,
        deliveries=[
            DeliveryOut(
                **row.model_dump(exclude={"case_ref", "la_code"}),
                minutes_missed=row.sessions_missed * minutes[row.ref] if row.ref in minutes else None,
            )
            for row in rows.all()
        ],
    )


async def lines_in_force(session: AsyncSession, case_ref: str) -> list[ProvisionLineRow]:
    """The lines of the document the plan's workflow watches (its sync writes which, in the workflow's own order);
    of the newest document with lines where it has not said (a plan whose lines were set out before it did)."""
    case = await session.get(Case, case_ref)
    newest = case.provision_document_id if case is not None else None
    newest = (
        newest
        or (
            await session.exec(
                select(PlanDocument.id)
                .join(ProvisionLineRow, col(ProvisionLineRow.document_id) == col(PlanDocument.id))
                .where(PlanDocument.case_ref == case_ref)
                .order_by(col(PlanDocument.created_at).desc())
                .limit(1)
            )
        ).first()
    )
    if newest is None:
        return []
    rows = await session.exec(
        select(ProvisionLineRow).where(ProvisionLineRow.document_id == newest).order_by(col(ProvisionLineRow.ref))
    )
    return list(rows.all())


PROVISION_STEPS = (*PROVISION_ACTIONS, SET_LINES)
