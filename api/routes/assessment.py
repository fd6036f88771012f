"""Officer actions on an assessment: each is a validated workflow update.

The workflow refuses an action out of order (409) or with impossible dates (422) before it touches
history; the API passes the reason on as problem+json. A repeated POST with the same Idempotency-Key
is the same update (Temporal dedupes by update id) and returns the first answer.
"""

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header
from pydantic import BaseModel
from sqlmodel import delete
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SessionDep, TemporalDep
from api.problems import Problem
from api.routes.cases import CaseRef
from api.schemas import DraftIn, FinalPlanIn, PlanSections
from store.models import Case, PlanDocument
from workflows.assessment_models import (
    ActionResult,
    AdviceReceived,
    AdviceRequest,
    AssessDecision,
    AssessmentState,
    DraftSent,
    ExceptionRecorded,
    FinalPlanIssued,
    IssueDecision,
    ParentComments,
    SettingAnswered,
    SettingConsulted,
    Withdrawal,
)
from workflows.rejections import CONFLICT_TYPES

router = APIRouter(prefix="/cases/{case_ref}", tags=["assessment actions"])

UPDATE_TIMEOUT_SECONDS = 30
IdempotencyKey = Annotated[str | None, Header(max_length=200, pattern=r"^[A-Za-z0-9._:-]+$")]


async def apply(
    temporal: TemporalDep,
    session: SessionDep,
    case_ref: str,
    update: str,
    action: BaseModel,
    idempotency_key: str | None,
) -> AssessmentState:
    case = await session.get(Case, case_ref)
    if case is None:
        raise Problem(404, "No such case", f"There is no case {case_ref}.")
    handle = temporal.get_workflow_handle(case.workflow_id)
    update_id = f"{update}:{idempotency_key}" if idempotency_key else None
    try:
        async with asyncio.timeout(UPDATE_TIMEOUT_SECONDS):
            await handle.execute_update(update, action, id=update_id, result_type=ActionResult)
            return await handle.query("state", result_type=AssessmentState)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(cause)
        kind = cause.type if isinstance(cause, ApplicationError) else None
        if kind in CONFLICT_TYPES:
            raise Problem(409, "Action not possible now", reason, "/problems/out-of-order") from error
        raise Problem(422, "Action refused", reason, "/problems/invalid-action") from error
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise Problem(409, "Case is closed", f"Case {case_ref} is closed; nothing more can be recorded.") from error
        raise


@router.post("/decide-to-assess", response_model=AssessmentState)
async def decide_to_assess(
    case_ref: CaseRef,
    body: AssessDecision,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record the decision whether to carry out an EHC needs assessment (SEND Regs 2014 reg 5)."""
    return await apply(temporal, session, case_ref, "decide_to_assess", body, idempotency_key)


@router.post("/advice-requests", response_model=AssessmentState)
async def request_advice(
    case_ref: CaseRef,
    body: AdviceRequest,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Ask an adviser for advice (reg 6(1)); starts that adviser's own 6-week deadline (reg 8)."""
    return await apply(temporal, session, case_ref, "request_advice", body, idempotency_key)


@router.post("/advice-received", response_model=AssessmentState)
async def record_advice(
    case_ref: CaseRef,
    body: AdviceReceived,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record advice received from an adviser."""
    return await apply(temporal, session, case_ref, "record_advice", body, idempotency_key)


@router.post("/decide-to-issue", response_model=AssessmentState)
async def decide_to_issue(
    case_ref: CaseRef,
    body: IssueDecision,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record the decision whether to issue an EHC plan after the assessment (reg 10)."""
    return await apply(temporal, session, case_ref, "decide_to_issue", body, idempotency_key)


async def _with_document(
    temporal: TemporalDep,
    session: SessionDep,
    case_ref: str,
    update: str,
    kind: str,
    sections: PlanSections,
    build: Any,
    idempotency_key: str | None,
    **document: Any,
) -> AssessmentState:
    """Store the plan text (personal data stays in the database), then tell the workflow its id.

    The document is committed before the update because the workflow's own read-model write needs
    the database; if the workflow refuses the action the document is removed again.
    """
    if await session.get(Case, case_ref) is None:
        raise Problem(404, "No such case", f"There is no case {case_ref}.")
    document_id = (
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"{case_ref}/{update}/{idempotency_key}"))
        if idempotency_key
        else uuid.uuid4().hex
    )
    if await session.get(PlanDocument, document_id) is None:
        session.add(
            PlanDocument(id=document_id, case_ref=case_ref, kind=kind, sections=sections.model_dump(), **document)
        )
        await session.commit()
    try:
        return await apply(temporal, session, case_ref, update, build(document_id), idempotency_key)
    except BaseException:
        await session.rollback()
        await session.exec(delete(PlanDocument).where(PlanDocument.id == document_id))  # type: ignore[arg-type]
        await session.commit()
        raise


