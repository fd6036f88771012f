"""Officer actions on an assessment, each a validated workflow update (see api.updates)."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from api.auth import Acting, InScope, User, case_for
from api.deps import SessionDep, TemporalDep
from api.problems import Problem
from api.routes.cases import CaseRef
from api.schemas import DraftIn, FinalPlanIn, ParentCommentsIn
from api.updates import IdempotencyKey, run_update, with_document, with_draft
from core.workflow_ids import assessment_id
from workflows.actions import BacklogConfirmed, ExceptionRecorded
from workflows.assessment_models import (
    AdviceReceived,
    AdviceRequest,
    AssessDecision,
    AssessmentState,
    DraftSent,
    FinalPlanIssued,
    IssueDecision,
    SettingAnswered,
    SettingConsulted,
    Withdrawal,
)

router = APIRouter(prefix="/cases/{case_ref}", tags=["assessment actions"], dependencies=[InScope])


async def apply(
    temporal: TemporalDep,
    session: SessionDep,
    user: User,
    case_ref: str,
    update: str,
    action: BaseModel,
    key: str | None,
) -> AssessmentState:
    await case_for(session, user, case_ref)
    return await run_update(temporal, assessment_id(case_ref), update, action, key, AssessmentState, user.sub)


@router.post("/decide-to-assess", response_model=AssessmentState)
async def decide_to_assess(
    case_ref: CaseRef,
    body: AssessDecision,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record the decision whether to carry out an EHC needs assessment (SEND Regs 2014 reg 5)."""
    return await apply(temporal, session, user, case_ref, "decide_to_assess", body, idempotency_key)


@router.post("/advice-requests", response_model=AssessmentState)
async def request_advice(
    case_ref: CaseRef,
    body: AdviceRequest,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Ask an adviser for advice (reg 6(1)); starts that adviser's own 6-week deadline (reg 8)."""
    return await apply(temporal, session, user, case_ref, "request_advice", body, idempotency_key)


@router.post("/advice-received", response_model=AssessmentState)
async def record_advice(
    case_ref: CaseRef,
    body: AdviceReceived,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record advice received from an adviser."""
    return await apply(temporal, session, user, case_ref, "record_advice", body, idempotency_key)


@router.post("/decide-to-issue", response_model=AssessmentState)
async def decide_to_issue(
    case_ref: CaseRef,
    body: IssueDecision,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record the decision whether to issue an EHC plan after the assessment (reg 10)."""
    return await apply(temporal, session, user, case_ref, "decide_to_issue", body, idempotency_key)


@router.post("/draft", response_model=AssessmentState)
async def send_draft(
    case_ref: CaseRef,
    body: DraftIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Send the draft plan; it must not name a school or institution (CFA 2014 s.38(5))."""
    await case_for(session, user, case_ref)

    async def send(draft: DraftSent) -> AssessmentState:
        return await apply(temporal, session, user, case_ref, "send_draft", draft, idempotency_key)

    return await with_draft(session, case_ref, body, idempotency_key, user.sub, send)


@router.post("/parent-comments", response_model=AssessmentState)
async def record_parent_comments(
    case_ref: CaseRef,
    body: ParentCommentsIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record the parent's or young person's comments on the draft and any setting they ask for."""
    return await apply(temporal, session, user, case_ref, "record_parent_comments", body, idempotency_key)


@router.post("/setting-consultations", response_model=AssessmentState)
async def consult_setting(
    case_ref: CaseRef,
    body: SettingConsulted,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Consult a school or college about being named (CFA 2014 s.39/s.40; answer within 15 days)."""
    return await apply(temporal, session, user, case_ref, "consult_setting", body, idempotency_key)


@router.post("/setting-answers", response_model=AssessmentState)
async def record_setting_response(
    case_ref: CaseRef,
    body: SettingAnswered,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a consulted setting's answer."""
    return await apply(temporal, session, user, case_ref, "record_setting_response", body, idempotency_key)


@router.post("/final-plan", response_model=AssessmentState)
async def issue_final_plan(
    case_ref: CaseRef,
    body: FinalPlanIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Issue the final plan (reg 13(2)), once the parent's comment window on the draft has closed."""
    if not body.sections.I.strip():
        raise Problem(
            422, "Action refused", "the final plan must name the school or institution, or its type, in section I"
        )
    await case_for(session, user, case_ref)

    async def issue(document_id: str) -> AssessmentState:
        action = FinalPlanIssued(
            on=body.issued_on,
            actor=user.sub,
            document_id=document_id,
            named_setting_urn=body.named_setting_urn,
            setting_type=body.setting_type,
        )
        return await apply(temporal, session, user, case_ref, "issue_final_plan", action, idempotency_key)

    return await with_document(
        session,
        case_ref,
        "final",
        body.sections.model_dump(),
        idempotency_key,
        issue,
        named_setting_urn=body.named_setting_urn,
        setting_type=body.setting_type or None,
        created_by=user.sub,
    )


@router.post("/exceptions", response_model=AssessmentState)
async def record_exception(
    case_ref: CaseRef,
    body: ExceptionRecorded,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Record a statutory exception (e.g. reg 5(4), 8(2), 10(4), 13(3)) with its reason and dates."""
    return await apply(temporal, session, user, case_ref, "record_exception", body, idempotency_key)


@router.post("/withdraw", response_model=AssessmentState)
async def withdraw(
    case_ref: CaseRef,
    body: Withdrawal,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Close the case: the family moved away or the request was withdrawn."""
    return await apply(temporal, session, user, case_ref, "withdraw", body, idempotency_key)


@router.post("/backlog-confirmed", response_model=AssessmentState)
async def confirm_backlog(
    case_ref: CaseRef,
    body: BacklogConfirmed,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Say that every past fact of a case entered late is in (docs/legal-time.md): dates that were already
    overdue when they were entered are judged now instead of at the end of their settle period."""
    return await apply(temporal, session, user, case_ref, "confirm_backlog", body, idempotency_key)
