"""An adviser or a setting answers the council's request through the portal (api/pages/portal_requests.py).

GET /portal/requests/{invitation_id} is where the invitation's link leads: what is asked and a button; POST on it
emails a code to the invitation's address (the link alone opens nothing), bound to this browser and this
invitation (the pending cookie, api/routes/portal.py), and POST …/code signs the browser in for that one request,
on that one case (a 2-hour token with the invitation in it). Asked or tried too often from one place, either form
comes back saying so (429). GET /portal/request shows the
request with its due date and law and the form; POST /portal/request takes the answer (words, files, and for a
setting whether it agrees to be named), keeps it in the database and records its fact on the case's workflow
(advice received, the setting's answer) with the party's pseudonym as the actor, dated today in England: a party
cannot date its answer. Every request re-reads the invitation, so one the council has replaced stops working
at once, whatever the token says. A provider invited to confirm what it delivered against section F signs in
the same way; its page and form at the same address are api/routes/portal_provision.py's.
"""

import re
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from temporalio.client import Client

from api.auth import INVITATION_ID, Role, User, audit_personal_data
from api.deps import SessionDep, SettingsDep, TemporalDep, Today
from api.family_plan import proposal_in
from api.family_view import DraftPlan, draft_in
from api.pages import portal_requests as pages
from api.pages.layout import allow_page
from api.pages.portal import PORTAL_HEADERS, FieldError
from api.problems import Problem
from api.routes.cases import query_state
from api.routes.portal import (
    NOT_ACCEPTED,
    count_sign_in,
    keep_portal_session,
    pending_nonce,
    portal_key,
    send_code_unless_too_many,
    too_many_words,
)
from api.routes.portal_provision import provision_answer, provision_page
from api.routes.sign_in import cross_site, same_origin
from api.submissions import SUBMISSION_ID, Sent, Upload, new_submission_id, submissions_of, submit
from api.updates import StateQuery, Update
from api.uploads import MAX_FILE_BYTES, MAX_FILES, UploadRefused, checked
from core.workflow_ids import assessment_id, plan_id
from intake import portal_codes
from statutory.policies import POLICIES
from store.models import Case, Child, DirectorySetting, PortalInvitation
from store.portal_invitations import STEP, Ask, InvitedParty, ask_of, review_item
from workflows.assessment import ADVISER_WORDS, AssessmentWorkflow
from workflows.assessment_models import CLOSED_STAGES, AdviceReceived, SettingAnswered, SettingConsultation
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanStage, ReportReceived

router = APIRouter(tags=["portal pages"], include_in_schema=False)

SIGNED_OUT = f"{pages.REQUEST}/sign-in"
InvitedPage = Annotated[User, Depends(allow_page(Role.ADVISER, Role.SETTING, sign_in=SIGNED_OUT))]
InvitationId = Annotated[str, Path(pattern=INVITATION_ID.pattern)]
CODE_PATTERN = r"^[0-9]{6}$"
SEEN_AS = "the request's page in the portal, with the child's name and date of birth (and a draft plan, if consulted)"


@router.get(f"{pages.REQUEST}/sign-in", response_class=HTMLResponse)
async def signed_out_page() -> HTMLResponse:
    return pages.open_the_link()


@router.get("/portal/requests/{invitation_id}", response_class=HTMLResponse)
async def landing_page(invitation_id: InvitationId, session: SessionDep) -> HTMLResponse:
    invitation = await session.get(PortalInvitation, invitation_id)
    if invitation is None:
        return pages.gone()
    return pages.landing(invitation.id, invitation.case_ref, ask_of(InvitedParty(invitation.party), invitation.item))


@router.post("/portal/requests/{invitation_id}", response_class=HTMLResponse)
async def ask_for_code_page(
    invitation_id: InvitationId,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    background: BackgroundTasks,
) -> HTMLResponse:
    """The code form; the code is sent after the answer, to the invitation's address only, bound to this browser
    and this invitation. Asked too often from here, the link's page again, saying so."""
    if not same_origin(request):
        raise cross_site()
    answer = pages.code_form(invitation_id)
    issue, note = portal_codes.issue_invitation_code, portal_codes.throttled_invited
    verdict = send_code_unless_too_many(request, settings, background, answer, invitation_id, issue, note)
    if not verdict.allowed:
        invitation = await session.get(PortalInvitation, invitation_id)
        if invitation is None:
            return pages.gone()
        ask = ask_of(InvitedParty(invitation.party), invitation.item)
        return pages.landing(invitation.id, invitation.case_ref, ask, FieldError("", too_many_words(verdict)), 429)
    return answer


