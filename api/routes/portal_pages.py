"""The families' portal as pages (api/pages/portal.py): sign in with a code from an email, then read one's own
case in plain English. The JSON routes beside them (api/routes/portal.py) do the same for a client.

GET /portal asks for the address; POST /portal sends a code to it if it is a family's on a case and answers with
the same "check your email" page whatever it is, at once (the code is issued after the answer, as the JSON route
does), with the pending cookie the code is bound to. POST /portal/code checks the code, from that browser alone,
and signs the browser in with the same cookie, then goes to the case's page, or to the list of the address's cases
if it is on several. Asked or tried too often from one place, either form comes back saying so (429). The case's
draft plan has a page of its own (on a plan, the changes proposed to it or a re-assessment's draft,
api/pages/draft_words.py), whose form sends the family's comments (POST to the same address) through the same path
as the JSON route, and answers with a confirmation, or with the form again saying what was wrong or why the case
refused it. A plan's case page shows its annual review, with the link to the family's views for it
(api/routes/portal_review.py). The form offers the schools and colleges the family may ask for (the list tailored
to the child, api/routes/portal_settings.py), which its search button narrows by name, drawing the form again with
nothing sent. Forms are accepted from this site only, and a form's mistakes come back on it in the GOV.UK error
summary. A case that is not the family's answers 404, as one that does not exist would; without a family's
sign-in, the case pages send the browser to GET /portal.
"""

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import Role, User
from api.deps import CaseRef, SessionDep, SettingsDep, TemporalDep, Today
from api.pages import portal as pages
from api.pages import portal_draft, portal_family_provision, portal_review
from api.pages.draft_words import OPEN_FOR_COMMENTS, WORDS, Words, words_for
from api.pages.layout import allow_page
from api.problems import Problem
from api.routes.portal import (
    MAX_COMMENTS,
    MAX_EMAIL,
    NOT_ACCEPTED,
    CaseSummary,
    CommentsIn,
    NextDate,
    case_of_family,
    count_sign_in,
    keep_portal_session,
    no_such_case,
    nothing_to_read,
    own_case,
    own_draft,
    own_provision,
    pending_nonce,
    portal_key,
    send_code_unless_too_many,
    send_comments,
    too_many_words,
)
from api.routes.portal_oidc import signed_out_of_provider
from api.routes.settings_directory import NAME_PART
from api.routes.sign_in import cross_site, same_origin
from api.submissions import SUBMISSION_USED, new_submission_id
from core.config import Settings
from intake import portal_codes
from intake.fields import EMAIL
from intake.settings_directory import URN
from reports.settings_directory import DirectoryFilter, Tailored, for_child, setting, summary_of
from store.models import Case, Child

router = APIRouter(tags=["portal pages"], include_in_schema=False)

FamilyPage = Annotated[User, Depends(allow_page(Role.FAMILY, sign_in=pages.PORTAL))]
SEEN_AS = "the family's case page in the portal"
DRAFT_SEEN_AS = "the family's draft plan page in the portal"
PROVISION_SEEN_AS = "section F of the plan, on the family's case page in the portal"
CODE_PATTERN = r"^[0-9]{6}$"
NO_EMAIL = "Enter your email address"
BAD_EMAIL = "Enter an email address in the correct format, like name@example.com"
NO_CODE = "Enter the code from the email"
BAD_CODE = "Enter the code as 6 numbers, like 123456"
MAX_URN = 8
MAX_SEARCH = 100


# The comments form has seven fields (its id, the words, the setting chosen, another's URN, the search of the list,
# the search button and a tick box); the sign-in forms two at most.
COMMENT_FIELDS = 7
MAX_FIELDS = 5
LONG_COMMENTS = (
    f"Your comments must be {MAX_COMMENTS:,} characters or fewer. The first {MAX_COMMENTS:,} are kept below: check "
    "where they end, shorten them and send them again"
)
UNPRINTABLE = "Your comments contain a character that cannot be kept, such as a control character. Remove it"
BAD_URN = "Enter the school or college's URN as 6 to 8 numbers, like 100000"
NO_OTHER_URN = "Enter the URN of the school or college you would like named, or choose another answer"
NOT_A_CHOICE = "Choose a school or college from the list, another school or college, or no preference"
BAD_SEARCH = "Search for a name with letters, numbers and spaces only"
STALE_FORM = "This form could not be used. Send your comments again from this page"
BUSY = "The council's system is busy with this case. Send your comments again in a moment"
NOT_CONFIRMED = "Your comments were not confirmed in time. Send them again: they will not be sent twice"


