"""The families' portal: sign in with a one-time code sent to a contact's address, then read one's own cases.

POST /portal/sign-in/code answers every address alike, at once, and does its work after answering (a code is
sent only to an address that is a parent's or young person's on a case, and not too often: intake/portal_codes.py),
so neither the answer nor its timing says whose address is on a case. Its answer gives the client a pending
cookie, a random nonce the code is bound to, whatever the address: POST /portal/sign-in takes a code only with
the cookie of the client that asked for it, and trades a live code for the same HttpOnly, SameSite=Strict
session cookie the staff sign-in sets (api/routes/sign_in.py), holding a 2-hour token with the `family` role and
the contact's case references; no staff route admits that role. One client may ask for codes and try them only so
often (api/client_limits.py), answered 429.
GET /portal/cases/{case_ref} is a plain summary of one of those cases, without anyone's personal data, with the
family's own time limits counted down, the advice asked for and, on a plan, its annual review's dates; GET .../draft
is the draft plan served on it (on a plan, the changes proposed to it, or the draft after a re-assessment), GET
.../provision the lines of section F of its plan with what each provider said of the latest period, and
POST .../comments the family's comments on that draft (their words kept in the database, the fact recorded on the
case's assessment or plan: api/submissions.py). The family's views for a plan's annual review are
api/routes/portal_review.py's. Any other case answers 404, as one that does not exist would. docs/portal.md says
what this does and does not do.
"""

import re
import secrets
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

import structlog
from fastapi import APIRouter, BackgroundTasks, Depends, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field, StrictBool
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import (
    MAX_FAMILY_TOKEN_LIFETIME,
    Family,
    Role,
    User,
    audit_personal_data,
    issue_token,
    keep_session,
)
from api.client_limits import ClientLimit, Verdict, client_of
from api.deps import CaseRef, SessionDep, SettingsDep, TemporalDep, Today, end_read
from api.family_plan import AnnualReview, proposal_in, review_in
from api.family_provision import FamilyProvision, provision_of
from api.family_view import (
    AdviceAsked,
    DraftPlan,
    Letter,
    StepDone,
    Window,
    advice_of,
    draft_of,
    letters_of,
    steps_done,
    windows_of,
)
from api.problems import Problem, problem_response
from api.routes.cases import query_state
from api.routes.sign_in import cross_site, same_origin
from api.submissions import SUBMISSION_ID, from_family, submit
from core.config import Settings
from core.workflow_ids import assessment_id, plan_id
from intake import portal_codes
from intake.fields import EMAIL, Strict
from reports.settings_directory import setting
from statutory.policies import POLICIES
from store.models import Case, CaseDeadline, PortalSubmission
from workflows.assessment import AssessmentWorkflow
from workflows.assessment_models import ParentComments
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanStage, PlanState

router = APIRouter(prefix="/portal", tags=["portal"])
log = structlog.get_logger(__name__)

MAX_EMAIL = 254  # RFC 5321's longest deliverable address, as a case's contacts are held to (api/schemas.py)
MAX_NEXT_DATES = 5

Email = Annotated[str, Field(min_length=3, max_length=MAX_EMAIL, pattern=EMAIL, examples=["parent@example.org"])]


class CodeAsked(Strict):
    email: Email


class CodeOffered(Strict):
    email: Email
    code: str = Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$", examples=["123456"])


class Accepted(BaseModel):
    detail: str


class SignedIn(BaseModel):
    case_refs: list[str] = Field(description="The cases this sign-in may see")
    expires_at: datetime


class NextDate(BaseModel):
    step: str = Field(description="The statutory step, e.g. assessment.final_plan")
    what: str | None = Field(description="The step in plain English, as letters say it")
    law: str | None = Field(description="Where the law sets this date")
    due: date


