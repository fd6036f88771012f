"""The staff's side of the portal's outside parties: invite an adviser or a setting to answer through the portal,
and read what the portal's parties sent (their words and files, which only the database holds).

POST /cases/{case_ref}/portal-invitations names who is to answer an advice request or a consultation the
case already holds (the workflow's state says which are open) and emails them the link to its page
(intake/portal_invitations.py). GET /cases/{case_ref}/submissions lists what families, advisers and settings
sent, each read audited; GET …/submissions/{submission_id}/files/{file_id} gives one file back as it came,
as a download, never shown in the browser as a page.
"""

from datetime import UTC, date, datetime

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.auth import InScope, WithPersonalData, audit_personal_data, case_for
from api.deps import CaseRef, SessionDep, SettingsDep, TemporalDep
from api.problems import Problem
from api.routes.cases import query_state
from api.routes.portal import Email
from api.submissions import SUBMISSION_ID, submissions_of
from core.workflow_ids import assessment_id
from intake import portal_codes, portal_invitations
from intake.fields import Strict
from intake.portal_invitations import InvitedParty
from store.models import PortalFile, PortalSubmission
from workflows.assessment import AssessmentWorkflow
from workflows.assessment_models import CLOSED_STAGES, AssessmentState

router = APIRouter(prefix="/cases/{case_ref}", tags=["portal"], dependencies=[InScope])

# An advice request's id (AssessmentWorkflow._advice_id: "educational_psychologist", "other-2") or a setting's URN.
ITEM = r"^([a-z_]{1,28}(-[0-9]{1,3})?|[0-9]{6,8})$"


class InvitationIn(Strict):
    party: InvitedParty
    item: str = Field(
        max_length=32,
        pattern=ITEM,
        description="The advice request's id (e.g. educational_psychologist, other-1) or the consulted setting's URN",
        examples=["educational_psychologist"],
    )
    email: Email = Field(description="Where the link and the sign-in codes go (kept in the database only)")


class InvitationOut(BaseModel):
    party: InvitedParty
    item: str
    due: date = Field(description="When the answer is due, as the case's workflow set it")
    link: str = Field(description="The request's page; opening it asks for a code sent to the invited address")
    invited_at: datetime


def open_item(state: AssessmentState, party: InvitedParty, item: str) -> date | None:
    """The due date of the advice request or consultation `item` if it is still waiting for its answer."""
    if state.stage in CLOSED_STAGES:
        return None
    if party is InvitedParty.ADVISER:
        return next((a.due for a in state.advice if a.advice_id == item and a.received_on is None), None)
    return next((s.due for s in state.settings if s.setting_urn == item and s.answered_on is None), None)


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
    """Invite an adviser or a setting to answer an open advice request or consultation through the portal: they
    are emailed a link to its page. Sent again, it replaces the last invitation (and its link) for that request."""
    case = await case_for(session, user, case_ref)
    state = await query_state(
        temporal.get_workflow_handle(assessment_id(case_ref)), case_ref, AssessmentWorkflow.get_state
    )
    due = open_item(state, body.party, body.item)
    if due is None:
        asked = "advice request" if body.party is InvitedParty.ADVISER else "consultation"
        raise Problem(
            409,
            "Nothing to answer",
            f"This case's assessment has no {asked} of that id still waiting for its answer: ask for it first "
            f"(docs/portal.md).",
            "/problems/out-of-order",
        )
    invitation = await portal_invitations.invite(
        session, case_ref, body.party, body.item, body.email, user.sub, datetime.now(UTC)
    )
    notifier = portal_codes.notifier_for(request.app.state.sessions, settings)
    await notifier.send_to(
        invitation.email, portal_invitations.letter(invitation, due, settings.portal_url, case.policy)
    )
    return InvitationOut(
        party=body.party,
        item=body.item,
        due=due,
        link=portal_invitations.link(settings.portal_url, invitation.id),
        invited_at=invitation.invited_at,
    )


class FileOut(BaseModel):
    id: str
    filename: str
    content_type: str
    size: int = Field(description="Bytes")


class SubmissionOut(BaseModel):
    id: str
    party: str = Field(description="family, adviser or setting")
    kind: str = Field(description="draft_comments, advice or consultation_answer")
    item: str | None = Field(description="The advice request's id or the setting's URN it answers")
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
            id=row.id,
            party=row.party,
            kind=row.kind,
            item=row.item,
            actor=row.actor,
            on=row.on,
            submitted_at=row.submitted_at,
            text=row.text,
            files=[FileOut(id=f.id, filename=f.filename, content_type=f.content_type, size=f.size) for f in files],
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
