"""The EHC needs assessment: from the LA receiving a request to a final plan, a refusal or a withdrawal.

Reads like the Code of Practice flow chart (STATUTORY.md §2.1). Every deadline runs from the day the
LA received the request (SEND Regs 2014 regs 5(1), 10(1), 13(2)), which may be before the workflow
started: a request imported weeks late has its reminders and breaches fire at once.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.messages import CaseSnapshot
    from workflows.assessment_models import (
        CLOSED_STAGES,
        AssessmentInput,
        AssessmentOutcome,
        AssessmentState,
        Stage,
    )
    from workflows.case_base import CaseWorkflow
    from workflows.deadline_book import DeadlineBook

DECIDE_TO_ASSESS = "assessment.decide_to_assess"
FINAL_PLAN = "assessment.final_plan"


@workflow.defn(name="EhcAssessment")
class AssessmentWorkflow(CaseWorkflow):
    process = "assessment"

    @workflow.init
    def __init__(self, input: AssessmentInput) -> None:
        self.input = input
        self.case_ref = input.case_ref
        self.state = AssessmentState(
            case_ref=input.case_ref,
            la_code=input.la_code,
            policy=input.policy,
            received_date=input.received_date,
            request_source=input.request_source,
        )
        self.history = self.state.history
        self.book = DeadlineBook(
            self.state.deadlines, self.state.exceptions, input.policy, input.reminder_working_days
        )
        self._init_case()

    @workflow.run
    async def run(self, input: AssessmentInput) -> AssessmentOutcome:
        self.record(
            "request_received",
            on=input.received_date,
            actor=input.opened_by,
            summary=f"Request for an EHC needs assessment received from {input.request_source.value}",
        )
        # The whole 20-week timetable is visible from day one (reg 5(1), reg 13(2)).
        self.book.open(DECIDE_TO_ASSESS, DECIDE_TO_ASSESS, input.received_date)
        self.book.open(FINAL_PLAN, FINAL_PLAN, input.received_date)
        await self.publish()
        await self.run_clock(lambda: self.state.stage in CLOSED_STAGES)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.publish()
        closed_on = self.history[-1].on if self.history else None
        return AssessmentOutcome(case_ref=self.case_ref, stage=self.state.stage, closed_on=closed_on)

    @workflow.query(name="state")
    def get_state(self) -> AssessmentState:
        self.state.waiting_for = self.waiting_for()
        return self.state

    # CaseWorkflow ------------------------------------------------------------------------------

    def stage_name(self) -> str:
        return self.state.stage.value

    def waiting_for(self) -> str:
        match self.state.stage:
            case Stage.REQUEST_RECEIVED:
                due = self.book.get(DECIDE_TO_ASSESS)
                return f"the LA's decision whether to assess (due {due.due:%d %b %Y})" if due else ""
            case _:
                return "nothing: the case is closed" if self.state.stage in CLOSED_STAGES else ""

    def snapshot(self) -> CaseSnapshot:
        return CaseSnapshot(
            case_ref=self.case_ref,
            la_code=self.state.la_code,
            process=self.process,
            stage=self.state.stage.value,
            policy=self.state.policy,
            workflow_id=self.workflow_id,
            received_date=self.state.received_date,
            request_source=self.state.request_source.value,
            closed=self.state.stage in CLOSED_STAGES,
            outcome=self.state.outcome,
            deadlines=self.state.deadlines,
            exception_count=len(self.state.exceptions),
        )
