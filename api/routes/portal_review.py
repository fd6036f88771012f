"""The family's views for their child's annual review, through the portal (POST /portal/cases/{case_ref}/review-views).

Whoever arranges a review meeting must obtain advice and information about the child from those invited, the family
first, and circulate it at least 2 weeks before the meeting (SEND Regs 2014 reg 20(2)(a), (4)). The family's words
are kept in the database (api/submissions.py, kind `review_views`) and the plan records that they came, with the
family's pseudonym and today as the legal date (PlanWorkflow.record_family_views): both or neither. The plan takes
them while its review meeting is scheduled (docs/statutory-choices.md row 66); at any other time it refuses them and
nothing is kept. They meet and open no deadline: circulating the advice stays the council's step.
"""

from datetime import date

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import Family, User
from api.deps import SessionDep, TemporalDep, Today
from api.problems import Problem
from api.routes.portal import OwnCaseRef
from api.submissions import SUBMISSION_ID, Sent, submit
from core.workflow_ids import plan_id
from intake.fields import Strict
from store.models import Case, PortalSubmission
from workflows.plan import PlanWorkflow
from workflows.plan_models import FamilyViews, PlanState

router = APIRouter(tags=["portal"])

REVIEW_VIEWS = "review_views"
MAX_VIEWS = 10_000  # as the comments on a draft: a letter of 4 pages is about 2,500 words
NO_PLAN = "This case has no EHC plan yet. Its annual review comes once the plan is issued."


class ViewsIn(Strict):
    """The family's advice and information for the review meeting, in their words (SEND Regs 2014 reg 20(4))."""

    submission_id: str = Field(
        pattern=SUBMISSION_ID, description="Made once per form (32 hex digits): the same id sent twice is one sending"
    )
    text: str = Field(min_length=1, max_length=MAX_VIEWS, description="The family's views, in their words")


class ViewsSent(BaseModel):
    submission_id: str
    case_ref: str
    sent_on: date = Field(description="The legal date the council received the views")
    meeting_on: date | None = Field(description="The review meeting the views are for")


@router.post(
    "/portal/cases/{case_ref}/review-views",
    response_model=ViewsSent,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "No review meeting is scheduled"}, 422: {"description": "Refused"}},
)
async def send_own_views(
    case_ref: OwnCaseRef, body: ViewsIn, session: SessionDep, temporal: TemporalDep, user: Family, today: Today
) -> ViewsSent:
    """The family's views for the annual review, today, while the review meeting is scheduled: their words kept in
    the database, the fact recorded on the plan (reg 20(4)). The same submission_id sent again is the same views,
    recorded once."""
    return await send_views(session, temporal, user, case_ref, body, today)


async def send_views(
    session: AsyncSession, temporal: Client, user: User, case_ref: str, views: ViewsIn, today: date
) -> ViewsSent:
    """Keep the views and record them on the plan (both or neither); refused by the plan, nothing is kept."""
    case = await session.get(Case, case_ref)
    if case is None or case.process != "plan":
        raise Problem(409, "No annual review", NO_PLAN, "/problems/out-of-order")
    earlier = await session.get(PortalSubmission, views.submission_id)
    sent = Sent(
        submission_id=views.submission_id,
        case_ref=case_ref,
        party="family",
        kind=REVIEW_VIEWS,
        item=None,
        actor=user.sub,
        on=earlier.on if earlier else today,
        text=views.text,
    )
    action = FamilyViews(on=sent.on, actor=user.sub)
    plan = await submit(
        session, temporal, sent, [], plan_id(case_ref), PlanWorkflow.record_family_views, action, PlanWorkflow.get_state
    )
    meeting_on = plan.meeting_on if isinstance(plan, PlanState) else None
    return ViewsSent(submission_id=sent.submission_id, case_ref=case_ref, sent_on=sent.on, meeting_on=meeting_on)
