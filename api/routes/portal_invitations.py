"""The staff's side of the portal's outside parties: invite an adviser or a setting to answer through the portal,
and read what the portal's parties sent (their words and files, which only the database holds).

POST /cases/{case_ref}/portal-invitations names who is to answer an advice request, a consultation or the
report of a plan's annual review the case already holds (the workflows' state says which are open), or who
gives a provider's accounts of what it delivered against its lines of section F, period after period, and
emails them the link to its page (intake/portal_invitations.py). GET /cases/{case_ref}/submissions lists what families,
advisers and settings sent, each read audited; GET …/submissions/{submission_id}/files/{file_id} gives one file
back as it came, as a download, never shown in the browser as a page.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import InScope, WithPersonalData, audit_personal_data, case_for
from api.deps import CaseRef, SessionDep, SettingsDep, TemporalDep
from api.problems import Problem
from api.provider_accounts import awaited_periods, monitored, party_of, provider_lines
from api.routes.cases import query_state
from api.routes.portal import Email
from api.submissions import SUBMISSION_ID, submissions_of
from core.workflow_ids import assessment_id, plan_id
from intake import portal_codes, portal_invitations
from intake.fields import Strict
from store.models import PortalFile, PortalSubmission
from store.portal_invitations import STEP, Ask, InvitedParty, ask_of, link, provider_of, review_item
from workflows.assessment import AssessmentWorkflow
from workflows.assessment_models import CLOSED_STAGES
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanStage, PlanState

router = APIRouter(prefix="/cases/{case_ref}", tags=["portal"], dependencies=[InScope])

# An advice request's id (AssessmentWorkflow._advice_id: "educational_psychologist", "other-2"), a setting's URN,
# "review-<cycle>" for the report of a plan's annual review, or "provision:<provider code>" for a provider's
# accounts of section F (workflows/provision_models.py PROVIDER is the code's shape).
ITEM = r"^([a-z_]{1,28}(-[0-9]{1,3})?|[0-9]{6,8}|provision:[A-Za-z0-9][A-Za-z0-9-]{0,31})$"
MAX_ITEM = 48


class InvitationIn(Strict):
    party: InvitedParty
    item: str = Field(
        max_length=MAX_ITEM,
        pattern=ITEM,
        description="The advice request's id (e.g. educational_psychologist, other-1), the consulted setting's URN, "
        "review-<cycle> for the setting's report of the plan's annual review in that cycle, or "
        "provision:<provider code> for a provider's accounts of its lines of section F, every period until "
        "withdrawn (a setting's URN as party setting; a service's or a therapist's code as party adviser)",
        examples=["educational_psychologist"],
    )
    email: Email = Field(description="Where the link and the sign-in codes go (kept in the database only)")


class InvitationOut(BaseModel):
    party: InvitedParty
    item: str
    due: date | None = Field(
        description="When the answer is due, as the case's workflow set it (a review report's, "
        "once the meeting is held; a provider's, the planning date of its oldest account awaited, if any)"
    )
    meeting_on: date | None = Field(default=None, description="A review report's meeting, the 2 weeks run from it")
    link: str = Field(description="The request's page; opening it asks for a code sent to the invited address")
    invited_at: datetime


@dataclass(frozen=True)
class Waiting:
    """A request of the case still waiting for the invited party's answer: when it is due (and, for a review
    report not yet due, the meeting its 2 weeks run from)."""

    due: date | None
    meeting_on: date | None = None


async def waiting(temporal: Client, case_ref: str, process: str, party: InvitedParty, item: str) -> Waiting | None:
    """The advice request, consultation or review report `item` if the case still waits for it, else None; a
    consultation is the plan's once the case has one (`process`), else the assessment's."""
    ask = ask_of(party, item)
    if ask is Ask.REVIEW_REPORT:
        try:
            plan = await query_state(temporal.get_workflow_handle(plan_id(case_ref)), case_ref, PlanWorkflow.get_state)
        except Problem as problem:
            if problem.status == 503:  # no plan on this case (yet): no review to report on
                return None
            raise
        return review_waiting(plan, item)
    if ask is Ask.CONSULTATION and process == "plan":  # the plan's own consultation (an amendment: reg 22)
        plan = await query_state(temporal.get_workflow_handle(plan_id(case_ref)), case_ref, PlanWorkflow.get_state)
        due = next((c.due for c in plan.settings if c.setting_urn == item and c.answered_on is None), None)
        return Waiting(due) if due and not plan.closed else None
    state = await query_state(
        temporal.get_workflow_handle(assessment_id(case_ref)), case_ref, AssessmentWorkflow.get_state
    )
    if state.stage in CLOSED_STAGES:
        return None
    if ask is Ask.ADVICE:
        due = next((a.due for a in state.advice if a.advice_id == item and a.received_on is None), None)
    else:
        due = next((s.due for s in state.settings if s.setting_urn == item and s.answered_on is None), None)
    return Waiting(due) if due else None


def review_waiting(plan: PlanState, item: str) -> Waiting | None:
    """This cycle's review, scheduled or held, its report not yet in: due 2 weeks after the meeting (reg 20)."""
    if item != review_item(plan.cycle) or plan.stage not in (PlanStage.REVIEW_SCHEDULED, PlanStage.REVIEW_HELD):
        return None
    if any(entry.action == "review_report" for entry in plan.history):
        return None
    report = next((d for d in plan.deadlines if d.key == f"{STEP[Ask.REVIEW_REPORT]}@c{plan.cycle}"), None)
    return Waiting(report.due if report else None, plan.meeting_on)


