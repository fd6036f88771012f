"""The families' portal as pages (api/pages/portal.py): sign in with a code from an email, then read one's own
case in plain English. The JSON routes beside them (api/routes/portal.py) do the same for a client.

GET /portal asks for the address; POST /portal sends a code to it if it is a family's on a case and answers with
the same "check your email" page whatever it is, at once (the code is issued after the answer, as the JSON route
does). POST /portal/code checks the code and signs the browser in with the same cookie, then goes to the case's
page, or to the list of the address's cases if it is on several. Forms are accepted from this site only, and a
form's mistakes come back on it in the GOV.UK error summary. A case that is not the family's answers 404, as one
that does not exist would; without a family's sign-in, the case pages send the browser to GET /portal.
"""

import re
from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.auth import Role, User, forget_session
from api.deps import CaseRef, SessionDep, SettingsDep, Today
from api.pages import portal as pages
from api.pages.layout import allow_page
from api.routes.portal import (
    MAX_EMAIL,
    NOT_ACCEPTED,
    CaseSummary,
    NextDate,
    keep_family_session,
    no_such_case,
    own_case,
    portal_key,
)
from api.routes.sign_in import cross_site, same_origin
from intake import portal_codes
from intake.fields import EMAIL

router = APIRouter(tags=["portal pages"], include_in_schema=False)

FamilyPage = Annotated[User, Depends(allow_page(Role.FAMILY, sign_in=pages.PORTAL))]
SEEN_AS = "the family's case page in the portal"
CODE_PATTERN = r"^[0-9]{6}$"
NO_EMAIL = "Enter your email address"
BAD_EMAIL = "Enter an email address in the correct format, like name@example.com"
NO_CODE = "Enter the code from the email"
BAD_CODE = "Enter the code as 6 numbers, like 123456"


async def _form(request: Request) -> dict[str, str]:
    """The posted form's fields, the first of each; a form of these pages has two at most."""
    if not same_origin(request):
        raise cross_site()
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
    return {name: values[0].strip() for name, values in fields.items()}


def _email_error(email: str) -> pages.FieldError | None:
    if not email:
        return pages.FieldError("email", NO_EMAIL)
    if len(email) > MAX_EMAIL or not re.fullmatch(EMAIL, email):
        return pages.FieldError("email", BAD_EMAIL)
    return None


@router.get(pages.PORTAL, response_class=HTMLResponse)
async def email_page() -> HTMLResponse:
    return pages.email_form()


@router.post(pages.PORTAL, response_class=HTMLResponse)
async def ask_for_code_page(request: Request, settings: SettingsDep, background: BackgroundTasks) -> HTMLResponse:
    """The code form, the same whatever the address; a code goes only to a family's, after the answer."""
    email = (await _form(request)).get("email", "")
    if error := _email_error(email):
        return pages.email_form(email[:MAX_EMAIL], error, 422)
    sessions = request.app.state.sessions
    notifier = portal_codes.notifier_for(sessions, settings)
    background.add_task(portal_codes.issue_code, sessions, notifier, portal_key(settings), email, datetime.now(UTC))
    return pages.code_form(email)


@router.post(pages.CODE, response_class=HTMLResponse, response_model=None)
async def sign_in_page(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse | RedirectResponse:
    """Sign the browser in and go to the family's case (or their list of cases); the form again if not."""
    form = await _form(request)
    email, code = form.get("email", ""), form.get("code", "")
    if error := _email_error(email):
        return pages.email_form(email[:MAX_EMAIL], error, 422)
    if not code:
        return pages.code_form(email, pages.FieldError("code", NO_CODE), 422)
    if not re.fullmatch(CODE_PATTERN, code):
        return pages.code_form(email, pages.FieldError("code", BAD_CODE), 422)
    family = await portal_codes.sign_in(session, portal_key(settings), email, code, datetime.now(UTC))
    if family is None:
        return pages.code_form(email, pages.FieldError("code", NOT_ACCEPTED), 401)
    target = pages.case_page_href(family.case_refs[0]) if len(family.case_refs) == 1 else pages.YOUR_CASES
    answer = RedirectResponse(target, status_code=303, headers=pages.PORTAL_HEADERS)
    keep_family_session(answer, request, settings, family)
    return answer


@router.post(pages.SIGN_OUT)
async def sign_out_page(request: Request) -> RedirectResponse:
    if not same_origin(request):
        raise cross_site()
    answer = RedirectResponse(pages.PORTAL, status_code=303, headers=pages.PORTAL_HEADERS)
    forget_session(answer, request)
    return answer


@router.get(pages.YOUR_CASES, response_class=HTMLResponse)
async def your_cases_page(session: SessionDep, user: FamilyPage, today: Today) -> HTMLResponse:
    found = [await own_case(session, user, ref, SEEN_AS, today) for ref in sorted(user.case_refs)]
    return pages.cases_page([(c.case_ref, c.process, c.stage) for c in found if c is not None])


@router.get("/portal/cases/{case_ref}/page", response_class=HTMLResponse)
async def case_page(case_ref: CaseRef, session: SessionDep, user: FamilyPage, today: Today) -> HTMLResponse:
    """One of the family's own cases in plain English; any other case is 404, as a case that does not exist."""
    summary = await own_case(session, user, case_ref, SEEN_AS, today)
    if summary is None:
        return pages.not_found(no_such_case(case_ref))
    return _shown(summary)


def _shown(summary: CaseSummary) -> HTMLResponse:
    def step(date: NextDate) -> pages.Step:
        return pages.Step(step=date.step, what=date.what, law=date.law, due=date.due)

    return pages.case_page(
        summary.case_ref,
        summary.process,
        summary.stage,
        summary.outcome,
        summary.closed,
        step(summary.waiting_for) if summary.waiting_for else None,
        [step(d) for d in summary.next_dates],
    )
