"""A provider of section F's lines confirms what it delivered, through the portal: the request page and form of an
invitation for `provision:<provider code>`, which GET and POST /portal/request (api/routes/portal_requests.py)
hand here once they have found the invitation standing.

The page lists every period whose account the plan's workflow awaits from this provider, with its lines' words;
each period's form sends the plan's `confirm_provision` update, as the portal's other answers are recorded: the
party's pseudonym as the actor, dated the day it arrived in England (a provider cannot date its account; it is
judged for the period it is about, whenever it arrives: docs/provision.md). The account is kept as the party's
submission too, in words, so a form sent twice is one submission and one account, and a refusal keeps nothing.
"""

import re
from collections.abc import Mapping
from datetime import date
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import User, audit_personal_data
from api.pages import portal_requests as request_pages
from api.pages.portal import PORTAL_HEADERS, FieldError
from api.pages.portal_provision import (
    IN_FULL,
    MAX_MISSED,
    REASONS,
    SHORT,
    Entered,
    Given,
    ProviderView,
    field_id,
    provider_page,
    span,
)
from api.problems import Problem
from api.provider_accounts import AwaitedPeriod, awaited_periods, provider_lines
from api.routes.cases import query_state
from api.submissions import SUBMISSION_ID, Sent, new_submission_id, submit
from core.workflow_ids import plan_id
from store.models import Case, Child, PortalInvitation, PortalSubmission
from store.portal_invitations import Ask, provider_of
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanState
from workflows.provision_models import MAX_LINES, PERIOD, LineConfirmation, ProvisionConfirmed, ShortfallReason

SEEN_AS = "the provider's page in the portal, with the child's name and date of birth and the lines of section F"
# The period, the form's id, and each line's answer, sessions missed and reason.
MAX_FIELDS = 2 + 3 * MAX_LINES
MAX_FORM_BYTES = 16 * 1024
MAX_VALUE = 40  # the longest value a field of the form takes is a submission id: what is kept to show it again


async def _view(
    session: AsyncSession, temporal: Client, invitation: PortalInvitation, today: date
) -> ProviderView | None:
    """The provider's page, live from the plan's workflow; None if the case holds no plan (or no child) to show."""
    provider = provider_of(invitation.item)
    case = await session.get(Case, invitation.case_ref)
    child = (await session.exec(select(Child).where(Child.case_ref == invitation.case_ref))).first()
    if provider is None or case is None or child is None:
        return None
    try:
        plan = await query_state(
            temporal.get_workflow_handle(plan_id(case.case_ref)), case.case_ref, PlanWorkflow.get_state
        )
    except Problem as problem:
        if problem.status == 503:  # no plan on this case
            return None
        raise
    words = await provider_lines(session, case.case_ref, provider)
    return ProviderView(
        case_ref=case.case_ref,
        provider_name=words[0].provider_name if words else provider,
        child=f"{child.given_name} {child.family_name}",
        born=child.date_of_birth,
        today=today,
        awaited=() if plan.closed else tuple(awaited_periods(plan, provider, words)),
        given=_given(plan, provider),
        next_end=plan.delivery_period_end if any(line.provider == provider for line in plan.provision) else None,
        ended=plan.closed,
    )


def _given(plan: PlanState, provider: str) -> tuple[Given, ...]:
    """The accounts the provider gave that the workflow still holds (the last 12 periods), newest first."""
    given: dict[str, Given] = {}
    for d in plan.deliveries:
        if d.provider == provider and d.confirmed_on is not None:
            given[d.period] = Given(d.period, d.period_start, d.period_end, d.confirmed_on)
    return tuple(sorted(given.values(), key=lambda g: g.end, reverse=True))


def _form_ids(view: ProviderView, entered: Entered | None = None, submission_id: str = "") -> list[str]:
    """A fresh id for each period's form; the one sent back with its mistakes keeps its own."""
    return [
        submission_id if entered and period.key == entered.period else new_submission_id() for period in view.awaited
    ]


async def provision_page(
    request: Request, session: AsyncSession, temporal: Client, today: date, user: User, invitation: PortalInvitation
) -> HTMLResponse:
    view = await _view(session, temporal, invitation, today)
    if view is None:
        return request_pages.gone()
    if view.awaited:
        await audit_personal_data(session, user, invitation.case_ref, SEEN_AS)
    sent = request.query_params.get("sent", "")
    return provider_page(view, _form_ids(view), sent=sent if re.fullmatch(PERIOD, sent) else None)