class CaseSummary(BaseModel):
    """Where a case is, for its family: no names, addresses or contact details, theirs or anyone's."""

    case_ref: str
    process: str
    stage: str
    closed: bool
    outcome: str | None
    waiting_for: NextDate | None = Field(description="What the case waits for next, and by when")
    next_dates: list[NextDate] = Field(description=f"The next {MAX_NEXT_DATES} dates still to come, soonest first")
    windows: list[Window] = Field(description="The family's own time limits: open ones counted down, closed ones so")
    advice: list[AdviceAsked] = Field(description="Who the council asked for advice, and whether it is in")
    letters: list[Letter] = Field(default_factory=list, description="The case's letters to the family, newest first")
    done: list[StepDone] = Field(default_factory=list, description="What has happened on the case, oldest first")
    review: AnnualReview | None = Field(
        default=None, description="On a plan: its annual review's dates, and whether the family's views are taken now"
    )


COMMENTS = "draft_comments"
# The family's comments on a plan, kept under what they were on: the changes proposed after a review (reg 22(2)(c))
# or the draft after a re-assessment (reg 27 applying reg 13(1)).
AMENDMENT_COMMENTS = "amendment_comments"
REASSESSMENT_COMMENTS = "reassessment_draft_comments"
MAX_COMMENTS = 10_000  # longer than any parent's comments on a draft; a letter of 4 pages is about 2,500 words


class CommentsIn(Strict):
    """The family's comments on the draft plan, and what they ask for with them (SEND Regs 2014 reg 13(1)); on a
    plan, on the changes proposed to it (reg 22(2)(c)) or the draft after a re-assessment (reg 27)."""

    submission_id: str = Field(
        pattern=SUBMISSION_ID, description="Made once per form (32 hex digits): the same id sent twice is one comment"
    )
    text: str = Field(min_length=1, max_length=MAX_COMMENTS, description="The comments, in the family's words")
    preferred_setting_urn: str | None = Field(
        default=None, pattern=r"^[0-9]{6,8}$", description="The URN of the school or college the family asks for"
    )
    meeting_requested: StrictBool = Field(default=False, description="Whether the family asks to meet the council")


class CommentsSent(BaseModel):
    submission_id: str
    case_ref: str
    sent_on: date = Field(description="The legal date the council received the comments")
    preferred_setting_name: str | None = Field(
        default=None,
        description="The settings directory's name for the URN asked for; null if none was asked for, or if the URN "
        "is not in the directory (it is taken all the same, and the council checks it)",
    )


SENT = "If this address is a contact on a case, a code to sign in is on its way to it. It lasts 10 minutes."
NOT_ACCEPTED = "The code was not accepted: it is wrong, used, expired or replaced by a newer one. Ask for a new code."
# The browser (or client) a code was asked for from: a code works with this cookie alone (intake/portal_codes.py).
PENDING_COOKIE = "ehcp_portal_pending"
PENDING_LIFETIME = timedelta(minutes=15)  # longer than a code lasts, and reset by each code asked for
NONCE = re.compile(r"^[0-9a-f]{32}$")
# Codes asked for and sign-ins tried, together, by one client (api/client_limits.py): a family asks once and signs
# in once or twice, an adviser once per request; an office or a household behind one address has room to share.
CLIENT_LIMIT = 30
CLIENT_WINDOW = timedelta(minutes=15)


def portal_key(settings: Settings) -> bytes:
    """The key codes and addresses are hashed with, and family tokens signed with: the API's token secret."""
    if settings.auth_jwt_secret is None:
        raise Problem(503, "Portal sign-in not configured", "The portal needs AUTH_JWT_SECRET; ask the operators.")
    return settings.auth_jwt_secret.get_secret_value().encode()


def portal_client_limit() -> ClientLimit:
    """The count of each client's codes and sign-ins, kept by the app (api/main.py) for its life."""
    return ClientLimit(CLIENT_LIMIT, CLIENT_WINDOW.total_seconds())


