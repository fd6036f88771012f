"""Redress: each route from an appealable decision (mediation, the appeal window) and each Tribunal
appeal, with a manager's view of all of them by stage and deadline."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel
from sqlmodel import col, or_, select

from api.actions import OfficerAction, process_actions
from api.auth import LA_CODE_PATTERN, Anyone, visible_las
from api.deps import SessionDep, TemporalDep, end_read
from api.problems import Problem
from api.routes.cases import query_state
from store.models import Case, RedressCase
from workflows.actions import BacklogConfirmed
from workflows.redress import RedressWorkflow
from workflows.redress_models import (
    RedressState,
)
from workflows.tribunal import TribunalWorkflow
from workflows.tribunal_models import (
    TribunalState,
)

router = APIRouter(tags=["redress"])

RedressId = Annotated[str, Path(pattern=r"^redress-[A-Z0-9]{2,10}-[A-Z0-9]{4,20}-[A-Za-z0-9_-]{1,80}$")]
TribunalId = Annotated[str, Path(pattern=r"^tribunal-[A-Z0-9]{2,10}-[A-Z0-9]{4,20}-[A-Za-z0-9_-]{1,40}$")]


class RedressRow(BaseModel):
    workflow_id: str
    case_ref: str
    la_code: str
    process: str
    kind: str
    stage: str
    policy: str
    closed: bool
    outcome: str | None
    next_deadline_step: str | None
    next_deadline_due: date | None
    breach_count: int


@router.get("/redress", response_model=list[RedressRow])
async def open_redress(
    session: SessionDep,
    user: Anyone,
    la_code: Annotated[str | None, Query(pattern=LA_CODE_PATTERN)] = None,
    process: Annotated[str | None, Query(pattern="^(redress|tribunal)$")] = None,
    stage: Annotated[str | None, Query(max_length=32)] = None,
    include_closed: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[RedressCase]:
    """Managers' view: redress routes and appeals by stage, the nearest deadline first."""
    las = visible_las(user, la_code)
    held_now = select(Case.case_ref).where(col(Case.la_code).in_(las))
    query = select(RedressCase).where(or_(col(RedressCase.la_code).in_(las), col(RedressCase.case_ref).in_(held_now)))
    if process:
        query = query.where(RedressCase.process == process)
    if stage:
        query = query.where(RedressCase.stage == stage)
    if not include_closed:
        query = query.where(col(RedressCase.closed).is_(False))
    query = query.order_by(col(RedressCase.next_deadline_due).asc().nulls_last(), col(RedressCase.workflow_id))
    return list((await session.exec(query.limit(limit))).all())


# Checked here too: this dependency reads the database before the route's own parameters are validated.
ROUTE_OR_APPEAL_ID = r"^(redress|tribunal)-[A-Z0-9]{2,10}-[A-Z0-9]{4,20}-[A-Za-z0-9_-]{1,80}$"


async def _known(
    workflow_id: Annotated[str, Path(pattern=ROUTE_OR_APPEAL_ID)], session: SessionDep, user: Anyone
) -> None:
    """404 for a route or appeal that does not exist or belongs to another LA alike, before the body is read.

    It belongs to the LA whose decision it is about and, once the plan has moved, to the LA holding the plan,
    which carries out what it orders (docs/statutory-choices.md)."""
    row = await session.get(RedressCase, workflow_id)
    if row is not None and not user.sees(row.la_code):
        case = await session.get(Case, row.case_ref)  # only a plan moved to another LA needs its case read
        row = row if case is not None and user.sees(case.la_code) else None
    if row is None:
        raise Problem(
            404, "No such redress case", f"There is no redress route or appeal {workflow_id} in your local authorities."
        )
    await end_read(session)


@router.get("/redress/{workflow_id}", response_model=RedressState, dependencies=[Depends(_known)])
async def read_redress(workflow_id: RedressId, temporal: TemporalDep) -> RedressState:
    """One redress route: mediation, certificate, the appeal deadline and history."""
    return await query_state(temporal.get_workflow_handle(workflow_id), workflow_id, RedressWorkflow.get_state)