async def provision_answer(
    request: Request, session: AsyncSession, temporal: Client, today: date, user: User, invitation: PortalInvitation
) -> HTMLResponse | RedirectResponse:
    """Record one period's account; a mistake comes back on the page, saying which line and what, nothing kept."""
    view = await _view(session, temporal, invitation, today)
    if view is None:
        return request_pages.gone()
    values = await _fields(request)
    if values is None:
        return await _refused(session, user, view, FieldError("", "The form could not be read: open it again."))
    sent_id = values.get("submission_id", "")
    submission_id = sent_id if re.fullmatch(SUBMISSION_ID, sent_id) else new_submission_id()
    period = next((p for p in view.awaited if p.key == values.get("period")), None)
    if period is None:
        if await _sent_before(session, submission_id, invitation, user):
            # The same form sent again after its account was recorded: one submission, the one account.
            return _sent(values.get("period", ""))
        return await _refused(session, user, view, NOT_AWAITED)
    errors, lines = _read(period, values)
    entered = Entered(period.key, values, errors)
    if errors:
        return await _refused(session, user, view, None, entered, submission_id)
    provider = provider_of(invitation.item) or ""
    action = ProvisionConfirmed(on=today, actor=user.sub, period=period.key, provider=provider, lines=lines)
    sent = Sent(
        submission_id=submission_id,
        case_ref=invitation.case_ref,
        party=invitation.party,
        kind=Ask.PROVISION.value,
        item=invitation.item,
        actor=user.sub,
        on=today,
        text=_in_words(period, lines),
    )
    workflow_id = plan_id(invitation.case_ref)
    try:
        await submit(
            session, temporal, sent, [], workflow_id, PlanWorkflow.confirm_provision, action, PlanWorkflow.get_state
        )
    except Problem as problem:
        return await _refused(session, user, view, FieldError("", _plainly(problem)), entered, submission_id)
    return _sent(period.key)


NOT_AWAITED = FieldError(
    "",
    "The council is not waiting for an account of that period from you: it may already have one. The periods still "
    "to confirm, if any, are on this page.",
)


def _sent(period: str) -> RedirectResponse:
    after = f"?sent={period}" if re.fullmatch(PERIOD, period) else ""
    return RedirectResponse(f"{request_pages.REQUEST}{after}", status_code=303, headers=PORTAL_HEADERS)


async def _fields(request: Request) -> dict[str, str] | None:
    """The form's fields, each its first value cut to MAX_VALUE; None if it is not a form this page sends."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    try:
        fields = parse_qs(body.decode("utf-8", "replace"), max_num_fields=MAX_FIELDS)
    except ValueError:
        return None
    return {name[:MAX_VALUE]: found[0].strip()[:MAX_VALUE] for name, found in fields.items()}


async def _sent_before(session: AsyncSession, submission_id: str, invitation: PortalInvitation, user: User) -> bool:
    earlier = await session.get(PortalSubmission, submission_id)
    return earlier is not None and (earlier.case_ref, earlier.item, earlier.actor) == (
        invitation.case_ref,
        invitation.item,
        user.sub,
    )


def _read(period: AwaitedPeriod, values: Mapping[str, str]) -> tuple[list[FieldError], list[LineConfirmation]]:
    """Each line's answer, or what is wrong with it: a line not in full needs the sessions missed and a reason."""
    errors: list[FieldError] = []
    lines: list[LineConfirmation] = []
    for line in period.lines:
        ref = line.ref
        choice, missed, reason = (values.get(f"{ref}{s}", "") for s in ("", "-missed", "-reason"))
        if choice == IN_FULL:
            lines.append(LineConfirmation(ref=ref, delivered_in_full=True))
            continue
        if choice != SHORT:
            errors.append(FieldError(field_id(period.key, ref), f"Say whether line {ref} was delivered in full"))
            continue
        wrong = []
        count = int(missed) if re.fullmatch(r"[0-9]{1,4}", missed) else 0
        if not 1 <= count <= MAX_MISSED:
            said = (
                f"Enter the sessions missed from line {ref} as a whole number from 1 to {MAX_MISSED:,}"
                if missed
                else f"Enter how many sessions of line {ref} were missed"
            )
            wrong.append(FieldError(field_id(period.key, f"{ref}-missed"), said))
        if reason not in REASONS:
            wrong.append(
                FieldError(field_id(period.key, f"{ref}-reason"), f"Select why line {ref} was not delivered in full")
            )
        errors += wrong
        if not wrong:
            lines.append(
                LineConfirmation(
                    ref=ref, delivered_in_full=False, sessions_missed=count, reason=ShortfallReason(reason)
                )
            )
    return errors, lines


def _in_words(period: AwaitedPeriod, lines: list[LineConfirmation]) -> str:
    """The account as the staff read it among the portal's submissions."""
    return f"Account of {span(period.start, period.end)}: " + " ".join(_line_in_words(line) for line in lines)


def _line_in_words(line: LineConfirmation) -> str:
    if line.reason is None:
        return f"{line.ref}: delivered in full."
    return f"{line.ref}: not in full, {line.sessions_missed} session(s) missed ({REASONS[line.reason].lower()})."


def _plainly(problem: Problem) -> str:
    """The plan's refusal in words for someone outside the council: never its internal ids or ISO dates."""
    if problem.status == 503:
        return "Your account is not confirmed yet. Send it again in a minute: it will not be recorded twice."
    if problem.status == 409 and problem.title == "Case is closed":
        return "The council no longer needs an account: the plan has ended."
    return (
        "The council cannot take this account: it may already have one for this period, or the plan has changed. "
        "Open this page again to see what is awaited, or contact the council's SEND team."
    )


async def _refused(
    session: AsyncSession,
    user: User,
    view: ProviderView,
    refused: FieldError | None,
    entered: Entered | None = None,
    submission_id: str = "",
) -> HTMLResponse:
    if view.awaited:
        await audit_personal_data(session, user, view.case_ref, SEEN_AS)
    ids = _form_ids(view, entered, submission_id)
    return provider_page(view, ids, entered=entered, refused=refused, status_code=422)
