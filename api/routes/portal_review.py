"""The family's views for their child's annual review, through the portal: as JSON (POST
/portal/cases/{case_ref}/review-views) and as a page with its form (api/pages/portal_review.py).

Whoever arranges a review meeting must obtain advice and information about the child from those invited, the family
first, and circulate it at least 2 weeks before the meeting (SEND Regs 2014 reg 20(2)(a), (4)). The family's words
are kept in the database (api/submissions.py, kind `review_views`) and the plan records that they came, with the
family's pseudonym and today as the legal date (PlanWorkflow.record_family_views): both or neither. The plan takes
them while its review meeting is scheduled (docs/statutory-choices.md row 66); at any other time it refuses them and
nothing is kept. They meet and open no deadline: circulating the advice stays the council's step.
"""

from dataclasses import replace
from datetime import date

from fastapi import APIRouter, Request, status
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, ValidationError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import Family, User, audit_personal_data
from api.deps import CaseRef, SessionDep, TemporalDep, Today, end_read
from api.family_plan import AnnualReview, review_in
from api.pages import portal as pages
from api.pages import portal_review
from api.problems import Problem
from api.routes.portal import OwnCaseRef, case_of_family, no_such_case, plan_state
from api.routes.portal_pages import FamilyForm, FamilyPage, form_fields, refusal
from api.submissions import SUBMISSION_ID, SUBMISSION_USED, from_family, new_submission_id, submit
from core.workflow_ids import plan_id
from intake.fields import Strict
from store.models import Case, PortalSubmission
from workflows.plan import PlanWorkflow
from workflows.plan_models import FamilyViews, PlanState

router = APIRouter(tags=["portal"])

REVIEW_VIEWS = "review_views"
MAX_VIEWS = 10_000  # as the comments on a draft: a letter of 4 pages is about 2,500 words
VIEWS_FIELDS = 2  # the form's id and the words
SEEN_AS = "the family's annual review page in the portal"
NO_PLAN = "This case has no EHC plan yet. Its annual review comes once the plan is issued."
NO_VIEWS = "Enter your views for the annual review"
LONG_VIEWS = (
    f"Your views must be {MAX_VIEWS:,} characters or fewer. The first {MAX_VIEWS:,} are kept below: check where "
    "they end, shorten them and send them again"
)
UNPRINTABLE = "Your views contain a character that cannot be kept, such as a control character. Remove it"
STALE_FORM = "This form could not be used. Send your views again from this page"
BUSY = "The council's system is busy with this case. Send your views again in a moment"
NOT_CONFIRMED = "Your views were not confirmed in time. Send them again: they will not be sent twice"
NOT_TAKEN = (
    "The council is not taking views for a review meeting on this case now, so your views were not sent. If you "
    "think this is wrong, ask your council's SEND team"
)


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
    sent = from_family(user.sub, case_ref, REVIEW_VIEWS, views.submission_id, views.text, earlier, today)
    action = FamilyViews(on=sent.on, actor=user.sub)
    plan = await submit(
        session, temporal, sent, [], plan_id(case_ref), PlanWorkflow.record_family_views, action, PlanWorkflow.get_state
    )
    meeting_on = plan.meeting_on if isinstance(plan, PlanState) else None
    return ViewsSent(submission_id=sent.submission_id, case_ref=case_ref, sent_on=sent.on, meeting_on=meeting_on)


# The page ---------------------------------------------------------------------------------------------------


async def _review(temporal: Client, session: AsyncSession, user: User, case: Case) -> AnnualReview:
    """The plan's review as its page shows it, the reading audited."""
    await audit_personal_data(session, user, case.case_ref, SEEN_AS)
    await end_read(session)
    return review_in(await plan_state(temporal, case.case_ref))


