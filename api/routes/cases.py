"""Cases: open one from a request for assessment, and read one back from its workflow."""

import asyncio
import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel
from sqlmodel import SQLModel, col, select
from temporalio.client import WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

import statutory
from api.auth import (
    PERSONAL_DATA,
    Acting,
    Anyone,
    InScope,
    Role,
    WithPersonalData,
    audit_personal_data,
    case_for,
    check_la,
    without_free_text,
)
from api.deps import CaseRef, ForecastHistory, SessionDep, SettingsDep, TemporalDep, Today
from api.problems import Problem
from api.schemas import CaseCreate, CaseCreated, CaseView, ChildOut
from core.workflow_ids import assessment_id
from intake.fields import EARLIEST_REQUEST
from intake.registration import new_case_ref, register, seen
from reports.forecast import case_forecasts
from reports.settings_directory import setting, setting_out
from store.models import Case, Child, Contact, Notification
from workflows import search_attributes as sa
from workflows import summaries
from workflows.assessment import AssessmentWorkflow
from workflows.assessment_models import AssessmentInput, Stage
from workflows.case_state import DeadlineKind

router = APIRouter(prefix="/cases", tags=["cases"])
State = TypeVar("State", bound=BaseModel)

QUERY_TIMEOUT_SECONDS = 10


def idempotency_digests(body: CaseCreate, key: str | None, caller: str) -> tuple[str, str | None]:
    """What makes two requests one case: the caller's Idempotency-Key if given (with a second digest of the key and
    the request, to refuse the key reused for another request, as the IETF Idempotency-Key draft does), else the
    request itself (the same request twice is one case)."""
    request = json.dumps(body.model_dump(mode="json"), sort_keys=True)
    if not key:
        return _sha("body:" + request), None
    return _sha(f"key:{caller}:{key}"), _sha(f"key:{caller}:{key}:body:{request}")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_dates(body: CaseCreate, today: date) -> None:
    if body.received_date > today:
        raise Problem(
            422, "Impossible date", f"received_date {body.received_date} is in the future (today is {today})."
        )
    if body.received_date < EARLIEST_REQUEST:
        raise Problem(
            422,
            "Date out of range",
            f"received_date {body.received_date} is before the SEND Regulations 2014 came into force "
            "(1 September 2014).",
        )
    if body.child.date_of_birth > body.received_date:
        raise Problem(422, "Impossible date", "the child's date_of_birth is after received_date.")
    if statutory.add_months(body.child.date_of_birth, 12 * 25) <= body.received_date:
        # CFA 2014 s.36 covers children and young people up to 25.
        raise Problem(422, "Not eligible", "the young person was 25 or older on received_date (CFA 2014 s.36).")
    if body.policy not in statutory.POLICIES:
        raise Problem(
            422,
            "Unknown rule set",
            f"policy '{body.policy}' is not one of: {', '.join(sorted(statutory.POLICIES))}.",
        )


async def _register(session: SessionDep, body: CaseCreate, digest: str, also: tuple[str, ...]) -> tuple[Case, bool]:
    """The case registered for this request: new, or the one the same request registered before."""
    case_ref = new_case_ref(body.la_code)
    case = Case(
        case_ref=case_ref,
        la_code=body.la_code,
        process="assessment",
        stage=Stage.REQUEST_RECEIVED.value,
        policy=body.policy,
        workflow_id=assessment_id(case_ref),
        received_date=body.received_date,
        request_source=body.request_source.value,
        officer=body.officer,
        team=body.team,
    )
    people: list[SQLModel] = [Child(case_ref=case_ref, **body.child.model_dump())]
    people += [Contact(case_ref=case_ref, **c.model_dump()) for c in body.contacts]
    registered, replayed = await register(session, digest, case, people, also=also, ask_first=False)
    if registered == case_ref:
        return case, replayed
    first = await session.get(Case, registered)  # a request seen before, or a concurrent duplicate, registered it
    assert first is not None
    return first, replayed


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseCreated)
async def open_case(
    body: CaseCreate,
    response: Response,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    user: Acting,
    today: Today,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> CaseCreated:
    """Open a case from a request for an EHC needs assessment and start its statutory clock.

    The case is assigned to `officer` if given, else to the case officer who opens it."""
    check_la(user, body.la_code)
    check_dates(body, today)
    if body.officer is None and user.role is Role.CASE_OFFICER:
        body = body.model_copy(update={"officer": user.sub})
    digest, keyed_request = idempotency_digests(body, idempotency_key, user.sub)
    # Registered first and asked afterwards: a request seen before meets its digest's key and keeps nothing, and
    # a new one, nearly every request, makes no round trip to ask.
    case, replayed = await _register(session, body, digest, (keyed_request,) if keyed_request else ())
    if replayed and keyed_request is not None and not await seen(session, keyed_request):
        raise Problem(
            422,
            "Idempotency-Key reused",
            "you sent this Idempotency-Key before with a different request: use a new key for a new request",
        )
    case_ref = case.case_ref
    workflow_input = AssessmentInput(
        case_ref=case_ref,
        la_code=case.la_code,
        received_date=case.received_date,
        request_source=case.request_source,
        policy=case.policy,
        reminder_working_days=settings.reminder_working_days,
        opened_by=user.sub,
    )
    # A case that already ran to completion raises WorkflowAlreadyStartedError: the first answer stands.
    with contextlib.suppress(WorkflowAlreadyStartedError):
        # Starting again is harmless: USE_EXISTING returns the running case, so a retried POST after a
        # failure here (Temporal briefly down) completes the same case rather than making another.
        await temporal.start_workflow(
            AssessmentWorkflow.run,
            workflow_input,
            id=case.workflow_id,
            task_queue=settings.temporal_task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(sa.CASE_REF, case_ref),
                    SearchAttributePair(sa.LOCAL_AUTHORITY, case.la_code),
                    SearchAttributePair(sa.PROCESS, "assessment"),
                    SearchAttributePair(sa.CASE_STAGE, Stage.REQUEST_RECEIVED.value),
                ]
            ),
            **summaries.assessment(workflow_input),
        )
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/cases/{case_ref}"
    return CaseCreated(
        case_ref=case_ref,
        workflow_id=case.workflow_id,
        la_code=case.la_code,
        received_date=case.received_date,
    )