@router.post("/portal/requests/{invitation_id}/code", response_class=HTMLResponse, response_model=None)
async def sign_in_page(
    invitation_id: InvitationId, request: Request, session: SessionDep, settings: SettingsDep
) -> HTMLResponse | RedirectResponse:
    if not same_origin(request):
        raise cross_site()
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=2)
    code = (fields.get("code") or [""])[0].strip()
    if not re.fullmatch(CODE_PATTERN, code):
        message = "Enter the code from the email" if not code else "Enter the code as 6 numbers, like 123456"
        return pages.code_form(invitation_id, FieldError("code", message), 422)
    key, now = portal_key(settings), datetime.now(UTC)
    verdict = await count_sign_in(request, key, invitation_id, portal_codes.throttled_invited, now)
    if not verdict.allowed:
        return pages.code_form(invitation_id, FieldError("code", too_many_words(verdict)), 429)
    party = await portal_codes.sign_in_invited(session, key, invitation_id, code, pending_nonce(request), now)
    if party is None:
        return pages.code_form(invitation_id, FieldError("code", NOT_ACCEPTED), 401)
    answer = RedirectResponse(pages.REQUEST, status_code=303, headers=PORTAL_HEADERS)
    keep_portal_session(answer, request, settings, party)
    return answer


async def _standing(session: AsyncSession, user: User) -> PortalInvitation | None:
    """The invitation the token names, if it still stands for this party on this case."""
    invitation = await session.get(PortalInvitation, user.invitation) if user.invitation else None
    if invitation is None or invitation.case_ref not in user.case_refs or invitation.party != user.role.value:
        return None
    return invitation


def _provision(invitation: PortalInvitation) -> bool:
    """A provider's standing invitation to confirm delivery: its page is api/routes/portal_provision.py's."""
    return ask_of(InvitedParty(invitation.party), invitation.item) is Ask.PROVISION


async def _asked(
    session: AsyncSession, temporal: Client, invitation: PortalInvitation, today: date
) -> pages.Asked | None:
    """The request as its party reads it, live from the case's workflow; None once the case no longer holds it."""
    case = await session.get(Case, invitation.case_ref)
    child = (await session.exec(select(Child).where(Child.case_ref == invitation.case_ref))).first()
    if case is None or child is None:
        return None
    party = InvitedParty(invitation.party)
    ask = ask_of(party, invitation.item)
    rule = POLICIES.get(case.policy, {}).get(STEP[ask])
    sent = tuple(
        f.filename for _, files in await submissions_of(session, case.case_ref, invitation.item) for f in files
    )
    common = {
        "case_ref": case.case_ref,
        "ask": ask,
        "today": today,
        "law": rule.reference if rule else None,
        "child": f"{child.given_name} {child.family_name}",
        "born": child.date_of_birth,
        "sent_files": sent,
    }
    if ask is Ask.REVIEW_REPORT or (ask is Ask.CONSULTATION and case.process == "plan"):
        handle = temporal.get_workflow_handle(plan_id(case.case_ref))
        plan = await query_state(handle, case.case_ref, PlanWorkflow.get_state)
        if ask is Ask.CONSULTATION:
            # The plan's own consultation (an amendment or a phase transfer: reg 22), with the changes proposed.
            found = next((c for c in plan.settings if c.setting_urn == invitation.item), None)
            if found is None:
                return None
            common |= {"ended": plan.closed, "on_plan": True}
            return await _consultation(session, found, await proposal_in(session, plan, today), common)
        if invitation.item != review_item(plan.cycle):
            return None  # a review of a cycle the plan has moved on from
        scheduled = [entry.on for entry in plan.history if entry.action == "review_scheduled" and entry.on]
        reported = [entry.on for entry in plan.history if entry.action == "review_report" and entry.on]
        report = next((d for d in plan.deadlines if d.key == f"{STEP[ask]}@c{plan.cycle}"), None)
        common["ended"] = plan.closed or plan.stage not in (PlanStage.REVIEW_SCHEDULED, PlanStage.REVIEW_HELD)
        return pages.Asked(
            what="The annual review report",
            requested_on=scheduled[-1] if scheduled else invitation.invited_at.date(),
            due=report.due if report else None,
            meeting_on=plan.meeting_on,
            answered_on=reported[0] if reported else None,
            on_plan=True,
            **common,  # type: ignore[arg-type]
        )
    state = await query_state(
        temporal.get_workflow_handle(assessment_id(case.case_ref)), case.case_ref, AssessmentWorkflow.get_state
    )
    common["ended"] = state.stage in CLOSED_STAGES
    if ask is Ask.ADVICE:
        advice = next((a for a in state.advice if a.advice_id == invitation.item), None)
        if advice is None:
            return None
        words = ADVISER_WORDS.get(advice.adviser, advice.adviser.value.replace("_", " "))
        return pages.Asked(
            what=f"Advice from {words}",
            requested_on=advice.requested_on,
            due=advice.due,
            answered_on=advice.received_on,
            **common,  # type: ignore[arg-type]
        )
    consultation = next((s for s in state.settings if s.setting_urn == invitation.item), None)
    if consultation is None:
        return None
    return await _consultation(session, consultation, await draft_in(session, state, today), common)