async def form_fields(request: Request, max_fields: int = MAX_FIELDS) -> dict[str, str]:
    """The posted form's fields, the first of each; more fields than a form of these pages has is refused."""
    if not same_origin(request):
        raise cross_site()
    try:
        fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=max_fields)
    except ValueError:
        raise Problem(422, "Too many fields", "The form has more fields than this page sends.") from None
    return {name: values[0].strip() for name, values in fields.items()}


_family_page = allow_page(Role.FAMILY, sign_in=pages.PORTAL)


async def _posted_by_family(request: Request, settings: SettingsDep) -> User:
    """A family's form, posted from this site's own page (api/auth.py takes the session cookie on a form only
    then); another site's form is refused before anything else, and a browser not signed in goes to GET /portal."""
    if not same_origin(request):
        raise cross_site()
    return await _family_page(request, settings)


_posted_by_family.roles = frozenset({Role.FAMILY})  # type: ignore[attr-defined]  # read by the access-matrix test
FamilyForm = Annotated[User, Depends(_posted_by_family)]


def _email_error(email: str) -> pages.FieldError | None:
    if not email:
        return pages.FieldError("email", NO_EMAIL)
    if len(email) > MAX_EMAIL or not re.fullmatch(EMAIL, email):
        return pages.FieldError("email", BAD_EMAIL)
    return None


def oidc_label(settings: Settings) -> str | None:
    """The identity provider's button on the email form, where one is configured (api/routes/portal_oidc.py)."""
    return settings.portal_oidc_label if settings.portal_oidc_issuer else None


@router.get(pages.PORTAL, response_class=HTMLResponse)
async def email_page(settings: SettingsDep) -> HTMLResponse:
    return pages.email_form(oidc_label=oidc_label(settings))


@router.post(pages.PORTAL, response_class=HTMLResponse)
async def ask_for_code_page(request: Request, settings: SettingsDep, background: BackgroundTasks) -> HTMLResponse:
    """The code form, the same whatever the address; a code goes only to a family's, after the answer, bound to
    this browser."""
    email = (await form_fields(request)).get("email", "")
    if error := _email_error(email):
        return pages.email_form(email[:MAX_EMAIL], error, 422, oidc_label=oidc_label(settings))
    answer = pages.code_form(email)
    issue, note = portal_codes.issue_code, portal_codes.throttled_family
    verdict = send_code_unless_too_many(request, settings, background, answer, email, issue, note)
    if not verdict.allowed:
        refused = pages.FieldError("email", too_many_words(verdict))
        return pages.email_form(email, refused, 429, oidc_label=oidc_label(settings))
    return answer


@router.post(pages.CODE, response_class=HTMLResponse, response_model=None)
async def sign_in_page(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse | RedirectResponse:
    """Sign the browser in and go to the family's case (or their list of cases); the form again if not."""
    form = await form_fields(request)
    email, code = form.get("email", ""), form.get("code", "")
    if error := _email_error(email):
        return pages.email_form(email[:MAX_EMAIL], error, 422, oidc_label=oidc_label(settings))
    if not code:
        return pages.code_form(email, pages.FieldError("code", NO_CODE), 422)
    if not re.fullmatch(CODE_PATTERN, code):
        return pages.code_form(email, pages.FieldError("code", BAD_CODE), 422)
    key, now = portal_key(settings), datetime.now(UTC)
    verdict = await count_sign_in(request, key, email, portal_codes.throttled_family, now)
    if not verdict.allowed:
        return pages.code_form(email, pages.FieldError("code", too_many_words(verdict)), 429)
    family = await portal_codes.sign_in(session, key, email, code, pending_nonce(request), now)
    if family is None:
        return pages.code_form(email, pages.FieldError("code", NOT_ACCEPTED), 401)
    target = pages.case_page_href(family.case_refs[0]) if len(family.case_refs) == 1 else pages.YOUR_CASES
    answer = RedirectResponse(target, status_code=303, headers=pages.PORTAL_HEADERS)
    keep_portal_session(answer, request, settings, family)
    return answer


@router.post(pages.SIGN_OUT, response_model=None)
async def sign_out_page(request: Request, settings: SettingsDep) -> Response:
    if not same_origin(request):
        raise cross_site()
    return await signed_out_of_provider(request, settings)


@router.get(pages.SIGNED_OUT, response_class=HTMLResponse)
async def signed_out_page() -> HTMLResponse:
    return pages.signed_out()


@router.get(pages.YOUR_CASES, response_class=HTMLResponse)
async def your_cases_page(session: SessionDep, user: FamilyPage, today: Today) -> HTMLResponse:
    found = [await own_case(session, user, ref, SEEN_AS, today) for ref in sorted(user.case_refs)]
    # Which child each case is for, by first name: a parent of two cannot tell references apart.
    children = (await session.exec(select(Child).where(col(Child.case_ref).in_(user.case_refs)))).all()
    names = {child.case_ref: child.given_name for child in children}
    return pages.cases_page([(c.case_ref, names.get(c.case_ref, ""), c.process, c.stage) for c in found if c])


@router.get("/portal/cases/{case_ref}/page", response_class=HTMLResponse)
async def case_page(
    case_ref: CaseRef, session: SessionDep, temporal: TemporalDep, user: FamilyPage, today: Today
) -> HTMLResponse:
    """One of the family's own cases in plain English; any other case is 404, as a case that does not exist."""
    summary = await own_case(session, user, case_ref, SEEN_AS, today, temporal)
    if summary is None:
        return pages.not_found(no_such_case(case_ref))
    provision = await own_provision(session, user, case_ref, PROVISION_SEEN_AS)
    return _shown(summary, portal_family_provision.provision_section(provision) if provision else "")


def _shown(summary: CaseSummary, provision: str) -> HTMLResponse:
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
        summary.windows,
        summary.advice,
        summary.letters,
        draft_link=WORDS[kind].link if (kind := OPEN_FOR_COMMENTS.get((summary.process, summary.stage))) else None,
        review=portal_review.review_section(summary.case_ref, summary.review) if summary.review else "",
        provision=provision,
        done=summary.done,
    )


