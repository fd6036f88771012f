"""An EHC plan for its whole life: yearly reviews, amendments, phase transfers, re-assessment,
ceasing and moves between LAs (CFA 2014 ss.44-46; SEND Regs 2014 regs 15, 18-31).

One run is one review cycle; the workflow continues as new when a cycle ends (a decision to maintain,
an amended plan, or a decision not to amend), so its history stays small however long the plan lives:

    maintained ─ meeting notice (≥2 weeks, reg 20(3)) ─> review scheduled ─ meeting (by the review date,
    CFA s.44(1)) ─> review held: report (2 weeks), decision (4 weeks, reg 20)
        ├─ maintain ──> next cycle (appealable, s.51(2)(e))
        ├─ amend ─> proposed amendments: 15 days to comment (reg 22(2)(c)), final amended plan in
        │          8 weeks (reg 22(3)) ─> next cycle (appealable, s.51(2)(c)) / not amended (s.51(2)(e))
        └─ cease ─> in force until the appeal window closes or an appeal is decided (CFA s.45)

Phase transfers (reg 18) bring the review date forward to 15 February / 31 March of the transfer year.
At the end of compulsory school age rights pass to the young person, and notices follow them; the plan
ends at the end of the academic year the young person turns 25 (CFA s.46) unless ceased earlier.
"""

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import statutory
    from core.ops_text import OpsText
    from statutory import phases
    from workflows import letters, review_cycle
    from workflows import search_attributes as sa
    from workflows.actions import Action, ExceptionRecorded
    from workflows.activity_contracts import LOAD_COHORT, Cohort, Recipient
    from workflows.assessment_models import (
        AppealableDecision,
        DraftSent,
        ParentComments,
        SettingAnswered,
        SettingConsulted,
    )
    from workflows.case_base import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, day
    from workflows.case_state import Deadline, DeadlineKind, DeadlineStatus, StepResult
    from workflows.plan_models import (
        AdviceCirculated,
        AmendedPlanIssued,
        AppealEvent,
        CeaseConsulted,
        CeaseDecision,
        FamilyViews,
        MeetingScheduled,
        NotAmended,
        OpenOrder,
        PlanInput,
        PlanStage,
        PlanState,
        PlanVersion,
        Post16MovePlanned,
        ReassessmentDecision,
        ReassessmentRequested,
        ReportReceived,
        ReviewDecision,
        ReviewHeld,
        ReviewOutcome,
        RightsHolder,
        TransferIn,
        TransferNotice,
        TribunalOrder,
    )
    from workflows.provision_monitoring import ProvisionMonitoring, carried_deliveries, still_asked
    from workflows.rejections import InvalidAction, OutOfOrder
    from workflows.review_cycle import (
        PHASE_MEETING,
        PHASE_POST16,
        PHASE_SCHOOL,
        REVIEW,
        TRANSFER_REVIEW,
        UNDER_FIVE,
        PhaseTransfer,
        ReviewRule,
        TransferFacts,
    )

POST16_MOVE = "review.post16_move"
REPORT = "review.report"
DECISION = "review.decision"
AMENDMENT_COMMENTS = "review.amendment_comments"
FINAL_AMENDED = "review.final_amended"
FINAL_AMENDED_AFTER_MEETING = "review.final_amended_after_meeting"
REASSESS_DECIDE = "reassessment.decide"
REASSESS_FINAL = "reassessment.final_plan"
REASSESS_DRAFT_COMMENTS = "reassessment.draft_comments"
DRAFT_COMMENTS_RULE = "assessment.draft_comments"  # reg 13(1), applied to a re-assessment by reg 27

# Where an amendment or a re-assessment can name a setting, which is consulted first (CFA 2014 ss.39-40).
NAMING_STAGES = (
    PlanStage.AMENDMENT_PROPOSED,
    PlanStage.REASSESSING,
    PlanStage.REASSESSMENT_DRAFT,
    PlanStage.ORDERED_AMENDMENT,
)
TRANSFER_NOTICE = "transfer.new_la_notice"
# The reg 44 time limit each order that changes a plan starts (SEND Regs 2014 reg 44(2)(e), (f)).
ORDER_STEPS = {"amend": "tribunal.comply_amend", "name_school": "tribunal.comply_name_school"}
# An order to re-assess after a refusal to re-assess (reg 44(2)(b)): carried into the plan, not the assessment.
REASSESS_ORDER = "reassess"
MEETING_NOTICE = timedelta(weeks=2)  # SEND Regs 2014 regs 20(3), 21(3)


