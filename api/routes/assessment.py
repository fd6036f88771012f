"""Officer actions on an assessment, each a validated workflow update (see api.updates)."""

from typing import Any

from fastapi import APIRouter

from api.actions import CaseProcess, OfficerAction
from api.auth import Acting, InScope, case_for
from api.deps import SessionDep, TemporalDep
from api.problems import Problem
from api.routes.cases import CaseRef
from api.schemas import DraftIn, FinalPlanIn, ParentCommentsIn
from api.updates import IdempotencyKey, with_plan
from core.workflow_ids import assessment_id
from workflows.actions import BacklogConfirmed
from workflows.assessment import AssessmentWorkflow
from workflows.assessment_models import (
    AssessmentState,
    FinalPlanIssued,
)

router = APIRouter(prefix="/cases/{case_ref}", tags=["assessment actions"], dependencies=[InScope])


ASSESSMENT = CaseProcess(assessment_id, AssessmentWorkflow.get_state)


# Written out below its row: the plan's text is stored first, and section I must name a setting or its type.
FINAL_PLAN = OfficerAction(
    "final-plan",
    AssessmentWorkflow.issue_final_plan,
    "Issue the final plan (reg 13(2))",
    records=("final_plan_issued",),
    body=FinalPlanIn,
)


@router.post(f"/{FINAL_PLAN.path}", response_model=AssessmentState, summary=FINAL_PLAN.what, name=FINAL_PLAN.name)
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
        return await ASSESSMENT.act(temporal, session, user, case_ref, FINAL_PLAN.update, action, idempotency_key)

    return await with_plan(
        session, case_ref, "final", body, idempotency_key, user.sub, issue, setting_type=body.setting_type or None
    )


# Each a validated workflow update on the case's assessment (api/actions.py).
ASSESSMENT_ACTIONS = (
    OfficerAction(
        "draft",
        AssessmentWorkflow.send_draft,
        "Send the draft plan; it must not name a school or institution (CFA 2014 s.38(5))",
        records=("draft_sent",),
        body=DraftIn,
    ),
    OfficerAction(
        "decide-to-assess",
        AssessmentWorkflow.decide_to_assess,
        "Record the decision whether to carry out an EHC needs assessment (SEND Regs 2014 reg 5)",
        records=("decided_to_assess", "refused_to_assess"),
    ),
    OfficerAction(
        "advice-requests",
        AssessmentWorkflow.request_advice,
        "Ask an adviser for advice (reg 6(1)); starts that adviser's own 6-week deadline (reg 8)",
        records=("advice_requested",),
    ),
    OfficerAction(
        "advice-received",
        AssessmentWorkflow.record_advice,
        "Record advice received from an adviser",
        records=("advice_received",),
    ),
    OfficerAction(
        "decide-to-issue",
        AssessmentWorkflow.decide_to_issue,
        "Record the decision whether to issue an EHC plan after the assessment (reg 10)",
        records=("decided_to_issue", "decided_not_to_issue"),
    ),
    OfficerAction(
        "parent-comments",
        AssessmentWorkflow.record_parent_comments,
        "Record the parent's or young person's comments on the draft and any setting they ask for",
        records=("parent_comments",),
        body=ParentCommentsIn,
    ),
    OfficerAction(
        "setting-consultations",
        AssessmentWorkflow.consult_setting,
        "Consult a school or college about being named (CFA 2014 s.39/s.40; answer within 15 days)",
        records=("setting_consulted",),
    ),
    OfficerAction(
        "setting-answers",
        AssessmentWorkflow.record_setting_response,
        "Record a consulted setting's answer",
        records=("setting_answered",),
    ),
    OfficerAction(
        "exceptions",
        AssessmentWorkflow.record_exception,
        "Record a statutory exception (e.g. reg 5(4), 8(2), 10(4), 13(3)) with its reason and dates",
        records=("exception",),
    ),
    OfficerAction(
        "withdraw",
        AssessmentWorkflow.withdraw,
        "Close the case: the family moved away or the request was withdrawn",
        records=("withdrawn",),
    ),
    OfficerAction(
        "backlog-confirmed",
        AssessmentWorkflow.confirm_backlog,
        "Every past fact of a case entered late is in: dates already overdue when entered are judged now "
        "(docs/legal-time.md)",
        records=("backlog_confirmed",),
        body=BacklogConfirmed,
    ),
)
ASSESSMENT.add(router, ASSESSMENT_ACTIONS)
ASSESSMENT_STEPS = (*ASSESSMENT_ACTIONS, FINAL_PLAN)
