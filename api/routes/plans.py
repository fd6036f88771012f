"""EHC plans: their state and review timeline, every version with what changed, and review steps."""

import asyncio
import difflib
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field, StrictBool
from sqlmodel import col, or_, select

from api.actions import CaseProcess, OfficerAction
from api.auth import (
    Acting,
    Anyone,
    InScope,
    Manager,
    WithPersonalData,
    audit_personal_data,
    case_for,
    without_free_text,
)
from api.deps import CaseRef, SessionDep, TemporalDep
from api.problems import Problem
from api.routes.cases import query_state
from api.schemas import AmendedPlanIn, DraftIn, ParentCommentsIn, PlanSections
from api.updates import IdempotencyKey, with_document, with_plan
from core.workflow_ids import CASE_PROCESSES, plan_id
from intake.fields import Strict
from reports.deadline_labels import deadline_label
from statutory.local_authorities import unknown_reason
from store.models import AuditEvent, CaseDeadline, PlanDocument, ProvisionLineRow
from workflows.actions import BacklogConfirmed
from workflows.day import Day
from workflows.plan import PlanWorkflow
from workflows.plan_models import (
    AmendedPlanIssued,
    PlanState,
    PlanVersion,
    ReviewDecision,
    ReviewOutcome,
    TransferIn,
    TransferNotice,
)


class TransferNoticeIn(TransferNotice):
    proposes_assessment: StrictBool = Field(
        description="Does the new LA propose to make an EHC needs assessment (SEND Regs 2014 reg 15(4))?"
    )


router = APIRouter(prefix="/plans/{case_ref}", tags=["plans"], dependencies=[InScope])


PLAN = CaseProcess(plan_id, PlanWorkflow.get_state)


@router.get("", response_model=PlanState)
async def read_plan(case_ref: CaseRef, session: SessionDep, temporal: TemporalDep, user: Anyone) -> PlanState:
    """The plan: stage, review date and why, phase transfer, who holds the rights, deadlines, history."""
    await case_for(session, user, case_ref)
    state = await query_state(temporal.get_workflow_handle(plan_id(case_ref)), case_ref, PlanWorkflow.get_state)
    return state.model_copy(update={"exceptions": without_free_text(user, state.exceptions)})


class SectionChange(BaseModel):
    section: str
    diff: str


class VersionOut(BaseModel):
    version: int
    issued_on: date
    reason: str
    by: str
    sections: dict[str, str] = Field(default_factory=dict)
    changed: list[SectionChange] = Field(default_factory=list, description="What changed since the version before")
    provision: list["ProvisionLineOut"] = Field(
        default_factory=list, description="Section F as lines of provision, where the version was issued with them"
    )


class ProvisionLineOut(BaseModel):
    ref: str
    kind: str
    description: str
    provider_type: str
    provider: str
    provider_name: str
    provider_email: str | None
    sessions: int
    minutes: int
    per: str
    location: str
    starts_on: date | None


@router.get("/versions", response_model=list[VersionOut])
async def plan_versions(
    case_ref: CaseRef, session: SessionDep, temporal: TemporalDep, user: WithPersonalData
) -> list[VersionOut]:
    """Every issued version of the plan (sections A to K), with what changed from the one before and who."""
    await case_for(session, user, case_ref)
    await audit_personal_data(session, user, case_ref, "plan versions (sections A to K)")
    state = await query_state(temporal.get_workflow_handle(plan_id(case_ref)), case_ref, PlanWorkflow.get_state)
    ids = [v.document_id for v in state.versions if v.document_id]
    documents = {d.id: d for d in (await session.exec(select(PlanDocument).where(col(PlanDocument.id).in_(ids)))).all()}
    lines: dict[str, list[ProvisionLineOut]] = {}
    for row in (await session.exec(select(ProvisionLineRow).where(col(ProvisionLineRow.document_id).in_(ids)))).all():
        lines.setdefault(row.document_id, []).append(ProvisionLineOut.model_validate(row, from_attributes=True))
    # Comparing every section of every version is CPU work that grows with the plan's life: off the event loop.
    versions = await asyncio.to_thread(
        _with_changes, state.versions, {i: dict(d.sections) for i, d in documents.items()}
    )
    for version, issued in zip(versions, state.versions, strict=True):
        version.provision = sorted(lines.get(issued.document_id, []), key=lambda line: int(line.ref[1:]))
    return versions


