"""The EHC needs assessment: from the LA receiving a request to a final plan, a refusal or a withdrawal.

Reads like the SEND Code of Practice's flow chart of the 20 weeks (chapter 9; each limit in docs/law.md):

    request received ─ decide whether to assess (6 weeks, reg 5(1)) ─┬─ no ──> refused to assess (appealable)
                                                                     └─ yes ─> assessing: advice (6 weeks each, reg 8)
    assessing ─ decide whether to issue (16 weeks, reg 10(1)) ─┬─ no ──> no plan (appealable)
                                                               └─ yes ─> drafting ─ draft served ─> draft issued
    draft issued: parent's 15-day window (reg 13(1)), settings consulted (CFA s.39/40, 15 days)
                 ─ window closed ─> final plan issued (20 weeks, reg 13(2); appealable)
    withdrawn: at any stage (the family moves away, the request is withdrawn)

Every deadline runs from the day the LA received the request, which may be before the workflow started:
a request entered weeks late has its reminders and breaches fire at once. Officer actions are updates:
each validator refuses an action out of order, on a closed case, or with impossible dates before it
touches history, and each handler returns only once the read model shows the change.
"""

from datetime import date

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.ops_text import OpsText
    from workflows import letters
    from workflows.actions import Action, ExceptionRecorded
    from workflows.activity_contracts import START_PLAN, Recipient
    from workflows.assessment_models import (
        AdviceReceived,
        AdviceRequest,
        AdviceState,
        AdviserType,
        AppealableDecision,
        AssessDecision,
        AssessmentInput,
        AssessmentOutcome,
        AssessmentState,
        DraftSent,
        FinalPlanIssued,
        IssueDecision,
        ParentComments,
        SettingAnswered,
        SettingConsultation,
        SettingConsulted,
        Stage,
        Withdrawal,
    )
    from workflows.case_base import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, CaseWorkflow
    from workflows.case_state import Deadline, DeadlineKind, DeadlineStatus, StepResult
    from workflows.plan_models import PlanInput, PlanVersion
    from workflows.rejections import InvalidAction, OutOfOrder

DECIDE_TO_ASSESS = "assessment.decide_to_assess"
ADVICE = "assessment.advice"
DECIDE_TO_ISSUE = "assessment.notify_no_plan"
DRAFT_COMMENTS = "assessment.draft_comments"

FINAL_PLAN = "assessment.final_plan"
DRAFT = "assessment.draft"
# Who gives each kind of advice, in words for the officer's lists (SEND Regs 2014 reg 6(1)).
ADVISER_WORDS = {
    AdviserType.PARENT: "the parent or young person",
    AdviserType.EDUCATIONAL: "the school or early years setting (educational advice)",
    AdviserType.HEALTH: "health (the health care professional)",
    AdviserType.EDUCATIONAL_PSYCHOLOGIST: "the educational psychologist",
    AdviserType.SOCIAL_CARE: "social care",
    AdviserType.PREPARING_FOR_ADULTHOOD: "preparing for adulthood",
    AdviserType.SENSORY: "a qualified teacher of the hearing or vision impaired",
    AdviserType.OTHER: "another adviser the family asked for",
}
REQUEST_STEPS = {DECIDE_TO_ASSESS: DECIDE_TO_ASSESS, DECIDE_TO_ISSUE: DECIDE_TO_ISSUE, FINAL_PLAN: FINAL_PLAN}
# The same milestones on a Tribunal order's clock (SEND Regs 2014 reg 44(2)(b)-(c); docs/statutory-choices.md row 28).
ORDERED_STEPS = {
    "assess": {
        DECIDE_TO_ASSESS: "tribunal.comply_assess",
        DECIDE_TO_ISSUE: "tribunal.comply_no_plan",
        FINAL_PLAN: "tribunal.comply_final_plan",
    },
    "make_plan": {DRAFT: "tribunal.comply_issue_draft", FINAL_PLAN: "tribunal.comply_final_after_draft"},
}


# Records about other dates, made on the day they are entered (see _last_step_date).
NOT_STEPS = ("exception:",)


