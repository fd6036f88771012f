"""Work queues for an officer and a team, by due date or by risk (the forecast), and moving cases between officers
(managers only).

Assignment lives in the read model, not in the workflows: who holds a case changes nothing about
its statutory clock, so it needs no workflow history, only an audit line saying who moved it.
"""

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select, update

from api.auth import LA_CODE_PATTERN, Anyone, InScope, Manager, Role, User, case_for, check_la, visible_las
from api.deps import CaseRef, ForecastHistory, SessionDep, Today
from api.problems import Problem
from intake.fields import MAX_STAFF_ID, STAFF_ID, TEAM, Strict
from reports.forecast import ForecastPage, forecast_queue
from reports.work_queue import QueueFilter, QueuePage, work_queue
from store.models import AuditEvent, Case

router = APIRouter(tags=["work queues"])

Officer = Annotated[
    str | None, Query(min_length=1, max_length=MAX_STAFF_ID, pattern=STAFF_ID, description="One officer's cases")
]
Team = Annotated[str | None, Query(pattern=TEAM, description="One team's cases")]
LaCode = Annotated[str | None, Query(pattern=LA_CODE_PATTERN, description="One LA; all the caller's if omitted")]
Unassigned = Annotated[bool, Query(description="Only the cases nobody holds")]
Limit = Annotated[int, Query(ge=1, le=500)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


def _queue_filter(
    user: User, officer: str | None, team: str | None, la_code: str | None, unassigned: bool
) -> QueueFilter:
    """Whose duties a queue lists. With no filter a case officer sees their own queue; a manager or ops the whole
    of their LAs."""
    if officer is None and team is None and not unassigned and user.role is Role.CASE_OFFICER:
        officer = user.sub
    if unassigned and officer is not None:
        raise Problem(422, "Contradictory filter", "Ask for one officer's queue or for unassigned cases, not both.")
    return QueueFilter(la_codes=visible_las(user, la_code), officer=officer, team=team, unassigned=unassigned)


@router.get("/work-queue", response_model=QueuePage)
async def read_work_queue(
    session: SessionDep,
    user: Anyone,
    today: Today,
    officer: Officer = None,
    team: Team = None,
    la_code: LaCode = None,
    unassigned: Unassigned = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> QueuePage:
    """The duties due on open cases, earliest first, so overdue ones lead.

    With no filter a case officer sees their own queue; a manager or ops the whole of their LAs.
    `officer` gives one officer's queue, `team` a team's, `unassigned` the cases nobody holds."""
    where = _queue_filter(user, officer, team, la_code, unassigned)
    return await work_queue(session, where, today, limit=limit, offset=offset)


@router.get("/forecast", response_model=ForecastPage)
async def read_forecast(
    session: SessionDep,
    user: Anyone,
    today: Today,
    history: ForecastHistory,
    officer: Officer = None,
    team: Team = None,
    la_code: LaCode = None,
    unassigned: Unassigned = False,
    at_risk: Annotated[bool, Query(description="Only the duties at risk")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> ForecastPage:
    """The work queue by risk: each duty still owed with the day it is expected to be met, from the LA's own
    history of how long each step takes and how far the case has got (docs/forecast.md), most days late first.

    A duty expected after its due date is at risk: a planning estimate of the days it is expected to miss by, not a
    finding that the law was broken. The same cases as GET /work-queue, with the same filters."""
    where = _queue_filter(user, officer, team, la_code, unassigned)
    return await forecast_queue(session, where, today, history, at_risk_only=at_risk, limit=limit, offset=offset)


class AssignmentIn(Strict):
    officer: str | None = Field(min_length=1, max_length=MAX_STAFF_ID, pattern=STAFF_ID, description="null: unassigned")
    team: str | None = Field(default=None, pattern=TEAM, description="Omit to keep the case's team")


class Assignment(BaseModel):
    case_ref: str
    officer: str | None
    team: str | None


def _audit(session: SessionDep, actor: str, case: Case, officer: str | None, team: str | None) -> None:
    session.add(
        AuditEvent(
            event_key=f"assign:{uuid.uuid4().hex}",
            case_ref=case.case_ref,
            action="reassigned",
            actor=actor,
            summary=f"officer {case.officer or '-'} -> {officer or '-'}; team {case.team or '-'} -> {team or '-'}",
            at=datetime.now(UTC),
        )
    )


@router.put("/cases/{case_ref}/assignment", response_model=Assignment, dependencies=[InScope])
async def assign_case(case_ref: CaseRef, body: AssignmentIn, session: SessionDep, user: Manager) -> Assignment:
    """Give a case to an officer (and team). Repeating the same assignment changes nothing."""
    case = await case_for(session, user, case_ref)
    team = body.team if "team" in body.model_fields_set else case.team
    if (case.officer, case.team) != (body.officer, team):
        _audit(session, user.sub, case, body.officer, team)
        case.officer, case.team = body.officer, team
        session.add(case)
        await session.commit()
    return Assignment(case_ref=case_ref, officer=body.officer, team=team)


class MoveIn(Strict):
    la_code: str = Field(pattern=LA_CODE_PATTERN)
    from_officer: str = Field(min_length=1, max_length=MAX_STAFF_ID, pattern=STAFF_ID)
    to_officer: str = Field(min_length=1, max_length=MAX_STAFF_ID, pattern=STAFF_ID)


class Moved(BaseModel):
    moved: int
    case_refs: list[str]


MOVE_LIMIT = 5000


@router.post("/assignments/move", response_model=Moved)
async def move_cases(body: MoveIn, session: SessionDep, user: Manager) -> Moved:
    """Move every open case of one officer in an LA to another (a leaver, long leave), in one transaction."""
    check_la(user, body.la_code)
    if body.from_officer == body.to_officer:
        raise Problem(422, "Nothing to move", "from_officer and to_officer are the same person.")
    cases = (
        await session.exec(
            select(Case)
            .where(Case.la_code == body.la_code, Case.officer == body.from_officer, col(Case.closed).is_(False))
            .limit(MOVE_LIMIT + 1)
        )
    ).all()
    if len(cases) > MOVE_LIMIT:
        raise Problem(422, "Too many cases", f"More than {MOVE_LIMIT} cases: move them by team or in parts.")
    refs = sorted(case.case_ref for case in cases)
    for case in cases:
        _audit(session, user.sub, case, body.to_officer, case.team)
    if refs:
        await session.exec(update(Case).where(col(Case.case_ref).in_(refs)).values(officer=body.to_officer))
    await session.commit()
    return Moved(moved=len(refs), case_refs=refs)