async def _consultation(
    session: AsyncSession, consultation: SettingConsultation, draft: DraftPlan | None, common: dict[str, Any]
) -> pages.Asked:
    """A consultation as the setting reads it, with the draft or the proposed changes it is consulted on."""
    listed = await session.get(DirectorySetting, consultation.setting_urn)
    school = listed.name if listed else "your school or college"
    return pages.Asked(
        what=f"Consultation on naming {school} (URN {consultation.setting_urn})",
        requested_on=consultation.sent_on,
        due=consultation.due,
        answered_on=consultation.answered_on,
        draft=tuple(draft.sections) if draft else (),
        **common,
    )


@router.get(pages.REQUEST, response_class=HTMLResponse)
async def request_page(
    request: Request, session: SessionDep, temporal: TemporalDep, today: Today, user: InvitedPage
) -> HTMLResponse:
    invitation = await _standing(session, user)
    if invitation is not None and _provision(invitation):
        return await provision_page(request, session, temporal, today, user, invitation)
    asked = await _asked(session, temporal, invitation, today) if invitation else None
    if invitation is None or asked is None:
        return pages.gone()
    await audit_personal_data(session, user, invitation.case_ref, SEEN_AS)
    return pages.request_page(asked, new_submission_id(), sent=request.query_params.get("sent") == "1")


class _Refused(Exception):
    def __init__(self, error: FieldError) -> None:
        self.error = error