@workflow.defn(name="EhcAssessment")
class AssessmentWorkflow(CaseWorkflow):
    state: AssessmentState

    @workflow.init
    def __init__(self, input: AssessmentInput) -> None:
        state = AssessmentState.opened(input)
        self.open_case(input, state, exceptions=state.exceptions)
        self.advice: dict[str, AdviceState] = {}
        self.settings: dict[str, SettingConsultation] = {}
        self.decisions: list[AppealableDecision] = []
        self.step_dates: dict[str, date] = {}
        # The case is opened here, before any update of the first workflow task can run: an action that
        # reached the workflow before its worker did finds the request, and its deadlines, already there.
        self._open_case(input)

    def _open_case(self, input: AssessmentInput) -> None:
        if input.ordered is None:
            self.record(
                "request_received",
                on=input.received_date,
                actor=input.opened_by,
                summary=f"Request for an EHC needs assessment received from {input.request_source.value}",
            )
        else:
            self.record(
                "tribunal_order",
                on=input.received_date,
                actor=input.opened_by,
                summary=f"Tribunal ordered: {input.ordered}",
            )
        # The whole timetable is visible from the first day: regs 5(1), 10(1), 13(2), or the order's (reg 44).
        steps = ORDERED_STEPS.get(input.ordered or "", REQUEST_STEPS)
        # Under legal time a milestone's deadline is keyed by its own step, so an order's duty reads as
        # the duty it is everywhere ("tribunal.comply_assess"), not as the decision it replaces.
        self.milestones = dict(steps) if self.legal_time else {}
        for key, step in steps.items():
            # Reg 10(1) (and reg 44(2)(b)(i)) time only a decision NOT to issue: until the LA decides, the
            # 16 (10) weeks are a planning target, and a late decision not to issue is the breach.
            kind = DeadlineKind.TARGET if key == DECIDE_TO_ISSUE and self.legal_time else DeadlineKind.DUTY
            self.book.open(self.milestones.get(key, key), step, input.received_date, kind=kind)
        if input.ordered == "make_plan":
            self.state.stage = Stage.DRAFTING

    @workflow.run
    async def run(self, input: AssessmentInput) -> AssessmentOutcome:
        await self.live()
        if self.state.stage is Stage.FINAL_ISSUED:
            await self._start_plan()
        return AssessmentOutcome(case_ref=self.case_ref, stage=self.state.stage, closed_on=self.history[-1].on)

    @workflow.query(name="state")
    def get_state(self) -> AssessmentState:
        self.state.waiting_for = self.waiting_for()
        self.state.advice = list(self.advice.values())
        self.state.settings = list(self.settings.values())
        self.state.decisions = list(self.decisions)
        return self.state

    def _milestone(self, key: str) -> Deadline | None:
        return self.book.get(self.milestones.get(key, key))

    def _complete(self, key: str, on: date) -> None:
        self.book.finish(self._milestone(key), on)

    async def _order_done_when(self, kind: str, on: date) -> None:
        if self.input.ordered == kind and self.input.tribunal_workflow_id and self.input.order_id:
            await self.report_order_done(self.input.tribunal_workflow_id, self.input.order_id, on)

    async def _start_plan(self) -> None:
        """The plan lives on in a workflow of its own, for years after this assessment ends."""
        issued_on = self.step_dates["final_plan_issued"]
        plan = PlanInput(
            case_ref=self.case_ref,
            la_code=self.state.la_code,
            policy=self.state.policy,
            issued_on=issued_on,
            reminder_working_days=self.input.reminder_working_days,
            named_setting_urn=self.state.named_setting_urn,
            versions=[
                PlanVersion(
                    version=1,
                    document_id=self.state.final_document_id or "",
                    issued_on=issued_on,
                    reason="first issue after the EHC needs assessment",
                    by=self.history[-1].actor,
                )
            ],
        )
        await workflow.execute_activity(
            START_PLAN,
            plan,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=OpsText("start the plan workflow"),
        )

    # Validation shared by every action ---------------------------------------------------------

    def _check(self, action: Action, *stages: Stage, after: date | None = None, what: str) -> None:
        self.check_action(
            action,
            noun="case",
            stage=self.state.stage,
            allowed=stages,
            floor=max(self.state.received_date, after or self.state.received_date),
            what=what,
            closed=(
                f"case {self.case_ref} is closed ({self.state.stage.value}); nothing more can be recorded"
                if self.state.closed
                else None
            ),
        )

    def _last_step_date(self) -> date:
        """The date of the latest step of the process. An exception is recorded on the day it is entered, about
        other dates: it is not a step, so it sets no floor for the facts entered after it (a backlog would
        otherwise have to be entered with false, later dates). A backlog confirmation is never a step here."""
        steps = [on for action, on in self.step_dates.items() if not action.startswith(NOT_STEPS)]
        return max(steps, default=self.state.received_date)

    async def _done(self, action: str, on: date, actor: str, summary: str) -> StepResult:
        self.step_dates[action] = on
        return await self.done(action, on, actor, summary)

    async def _appealable(self, kind: str, limb: str, on: date, *, certificate_needed: bool = True) -> None:
        decision = AppealableDecision(
            decision_id=f"{self.case_ref}-{kind}",
            kind=kind,
            limb=limb,
            decided_on=on,
            mediation_certificate_needed=certificate_needed,
        )
        self.decisions.append(decision)
        await self.record_appealable(decision, self.state.la_code, self.state.policy, self.input.reminder_working_days)

    # Officer actions -------------------------------------------------------------------------

    @workflow.update(name="decide_to_assess")
    async def decide_to_assess(self, decision: AssessDecision) -> StepResult:
        self._complete(DECIDE_TO_ASSESS, decision.on)
        if not decision.assess:
            self.end(Stage.REFUSED_TO_ASSESS, decision.on)
            # Reg 5(3): the refusal notice carries the appeal and mediation information.
            await self._appealable("refusal_to_assess", "(2)(a)", decision.on)
            await self.notify(
                Recipient.PARENT,
                "refusal_to_assess",
                letters.refusal_to_assess(self.case_ref, decision.on, decision.reasons, self.state.policy),
                fact_on=decision.on,
            )
            return await self._done("refused_to_assess", decision.on, decision.actor, "Decided not to assess")
        self.state.stage = Stage.ASSESSING
        await self._order_done_when("assess", decision.on)
        final = self._milestone(FINAL_PLAN)
        await self.notify(
            Recipient.PARENT,
            "decision_to_assess",
            letters.decision_to_assess(self.case_ref, decision.on, final.due if final else decision.on),
            fact_on=decision.on,
        )
        return await self._done("decided_to_assess", decision.on, decision.actor, "Decided to assess")

    @decide_to_assess.validator
    def _validate_decide_to_assess(self, decision: AssessDecision) -> None:
        self._check(decision, Stage.REQUEST_RECEIVED, what="the decision whether to assess")
        if not decision.assess and not decision.reasons.strip():
            raise InvalidAction("a refusal to assess must give reasons (SEND Regs 2014 reg 5(3))")
        if not decision.assess and self.input.ordered:
            raise InvalidAction(
                "the Tribunal ordered this assessment: it cannot be refused (SEND Regs 2014 reg 44(2)(b))"
            )

    @workflow.update(name="request_advice")
    async def request_advice(self, request: AdviceRequest) -> StepResult:
        advice_id = self._advice_id(request)
        deadline = self.book.open(
            f"{ADVICE}:{advice_id}",
            ADVICE,
            request.on,
            label=f"Advice from {ADVISER_WORDS.get(request.adviser, request.adviser.value.replace('_', ' '))}",
        )
        self.advice[advice_id] = AdviceState(
            advice_id=advice_id,
            adviser=request.adviser,
            description=request.description,
            requested_on=request.on,
            due=deadline.due,
        )
        await self.notify(
            Recipient.ADVISER,
            f"advice_request:{advice_id}",
            letters.advice_request(self.case_ref, deadline.due),
            template="advice_request",
            fact_on=request.on,
        )
        return await self._done(
            "advice_requested",
            request.on,
            request.actor,
            f"Advice requested: {advice_id}, due {deadline.due}",
        )

    @request_advice.validator
    def _validate_request_advice(self, request: AdviceRequest) -> None:
        self._check(
            request,
            Stage.ASSESSING,
            after=self.step_dates.get("decided_to_assess"),
            what="the advice request",
        )
        advice_id = self._advice_id(request)
        if advice_id in self.advice:
            raise OutOfOrder(f"advice from {advice_id} was already requested on {self.advice[advice_id].requested_on}")
        if request.adviser is AdviserType.OTHER:
            others = [a for a in self.advice.values() if a.adviser is AdviserType.OTHER]
            self.check_repeats("other advisers", len(others))
            who = request.description.strip().casefold()
            if not who:
                raise InvalidAction("say who the other adviser is in 'description' (their role, not their name)")
            if same := next((a for a in others if a.description.strip().casefold() == who), None):
                raise OutOfOrder(f"that adviser was already asked, as {same.advice_id} on {same.requested_on}")

    def _advice_id(self, request: AdviceRequest) -> str:
        """One request per kind of adviser; any number of others the parent asks for (reg 6(1)(h))."""
        if request.adviser is AdviserType.OTHER:
            return f"other-{sum(a.adviser is AdviserType.OTHER for a in self.advice.values()) + 1}"
        return request.adviser.value

    @workflow.update(name="record_advice")
    async def record_advice(self, received: AdviceReceived) -> StepResult:
        advice = self.advice[received.advice_id]
        advice.received_on = received.on
        self.book.complete(f"{ADVICE}:{received.advice_id}", received.on)
        return await self._done(
            f"advice_received:{received.advice_id}",
            received.on,
            received.actor,
            f"Advice received: {received.advice_id}",
        )

    @record_advice.validator
    def _validate_record_advice(self, received: AdviceReceived) -> None:
        advice = self.advice.get(received.advice_id)
        if advice is None:
            known = ", ".join(self.advice) or "none"
            raise InvalidAction(f"no advice request of that id on this case (requested: {known})")
        self._check(received, after=advice.requested_on, what="the advice received")
        if advice.received_on is not None:
            raise OutOfOrder(f"advice from {received.advice_id} was already received on {advice.received_on}")

    @workflow.update(name="decide_to_issue")
    async def decide_to_issue(self, decision: IssueDecision) -> StepResult:
        target = self._milestone(DECIDE_TO_ISSUE)
        if not decision.issue and target is not None and target.kind is DeadlineKind.TARGET:
            # The time limit binds now that the decision is not to issue (reg 10(1); reg 44(2)(b)(i)).
            target.kind, target.status, target.breach_recorded = DeadlineKind.DUTY, DeadlineStatus.OPEN, False
        self._complete(DECIDE_TO_ISSUE, decision.on)
        if not decision.issue:
            self.end(Stage.NO_PLAN, decision.on)
            # Reg 10(3): the notice carries the appeal and mediation information.
            await self._appealable("no_plan", "(2)(b)", decision.on)
            await self.notify(
                Recipient.PARENT,
                "no_plan",
                letters.no_plan(self.case_ref, decision.on, decision.reasons, self.state.policy),
                fact_on=decision.on,
            )
            return await self._done("decided_not_to_issue", decision.on, decision.actor, "Decided not to issue a plan")
        self.state.stage = Stage.DRAFTING
        return await self._done("decided_to_issue", decision.on, decision.actor, "Decided to issue a plan")

    @decide_to_issue.validator
    def _validate_decide_to_issue(self, decision: IssueDecision) -> None:
        self._check(decision, Stage.ASSESSING, after=self._last_step_date(), what="the decision whether to issue")
        if not decision.issue and not decision.reasons.strip():
            raise InvalidAction("a decision not to issue a plan must give reasons (SEND Regs 2014 reg 10(1))")

    @workflow.update(name="send_draft")
    async def send_draft(self, draft: DraftSent) -> StepResult:
        self.state.stage = Stage.DRAFT_ISSUED
        self.state.draft_document_id = draft.document_id
        self._complete(DRAFT, draft.on)
        window = self.book.open(DRAFT_COMMENTS, DRAFT_COMMENTS, draft.on, kind=DeadlineKind.WINDOW)
        await self.notify(
            Recipient.PARENT, "draft_plan", letters.draft_plan(self.case_ref, draft.on, window.due), fact_on=draft.on
        )
        return await self._done("draft_sent", draft.on, draft.actor, f"Draft plan served; comments until {window.due}")

    @send_draft.validator
    def _validate_send_draft(self, draft: DraftSent) -> None:
        self._check(draft, Stage.DRAFTING, after=self.step_dates.get("decided_to_issue"), what="the draft plan")

    @workflow.update(name="record_parent_comments")
    async def record_parent_comments(self, comments: ParentComments) -> StepResult:
        self.state.preferred_setting_urn = comments.preferred_setting_urn or self.state.preferred_setting_urn
        self.state.meeting_requested = self.state.meeting_requested or comments.meeting_requested
        if self.legal_time:
            self.book.complete(DRAFT_COMMENTS, comments.on)  # the family used its window (reg 13(1))
        summary = "Parent's comments on the draft received"
        if comments.preferred_setting_urn:
            summary += f"; setting requested: URN {comments.preferred_setting_urn}"
        return await self._done("parent_comments", comments.on, comments.actor, summary)

    @record_parent_comments.validator
    def _validate_parent_comments(self, comments: ParentComments) -> None:
        self._check(comments, Stage.DRAFT_ISSUED, after=self.step_dates.get("draft_sent"), what="the comments")
        self.check_repeats("comments", sum(h.action == "parent_comments" for h in self.history))

    @workflow.update(name="consult_setting")
    async def consult_setting(self, consulted: SettingConsulted) -> StepResult:
        # The setting's 15 days (Code 9.83) are the setting's time to answer, not a duty of the LA.
        kind = DeadlineKind.WINDOW if self.legal_time else DeadlineKind.DUTY
        summary = await self.open_consultation(
            consulted,
            notice_key=f"consultation:{consulted.setting_urn}",
            what="an EHC plan",
            kind=kind,
            keep=lambda consultation: self.settings.update({consultation.setting_urn: consultation}),
        )
        return await self._done(f"setting_consulted:{consulted.setting_urn}", consulted.on, consulted.actor, summary)

    @consult_setting.validator
    def _validate_consult_setting(self, consulted: SettingConsulted) -> None:
        self._check(consulted, Stage.DRAFT_ISSUED, after=self.step_dates.get("draft_sent"), what="the consultation")
        if consulted.setting_urn in self.settings:
            raise OutOfOrder(f"setting URN {consulted.setting_urn} was already consulted")
        self.check_repeats("consultations", len(self.settings))

    @workflow.update(name="record_setting_response")
    async def record_setting_response(self, answer: SettingAnswered) -> StepResult:
        summary = self.record_consultation_answer(self.settings[answer.setting_urn], answer)
        return await self._done(f"setting_answered:{answer.setting_urn}", answer.on, answer.actor, summary)

    @record_setting_response.validator
    def _validate_setting_response(self, answer: SettingAnswered) -> None:
        consultation = self.settings.get(answer.setting_urn)
        if consultation is None:
            raise InvalidAction(f"setting URN {answer.setting_urn} was not consulted on this case")
        self._check(answer, Stage.DRAFT_ISSUED, after=consultation.sent_on, what="the setting's answer")
        if consultation.answered_on is not None:
            raise OutOfOrder(f"setting URN {answer.setting_urn} already answered on {consultation.answered_on}")

    @workflow.update(name="issue_final_plan")
    async def issue_final_plan(self, final: FinalPlanIssued) -> StepResult:
        self._complete(FINAL_PLAN, final.on)
        self.state.final_document_id = final.document_id
        self.state.named_setting_urn = final.named_setting_urn
        self.end(Stage.FINAL_ISSUED, final.on)
        await self._order_done_when("make_plan", final.on)
        await self._appealable("final_plan", "(2)(c)", final.on)
        await self.notify(
            Recipient.PARENT,
            "final_plan",
            letters.final_plan(self.case_ref, final.on, self.state.policy),
            fact_on=final.on,
        )
        setting = final.named_setting_urn or final.setting_type
        await self.send_plan_copies("final_plan", "final EHC plan", final.on, "SEND Regs 2014 reg 13(2)", setting)
        return await self._done("final_plan_issued", final.on, final.actor, "Final EHC plan issued")

    @issue_final_plan.validator
    def _validate_final_plan(self, final: FinalPlanIssued) -> None:
        self._check(final, Stage.DRAFT_ISSUED, after=self._last_step_date(), what="the final plan")
        window = self.book.get(DRAFT_COMMENTS)
        if window is not None and final.on <= window.due:
            raise InvalidAction(
                f"the final plan cannot be issued until the parent's 15 days to comment on the draft have passed: "
                f"the window ends on {window.due} (SEND Regs 2014 reg 13(1))"
            )
        if not final.named_setting_urn and not final.setting_type:
            raise InvalidAction("the final plan must name a setting or the type of setting in section I")
        if final.named_setting_urn and final.named_setting_urn not in self.settings:
            raise InvalidAction(
                f"setting URN {final.named_setting_urn} cannot be named: it was not consulted (CFA 2014 s.39, s.40)"
            )

    @workflow.update(name="record_exception")
    async def record_exception(self, recorded: ExceptionRecorded) -> StepResult:
        summary = self.apply_exception(recorded)
        return await self._done(f"exception:{recorded.code}", recorded.on, recorded.actor, summary)

    @record_exception.validator
    def _validate_exception(self, recorded: ExceptionRecorded) -> None:
        self._check(recorded, what="the exception")
        self.check_exception(recorded)

    @workflow.update(name="withdraw")
    async def withdraw(self, withdrawal: Withdrawal) -> StepResult:
        self.end(Stage.WITHDRAWN, withdrawal.on)
        reason = withdrawal.reason.value.replace("_", " ")
        await self.notify(
            Recipient.PARENT,
            "withdrawn",
            letters.withdrawn(self.case_ref, withdrawal.on, reason),
            template="case_withdrawn",
            fact_on=withdrawal.on,
        )
        return await self._done("withdrawn", withdrawal.on, withdrawal.actor, f"Case withdrawn: {reason}")

    @withdraw.validator
    def _validate_withdraw(self, withdrawal: Withdrawal) -> None:
        self._check(withdrawal, after=self._last_step_date(), what="the withdrawal")
        if self.input.ordered:
            raise InvalidAction(
                f"the Tribunal ordered this case ({self.input.ordered}, SEND Regs 2014 reg 44(2)(b)-(c)): the LA "
                "must carry the order out and cannot close the case by withdrawing it"
            )

    # CaseWorkflow ------------------------------------------------------------------------------

    def waiting_for(self) -> str:
        def due(key: str) -> str:
            deadline = self._milestone(key)
            return f" (due {deadline.due:%d %b %Y})" if deadline else ""

        match self.state.stage:
            case Stage.REQUEST_RECEIVED if self.input.ordered:
                return f"the LA to tell the family it will assess, as the Tribunal ordered{due(DECIDE_TO_ASSESS)}"
            case Stage.REQUEST_RECEIVED:
                return f"the LA's decision whether to assess{due(DECIDE_TO_ASSESS)}"
            case Stage.ASSESSING:
                outstanding = [a.advice_id for a in self.advice.values() if a.received_on is None]
                waiting = f"advice from {', '.join(outstanding)}; " if outstanding else ""
                return f"{waiting}the LA's decision whether to issue a plan{due(DECIDE_TO_ISSUE)}"
            case Stage.DRAFTING:
                return f"the draft plan to be sent{due(FINAL_PLAN).replace('due', 'final plan due')}"
            case Stage.DRAFT_ISSUED:
                unanswered = [s.setting_urn for s in self.settings.values() if s.answered_on is None]
                waiting = f"answers from settings {', '.join(unanswered)}; " if unanswered else ""
                return f"{waiting}the final plan{due(FINAL_PLAN)}"
            case _:
                return f"nothing: the case is closed ({self.state.stage.value.replace('_', ' ')})"

    def snapshot_origin(self) -> tuple[date, str]:
        return self.state.received_date, self.state.request_source.value