@router.get(portal_review.REVIEW_VIEWS_PAGE, response_class=HTMLResponse, include_in_schema=False)
async def views_page(case_ref: CaseRef, session: SessionDep, temporal: TemporalDep, user: FamilyPage) -> HTMLResponse:
    """What the family's views are for and when they help most, with the form while the meeting is scheduled."""
    case = await case_of_family(session, user, case_ref)
    if case is None:
        return pages.not_found(no_such_case(case_ref))
    if case.process != "plan":
        return pages.not_found(NO_PLAN, "No annual review yet")
    review = await _review(temporal, session, user, case)
    form = portal_review.ViewsForm(new_submission_id())
    return portal_review.views_page(case_ref, review, form, max_text=MAX_VIEWS)


@router.post(portal_review.REVIEW_VIEWS_PAGE, response_class=HTMLResponse, include_in_schema=False)
async def send_views_page(
    case_ref: CaseRef,
    request: Request,
    session: SessionDep,
    temporal: TemporalDep,
    user: FamilyForm,
    today: Today,
) -> HTMLResponse:
    """Send the family's views as the JSON route does; the confirmation, or the form again saying why not."""
    case = await case_of_family(session, user, case_ref)
    if case is None:
        return pages.not_found(no_such_case(case_ref))
    form, views, errors = _views(await form_fields(request, VIEWS_FIELDS))
    if views is None:
        return await _again(temporal, session, user, case, form, errors, 422)
    try:
        sent = await send_views(session, temporal, user, case_ref, views, today)
    except Problem as refused:
        if refused.status not in (409, 422, 429, 503):
            raise
        if refused.type == SUBMISSION_USED:
            form = replace(form, submission_id=new_submission_id())  # its id was another's: a new form
        error = refusal(refused, BUSY, NOT_CONFIRMED, STALE_FORM, NOT_TAKEN)
        return await _again(temporal, session, user, case, form, [error], refused.status)
    return portal_review.views_sent(case_ref, sent.sent_on, sent.meeting_on)


def _views(fields: dict[str, str]) -> tuple[portal_review.ViewsForm, ViewsIn | None, list[pages.FieldError]]:
    """The form as sent (the words cut to the most it takes, to draw it again) and its views, or what is wrong."""
    text, submission_id = fields.get("text", ""), fields.get("submission_id", "")
    try:
        views = ViewsIn(submission_id=submission_id, text=text)
    except ValidationError as invalid:
        wrong = {(str(error["loc"][0]) if error["loc"] else "", error["type"]) for error in invalid.errors()}
        fresh = any(name == "submission_id" for name, _ in wrong)
        form = portal_review.ViewsForm(new_submission_id() if fresh else submission_id, text[:MAX_VIEWS])
        return form, None, _errors(wrong)
    return portal_review.ViewsForm(submission_id, text), views, []


def _errors(wrong: set[tuple[str, str]]) -> list[pages.FieldError]:
    names = {name for name, _ in wrong}
    errors = []
    if ("text", "string_too_short") in wrong:
        errors.append(pages.FieldError("text", NO_VIEWS))
    elif ("text", "string_too_long") in wrong:
        errors.append(pages.FieldError("text", LONG_VIEWS))
    elif "" in names:  # the whole form's check: only the words can hold a control character
        errors.append(pages.FieldError("text", UNPRINTABLE))
    if "submission_id" in names:
        errors.append(pages.FieldError("", STALE_FORM))
    return errors


async def _again(
    temporal: Client,
    session: AsyncSession,
    user: User,
    case: Case,
    form: portal_review.ViewsForm,
    errors: list[pages.FieldError],
    status_code: int,
) -> HTMLResponse:
    """The page and its form again, with what was wrong; on a case with no plan, the errors alone."""
    if case.process != "plan":
        return portal_review.views_not_sent(case.case_ref, errors[0], status_code)
    review = await _review(temporal, session, user, case)
    return portal_review.views_page(
        case.case_ref, review, form, max_text=MAX_VIEWS, errors=errors, status_code=status_code
    )