def counted(request: Request) -> Verdict:
    """Count one code asked for or one sign-in tried by this request's client."""
    limit: ClientLimit = request.app.state.portal_clients
    verdict = limit.hit(client_of(request))
    if not verdict.allowed:  # neither the client's address nor what it asked for: only that it was refused
        log.info("portal request refused: too many from one client")
    return verdict


def too_many_words(verdict: Verdict) -> str:
    """Why a client was refused, and for how long, as the pages' error summary says it (no full stop)."""
    minutes = -(-verdict.retry_after // 60)
    wait = f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"Too many codes have been asked for or tried from here. Wait {wait}, then try again"


def too_many(verdict: Verdict) -> Problem:
    return Problem(
        429,
        "Too many attempts",
        f"{too_many_words(verdict)}.",
        "/problems/too-many-attempts",
        headers={"Retry-After": str(verdict.retry_after)},
    )


def pending_nonce(request: Request) -> str | None:
    """The nonce of the codes this browser asked for, if it holds one."""
    nonce = request.cookies.get(PENDING_COOKIE, "")
    return nonce if NONCE.fullmatch(nonce) else None


def keep_pending(response: Response, request: Request) -> str:
    """The nonce a code asked for now is bound to, in the pending cookie: the browser's own if it has one (so that
    codes asked for through several invitations' links all stay good), else a new one of 128 random bits. Set
    whatever the address, so that the answer says nothing; HttpOnly, SameSite=Strict, Secure over HTTPS, and sent
    to the portal's paths alone."""
    nonce = pending_nonce(request) or secrets.token_hex(16)
    response.set_cookie(
        PENDING_COOKIE,
        nonce,
        max_age=int(PENDING_LIFETIME.total_seconds()),
        path="/portal",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return nonce


def send_code_unless_too_many(
    request: Request,
    settings: Settings,
    background: BackgroundTasks,
    answer: Response,
    asker: str,
    issue: portal_codes.IssueCode,
    note: portal_codes.NoteRefusal,
) -> Verdict:
    """Count a code asked for by this client. Allowed, the code is sent bound to this browser (the pending cookie
    set on `answer`); refused, the first refusal goes into the case's audit trail. Either happens after the answer,
    as every way of asking for a code must: its timing says nothing of the address."""
    key, now, sessions = portal_key(settings), datetime.now(UTC), request.app.state.sessions
    verdict = counted(request)
    if not verdict.allowed:
        if verdict.first_refusal:
            background.add_task(note, sessions, key, asker, portal_codes.Throttled.CODE, now)
        return verdict
    notifier = portal_codes.notifier_for(sessions, settings)
    nonce = keep_pending(answer, request)
    background.add_task(issue, sessions, notifier, key, asker, nonce, now)
    return verdict


async def count_sign_in(
    request: Request, key: bytes, asker: str, note: portal_codes.NoteRefusal, now: datetime
) -> Verdict:
    """Count a sign-in tried by this client; refused, the first refusal goes into the case's audit trail, as a
    code refused does, and the code is not checked."""
    verdict = counted(request)
    if not verdict.allowed and verdict.first_refusal:
        await note(request.app.state.sessions, key, asker, portal_codes.Throttled.SIGN_IN, now)
    return verdict


@router.post(
    "/sign-in/code",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Accepted,
    responses={429: {"description": "Too many codes asked for or tried from this client"}},
)
async def ask_for_code(
    body: CodeAsked, request: Request, response: Response, settings: SettingsDep, background: BackgroundTasks
) -> Accepted | JSONResponse:
    """Send a one-time code to this address if it is a family's on a case; the same answer whatever it is. The
    answer's pending cookie must come back with the code: keep it, as a browser does."""
    issue, note = portal_codes.issue_code, portal_codes.throttled_family
    verdict = send_code_unless_too_many(request, settings, background, response, body.email, issue, note)
    if not verdict.allowed:
        return problem_response(request, too_many(verdict))
    return Accepted(detail=SENT)


@router.post(
    "/sign-in",
    response_model=SignedIn,
    responses={
        401: {"description": "The code was not accepted"},
        429: {"description": "Too many codes asked for or tried from this client"},
    },
)
async def sign_in_with_code(
    body: CodeOffered, request: Request, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Trade a live code, with the pending cookie of the client that asked for it, for a session cookie holding a
    2-hour family token scoped to the address's cases."""
    if not same_origin(request):
        raise cross_site()
    key, now = portal_key(settings), datetime.now(UTC)
    verdict = await count_sign_in(request, key, body.email, portal_codes.throttled_family, now)
    if not verdict.allowed:
        raise too_many(verdict)
    family = await portal_codes.sign_in(session, key, body.email, body.code, pending_nonce(request), now)
    if family is None:
        raise Problem(
            401, "Not signed in", NOT_ACCEPTED, "/problems/unauthorised", headers={"WWW-Authenticate": "Bearer"}
        )
    answer = SignedIn(case_refs=list(family.case_refs), expires_at=datetime.now(UTC) + MAX_FAMILY_TOKEN_LIFETIME)
    response = JSONResponse(answer.model_dump(mode="json"))
    keep_portal_session(response, request, settings, family)
    return response


def keep_portal_session(response: Response, request: Request, settings: Settings, party: portal_codes.Party) -> None:
    """Sign the browser in: a 2-hour token scoped to the address's cases (a family's) or to the one invitation it
    answers (an adviser's or a setting's), in the session cookie."""
    role = Role(party.role) if party.invitation else Role.FAMILY
    token = issue_token(
        settings,
        party.actor,
        role,
        [],
        lifetime=MAX_FAMILY_TOKEN_LIFETIME,
        case_refs=list(party.case_refs),
        invitation=party.invitation,
    )
    keep_session(response, request, token, int(MAX_FAMILY_TOKEN_LIFETIME.total_seconds()))


@router.get("/cases/{case_ref}", response_model=CaseSummary)
async def read_own_case(
    case_ref: CaseRef, session: SessionDep, temporal: TemporalDep, user: Family, today: Today
) -> CaseSummary:
    """Where one of the family's own cases is; any other case is 404, as a case that does not exist."""
    summary = await own_case(session, user, case_ref, "the family's case summary in the portal", today, temporal)
    if summary is None:
        raise Problem(404, "No such case", no_such_case(case_ref))
    return summary


def no_such_case(case_ref: str) -> str:
    return f"There is no case {case_ref} for you to see."


async def own_case(
    session: AsyncSession, user: User, case_ref: str, seen_as: str, today: date, temporal: Client | None = None
) -> CaseSummary | None:
    """The summary of one of the family's own cases, its reading audited as `seen_as`; None for any other case,
    so that a case that is not theirs and one that does not exist cannot be told apart. With `temporal`, a plan's
    summary has its annual review, asked of the plan's workflow (the read model does not hold its meeting)."""
    case = await case_of_family(session, user, case_ref)
    if case is None:
        return None
    dates = (
        await session.exec(
            select(CaseDeadline)
            .where(CaseDeadline.case_ref == case_ref, col(CaseDeadline.done_on).is_(None))
            .order_by(col(CaseDeadline.due), col(CaseDeadline.step))
            .limit(MAX_NEXT_DATES)
        )
    ).all()
    windows = await windows_of(session, case_ref, case.policy, today)
    advice = await advice_of(session, case_ref, today)
    letters = await letters_of(session, case_ref)
    done = await steps_done(session, case_ref)
    await audit_personal_data(session, user, case_ref, seen_as)
    review = None
    if temporal is not None and case.process == "plan":
        await end_read(session)
        review = review_in(await plan_state(temporal, case_ref))
    return CaseSummary(
        case_ref=case.case_ref,
        process=case.process,
        stage=case.stage,
        closed=case.closed,
        outcome=case.outcome,
        waiting_for=(
            _date(case.policy, case.next_deadline_step, case.next_deadline_due)
            if case.next_deadline_step and case.next_deadline_due
            else None
        ),
        next_dates=[_date(case.policy, d.step, d.due) for d in dates],
        windows=windows,
        advice=advice,
        letters=letters,
        done=done,
        review=review,
    )


async def plan_state(temporal: Client, case_ref: str) -> PlanState:
    """The plan's state, asked of its workflow: its meeting and what it proposes are not in the read model."""
    return await query_state(temporal.get_workflow_handle(plan_id(case_ref)), case_ref, PlanWorkflow.get_state)


async def case_of_family(session: AsyncSession, user: User, case_ref: str) -> Case | None:
    """The case if it is one of the family's, else None, whether it is another's or does not exist."""
    return await session.get(Case, case_ref) if case_ref in user.case_refs else None


async def _own_case_ref(case_ref: CaseRef, session: SessionDep, user: Family) -> str:
    """A route dependency: the case must be the family's before anything else, the body included, is read, so
    that another family's case answers 404 even to a malformed request, exactly as a case that does not exist."""
    if await case_of_family(session, user, case_ref) is None:
        raise Problem(404, "No such case", no_such_case(case_ref))
    await end_read(session)
    return case_ref


OwnCaseRef = Annotated[str, Depends(_own_case_ref)]
NO_DRAFT = "The council has not sent you a draft plan on this case yet. When it does, you can read it here."
NO_PROPOSAL = (
    "The council has not sent you any changes to your child's plan to comment on. When it does, you can read them here."
)


def nothing_to_read(process: str) -> str:
    return NO_PROPOSAL if process == "plan" else NO_DRAFT


async def own_draft(
    temporal: Client, session: AsyncSession, user: User, case_ref: str, seen_as: str, today: date
) -> DraftPlan | None:
    """What one of the family's own cases last sent them to comment on, its reading audited as `seen_as`: on a
    plan, the changes this review cycle proposes (or its re-assessment's draft), else the draft served in the
    assessment, if any; None if nothing has been served. The caller has checked that the case is theirs."""
    case = await session.get(Case, case_ref)
    await end_read(session)
    draft = None
    if case is not None and case.process == "plan":
        draft = await proposal_in(session, await plan_state(temporal, case_ref), today)
    if draft is None:
        draft = await draft_of(temporal, session, case_ref, today)
    if draft is not None:
        await audit_personal_data(session, user, case_ref, seen_as)
    return draft


@router.get("/cases/{case_ref}/draft", response_model=DraftPlan, responses={404: {"description": "No draft yet"}})
async def read_own_draft(
    case_ref: OwnCaseRef, session: SessionDep, temporal: TemporalDep, user: Family, today: Today
) -> DraftPlan:
    """The draft plan served on one of the family's own cases, sections A to K (no I: a draft names no setting); on a
    plan, the changes proposed to it (with section I, and which sections change) or a re-assessment's draft."""
    draft = await own_draft(temporal, session, user, case_ref, "the family's draft plan in the portal", today)
    if draft is None:
        case = await session.get(Case, case_ref)
        raise Problem(404, "No draft plan yet", nothing_to_read(case.process if case else ""))
    return draft


NO_PLAN = "There is no EHC plan on this case yet. Once the council issues one, the help it sets out is shown here."


async def own_provision(session: AsyncSession, user: User, case_ref: str, seen_as: str) -> FamilyProvision | None:
    """Section F of the plan of one of the family's own cases, its reading audited as `seen_as`; None if the case
    has no plan. The caller has checked that the case is theirs."""
    case = await session.get(Case, case_ref)
    if case is None or case.process != "plan":
        return None
    provision = await provision_of(session, case_ref)
    await audit_personal_data(session, user, case_ref, seen_as)
    return provision


@router.get(
    "/cases/{case_ref}/provision", response_model=FamilyProvision, responses={404: {"description": "No plan yet"}}
)
async def read_own_provision(case_ref: OwnCaseRef, session: SessionDep, user: Family) -> FamilyProvision:
    """The help the plan of one of the family's own cases sets out in section F, line by line (what, how much and how
    often, who gives it), and what its provider said of the latest period: delivered in full, sessions missed that
    the council must make good (or has), missed as the child was absent or it was declined, or not yet confirmed."""
    provision = await own_provision(session, user, case_ref, "section F of the plan, in the portal")
    if provision is None:
        raise Problem(404, "No plan yet", NO_PLAN)
    return provision


@router.post(
    "/cases/{case_ref}/comments",
    response_model=CommentsSent,
    status_code=status.HTTP_201_CREATED,
    responses={409: {"description": "The case takes no comments now"}, 422: {"description": "Refused"}},
)
async def send_own_comments(
    case_ref: OwnCaseRef,
    body: CommentsIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: Family,
    today: Today,
) -> CommentsSent:
    """The family's comments on the draft plan, today: their words kept in the database, the fact recorded on
    the case (reg 13(1)); on a plan, on the changes proposed to it (reg 22(2)(c)) or a re-assessment's draft (reg
    27). The same submission_id sent again is the same comments, recorded once. The setting asked for may be any
    (CFA 2014 s.38(3)); one not in the settings directory is taken, for the council to check."""
    return await send_comments(session, temporal, user, case_ref, body, today)


async def send_comments(
    session: AsyncSession, temporal: Client, user: User, case_ref: str, comments: CommentsIn, today: date
) -> CommentsSent:
    """Keep the comments and record them on the case's assessment, or on its plan once the plan is issued (both or
    neither: api/submissions.py), the family's pseudonym the actor and today the legal date; a refusal is the
    workflow's, as problem+json (api/updates.py)."""
    earlier = await session.get(PortalSubmission, comments.submission_id)
    kind = _comments_kind(await session.get(Case, case_ref), earlier)
    sent = from_family(user.sub, case_ref, kind, comments.submission_id, comments.text, earlier, today)
    action = ParentComments(
        on=sent.on,
        actor=user.sub,
        preferred_setting_urn=comments.preferred_setting_urn,
        meeting_requested=comments.meeting_requested,
    )
    on_plan = (plan_id(case_ref), PlanWorkflow.record_family_comments, PlanWorkflow.get_state)
    on_assessment = (assessment_id(case_ref), AssessmentWorkflow.record_parent_comments, AssessmentWorkflow.get_state)
    workflow_id, update, state = on_assessment if kind == COMMENTS else on_plan
    await submit(session, temporal, sent, [], workflow_id, update, action, state)
    urn = comments.preferred_setting_urn
    named = await setting(session, urn) if urn else None
    return CommentsSent(
        submission_id=sent.submission_id,
        case_ref=case_ref,
        sent_on=sent.on,
        preferred_setting_name=named.name if named else None,
    )


def _comments_kind(case: Case | None, earlier: PortalSubmission | None) -> str:
    """What the comments are on: the assessment's draft, or, once the plan is issued, what its stage says it has
    sent. The same form sent again keeps the kind it was first sent as, whatever the case has done since, so that
    it is still the same submission, answered as the first time."""
    if earlier is not None and earlier.kind in (COMMENTS, AMENDMENT_COMMENTS, REASSESSMENT_COMMENTS):
        return earlier.kind
    if case is None or case.process != "plan":
        return COMMENTS
    return REASSESSMENT_COMMENTS if case.stage == PlanStage.REASSESSMENT_DRAFT.value else AMENDMENT_COMMENTS


def _date(policy: str, step: str, due: date) -> NextDate:
    """A date with what it is for in words, from the case's own rule set (statutory/policies.py)."""
    rule = POLICIES.get(policy, {}).get(step)
    return NextDate(step=step, what=rule and rule.description, law=rule and rule.reference, due=due)