@router.post(pages.REQUEST, response_class=HTMLResponse, response_model=None)
async def answer_page(
    request: Request, session: SessionDep, temporal: TemporalDep, today: Today, user: InvitedPage
) -> HTMLResponse | RedirectResponse:
    """Keep the answer and record its fact on the case; a mistake comes back on the form, nothing kept."""
    if not same_origin(request):
        raise cross_site()
    invitation = await _standing(session, user)
    if invitation is not None and _provision(invitation):
        return await provision_answer(request, session, temporal, today, user, invitation)
    asked = await _asked(session, temporal, invitation, today) if invitation else None
    if invitation is None or asked is None:
        return pages.gone()
    text, agrees, submission_id = "", "", new_submission_id()
    try:
        try:
            form = await request.form(max_files=MAX_FILES, max_fields=4, max_part_size=4 * pages.MAX_TEXT)
        except HTTPException as error:
            limits = f"at most {MAX_FILES} files of up to {MAX_FILE_BYTES // 1024 // 1024} MB each"
            raise _Refused(FieldError("files", f"The form could not be read: send {limits}")) from error
        try:
            text = str(form.get("text") or "").strip()
            agrees = str(form.get("agrees") or "")
            sent_id = str(form.get("submission_id") or "")
            submission_id = sent_id if re.fullmatch(SUBMISSION_ID, sent_id) else submission_id
            uploads = await _uploads([f for f in form.getlist("files") if isinstance(f, UploadFile)])
        finally:
            await form.close()
        _check_answer(asked.ask, text, agrees, uploads)
        recorded = _recorded(asked, invitation, today, agrees == "yes")
        sent = Sent(
            submission_id=submission_id,
            case_ref=invitation.case_ref,
            party=invitation.party,
            kind=asked.ask.value,
            item=invitation.item,
            actor=user.sub,
            on=today,
            text=text,
        )
        try:
            await submit(session, temporal, sent, uploads, *recorded)
        except Problem as problem:
            raise _Refused(FieldError("", _plainly(problem, asked.ask))) from problem
    except _Refused as refused:
        await audit_personal_data(session, user, invitation.case_ref, SEEN_AS)
        return pages.request_page(
            asked, submission_id, error=refused.error, text=text[: pages.MAX_TEXT], agrees=agrees, status_code=422
        )
    return RedirectResponse(f"{pages.REQUEST}?sent=1", status_code=303, headers=PORTAL_HEADERS)


async def _uploads(files: list[UploadFile]) -> list[Upload]:
    try:
        return await checked(files)
    except UploadRefused as refused:
        raise _Refused(FieldError("files", str(refused))) from refused


def _plainly(problem: Problem, ask: Ask) -> str:
    """The case's refusal in words for someone outside the council: never its internal ids or ISO dates."""
    if problem.status == 503:
        return "Your answer is not confirmed yet. Send it again in a minute: it will not be recorded twice."
    if problem.status == 409 and problem.title == "Case is closed":
        return "The council no longer needs an answer to this request: the case has closed."
    if ask is Ask.REVIEW_REPORT:
        return "The council cannot take the report yet: send it once the review meeting has been held."
    return "The council already has an answer to this request, or the case has moved on. Contact its SEND team."


def _check_answer(ask: Ask, text: str, agrees: str, uploads: list[Upload]) -> None:
    if any((ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) < 0xA0 for c in text):
        # A NUL byte cannot be stored (PostgreSQL text refuses it); no other control character belongs in a letter.
        raise _Refused(FieldError("text", "Remove the control characters from the text (copied from another program)"))
    if len(text) > pages.MAX_TEXT:
        raise _Refused(FieldError("text", f"Write {pages.MAX_TEXT:,} characters or fewer, or send it as a file"))
    if ask is Ask.CONSULTATION and agrees not in ("yes", "no"):
        raise _Refused(FieldError("agrees", "Say whether your school or college can be named"))
    if ask is not Ask.CONSULTATION and not text and not uploads:
        what = "advice" if ask is Ask.ADVICE else "report"
        raise _Refused(FieldError("text", f"Write your {what}, or send it as a file"))


def _recorded(
    asked: pages.Asked, invitation: PortalInvitation, today: date, agrees: bool
) -> tuple[str, Update, BaseModel, StateQuery]:
    """The fact the answer is on the case: the workflow, its update and action, and its state query."""
    ask, case_ref, item = asked.ask, invitation.case_ref, invitation.item
    if ask is Ask.ADVICE:
        return (
            assessment_id(case_ref),
            AssessmentWorkflow.record_advice,
            AdviceReceived(on=today, advice_id=item),
            AssessmentWorkflow.get_state,
        )
    if ask is Ask.CONSULTATION and asked.on_plan:
        answer = SettingAnswered(on=today, setting_urn=item, agrees=agrees)
        return plan_id(case_ref), PlanWorkflow.record_setting_response, answer, PlanWorkflow.get_state
    if ask is Ask.CONSULTATION:
        answer = SettingAnswered(on=today, setting_urn=item, agrees=agrees)
        return assessment_id(case_ref), AssessmentWorkflow.record_setting_response, answer, AssessmentWorkflow.get_state
    return plan_id(case_ref), PlanWorkflow.receive_review_report, ReportReceived(on=today), PlanWorkflow.get_state