@router.get(pages.DRAFT_PAGE, response_class=HTMLResponse)
async def draft_page(
    case_ref: CaseRef, session: SessionDep, temporal: TemporalDep, user: FamilyPage, today: Today
) -> HTMLResponse:
    """The draft plan served on one of the family's own cases, with the form for their comments."""
    case = await case_of_family(session, user, case_ref)
    if case is None:
        return pages.not_found(no_such_case(case_ref))
    draft = await own_draft(temporal, session, user, case_ref, DRAFT_SEEN_AS, today)
    if draft is None:
        return pages.not_found(nothing_to_read(case.process), "No draft plan yet")
    form = portal_draft.CommentsForm(new_submission_id())
    return portal_draft.draft_page(draft, form, await _choices(session, case, today, form), max_text=MAX_COMMENTS)


async def _choices(session: AsyncSession, case: Case, today: date, form: portal_draft.CommentsForm) -> Tailored:
    """The settings to offer, as the form last searched them; a setting already chosen that the search left out is
    offered first all the same, so that searching never drops the family's choice."""
    searched = DirectoryFilter(name=form.setting_name or None)
    choices = await for_child(session, case.case_ref, case.la_code, today, searched)
    chosen = form.preferred_setting
    left_out = re.fullmatch(URN, chosen) and chosen not in {s.urn for s in choices.settings}
    if left_out and (found := await setting(session, chosen)) is not None:
        return choices.model_copy(update={"settings": [summary_of(found), *choices.settings]})
    return choices


@router.post(pages.DRAFT_PAGE, response_class=HTMLResponse)
async def send_comments_page(
    case_ref: CaseRef,
    request: Request,
    session: SessionDep,
    temporal: TemporalDep,
    user: FamilyForm,
    today: Today,
) -> HTMLResponse:
    """Send the family's comments as the JSON route does; the confirmation, or the form again saying why not. The
    search button draws the form again with the list searched and nothing sent."""
    case = await case_of_family(session, user, case_ref)
    if case is None:
        return pages.not_found(no_such_case(case_ref))
    fields = await form_fields(request, COMMENT_FIELDS)
    words = words_for(case.process, case.stage)
    form, comments, errors = _comments(fields, words)
    if fields.get("action") == portal_draft.SEARCH:
        searched = [error for error in errors if error.field == "setting_name"]
        if searched:
            form = replace(form, setting_name="")
        return await _again(temporal, session, user, case, today, form, searched, 422 if searched else 200)
    if comments is None:
        return await _again(temporal, session, user, case, today, form, errors, 422)
    try:
        sent = await send_comments(session, temporal, user, case_ref, comments, today)
    except Problem as refused:
        if refused.status not in (409, 422, 429, 503):
            raise
        if refused.type == SUBMISSION_USED:
            form = replace(form, submission_id=new_submission_id())  # its id was another's: a new form
        return await _again(temporal, session, user, case, today, form, [_refusal(refused, words)], refused.status)
    return portal_draft.comments_sent(
        case_ref,
        sent.sent_on,
        comments.preferred_setting_urn,
        sent.preferred_setting_name,
        comments.meeting_requested,
        words=words,
    )