def _with_changes(history: list[PlanVersion], documents: dict[str, dict[str, str]]) -> list[VersionOut]:
    """Each version with its sections and, from the second on, a unified diff of each section that changed."""
    versions: list[VersionOut] = []
    previous: dict[str, str] = {}
    for version in history:
        sections = documents.get(version.document_id, {})
        changed = [
            SectionChange(
                section=name,
                diff="\n".join(
                    difflib.unified_diff(
                        previous.get(name, "").splitlines(),
                        sections.get(name, "").splitlines(),
                        f"v{version.version - 1}/{name}",
                        f"v{version.version}/{name}",
                        lineterm="",
                    )
                ),
            )
            for name in sorted(set(previous) | set(sections))
            if version.version > 1 and previous.get(name, "") != sections.get(name, "")
        ]
        versions.append(VersionOut(**version.model_dump(exclude={"document_id"}), sections=sections, changed=changed))
        previous = sections
    return versions


class TimelineDeadline(BaseModel):
    key: str
    step: str
    kind: str = Field(description="duty (the LA's), window (another party's) or target (a planning date)")
    label: str = ""
    start: date
    due: date
    status: str
    done_on: date | None


class TimelineEvent(BaseModel):
    on: date | None
    at: datetime
    action: str
    actor: str
    summary: str


class Timeline(BaseModel):
    deadlines: list[TimelineDeadline]
    events: list[TimelineEvent]


@router.get("/timeline", response_model=Timeline)
async def plan_timeline(case_ref: CaseRef, session: SessionDep, user: Anyone) -> Timeline:
    """The whole review timeline across every cycle, from the read model: each deadline and each event.

    The events are the case's statutory record, the lines its workflows wrote; the audit trail's other lines
    (who read the case, who reassigned it, who exported it) are not the case's events, and one user reading
    a case a thousand times must not make its timeline a thousand lines longer."""
    await case_for(session, user, case_ref)
    deadlines = await session.exec(
        select(CaseDeadline).where(CaseDeadline.case_ref == case_ref).order_by(col(CaseDeadline.due))
    )
    recorded_by_a_workflow = or_(*(col(AuditEvent.event_key).startswith(f"{p}-") for p in CASE_PROCESSES))
    events = await session.exec(
        select(AuditEvent)
        .where(AuditEvent.case_ref == case_ref, recorded_by_a_workflow)
        .order_by(col(AuditEvent.at), col(AuditEvent.id))
    )
    return Timeline(
        deadlines=[
            TimelineDeadline.model_validate(d, from_attributes=True).model_copy(
                update={"label": deadline_label(d.step, d.key, d.due)}
            )
            for d in deadlines.all()
        ],
        events=[
            TimelineEvent(on=e.business_date, at=e.at, action=e.action, actor=e.actor, summary=e.summary)
            for e in events.all()
        ],
    )


# Review steps ----------------------------------------------------------------------------------


class ReviewDecisionIn(Strict):
    on: Day
    outcome: ReviewOutcome
    reasons: str = Field(default="", max_length=4000)
    proposed_sections: PlanSections | None = Field(default=None, description="The amended plan proposed, for 'amend'")


# Written out below their rows: a decision to amend stores the proposed plan first, an amended plan its text,
# and a transfer is a manager's, to one of England's LAs.
REVIEW_DECISION = OfficerAction(
    "review-decision",
    PlanWorkflow.decide_review,
    "Decide after the review: maintain, amend or cease (SEND Regs 2014 reg 20)",
    records=("review_decided_maintain", "review_decided_amend", "cease_decided"),
    body=ReviewDecisionIn,
)
AMENDED_PLAN = OfficerAction(
    "amended-plan",
    PlanWorkflow.issue_amended_plan,
    "Issue the amended plan (reg 22(3))",
    records=("amended_plan_issued",),
    body=AmendedPlanIn,
)
TRANSFER = OfficerAction(
    "transfer",
    PlanWorkflow.transfer_in,
    "Transfer the plan to the family's new LA (SEND Regs 2014 reg 15)",
    records=("transferred_in",),
)


