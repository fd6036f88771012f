"""The families' portal: sign in with a one-time code sent to a contact's address, then read one's own cases.

POST /portal/sign-in/code answers every address alike, at once, and does its work after answering (a code is
sent only to an address that is a parent's or young person's on a case, and not too often: intake/portal_codes.py),
so neither the answer nor its timing says whose address is on a case. POST /portal/sign-in trades a live code
for the same HttpOnly, SameSite=Strict session cookie the staff sign-in sets (api/routes/sign_in.py), holding a
2-hour token with the `family` role and the contact's case references; no staff route admits that role.
GET /portal/cases/{case_ref} is a plain summary of one of those cases, without anyone's personal data; any
other case answers 404, as one that does not exist would. docs/portal.md says what this does and does not do.
"""

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Request, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.auth import (
    MAX_FAMILY_TOKEN_LIFETIME,
    Family,
    Role,
    User,
    audit_personal_data,
    issue_token,
    keep_session,
)
from api.deps import CaseRef, SessionDep, SettingsDep
from api.problems import Problem
from api.routes.sign_in import cross_site, same_origin
from core.config import Settings
from intake import portal_codes
from intake.fields import EMAIL, Strict
from statutory.policies import POLICIES
from store.models import Case, CaseDeadline

router = APIRouter(prefix="/portal", tags=["portal"])

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


SENT = "If this address is a contact on a case, a code to sign in is on its way to it. It lasts 10 minutes."
NOT_ACCEPTED = "The code was not accepted: it is wrong, used, expired or replaced by a newer one. Ask for a new code."


def portal_key(settings: Settings) -> bytes:
    """The key codes and addresses are hashed with, and family tokens signed with: the API's token secret."""
    if settings.auth_jwt_secret is None:
        raise Problem(503, "Portal sign-in not configured", "The portal needs AUTH_JWT_SECRET; ask the operators.")
    return settings.auth_jwt_secret.get_secret_value().encode()


@router.post("/sign-in/code", status_code=status.HTTP_202_ACCEPTED, response_model=Accepted)
async def ask_for_code(
    body: CodeAsked, request: Request, settings: SettingsDep, background: BackgroundTasks
) -> Accepted:
    """Send a one-time code to this address if it is a family's on a case; the same answer whatever it is."""
    key = portal_key(settings)
    sessions = request.app.state.sessions
    notifier = portal_codes.notifier_for(sessions, settings)
    background.add_task(portal_codes.issue_code, sessions, notifier, key, body.email, datetime.now(UTC))
    return Accepted(detail=SENT)


@router.post("/sign-in", response_model=SignedIn, responses={401: {"description": "The code was not accepted"}})
async def sign_in_with_code(
    body: CodeOffered, request: Request, session: SessionDep, settings: SettingsDep
) -> JSONResponse:
    """Trade a live code for a session cookie holding a 2-hour family token scoped to the address's cases."""
    if not same_origin(request):
        raise cross_site()
    family = await portal_codes.sign_in(session, portal_key(settings), body.email, body.code, datetime.now(UTC))
    if family is None:
        raise Problem(
            401, "Not signed in", NOT_ACCEPTED, "/problems/unauthorised", headers={"WWW-Authenticate": "Bearer"}
        )
    answer = SignedIn(case_refs=list(family.case_refs), expires_at=datetime.now(UTC) + MAX_FAMILY_TOKEN_LIFETIME)
    response = JSONResponse(answer.model_dump(mode="json"))
    keep_family_session(response, request, settings, family)
    return response


def keep_family_session(response: Response, request: Request, settings: Settings, party: portal_codes.Party) -> None:
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
async def read_own_case(case_ref: CaseRef, session: SessionDep, user: Family) -> CaseSummary:
    """Where one of the family's own cases is; any other case is 404, as a case that does not exist."""
    summary = await own_case(session, user, case_ref, "the family's case summary in the portal")
    if summary is None:
        raise Problem(404, "No such case", no_such_case(case_ref))
    return summary


def no_such_case(case_ref: str) -> str:
    return f"There is no case {case_ref} for you to see."


async def own_case(session: AsyncSession, user: User, case_ref: str, seen_as: str) -> CaseSummary | None:
    """The summary of one of the family's own cases, its reading audited as `seen_as`; None for any other case,
    so that a case that is not theirs and one that does not exist cannot be told apart."""
    case = await session.get(Case, case_ref) if case_ref in user.case_refs else None
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
    await audit_personal_data(session, user, case_ref, seen_as)
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
    )


def _date(policy: str, step: str, due: date) -> NextDate:
    """A date with what it is for in words, from the case's own rule set (statutory/policies.py)."""
    rule = POLICIES.get(policy, {}).get(step)
    return NextDate(step=step, what=rule and rule.description, law=rule and rule.reference, due=due)