async def query_state(
    handle: WorkflowHandle, case_ref: str, state: Callable[[Any], State], *, imported_plan: bool = False
) -> State:
    try:
        async with asyncio.timeout(QUERY_TIMEOUT_SECONDS):
            return await handle.query(state)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND and imported_plan:
            # A plan brought in from the LA's records has no assessment here: say where it is, not "retry".
            raise Problem(
                404,
                "No assessment on this case",
                f"Case {case_ref} is a plan imported from the LA's records, with no EHC needs assessment here: "
                f"read it at /plans/{case_ref}.",
            ) from error
        if error.status is RPCStatusCode.NOT_FOUND:
            raise Problem(
                503,
                "Case is being set up",
                f"Case {case_ref} is registered but its workflow has not started yet; retry shortly.",
            ) from error
        raise


@router.get("/{case_ref}", response_model=CaseView, dependencies=[InScope])
async def read_case(
    case_ref: CaseRef, session: SessionDep, temporal: TemporalDep, user: Anyone, today: Today, history: ForecastHistory
) -> CaseView:
    """One case: stage, every statutory deadline, outstanding work and history, live from its workflow; each duty
    still owed with the day it is expected to be met (docs/forecast.md).

    The child's details come only to case officers and managers, and each such read is audited;
    ops see the same case without them."""
    case = await case_for(session, user, case_ref)
    # The workflow's answer and the database's are independent: asked at once, a read waits for the slower.
    handle = temporal.get_workflow_handle(assessment_id(case_ref))
    query = asyncio.create_task(
        query_state(handle, case_ref, AssessmentWorkflow.get_state, imported_plan=case.process == "plan")
    )
    try:
        child = None
        if user.role in PERSONAL_DATA:
            child = (await session.exec(select(Child).where(Child.case_ref == case_ref))).first()
        forecasts = await case_forecasts(session, case, today, history)
        state = await query
    finally:
        query.cancel()  # only if the database failed first: nothing is left asking
    if user.role in PERSONAL_DATA:
        await audit_personal_data(session, user, case_ref, "case with the child's details")
    state.exceptions = without_free_text(user, state.exceptions)
    # The setting the family asked for, as the directory has it: public facts, for every member of staff.
    preferred = await setting(session, state.preferred_setting_urn) if state.preferred_setting_urn else None
    owed = {d.key for d in state.deadlines if d.done_on is None and d.kind is DeadlineKind.DUTY}
    if owed and not forecasts:
        # Read while the case's first workflow task was still writing its dates: the query waited for that task,
        # so the read model has them now (a case read the moment it is opened).
        forecasts = await case_forecasts(session, case, today, history)
    deadlines = [
        {**d.model_dump(), "forecast": forecasts.get(d.key) if d.key in owed else None} for d in state.deadlines
    ]
    return CaseView(
        **state.model_dump(exclude={"deadlines"}),
        deadlines=deadlines,
        officer=case.officer,
        child=ChildOut.model_validate(child, from_attributes=True) if child else None,
        preferred_setting=setting_out(preferred) if preferred else None,
    )


class NotificationOut(BaseModel):
    recipient_role: str
    template: str
    subject: str
    body: str
    status: str
    created_at: datetime


@router.get("/{case_ref}/notifications", response_model=list[NotificationOut], dependencies=[InScope])
async def case_notifications(case_ref: CaseRef, session: SessionDep, user: WithPersonalData) -> list[Notification]:
    """Every notice the case has produced (letters to the family, reminders and escalations to staff)."""
    await case_for(session, user, case_ref)
    await audit_personal_data(session, user, case_ref, "notifications (letters to the family)")
    rows = await session.exec(
        select(Notification).where(Notification.case_ref == case_ref).order_by(col(Notification.id))
    )
    return list(rows.all())