@router.get("/tribunal/{workflow_id}", response_model=TribunalState, dependencies=[Depends(_known)])
async def read_appeal(workflow_id: TribunalId, temporal: TemporalDep) -> TribunalState:
    """One appeal: registration, the LA's response deadline, the orders and their compliance."""
    return await query_state(temporal.get_workflow_handle(workflow_id), workflow_id, TribunalWorkflow.get_state)


# Each a validated workflow update on the route or the appeal (api/actions.py).
REDRESS_ACTIONS = (
    OfficerAction(
        "adviser-contact",
        RedressWorkflow.contact_adviser,
        "The family contacted the mediation adviser (reg 33)",
        records=("mediation_requested", "mediation_declined"),
    ),
    OfficerAction(
        "mediation-arranged",
        RedressWorkflow.mediation_arranged,
        "Mediation arranged (30 days)",
        records=("mediation_arranged",),
    ),
    OfficerAction(
        "mediation-not-arranged",
        RedressWorkflow.mediation_not_arranged,
        "The LA could not arrange it",
        records=("mediation_not_arranged",),
    ),
    OfficerAction(
        "mediation-held",
        RedressWorkflow.mediation_held,
        "Mediation held, with its outcome (reg 42)",
        records=("mediation_held",),
    ),
    OfficerAction(
        "certificate",
        RedressWorkflow.certificate_issued,
        "Mediation certificate issued (regs 34, 39)",
        records=("certificate_issued",),
    ),
    OfficerAction(
        "agreement-done",
        RedressWorkflow.agreement_carried_out,
        "A mediation agreement carried out",
        records=("agreement_carried_out",),
    ),
    OfficerAction(
        "appeal",
        RedressWorkflow.appeal_lodged,
        "An appeal lodged with the Tribunal (HESC r.20)",
        records=("appeal_lodged",),
    ),
    OfficerAction(
        "backlog-confirmed",
        RedressWorkflow.confirm_backlog,
        "Every past fact of a late-entered route is in",
        records=("backlog_confirmed",),
        body=BacklogConfirmed,
    ),
)
TRIBUNAL_ACTIONS = (
    OfficerAction(
        "registered", TribunalWorkflow.register, "The Tribunal registered the appeal", records=("registered",)
    ),
    OfficerAction(
        "response", TribunalWorkflow.respond, "The LA's response sent (HESC r.21)", records=("response_sent",)
    ),
    OfficerAction("hearing", TribunalWorkflow.list_hearing, "Hearing date set", records=("hearing_listed",)),
    OfficerAction(
        "decision",
        TribunalWorkflow.decide,
        "The Tribunal's decision and orders (reg 44)",
        records=("appeal_allowed", "appeal_dismissed"),
    ),
    OfficerAction(
        "concede", TribunalWorkflow.concede, "The LA does not oppose the appeal (reg 45)", records=("conceded",)
    ),
    OfficerAction("withdrawn", TribunalWorkflow.withdraw, "The appeal was withdrawn", records=("appeal_withdrawn",)),
    OfficerAction(
        "struck-out", TribunalWorkflow.strike_out, "The appeal was struck out", records=("appeal_struck_out",)
    ),
    OfficerAction(
        "order-complied", TribunalWorkflow.record_order_complied, "An order carried out", records=("order_complied",)
    ),
    OfficerAction(
        "recommendation-response",
        TribunalWorkflow.recommendation_response,
        "A written response to the Tribunal's health or social care recommendations (SI 2017/1306)",
        records=("recommendation_response",),
    ),
    OfficerAction(
        "backlog-confirmed",
        TribunalWorkflow.confirm_backlog,
        "Every past fact of a late-entered appeal is in",
        records=("backlog_confirmed",),
        body=BacklogConfirmed,
    ),
)
process_actions(
    router, REDRESS_ACTIONS, prefix="redress", id_type=RedressId, state=RedressWorkflow.get_state, known=_known
)
process_actions(
    router, TRIBUNAL_ACTIONS, prefix="tribunal", id_type=TribunalId, state=TribunalWorkflow.get_state, known=_known
)