@workflow.defn(name="EhcPlan")
class PlanWorkflow(ProvisionMonitoring):
    state: PlanState

    @workflow.init
    def __init__(self, input: PlanInput) -> None:
        # Duties still open when the last cycle ended (a new LA's notice, say) stay owed in this one.
        state = PlanState.opened(input, deadlines=list(input.carried_deadlines))
        self.open_case(
            input, state, exceptions=state.exceptions, scope=f"@c{input.cycle}", seq_base=input.previous_history_count
        )
        self.cycle_over = False
        self.appeal_pending = False
        self.appeal_window_ends: date | None = None
        self.stage_before_reassessment = PlanStage.MAINTAINED
        self.reassessment_key = ""
        self.watch_provision()

    @workflow.run
    async def run(self, input: PlanInput) -> PlanState:
        if self.state.reception_year is None:
            cohort = await workflow.execute_activity(
                LOAD_COHORT,
                input.case_ref,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                result_type=Cohort,
                summary=OpsText("the child's cohort (school year), from the database"),
            )
            self.state.reception_year = cohort.reception_year
        self._life_dates()
        if input.cycle == 1 and input.previous_history_count == 0:
            source = "imported from the LA's records" if input.imported else "issued after the assessment"
            actor = input.imported_by if input.imported else "system"
            self.record("plan_started", on=input.issued_on, actor=actor, summary=f"EHC plan {source}")
            passed = self.state.rights_pass_on
            if passed is not None and self.today() >= passed:
                # An imported plan of a young person: the rights are theirs already; no notice is owed.
                self.state.rights_holder = RightsHolder.YOUNG_PERSON
                self.record("rights_with_young_person", on=passed, summary="Past compulsory school age at import")
        self._open_cycle()
        await self.live()
        if self.state.closed:
            return self.get_state()
        if self.law_gaps and self._supersede_recomputed():
            await self.publish()  # the read model keeps no open copy of a date the next cycle owns
        await self.notices_sent()
        workflow.continue_as_new(self._next_cycle())

    def over(self) -> bool:
        return self.state.closed or self.cycle_over

    @workflow.query(name="state")
    def get_state(self) -> PlanState:
        self.state.waiting_for = self.waiting_for()
        self.state.year_group = (
            phases.year_group(self.state.reception_year, self.today()) if self.state.reception_year else None
        )
        return self.state

    # The review cycle --------------------------------------------------------------------------

    def _life_dates(self) -> None:
        if self.state.reception_year is not None:
            self.state.rights_pass_on, self.state.plan_ends_on = review_cycle.life_dates(self.state.reception_year)

    def _review_rule(self, *, under_five: bool = False) -> ReviewRule:
        base = self.state.last_review_on or self.state.issued_on
        return review_cycle.review_rule(base, self.state.transferred_on, self.state.policy, under_five=under_five)

    def _open_cycle(self) -> None:
        """Open this cycle's review deadline: 12 months on, or earlier for a phase transfer (reg 18), or
        later after a transfer in from another LA (reg 15(5))."""
        if self.legal_time:
            self._open_cycle_in_legal_time()
            return
        base = self.state.last_review_on or self.state.issued_on
        cohort = self.state.reception_year
        rule = self._review_rule(under_five=cohort is not None and phases.under_five(cohort, base))
        # The key stays "review.annual" whichever rule sets the date, so every step can find it.
        review = self.book.open(REVIEW, rule.step, rule.start, label="Hold the review meeting")
        self.state.review_due, self.state.review_reason = review.due, rule.reason
        move = self._phase_transfer(base, review.due)
        if move is not None:
            transfer = self.book.open(
                move.step,
                move.step,
                review_cycle.transfer_duty_start(move.deadline),
                label="Review and amend the plan for the phase transfer",
            )
            self.state.phase_transfer_due = transfer.due
            meeting_by = transfer.due - review_cycle.PHASE_TRANSFER_LEAD
            if meeting_by < review.due:
                review.due = self.state.review_due = meeting_by
                self.state.review_reason = (
                    f"phase transfer, plan to be amended by {transfer.due} ({transfer.reference})"
                )

    def _open_cycle_in_legal_time(self) -> None:
        """The review duty is the law's date (s.44(1)'s 12 months, or reg 15(5)'s after a transfer in);
        an under-5's review and a meeting scheduled back from a phase transfer are planning targets beside
        it, and the phase transfer's own date (reg 18) is the duty to amend the plan."""
        base = self.state.last_review_on or self.state.issued_on
        rule = self._review_rule()
        # The key stays "review.annual" whichever rule sets the date, so every step can find it.
        review = self.book.open(REVIEW, rule.step, rule.start)  # labelled as the queue and the timeline label it
        self.state.review_due, self.state.review_reason = review.due, rule.reason
        cohort = self.state.reception_year
        if cohort is not None and phases.under_five(cohort, base):
            planned = self.book.open(UNDER_FIVE, UNDER_FIVE, base, kind=DeadlineKind.TARGET)
            self.state.review_reason += f"; planned by {planned.due} for a child under 5 (Code 9.178)"
        move = self._phase_transfer(base, review.due)
        if move is None:
            return
        # A transfer duty still owed when the last cycle ended came with it, under its own key.
        transfer = self.book.open_for(move.step) or self.book.open(
            move.step,
            move.step,
            review_cycle.transfer_duty_start(move.deadline),
            label=f"Review and amend the plan for the move into {move.into}",
        )
        self.state.phase_transfer_due = transfer.due
        meeting_by = transfer.due - review_cycle.PHASE_TRANSFER_LEAD
        # A review already held in the academic year before the move was the transfer review: the amendment
        # follows from it, and no other meeting is planned.
        reviewed_for_it = base >= review_cycle.transfer_year_starts(transfer.due)
        if meeting_by < review.due and not reviewed_for_it:
            self.book.open(PHASE_MEETING, PHASE_MEETING, base, kind=DeadlineKind.TARGET, due=meeting_by)
            self.state.review_reason += (
                f"; meeting planned by {meeting_by} for the phase transfer, so the plan is amended by {transfer.due} "
                f"({transfer.reference})"
            )

    def _phase_transfer(self, base: date, review_due: date) -> PhaseTransfer | None:
        cohort = self.state.reception_year
        if cohort is None:
            return None
        facts = TransferFacts(
            reception_year=cohort,
            school_structure=self.state.school_structure,
            done=self.state.phase_transfers_done,
            today=self.today(),
            legal_time=self.legal_time,
            every_move=self.law_gaps,
            first_imported_cycle=self.input.imported and self.input.cycle == 1,
        )
        return facts.due_this_cycle(base, review_due)

    def _supersede_recomputed(self) -> bool:
        """Dates the next cycle works out again (the review, its targets) end with this cycle instead of staying
        open beside their successors: a cycle ended by an amended plan, not by a review, leaves its review open.
        The successor has the same due date and is judged in its place, so nothing is judged twice."""
        again = review_cycle.recomputed(self.legal_time)
        ending = [d for d in self.book.deadlines if d.pending and d.step in again]
        for deadline in ending:
            deadline.status, deadline.done_on = DeadlineStatus.ENDED, self.today()
        return bool(ending)

    def _next_cycle(self) -> PlanInput:
        return PlanInput(
            case_ref=self.case_ref,
            la_code=self.state.la_code,
            policy=self.state.policy,
            issued_on=self.state.issued_on,
            last_review_on=self.state.last_review_on,
            reception_year=self.state.reception_year,
            reminder_working_days=self.input.reminder_working_days,
            cycle=self.state.cycle + 1,
            rights_holder=self.state.rights_holder,
            versions=self.state.versions,
            decisions=self.state.decisions[-10:],
            transferred_on=self.state.transferred_on if self.state.last_review_on is None else None,
            phase_transfers_done=self.state.phase_transfers_done,
            open_orders=self.state.open_orders,
            carried_deadlines=[
                *review_cycle.carried(self.state.deadlines, self.legal_time),
                *still_asked(self.state.deadlines),
            ],
            previous_history_count=self._seq_base + len(self.history),
            named_setting_urn=self.state.named_setting_urn,
            school_structure=self.state.school_structure,
            provision=self.state.provision,
            provision_document_id=self.state.provision_document_id,
            delivery_rhythm=self.state.delivery_rhythm,
            delivery_period_start=self.state.delivery_period_start,
            deliveries=carried_deliveries(self.state.deliveries),
        )

    def family(self) -> Recipient:
        return Recipient.YOUNG_PERSON if self.state.rights_holder is RightsHolder.YOUNG_PERSON else Recipient.PARENT

    # The plan's own calendar: rights pass to the young person; the plan ends at 25 -------------

    def _calendar(self) -> list[tuple[datetime, str]]:
        """The plan's own moments, each with what it is."""
        moments = []
        if self.state.rights_holder is RightsHolder.PARENT and self.state.rights_pass_on:
            when = self.state.rights_pass_on
            moments.append(
                (statutory.breach_at(when - timedelta(days=1)), f"rights pass to the young person {day(when)}")
            )
        if self.state.plan_ends_on:
            moments.append(
                (statutory.breach_at(self.state.plan_ends_on), f"the plan ends {day(self.state.plan_ends_on)}")
            )
        if self.appeal_window_ends and not self.appeal_pending and not self.law_gaps:
            # Under law-gaps-1 the decision's redress route says when the time for appealing has ended: a
            # mediation certificate can move it past these 2 months (HESC r.20(1)(c)).
            closes = self.appeal_window_ends
            moments.append((statutory.breach_at(closes), f"time to appeal against ceasing ends {day(closes)}"))
        if (asked := self.provision_moment()) is not None and self.state.delivery_period_end:
            moments.append((asked, f"delivery period ends {day(self.state.delivery_period_end)}: providers asked"))
        return sorted(moments)

    def next_event(self) -> datetime | None:
        return next((when for when, _ in self._calendar()), None)

    def calendar_event(self) -> str:
        return next((what for _, what in self._calendar()), "")

    async def on_events(self) -> None:
        await self.end_delivery_periods()
        today = self.today()
        if (
            self.state.rights_holder is RightsHolder.PARENT
            and self.state.rights_pass_on is not None
            and today >= self.state.rights_pass_on
        ):
            self.state.rights_holder = RightsHolder.YOUNG_PERSON
            self.record(
                "rights_passed_to_young_person",
                on=self.state.rights_pass_on,
                summary="Compulsory school age ended: decisions and notices are now the young person's",
            )
            await self.notify(
                Recipient.YOUNG_PERSON, "rights_passed", letters.rights_passed(self.case_ref, self.state.rights_pass_on)
            )
        if self.state.plan_ends_on is not None and today > self.state.plan_ends_on:
            await self._cease(
                self.state.plan_ends_on,
                "max_age",
                "The plan ended at the end of the academic year the young person turned 25 (CFA 2014 s.46)",
            )
        elif (
            self.appeal_window_ends is not None
            and not self.appeal_pending
            and not self.law_gaps
            and today > self.appeal_window_ends
        ):
            await self._cease(
                self.appeal_window_ends, "ceased", "No appeal was made against the decision to cease (CFA 2014 s.45)"
            )
        else:
            await self.publish()

    async def _cease(self, on: date, outcome: str, summary: str) -> None:
        self.end(PlanStage.CEASED, on, outcome)
        self.record("plan_ceased", on=on, summary=summary)
        self.clock_changed()
        await self.publish()

    # Validation and recording -----------------------------------------------------------------

    def _check(self, action: Action, *stages: PlanStage, after: date | None = None, what: str) -> None:
        # Nothing in a cycle happens before the review that began it (the cycle's input): a notice dated before
        # that meeting would put two reviews in one year's place. Facts of this cycle may still come in late.
        earliest = max(after or self.state.issued_on, self.input.last_review_on or self.state.issued_on)
        self.check_action(
            action,
            noun="plan",
            stage=self.state.stage,
            allowed=stages,
            floor=earliest,
            what=what,
            closed=f"plan {self.case_ref} has ceased; nothing more can be recorded" if self.state.closed else None,
        )

    async def _appealable(self, kind: str, limb: str, on: date) -> None:
        decision = AppealableDecision(
            decision_id=f"{self.case_ref}-{kind}-{on:%Y%m%d}", kind=kind, limb=limb, decided_on=on
        )
        self.state.decisions.append(decision)
        await self.record_appealable(decision, self.state.la_code, self.state.policy, self.input.reminder_working_days)

    async def _letter(self, key: str, notice: letters.Notice, fact_on: date) -> None:
        await self.notify(self.family(), f"cycle{self.state.cycle}:{key}", notice, template=key, fact_on=fact_on)

    # Review steps ------------------------------------------------------------------------------

    @workflow.update(name="schedule_review")
    async def schedule_review(self, scheduled: MeetingScheduled) -> StepResult:
        self.state.stage = PlanStage.REVIEW_SCHEDULED
        self.state.meeting_on = scheduled.meeting_on
        await self._letter(
            "review_notice",
            letters.review_notice(self.case_ref, scheduled.meeting_on),
            fact_on=scheduled.on,
        )
        return await self.done(
            "review_scheduled", scheduled.on, scheduled.actor, f"Review meeting set for {scheduled.meeting_on}"
        )

    @schedule_review.validator
    def _validate_schedule(self, scheduled: MeetingScheduled) -> None:
        self._check(scheduled, PlanStage.MAINTAINED, what="the review notice")
        if scheduled.meeting_on < scheduled.on + MEETING_NOTICE:
            raise InvalidAction(
                f"the meeting on {scheduled.meeting_on} must be at least 2 weeks after the notice sent on "
                f"{scheduled.on} (SEND Regs 2014 reg 20(3))"
            )

    @workflow.update(name="circulate_review_advice")
    async def circulate_review_advice(self, circulated: AdviceCirculated) -> StepResult:
        self.state.advice_circulated_on = circulated.on
        return await self.done("review_advice_circulated", circulated.on, circulated.actor, "Advice circulated")

    @circulate_review_advice.validator
    def _validate_circulate(self, circulated: AdviceCirculated) -> None:
        self._check(circulated, PlanStage.REVIEW_SCHEDULED, what="the circulated advice")
        if self.state.advice_circulated_on is not None:
            raise OutOfOrder(f"the advice for this review was circulated on {self.state.advice_circulated_on}")
        meeting = self.state.meeting_on
        if meeting is not None and circulated.on > meeting - MEETING_NOTICE:
            raise InvalidAction(
                f"advice must be circulated at least 2 weeks before the meeting on {meeting}, so by "
                f"{meeting - MEETING_NOTICE} (SEND Regs 2014 reg 20(4))"
            )

    @workflow.update(name="record_family_views")
    async def record_family_views(self, views: FamilyViews) -> StepResult:
        """The family's views for this review arrived (reg 20(4)): a line in the review's record and nothing more.
        It meets no duty of the council's and opens none: circulating the advice stays the council's step."""
        return await self.done("family_views", views.on, views.actor, "The family's views for the review received")

    @record_family_views.validator
    def _validate_family_views(self, views: FamilyViews) -> None:
        # DESIGN CHOICE (docs/statutory-choices.md row 66): taken while a review meeting is scheduled, not before its
        # notice. Reg 20(4) has the family's advice and information obtained for "the review meeting" and circulated
        # before it: until the notice there is no meeting to circulate them for (the family is told its date at
        # least 2 weeks ahead, reg 20(3)), and once it is held their say is on its outcome, the comments on proposed
        # amendments (reg 22(2)(c)). Views that came by post before the notice are recorded once it is sent, on the
        # day they came.
        self._check(views, PlanStage.REVIEW_SCHEDULED, what="the family's views for the review")
        self.check_repeats("views for a review", self.count_of("family_views"))

    @workflow.update(name="hold_review")
    async def hold_review(self, held: ReviewHeld) -> StepResult:
        self.state.stage = PlanStage.REVIEW_HELD
        self.state.meeting_on = held.on
        self.book.complete(REVIEW, held.on)
        if self.legal_time:
            self.book.complete(UNDER_FIVE, held.on)
            self.book.complete(PHASE_MEETING, held.on)
        self.book.open(REPORT, REPORT, held.on)
        self.book.open(DECISION, DECISION, held.on)
        self.state.last_review_on = held.on
        return await self.done("review_held", held.on, held.actor, "Review meeting held")

    @hold_review.validator
    def _validate_hold(self, held: ReviewHeld) -> None:
        self._check(held, PlanStage.REVIEW_SCHEDULED, what="the review meeting")

    @workflow.update(name="receive_review_report")
    async def receive_review_report(self, received: ReportReceived) -> StepResult:
        self.book.complete(REPORT, received.on)
        return await self.done("review_report", received.on, received.actor, "Review report received")

    @receive_review_report.validator
    def _validate_report(self, received: ReportReceived) -> None:
        self._check(received, PlanStage.REVIEW_HELD, after=self.state.meeting_on, what="the review report")
        if self.count_of("review_report"):
            raise OutOfOrder("the report of this review was already received")

    @workflow.update(name="decide_review")
    async def decide_review(self, decision: ReviewDecision) -> StepResult:
        self.book.complete(DECISION, decision.on)
        match decision.outcome:
            case ReviewOutcome.MAINTAIN:
                await self._appealable("maintain_unchanged", "(2)(e)", decision.on)
                await self._letter(
                    "review_decision",
                    letters.review_decision(self.case_ref, decision.on, self.state.policy),
                    fact_on=decision.on,
                )
                self.state.stage = PlanStage.MAINTAINED
                self.cycle_over = True
                return await self.done(
                    "review_decided_maintain", decision.on, decision.actor, "Plan maintained unchanged"
                )
            case ReviewOutcome.AMEND:
                self.state.stage = PlanStage.AMENDMENT_PROPOSED
                self.state.proposed_document_id = decision.proposed_document_id
                window = self.book.open(AMENDMENT_COMMENTS, AMENDMENT_COMMENTS, decision.on, kind=DeadlineKind.WINDOW)
                final = self.book.open(FINAL_AMENDED, FINAL_AMENDED, decision.on)
                if self.law_gaps and self.state.meeting_on is not None:
                    devon = self.book.open(
                        FINAL_AMENDED_AFTER_MEETING, FINAL_AMENDED_AFTER_MEETING, self.state.meeting_on
                    )
                    final = min(final, devon, key=lambda d: d.due)  # the earlier binds; the letter gives it
                await self._letter(
                    "amendment_notice",
                    letters.amendment_notice(self.case_ref, window.due, final.due),
                    fact_on=decision.on,
                )
                return await self.done("review_decided_amend", decision.on, decision.actor, "Amendments proposed")
            case ReviewOutcome.CEASE:
                return await self._decide_cease(decision.on, decision.actor, decision.reasons)

    @decide_review.validator
    def _validate_decision(self, decision: ReviewDecision) -> None:
        self._check(decision, PlanStage.REVIEW_HELD, after=self.state.meeting_on, what="the review decision")
        report = self.book.get(REPORT)
        if report is not None and report.done_on is None:
            raise OutOfOrder("the review report must be received before the LA decides (SEND Regs 2014 reg 20)")
        if decision.outcome is ReviewOutcome.AMEND and not decision.proposed_document_id:
            raise InvalidAction("a decision to amend must send the proposed amendments with it (reg 22(2); Devon 2022)")
        if decision.outcome is ReviewOutcome.CEASE and not decision.reasons.strip():
            raise InvalidAction("a decision to cease must give reasons (SEND Regs 2014 reg 31(2))")
        if decision.outcome is ReviewOutcome.CEASE:
            self._require_cease_consultation(decision.on)
        if decision.outcome is ReviewOutcome.MAINTAIN:
            self._refuse_while_ordered("keep the plan as it is")

    @workflow.update(name="issue_amended_plan")
    async def issue_amended_plan(self, issued: AmendedPlanIssued) -> StepResult:
        for step in (FINAL_AMENDED, FINAL_AMENDED_AFTER_MEETING, REASSESS_FINAL):
            self.book.complete(step, issued.on)
        for step in (PHASE_SCHOOL, PHASE_POST16):
            if not self.legal_time:
                if self.book.complete(step, issued.on):
                    self.state.phase_transfers_done.append(step)
                continue
            # The transfer's own amendment is one made in the academic year before the move (reg 18), wherever
            # the duty was opened; an amendment a year earlier is not it.
            transfer = self.book.open_for(step)
            if transfer is not None and issued.on >= review_cycle.transfer_year_starts(transfer.due):
                self.book.finish(transfer, issued.on)
                self.state.phase_transfers_done.append(f"{step}:{transfer.due.year}" if self.law_gaps else step)
        # Reg 18(2): the amendment for a planned move between post-16 institutions.
        self.book.finish(self.book.open_for(POST16_MOVE), issued.on)
        for order in self.state.open_orders:
            self.book.finish(self._order_deadline(order.order_id), issued.on)
            await self.report_order_done(order.tribunal_workflow_id, order.order_id, issued.on)
        ordered = bool(self.state.open_orders)
        self.state.open_orders = []
        version = PlanVersion(
            version=len(self.state.versions) + 1,
            document_id=issued.document_id,
            issued_on=issued.on,
            reason=(
                "Tribunal order"
                if ordered
                else "re-assessment"
                if self.state.stage in (PlanStage.REASSESSING, PlanStage.REASSESSMENT_DRAFT)
                else "annual review"
            ),
            by=issued.actor,
        )
        self.state.versions.append(version)
        if issued.named_setting_urn:
            self.state.named_setting_urn = issued.named_setting_urn
        self.replace_lines(issued.provision, issued.on, issued.document_id)
        self.state.stage = PlanStage.MAINTAINED
        await self._appealable("amended_plan", "(2)(c)", issued.on)
        await self._letter(
            "amended_plan",
            letters.amended_plan(self.case_ref, version.version, issued.on, self.state.policy),
            fact_on=issued.on,
        )
        reference = "SEND Regs 2014 reg 27(2)" if version.reason == "re-assessment" else "SEND Regs 2014 reg 22(3)"
        # Section I names the setting or its type in every plan (CFA 2014 s.40(2)): its copy always goes.
        await self.send_plan_copies(
            f"cycle{self.state.cycle}:amended_plan", "amended EHC plan", issued.on, reference, "section I"
        )
        self.cycle_over = True
        return await self.done("amended_plan_issued", issued.on, issued.actor, f"Plan version {version.version} issued")

    @issue_amended_plan.validator
    def _validate_amended(self, issued: AmendedPlanIssued) -> None:
        # A Tribunal order to amend is carried out as ordered (reg 44(2)(e)), without the review's proposals and
        # comments: an order that reaches a plan in the middle of a review can be carried out at once, and the
        # review is owed as before (docs/statutory-choices.md row 62).
        ordered_now = (PlanStage.REVIEW_SCHEDULED, PlanStage.REVIEW_HELD) if self.state.open_orders else ()
        self._check(issued, *NAMING_STAGES, *ordered_now, what="the amended plan")
        ordered = max((o.made_on for o in self.state.open_orders), default=None)
        if ordered is not None and issued.on < ordered:
            raise InvalidAction(
                f"the amended plan carries out the Tribunal's order made on {ordered}: it cannot be dated before it"
            )
        if self.law_gaps:
            self._check_reassessment_draft(issued.on)
            self._check_setting_consulted(issued.named_setting_urn)
        window = self.book.get(AMENDMENT_COMMENTS)
        if self.state.stage is PlanStage.AMENDMENT_PROPOSED and window is not None and issued.on <= window.due:
            raise InvalidAction(
                f"the amended plan cannot be issued until the 15 days to comment have passed: the window ends on "
                f"{window.due} (SEND Regs 2014 reg 22(2)(c))"
            )

    def _check_reassessment_draft(self, on: date) -> None:
        """Reg 27 applies reg 13(1): a re-assessment's plan goes to the family as a draft first, with 15 days."""
        if self.state.stage is PlanStage.REASSESSING:
            raise OutOfOrder(
                "after a re-assessment the plan is first sent as a draft, with 15 days for the family to comment "
                "(SEND Regs 2014 reg 27 applying reg 13(1)): POST /plans/{ref}/reassessment-draft"
            )
        window = self.book.get(REASSESS_DRAFT_COMMENTS)
        if self.state.stage is PlanStage.REASSESSMENT_DRAFT and window is not None and on <= window.due:
            raise InvalidAction(
                f"the plan cannot be issued until the 15 days to comment on the draft have passed: the window ends "
                f"on {window.due} (SEND Regs 2014 reg 27 applying reg 13(1))"
            )

    def _check_setting_consulted(self, urn: str | None) -> None:
        """A setting newly named in section I is consulted first (CFA 2014 ss.39(2)-(3), 40(3); reg 22)."""
        if urn is None or urn == self.state.named_setting_urn:
            return
        if not any(c.setting_urn == urn for c in self.state.settings):
            raise InvalidAction(
                "the setting cannot be named: it was not consulted in this review or re-assessment "
                "(CFA 2014 ss.39-40, applied by SEND Regs 2014 regs 22 and 27): POST /plans/{ref}/setting-consultations"
            )

    # Consulting a setting on being named, and the re-assessment's draft (CFA ss.38-40; regs 22, 27) --

    @workflow.update(name="consult_setting")
    async def consult_setting(self, consulted: SettingConsulted) -> StepResult:
        summary = await self.open_consultation(
            consulted,
            notice_key=f"cycle{self.state.cycle}:consultation:{consulted.setting_urn}",
            what="an amended EHC plan",
            kind=DeadlineKind.WINDOW,
            keep=self.state.settings.append,
        )
        return await self.done(f"setting_consulted:{consulted.setting_urn}", consulted.on, consulted.actor, summary)

    @consult_setting.validator
    def _validate_consult_setting(self, consulted: SettingConsulted) -> None:
        self._check(consulted, *NAMING_STAGES, what="the consultation")
        if any(c.setting_urn == consulted.setting_urn for c in self.state.settings):
            raise OutOfOrder(f"setting URN {consulted.setting_urn} was already consulted in this cycle")
        self.check_repeats("consultations", len(self.state.settings))

    @workflow.update(name="record_setting_response")
    async def record_setting_response(self, answer: SettingAnswered) -> StepResult:
        consultation = next(c for c in self.state.settings if c.setting_urn == answer.setting_urn)
        summary = self.record_consultation_answer(consultation, answer)
        return await self.done(f"setting_answered:{answer.setting_urn}", answer.on, answer.actor, summary)

    @record_setting_response.validator
    def _validate_setting_response(self, answer: SettingAnswered) -> None:
        consultation = next((c for c in self.state.settings if c.setting_urn == answer.setting_urn), None)
        if consultation is None:
            raise InvalidAction("that setting was not consulted in this cycle")
        self._check(answer, *NAMING_STAGES, after=consultation.sent_on, what="the setting's answer")
        if consultation.answered_on is not None:
            raise OutOfOrder(f"the setting already answered on {consultation.answered_on}")

    @workflow.update(name="record_family_comments")
    async def record_family_comments(self, comments: ParentComments) -> StepResult:
        """The family's views on the proposed amendments or the re-assessment's draft, and the setting it asks for
        (reg 22(2)(c); reg 27 applying reg 13(1); CFA 2014 s.38(2)): its window is used by its date."""
        window = AMENDMENT_COMMENTS if self.state.stage is PlanStage.AMENDMENT_PROPOSED else REASSESS_DRAFT_COMMENTS
        self.book.complete(window, comments.on)
        self.state.preferred_setting_urn = comments.preferred_setting_urn or self.state.preferred_setting_urn
        summary = "The family's comments received"
        if comments.preferred_setting_urn:
            summary += f"; setting requested: URN {comments.preferred_setting_urn}"
        if comments.meeting_requested:
            summary += "; a meeting requested"
        return await self.done("family_comments", comments.on, comments.actor, summary)

    @record_family_comments.validator
    def _validate_family_comments(self, comments: ParentComments) -> None:
        self._check(comments, PlanStage.AMENDMENT_PROPOSED, PlanStage.REASSESSMENT_DRAFT, what="the comments")
        self.check_repeats("comments", sum(h.action == "family_comments" for h in self.history))

    @workflow.update(name="send_reassessment_draft")
    async def send_reassessment_draft(self, draft: DraftSent) -> StepResult:
        self.state.stage = PlanStage.REASSESSMENT_DRAFT
        self.state.proposed_document_id = draft.document_id
        window = self.book.open(REASSESS_DRAFT_COMMENTS, DRAFT_COMMENTS_RULE, draft.on, kind=DeadlineKind.WINDOW)
        await self._letter(
            "reassessment_draft",
            letters.reassessment_draft(self.case_ref, window.due),
            fact_on=draft.on,
        )
        return await self.done(
            "reassessment_draft_sent", draft.on, draft.actor, f"Draft plan served; comments until {window.due}"
        )

    @send_reassessment_draft.validator
    def _validate_reassessment_draft(self, draft: DraftSent) -> None:
        self._check(draft, PlanStage.REASSESSING, what="the draft plan")

    @workflow.update(name="decide_not_to_amend")
    async def decide_not_to_amend(self, decision: NotAmended) -> StepResult:
        self.book.complete(FINAL_AMENDED, decision.on)
        self.book.complete(FINAL_AMENDED_AFTER_MEETING, decision.on)
        self.state.stage = PlanStage.MAINTAINED
        await self._appealable("not_amended", "(2)(e)", decision.on)
        await self._letter(
            "not_amended",
            letters.not_amended(self.case_ref, decision.on, decision.reasons, self.state.policy),
            fact_on=decision.on,
        )
        self.cycle_over = True
        return await self.done("decided_not_to_amend", decision.on, decision.actor, "Decided not to amend (reg 22(4))")

    @decide_not_to_amend.validator
    def _validate_not_amend(self, decision: NotAmended) -> None:
        self._check(decision, PlanStage.AMENDMENT_PROPOSED, what="the decision not to amend")
        self._refuse_while_ordered("decide not to amend it")

    def _refuse_while_ordered(self, what: str) -> None:
        """An order to amend the plan or name a school is owed (reg 44(2)(e)-(f)): the LA cannot now decide to
        leave the plan as it is, which would be a new appealable decision contradicting the order."""
        owed = [o for o in self.state.open_orders if o.kind in ORDER_STEPS]
        if owed:
            raise OutOfOrder(
                f"the Tribunal ordered the plan amended ({owed[0].kind}, on {owed[0].made_on}): the LA cannot {what}; "
                "propose the amendments (outcome 'amend') and issue the amended plan (SEND Regs 2014 reg 44)"
            )

    # Tribunal orders and mediation agreements that change the plan (reg 44(2)(e)-(f); reg 42(2)) ----

    def _order_deadline(self, order_id: str) -> Deadline | None:
        return next(
            (d for d in self.book.deadlines if d.key.split("@")[0] == f"order:{order_id}" and d.done_on is None),
            None,
        )

    @workflow.update(name="tribunal_order")
    async def tribunal_order(self, order: TribunalOrder) -> StepResult:
        if order.kind == REASSESS_ORDER:
            return await self._order_to_reassess(order)
        step = ORDER_STEPS[order.kind]
        self.book.open(
            f"order:{order.order_id}", step, order.on, label=f"Carry out the Tribunal's order ({order.kind})"
        )
        self._hold_order(order)
        if self.state.stage in (PlanStage.MAINTAINED, PlanStage.CEASE_PENDING_APPEAL):
            self.state.stage = PlanStage.ORDERED_AMENDMENT
        return await self.done("tribunal_order", order.on, order.actor, f"Tribunal ordered: {order.kind}")

    def _hold_order(self, order: TribunalOrder) -> None:
        """The plan owes the order until its amended plan reports it carried out (report_order_done)."""
        self.state.open_orders.append(
            OpenOrder(
                order_id=order.order_id,
                kind=order.kind,
                tribunal_workflow_id=order.tribunal_workflow_id,
                made_on=order.on,
            )
        )

    async def _order_to_reassess(self, order: TribunalOrder) -> StepResult:
        """An appeal against a refusal to re-assess allowed: the LA tells the family within 2 weeks that it will
        re-assess the plan (reg 44(2)(b)), and the re-assessed plan follows within 14 weeks of the order (reg
        44(2)(b)(ii)), as the plan's next version (regs 25-27), not as a new first plan."""
        self.reassessment_key = f"{REASSESS_DECIDE}:order:{order.order_id}"
        self.book.open(
            self.reassessment_key,
            "tribunal.comply_assess",
            order.on,
            label="Tell the family the LA will re-assess, as the Tribunal ordered",
        )
        self.book.open(
            f"order:{order.order_id}",
            "tribunal.comply_final_plan",
            order.on,
            label="Issue the re-assessed plan the Tribunal ordered",
        )
        self._hold_order(order)
        self.stage_before_reassessment = self.state.stage
        self.state.stage = PlanStage.REASSESSMENT_REQUESTED
        return await self.done("tribunal_order", order.on, order.actor, "Tribunal ordered a re-assessment")

    def _reassessment_ordered(self) -> bool:
        return any(o.kind == REASSESS_ORDER for o in self.state.open_orders)

    @tribunal_order.validator
    def _validate_order(self, order: TribunalOrder) -> None:
        self._check(order, what="the Tribunal's order")
        if order.kind not in ORDER_STEPS and order.kind != REASSESS_ORDER:
            raise InvalidAction(f"a plan carries out orders to {', '.join(ORDER_STEPS)} or re-assess, not this one")
        if order.kind == REASSESS_ORDER and self.state.stage not in (PlanStage.MAINTAINED, PlanStage.REVIEW_SCHEDULED):
            raise OutOfOrder(f"the plan is at stage '{self.state.stage.value}': a re-assessment cannot start now")

    # A move between post-16 institutions at any other time (reg 18(2)) -----------------------------

    @workflow.update(name="plan_post16_move")
    async def plan_post16_move(self, planned: Post16MovePlanned) -> StepResult:
        by = statutory.add_months(planned.moves_on, -5)
        self.book.open(POST16_MOVE, POST16_MOVE, planned.on, due=by)
        return await self.done(
            "post16_move_planned",
            planned.on,
            planned.actor,
            f"Move between post-16 institutions on {planned.moves_on}: plan reviewed and amended by {by} (reg 18(2))",
        )

    @plan_post16_move.validator
    def _validate_post16_move(self, planned: Post16MovePlanned) -> None:
        self._check(planned, PlanStage.MAINTAINED, PlanStage.REVIEW_SCHEDULED, what="the planned move")
        if planned.moves_on <= planned.on:
            raise InvalidAction("the move must be after the day it is recorded")
        if self.book.open_for(POST16_MOVE) is not None:
            raise OutOfOrder("a move between post-16 institutions is already planned on this plan")

    # Statutory exceptions on the plan's own deadlines (reg 27(3) applying reg 10(4); reg 44(3)) ---------

    @workflow.update(name="record_exception")
    async def record_exception(self, recorded: ExceptionRecorded) -> StepResult:
        summary = self.apply_exception(recorded)
        return await self.done(f"exception:{recorded.code}", recorded.on, recorded.actor, summary)

    @record_exception.validator
    def _validate_exception(self, recorded: ExceptionRecorded) -> None:
        self._check(recorded, what="the exception")
        self.check_exception(recorded)

    # Re-assessment (regs 24-27) ----------------------------------------------------------------

    @workflow.update(name="request_reassessment")
    async def request_reassessment(self, request: ReassessmentRequested) -> StepResult:
        self.stage_before_reassessment = self.state.stage
        self.state.stage = PlanStage.REASSESSMENT_REQUESTED
        self.reassessment_key = f"{REASSESS_DECIDE}:{request.on}"
        self.book.open(self.reassessment_key, REASSESS_DECIDE, request.on)
        return await self.done("reassessment_requested", request.on, request.actor, "Re-assessment requested")

    @request_reassessment.validator
    def _validate_reassessment_request(self, request: ReassessmentRequested) -> None:
        self._check(request, PlanStage.MAINTAINED, PlanStage.REVIEW_SCHEDULED, what="the re-assessment request")

    @workflow.update(name="decide_reassessment")
    async def decide_reassessment(self, decision: ReassessmentDecision) -> StepResult:
        self.book.complete(self.reassessment_key, decision.on)
        if not decision.reassess:
            self.state.stage = self.stage_before_reassessment
            await self._appealable("refusal_to_reassess", "(2)(d)", decision.on)
            await self._letter(
                "reassessment_refused",
                letters.reassessment_refused(self.case_ref, decision.on, decision.reasons, self.state.policy),
                fact_on=decision.on,
            )
            return await self.done("reassessment_refused", decision.on, decision.actor, "Re-assessment refused")
        self.state.stage = PlanStage.REASSESSING
        final = self.book.open(REASSESS_FINAL, REASSESS_FINAL, decision.on)
        if self.law_gaps:
            await self._letter(
                "reassessment_agreed",
                letters.reassessment_agreed(self.case_ref, final.due),
                fact_on=decision.on,
            )
        return await self.done(
            "reassessment_agreed", decision.on, decision.actor, "Re-assessment agreed (reg 27: 14 weeks)"
        )

    @decide_reassessment.validator
    def _validate_reassessment_decision(self, decision: ReassessmentDecision) -> None:
        self._check(decision, PlanStage.REASSESSMENT_REQUESTED, what="the re-assessment decision")
        if not decision.reassess and not decision.reasons.strip():
            raise InvalidAction("a refusal to re-assess must give reasons")
        if not decision.reassess and self._reassessment_ordered():
            raise InvalidAction(
                "the Tribunal ordered this re-assessment: it cannot be refused (SEND Regs 2014 reg 44(2)(b))"
            )

    # Ceasing (reg 31; CFA s.45) -----------------------------------------------------------------

    async def _decide_cease(self, on: date, actor: str, reasons: str) -> StepResult:
        self.state.stage = PlanStage.CEASE_PENDING_APPEAL
        await self._appealable("cease", "(2)(f)", on)
        # The plan stays in force until the appeal window closes or an appeal is decided (CFA s.45).
        self.appeal_window_ends = statutory.due_date("appeal.from_decision", on, self.state.policy)
        await self._letter(
            "cease_notice",
            letters.cease_notice(
                self.case_ref, on, reasons, self.appeal_window_ends, self.state.policy, certificate_noted=self.law_gaps
            ),
            fact_on=on,
        )
        return await self.done(
            "cease_decided", on, actor, f"Decided to cease; in force until {self.appeal_window_ends}"
        )

    @workflow.update(name="consult_on_ceasing")
    async def consult_on_ceasing(self, consulted: CeaseConsulted) -> StepResult:
        self.state.cease_consulted_on = consulted.on
        await self._letter(
            "cease_considered",
            letters.cease_considered(self.case_ref),
            fact_on=consulted.on,
        )
        await self.notify(
            Recipient.SETTING,
            f"cycle{self.state.cycle}:cease_considered",
            letters.cease_considered_by_setting(self.case_ref),
            template="cease_considered",
        )
        return await self.done(
            "cease_consulted", consulted.on, consulted.actor, "Family and setting consulted on ceasing (reg 31(1))"
        )

    @consult_on_ceasing.validator
    def _validate_consult_on_ceasing(self, consulted: CeaseConsulted) -> None:
        self._check(
            consulted, PlanStage.MAINTAINED, PlanStage.REVIEW_SCHEDULED, PlanStage.REVIEW_HELD, what="the consultation"
        )
        self.check_repeats("consultations on ceasing", self.count_of("cease_consulted"))

    def _require_cease_consultation(self, on: date) -> None:
        """Reg 31(1): no decision to cease before the family and the head of the named setting are consulted."""
        if not self.law_gaps:
            return
        consulted = self.state.cease_consulted_on
        if consulted is None or consulted > on:
            raise OutOfOrder(
                "the plan cannot be ceased before the LA has told the family it is considering it and consulted them "
                "and the head of the named setting (SEND Regs 2014 reg 31(1)): record the consultation first "
                "(POST /plans/{ref}/cease-consultation)"
            )

    @workflow.update(name="decide_to_cease")
    async def decide_to_cease(self, decision: CeaseDecision) -> StepResult:
        return await self._decide_cease(decision.on, decision.actor, decision.reasons)

    @decide_to_cease.validator
    def _validate_cease(self, decision: CeaseDecision) -> None:
        self._check(decision, PlanStage.MAINTAINED, what="the decision to cease")
        self._require_cease_consultation(decision.on)

    @workflow.update(name="cease_unappealed")
    async def cease_unappealed(self, ended: Action) -> StepResult:
        """The decision's redress route ended with no appeal: the plan ceases as of the last day for appealing."""
        await self._cease(ended.on, "ceased", "No appeal was made against the decision to cease (CFA 2014 s.45)")
        return StepResult(stage=self.stage_name(), seq=self._seq_base + len(self.history))

    @cease_unappealed.validator
    def _validate_cease_unappealed(self, ended: Action) -> None:
        self._check(ended, PlanStage.CEASE_PENDING_APPEAL, what="the end of the time for appealing")
        if self.appeal_pending:
            raise OutOfOrder("an appeal against ceasing is registered: the plan stays until it is decided")

    @workflow.update(name="record_cease_appeal")
    async def record_cease_appeal(self, event: AppealEvent) -> StepResult:
        return await self._cease_appeal(event)

    async def _cease_appeal(self, event: AppealEvent) -> StepResult:
        if event.lodged:
            self.appeal_pending = True
            return await self.done("cease_appealed", event.on, event.actor, "Appeal against ceasing registered")
        self.appeal_pending = False
        self.appeal_window_ends = None
        if event.upheld:
            self.state.stage = PlanStage.MAINTAINED  # reg 44(2)(d): continue to maintain
            return await self.done("cease_appeal_allowed", event.on, event.actor, "Tribunal: continue to maintain")
        await self._cease(event.on, "ceased", "Appeal dismissed: the plan ceases (reg 44(2)(a))")
        return StepResult(stage=self.stage_name(), seq=self._seq_base + len(self.history))

    @record_cease_appeal.validator
    def _validate_cease_appeal(self, event: AppealEvent) -> None:
        self._check(event, PlanStage.CEASE_PENDING_APPEAL, what="the appeal")
        if event.lodged and self.appeal_pending:
            raise OutOfOrder("an appeal against ceasing is already registered")
        if not event.lodged and (not self.appeal_pending or event.upheld is None):
            raise InvalidAction("record the appeal's registration first, then its decision with 'upheld'")

    @workflow.update(name="tribunal_cease_appeal")
    async def tribunal_cease_appeal(self, event: AppealEvent) -> StepResult:
        """The same fact sent by the redress workflows (an appeal lodged, the Tribunal's decision on it): a system
        update, which an officer's action in progress does not turn away (workflows/one_action_at_a_time.py)."""
        return await self._cease_appeal(event)

    @tribunal_cease_appeal.validator
    def _validate_tribunal_cease_appeal(self, event: AppealEvent) -> None:
        self._validate_cease_appeal(event)

    # Transfer between LAs (reg 15) -------------------------------------------------------------

    @workflow.update(name="transfer_in")
    async def transfer_in(self, transfer: TransferIn) -> StepResult:
        self.state.la_code = transfer.to_la_code
        self.state.transferred_on = transfer.on
        self.book.open(TRANSFER_NOTICE, TRANSFER_NOTICE, transfer.on)
        # The review date is recomputed under reg 15(5): the later of the usual date and 3 months on.
        review = self.book.get(REVIEW)
        later = statutory.due_date(TRANSFER_REVIEW, transfer.on, self.state.policy)
        if review is not None and later > review.due:
            review.due = self.state.review_due = later
            self.state.review_reason = review_cycle.AFTER_TRANSFER_IN
        workflow.upsert_search_attributes([sa.LOCAL_AUTHORITY.value_set(transfer.to_la_code)])
        return await self.done(
            "transferred_in",
            transfer.on,
            transfer.actor,
            f"Plan transferred from LA {transfer.from_la_code} to {transfer.to_la_code}",
        )

    @transfer_in.validator
    def _validate_transfer(self, transfer: TransferIn) -> None:
        self._check(transfer, what="the transfer")
        self.check_repeats("transfers", self.count_of("transferred_in"))
        if transfer.from_la_code != self.state.la_code:
            raise InvalidAction(f"the plan is held by LA {self.state.la_code}, not {transfer.from_la_code}")
        if transfer.to_la_code == self.state.la_code:
            raise InvalidAction("a transfer must be to another LA")

    @workflow.update(name="record_transfer_notice")
    async def record_transfer_notice(self, sent: TransferNotice) -> StepResult:
        self.book.finish(self.book.open_for(TRANSFER_NOTICE), sent.on)
        summary = "New LA's notice sent (reg 15(4))"
        if sent.proposes_assessment is not None:
            summary += f": it {'proposes' if sent.proposes_assessment else 'does not propose'} an EHC needs assessment"
        return await self.done("transfer_notice_sent", sent.on, sent.actor, summary)

    @record_transfer_notice.validator
    def _validate_transfer_notice(self, sent: TransferNotice) -> None:
        self._check(sent, what="the transfer notice")
        if self.book.open_for(TRANSFER_NOTICE) is None:
            raise OutOfOrder("there is no transfer notice outstanding on this plan")

    # CaseWorkflow ------------------------------------------------------------------------------

    def waiting_for(self) -> str:
        review = (
            f"the review meeting by {self.state.review_due:%d %b %Y} ({self.state.review_reason})"
            if self.state.review_due
            else ""
        )
        match self.state.stage:
            case PlanStage.MAINTAINED:
                return f"notice of {review}"
            case PlanStage.REVIEW_SCHEDULED:
                return f"the review meeting on {self.state.meeting_on:%d %b %Y}" if self.state.meeting_on else review
            case PlanStage.REVIEW_HELD:
                decision = self.book.get(DECISION)
                return f"the review report and the LA's decision (due {decision.due:%d %b %Y})" if decision else ""
            case PlanStage.AMENDMENT_PROPOSED:
                finals = [d for d in (self.book.get(FINAL_AMENDED), self.book.get(FINAL_AMENDED_AFTER_MEETING)) if d]
                final = min(finals, key=lambda d: d.due, default=None)
                return (
                    f"comments on the proposed amendments, then the amended plan (due {final.due:%d %b %Y})"
                    if final
                    else ""
                )
            case PlanStage.ORDERED_AMENDMENT:
                return "the amended plan the Tribunal ordered (SEND Regs 2014 reg 44)"
            case PlanStage.REASSESSMENT_REQUESTED if self._reassessment_ordered():
                return "the LA to tell the family it will re-assess, as the Tribunal ordered (2 weeks, reg 44(2)(b))"
            case PlanStage.REASSESSMENT_REQUESTED:
                return "the LA's decision whether to re-assess (15 days, reg 25)"
            case PlanStage.REASSESSING:
                return "the re-assessment, its draft plan and the amended plan (14 weeks, reg 27)"
            case PlanStage.REASSESSMENT_DRAFT:
                window = self.book.get(REASSESS_DRAFT_COMMENTS)
                until = f" (comments until {window.due:%d %b %Y})" if window else ""
                return f"the family's comments on the draft{until}, then the amended plan (14 weeks, reg 27)"
            case PlanStage.CEASE_PENDING_APPEAL:
                if self.appeal_pending:
                    return "the Tribunal's decision on the appeal against ceasing"
                ends = self.appeal_window_ends
                if ends and self.law_gaps:
                    return f"the time for appealing to end (not before {ends:%d %b %Y}) before the plan ceases"
                return f"the appeal window to close ({ends:%d %b %Y}) before the plan ceases" if ends else ""
            case _:
                return "nothing: the plan has ceased"

    def snapshot_origin(self) -> tuple[date, str]:
        return self.state.issued_on, "plan"