async def provision_waiting(
    session: AsyncSession, temporal: Client, case_ref: str, party: InvitedParty, provider: str
) -> Waiting | None:
    """A provider of a line of the plan in force, invited as the party it is (a setting as a setting, a service or
    a therapist as an adviser): the planning date of its oldest account awaited, if any is. None if the case has
    no plan, the plan has ceased, or no line in force is this provider's."""
    lines = await provider_lines(session, case_ref, provider)
    if not lines or party_of(lines[0].provider_type) is not party:
        return None
    try:
        plan = await query_state(temporal.get_workflow_handle(plan_id(case_ref)), case_ref, PlanWorkflow.get_state)
    except Problem as problem:
        if problem.status == 503:
            return None
        raise
    if not monitored(plan, provider):
        return None
    awaited = awaited_periods(plan, provider, lines)
    return Waiting(awaited[0].due if awaited else None)


@router.post("/portal-invitations", status_code=status.HTTP_201_CREATED, response_model=InvitationOut)
async def invite(
    case_ref: CaseRef,
    body: InvitationIn,
    request: Request,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: WithPersonalData,
) -> InvitationOut:
    """Invite an adviser or a setting to answer an open advice request, consultation or review report through the
    portal, or a provider of section F's lines to give its accounts of every delivery period there: they are emailed
    a link to its page. Sent again, it replaces the last invitation (and its link) for that request."""
    case = await case_for(session, user, case_ref)
    provider = provider_of(body.item)
    found = (
        await provision_waiting(session, temporal, case_ref, body.party, provider)
        if provider
        else await waiting(temporal, case_ref, case.process, body.party, body.item)
    )
    if found is None:
        asked = {
            Ask.ADVICE: "no advice request of that id still waiting for its answer: ask for it first",
            Ask.CONSULTATION: "no consultation of that URN still waiting for its answer: consult the setting first",
            Ask.REVIEW_REPORT: "no review of that cycle scheduled or held whose report is still to come",
            Ask.PROVISION: "no line of section F in force by that provider, on a plan still maintained (a setting "
            "is invited by its URN as party setting, a service or a therapist by its code as party adviser)",
        }[ask_of(body.party, body.item)]
        raise Problem(409, "Nothing to answer", f"This case has {asked} (docs/portal.md).", "/problems/out-of-order")
    invitation = await portal_invitations.invite(
        session, case_ref, body.party, body.item, body.email, user.sub, datetime.now(UTC)
    )
    notifier = portal_codes.notifier_for(request.app.state.sessions, settings)
    letter = portal_invitations.letter(invitation, found.due, settings.portal_url, case.policy, found.meeting_on)
    await notifier.send_to(invitation.email, letter)
    return InvitationOut(
        party=body.party,
        item=body.item,
        due=found.due,
        meeting_on=found.meeting_on,
        link=link(settings.portal_url, invitation.id),
        invited_at=invitation.invited_at,
    )


@router.delete(
    "/portal-invitations/{party}/{item}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses={404: {"description": "No such invitation"}},
)
async def withdraw_invitation(
    case_ref: CaseRef,
    party: InvitedParty,
    session: SessionDep,
    user: WithPersonalData,
    item: str = Path(max_length=MAX_ITEM, pattern=ITEM),
) -> Response:
    """Withdraw an invitation: its link and any sign-in made with it stop working at once (the request itself, on
    the case, is the council's to close as before)."""
    await case_for(session, user, case_ref)
    if not await portal_invitations.withdraw(session, case_ref, party, item, user.sub, datetime.now(UTC)):
        raise Problem(404, "No such invitation", "There is no invitation for that request on this case.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class FileOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int = Field(description="Bytes")


class SubmissionOut(BaseModel):
    id: str
    party: str = Field(description="family, adviser or setting")
    kind: str = Field(description="draft_comments, advice, consultation, review_report or provision")
    item: str | None = Field(
        description="The advice request's id, the setting's URN, review-<cycle> or provision:<provider code> it answers"
    )
    actor: str = Field(description="The sender's pseudonym, as the case's history records them")
    on: date = Field(description="The legal date it arrived")
    submitted_at: datetime
    text: str
    files: list[FileOut]


@router.get("/submissions", response_model=list[SubmissionOut])
async def read_submissions(case_ref: CaseRef, session: SessionDep, user: WithPersonalData) -> list[SubmissionOut]:
    """What the family, advisers and settings sent through the portal, oldest first; each read audited."""
    await case_for(session, user, case_ref)
    found = await submissions_of(session, case_ref)
    await audit_personal_data(session, user, case_ref, "what the portal's parties sent")
    return [
        SubmissionOut(
            **row.model_dump(exclude={"case_ref"}),
            files=[FileOut.model_validate(f, from_attributes=True) for f in files],  # the name and size, not the bytes
        )
        for row, files in found
    ]


@router.get(
    "/submissions/{submission_id}/files/{file_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file as it was sent"}},
)
async def read_file(
    case_ref: CaseRef,
    session: SessionDep,
    user: WithPersonalData,
    submission_id: str = Path(pattern=SUBMISSION_ID),
    file_id: str = Path(pattern=SUBMISSION_ID),
) -> Response:
    """One file a party sent, as a download; its read audited."""
    await case_for(session, user, case_ref)
    submission = await session.get(PortalSubmission, submission_id)
    found = await session.get(PortalFile, file_id)
    if submission is None or submission.case_ref != case_ref or found is None or found.submission_id != submission_id:
        raise Problem(404, "No such file", "There is no file of that id among this case's submissions.")
    await audit_personal_data(session, user, case_ref, "a file a portal party sent")
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{found.filename}"',
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "no-store",
        },
    )