@router.post("/draft", response_model=AssessmentState)
async def send_draft(
    case_ref: CaseRef, body: DraftIn, session: SessionDep, temporal: TemporalDep, idempotency_key: IdempotencyKey = None
) -> Any:
    """Send the draft plan; it must not name a school or institution (CFA 2014 s.38(5))."""
    if body.sections.I.strip():
        raise Problem(
            422,
            "Action refused",
            "the draft plan must not name a school or institution, or a type of one, in section I (CFA 2014 s.38(5))",
        )
    return await _with_document(
        temporal,
        session,
        case_ref,
        "send_draft",
        "draft",
        body.sections,
        lambda document_id: DraftSent(on=body.served_on, actor=body.actor, document_id=document_id),
        idempotency_key,
        created_by=body.actor,
    )


@router.post("/parent-comments", response_model=AssessmentState)
async def record_parent_comments(
    case_ref: CaseRef,
    body: ParentComments,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record the parent's or young person's comments on the draft and any setting they ask for."""
    return await apply(temporal, session, case_ref, "record_parent_comments", body, idempotency_key)


@router.post("/setting-consultations", response_model=AssessmentState)
async def consult_setting(
    case_ref: CaseRef,
    body: SettingConsulted,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Consult a school or college about being named (CFA 2014 s.39/s.40; answer within 15 days)."""
    return await apply(temporal, session, case_ref, "consult_setting", body, idempotency_key)


@router.post("/setting-answers", response_model=AssessmentState)
async def record_setting_response(
    case_ref: CaseRef,
    body: SettingAnswered,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a consulted setting's answer."""
    return await apply(temporal, session, case_ref, "record_setting_response", body, idempotency_key)


@router.post("/final-plan", response_model=AssessmentState)
async def issue_final_plan(
    case_ref: CaseRef,
    body: FinalPlanIn,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Issue the final plan (reg 13(2)), once the parent's comment window on the draft has closed."""
    if not body.sections.I.strip():
        raise Problem(
            422, "Action refused", "the final plan must name the school or institution, or its type, in section I"
        )
    return await _with_document(
        temporal,
        session,
        case_ref,
        "issue_final_plan",
        "final",
        body.sections,
        lambda document_id: FinalPlanIssued(
            on=body.issued_on,
            actor=body.actor,
            document_id=document_id,
            named_setting_urn=body.named_setting_urn,
            setting_type=body.setting_type,
        ),
        idempotency_key,
        named_setting_urn=body.named_setting_urn,
        setting_type=body.setting_type or None,
        created_by=body.actor,
    )


@router.post("/exceptions", response_model=AssessmentState)
async def record_exception(
    case_ref: CaseRef,
    body: ExceptionRecorded,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a statutory exception (e.g. reg 5(4), 8(2), 10(4), 13(3)) with its reason and dates."""
    return await apply(temporal, session, case_ref, "record_exception", body, idempotency_key)


@router.post("/withdraw", response_model=AssessmentState)
async def withdraw(
    case_ref: CaseRef,
    body: Withdrawal,
    session: SessionDep,
    temporal: TemporalDep,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Close the case: the family moved away or the request was withdrawn."""
    return await apply(temporal, session, case_ref, "withdraw", body, idempotency_key)