def _comments(
    fields: dict[str, str], words: Words
) -> tuple[portal_draft.CommentsForm, CommentsIn | None, list[pages.FieldError]]:
    """The form as sent (what was typed cut to the longest each field takes, to draw it again) and its comments, or
    what is wrong with it, in the order the page shows the fields. The setting asked for is the one chosen from the
    list, or the URN typed under "Another school or college"; none for "No preference" or no choice."""
    text, choice, other = fields.get("text", ""), fields.get("preferred_setting", ""), fields.get("other_urn", "")
    meeting = fields.get("meeting_requested") == "yes"
    submission_id = fields.get("submission_id", "")
    search = fields.get("setting_name", "")[:MAX_SEARCH]
    urn = other if choice == portal_draft.ANOTHER else None if choice in ("", portal_draft.NO_PREFERENCE) else choice
    wrong: set[tuple[str, str]] = set()
    comments = None
    try:
        comments = CommentsIn(
            submission_id=submission_id, text=text, preferred_setting_urn=urn or None, meeting_requested=meeting
        )
    except ValidationError as invalid:
        wrong = {(str(error["loc"][0]) if error["loc"] else "", error["type"]) for error in invalid.errors()}
    if choice == portal_draft.ANOTHER and not other:
        wrong.add(("preferred_setting_urn", "missing"))
    if search and not re.fullmatch(NAME_PART, search):
        wrong.add(("setting_name", "pattern"))
    fresh = any(name == "submission_id" for name, _ in wrong)
    form = portal_draft.CommentsForm(
        new_submission_id() if fresh else submission_id,
        text[:MAX_COMMENTS],
        choice[:MAX_URN],
        other[:MAX_URN],
        meeting,
        search,
    )
    if wrong:
        return form, None, _errors(wrong, choice, words)
    return form, comments, []


def _errors(wrong: set[tuple[str, str]], choice: str, words: Words) -> list[pages.FieldError]:
    names = {name for name, _ in wrong}
    errors = []
    if ("text", "string_too_short") in wrong:
        errors.append(pages.FieldError("text", words.no_comments))
    elif ("text", "string_too_long") in wrong:
        errors.append(pages.FieldError("text", LONG_COMMENTS))
    elif "" in names:  # the whole form's check: only the words can hold a control character, the rest are patterns
        errors.append(pages.FieldError("text", UNPRINTABLE))
    if ("preferred_setting_urn", "missing") in wrong:
        errors.append(pages.FieldError("other_urn", NO_OTHER_URN))
    elif "preferred_setting_urn" in names:
        # Typed under "Another school or college"; else a choice the list never offered, a form not from this page.
        typed = choice == portal_draft.ANOTHER
        field, message = ("other_urn", BAD_URN) if typed else ("preferred_setting", NOT_A_CHOICE)
        errors.append(pages.FieldError(field, message))
    if "setting_name" in names:
        errors.append(pages.FieldError("setting_name", BAD_SEARCH))
    if "submission_id" in names:
        errors.append(pages.FieldError("", STALE_FORM))
    return errors


def refusal(refused: Problem, busy: str, not_confirmed: str, stale: str, not_taken: str) -> pages.FieldError:
    """What a form's page says when the case did not take it: busy, not confirmed in time, a used form, or refused."""
    if refused.type == "/problems/case-busy":
        return pages.FieldError("", busy)
    if refused.status == 503:
        return pages.FieldError("", not_confirmed)
    if refused.type == SUBMISSION_USED:
        return pages.FieldError("", stale)
    return pages.FieldError("", not_taken)


def _refusal(refused: Problem, words: Words) -> pages.FieldError:
    return refusal(refused, BUSY, NOT_CONFIRMED, STALE_FORM, words.refused)


async def _again(
    temporal: Client,
    session: AsyncSession,
    user: User,
    case: Case,
    today: date,
    form: portal_draft.CommentsForm,
    errors: list[pages.FieldError],
    status_code: int,
) -> HTMLResponse:
    """The draft and its form again, with what was wrong; without a draft, the errors alone."""
    draft = await own_draft(temporal, session, user, case.case_ref, DRAFT_SEEN_AS, today)
    if draft is None and not errors:  # a search, on a case whose draft has gone
        return pages.not_found(nothing_to_read(case.process), "No draft plan yet")
    if draft is None:
        return portal_draft.comments_not_sent(case.case_ref, errors[0], status_code)
    choices = await _choices(session, case, today, form)
    return portal_draft.draft_page(draft, form, choices, max_text=MAX_COMMENTS, errors=errors, status_code=status_code)