@router.post(
    f"/{REVIEW_DECISION.path}", response_model=PlanState, summary=REVIEW_DECISION.what, name=REVIEW_DECISION.name
)
async def decide_review(
    case_ref: CaseRef,
    body: ReviewDecisionIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Maintain, amend (with the proposed amendments) or cease, within 4 weeks of the meeting (SEND Regs 2014
    reg 20)."""
    await case_for(session, user, case_ref)

    async def decide(document_id: str | None) -> PlanState:
        action = ReviewDecision(
            on=body.on, actor=user.sub, outcome=body.outcome, reasons=body.reasons, proposed_document_id=document_id
        )
        return await PLAN.act(temporal, session, user, case_ref, REVIEW_DECISION.update, action, idempotency_key)

    if body.outcome is not ReviewOutcome.AMEND:
        return await decide(None)
    if body.proposed_sections is None:
        raise Problem(422, "Action refused", "a decision to amend must include proposed_sections (reg 22(2))")
    return await with_document(
        session,
        case_ref,
        "proposed",
        body.proposed_sections.model_dump(),
        idempotency_key,
        decide,
        created_by=user.sub,
    )


@router.post(f"/{AMENDED_PLAN.path}", response_model=PlanState, summary=AMENDED_PLAN.what, name=AMENDED_PLAN.name)
async def issue_amended_plan(
    case_ref: CaseRef,
    body: AmendedPlanIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: Acting,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Issue the amended plan: a new version (8 weeks after the proposals, reg 22(3); or after re-assessment)."""
    await case_for(session, user, case_ref)
    if not body.sections.I.strip():
        raise Problem(422, "Action refused", "the plan must name the school or institution, or its type, in section I")

    async def issue(document_id: str) -> PlanState:
        action = AmendedPlanIssued(
            on=body.issued_on,
            actor=user.sub,
            document_id=document_id,
            named_setting_urn=body.named_setting_urn,
            provision=None if body.provision is None else [line.watched() for line in body.provision],
        )
        return await PLAN.act(temporal, session, user, case_ref, AMENDED_PLAN.update, action, idempotency_key)

    return await with_plan(session, case_ref, "amended", body, idempotency_key, user.sub, issue)


@router.post(f"/{TRANSFER.path}", response_model=PlanState, summary=TRANSFER.what, name=TRANSFER.name)
async def transfer(
    case_ref: CaseRef,
    body: TransferIn,
    session: SessionDep,
    temporal: TemporalDep,
    user: Manager,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """The family moved: the plan transfers to the new LA (reg 15), which gets its own deadlines: the notice
    to the family within 6 weeks (reg 15(4)) and the review by reg 15(5)'s date.

    A manager of the LA that holds the plan makes the transfer, to the DfE number of an English LA: once
    moved, the case leaves this LA's view and only the receiving LA's staff can act on it."""
    if (reason := unknown_reason(body.to_la_code)) is not None:
        raise Problem(422, "Unknown LA", f"to_la_code: {reason}.", "/problems/unknown-la")
    return await PLAN.act(temporal, session, user, case_ref, TRANSFER.update, body, idempotency_key)


# Each a validated workflow update on the case's plan (api/actions.py).
PLAN_ACTIONS = (
    OfficerAction(
        "reassessment-draft",
        PlanWorkflow.send_reassessment_draft,
        "Send the draft plan after a re-assessment, with 15 days to comment (SEND Regs 2014 reg 27 applying reg "
        "13(1)); like a first draft it must not name a school or institution (CFA 2014 s.38(5))",
        records=("reassessment_draft_sent",),
        body=DraftIn,
    ),
    OfficerAction(
        "review-notice",
        PlanWorkflow.schedule_review,
        "Send notice of the review meeting, at least 2 weeks ahead (SEND Regs 2014 reg 20(3))",
        records=("review_scheduled",),
    ),
    OfficerAction(
        "review-advice",
        PlanWorkflow.circulate_review_advice,
        "Record the advice circulated to those invited, at least 2 weeks before the meeting (reg 20(4))",
        records=("review_advice_circulated",),
    ),
    OfficerAction(
        "family-views",
        PlanWorkflow.record_family_views,
        "Record the family's advice and information for the review meeting, received by post or by hand (SEND Regs "
        "2014 reg 20(2)(a), (4)), while the meeting is scheduled; families may send theirs through the portal too",
        records=("family_views",),
    ),
    OfficerAction(
        "review-meeting",
        PlanWorkflow.hold_review,
        "Record that the review meeting was held (CFA 2014 s.44(1)); starts the report and decision clocks",
        records=("review_held",),
    ),
    OfficerAction(
        "review-report",
        PlanWorkflow.receive_review_report,
        "Record the review report (2 weeks after the meeting)",
        records=("review_report",),
    ),
    OfficerAction(
        "family-comments",
        PlanWorkflow.record_family_comments,
        "The family's comments on the proposed amendments or the re-assessment's draft, and any setting "
        "it asks for (SEND Regs 2014 reg 22(2)(c); reg 27 applying reg 13(1); CFA 2014 s.38(2))",
        records=("family_comments",),
        body=ParentCommentsIn,
    ),
    OfficerAction(
        "setting-consultations",
        PlanWorkflow.consult_setting,
        "Consult a setting on being named in the amended plan (CFA 2014 ss.39-40, applied by regs 22 and "
        "27): a setting newly named in section I must have been consulted in the same review or "
        "re-assessment",
        records=("setting_consulted",),
    ),
    OfficerAction(
        "setting-answers",
        PlanWorkflow.record_setting_response,
        "The consulted setting's answer (its 15 days, Code of Practice 9.83, are its own: a window, never a breach)",
        records=("setting_answered",),
    ),
    OfficerAction(
        "post16-move",
        PlanWorkflow.plan_post16_move,
        "A move between post-16 institutions at a time other than after secondary school: the plan is "
        "reviewed and amended at least 5 months before it (SEND Regs 2014 reg 18(2))",
        records=("post16_move_planned",),
    ),
    OfficerAction(
        "not-amended",
        PlanWorkflow.decide_not_to_amend,
        "Decide not to amend after representations, with reasons (reg 22(4))",
        records=("decided_not_to_amend",),
    ),
    OfficerAction(
        "reassessment-request",
        PlanWorkflow.request_reassessment,
        "Record a request to re-assess (decision due in 15 days, reg 25)",
        records=("reassessment_requested",),
    ),
    OfficerAction(
        "reassessment-decision",
        PlanWorkflow.decide_reassessment,
        "Decide whether to re-assess (a refusal is appealable, CFA 2014 s.51(2)(d))",
        records=("reassessment_agreed", "reassessment_refused"),
    ),
    OfficerAction(
        "exceptions",
        PlanWorkflow.record_exception,
        "Record a statutory exception to one of the plan's own limits (a re-assessment's 14 weeks, reg "
        "27(3) applying reg 10(4); a Tribunal order's, reg 44(3)): a deadline it covers is excepted, not "
        "breached",
        records=("exception",),
    ),
    OfficerAction(
        "cease-consultation",
        PlanWorkflow.consult_on_ceasing,
        "Record that the LA told the family it is considering ceasing the plan and consulted them and the"
        " head of the named setting (SEND Regs 2014 reg 31(1)): required before any decision to cease",
        records=("cease_consulted",),
    ),
    OfficerAction(
        "cease",
        PlanWorkflow.decide_to_cease,
        "Decide to cease the plan (reg 31); it stays in force until the appeal window closes (CFA 2014 s.45)",
        records=("cease_decided",),
    ),
    OfficerAction(
        "cease-appeal",
        PlanWorkflow.record_cease_appeal,
        "Record an appeal against ceasing being registered, then its outcome",
        records=("cease_appealed", "cease_appeal_allowed", "plan_ceased"),
    ),
    OfficerAction(
        "transfer-notice",
        PlanWorkflow.record_transfer_notice,
        "The new LA told the family the plan has transferred and whether it proposes an EHC needs "
        "assessment (6 weeks, reg 15(4))",
        records=("transfer_notice_sent",),
        body=TransferNoticeIn,
    ),
    OfficerAction(
        "backlog-confirmed",
        PlanWorkflow.confirm_backlog,
        "Say that every past fact of an imported or late-entered plan is in (docs/legal-time.md): dates "
        "already overdue when they were entered are judged now instead of at the end of their settle "
        "period",
        records=("backlog_confirmed",),
        body=BacklogConfirmed,
    ),
)
PLAN.add(router, PLAN_ACTIONS)
PLAN_STEPS = (*PLAN_ACTIONS, REVIEW_DECISION, AMENDED_PLAN, TRANSFER)
