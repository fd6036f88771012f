"""Redress after an appealable decision: mediation information, the adviser, the certificate, mediation,
and the appeal window (CFA 2014 ss.51-55; SEND Regs 2014 regs 32-42). One workflow per decision.

    decision sent ─ contact the adviser (2 months, reg 33) ─┬─ declines ─> certificate (3 working days, reg 34)
                                                            └─ mediation ─> arranged in 30 days ─> held
                                                               ─> certificate (3 working days); an agreement
                                                               on appealable matters is carried out to the
                                                               reg 44 time limits (reg 42(2))
    appeal window: the later of 2 months from the decision and 1 month from the certificate (HESC r.20),
    moved by r.12; an appeal starts the Tribunal workflow; no appeal in time ends the route.

What the rule set requires before an appeal (a certificate after declining? settings-only appeals
exempt?) comes from `statutory.redress`, so today's law and the green paper's run the same code.
"""

from datetime import date, datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import statutory
    from core.ops_text import OpsText
    from statutory.redress import redress_rules
    from workflows import letters
    from workflows.actions import Action
    from workflows.activity_contracts import REPORT_CEASE_UNAPPEALED, START_TRIBUNAL, CeaseUnappealed, Recipient
    from workflows.case_base import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, CaseWorkflow, day
    from workflows.case_state import DeadlineKind, DeadlineStatus, StepResult
    from workflows.deadline_book import LATE_ENTRY_SETTLE_WORKING_DAYS
    from workflows.redress_models import (
        ORDER_RULES,
        AdviserContacted,
        AgreedOrder,
        AgreementCarriedOut,
        AppealLodged,
        CertificateIssued,
        MediationArranged,
        MediationHeld,
        MediationNotArranged,
        MediationOutcome,
        RedressInput,
        RedressStage,
        RedressState,
        orders_refused,
    )
    from workflows.rejections import InvalidAction, OutOfOrder
    from workflows.tribunal_models import TribunalInput

CONTACT = "mediation.contact_adviser"
APPEAL_FROM_DECISION = "appeal.from_decision"
APPEAL_FROM_CERTIFICATE = "appeal.from_certificate"
CERTIFICATE = "mediation.certificate"
DEEMED_CERTIFICATE = "mediation.deemed_certificate"
ARRANGE = "mediation.arrange"
HEALTH_NOTIFY = "mediation.health_notify"
NON_APPEALABLE = "mediation.agreement_non_appealable"
OPEN_TO_APPEAL = frozenset(
    {
        RedressStage.INFORMATION,
        RedressStage.CERTIFICATE_PENDING,
        RedressStage.MEDIATION_REQUESTED,
        RedressStage.MEDIATION_ARRANGED,
        RedressStage.MEDIATION_HELD,
        RedressStage.APPEAL_WINDOW,
    }
)


# Stages in which a certificate is still to come (regs 34, 37, 39): the family's time to appeal is not yet known.
AWAITING_CERTIFICATE = frozenset(
    {
        RedressStage.CERTIFICATE_PENDING,
        RedressStage.MEDIATION_REQUESTED,
        RedressStage.MEDIATION_ARRANGED,
        RedressStage.MEDIATION_HELD,
    }
)


@workflow.defn(name="EhcRedress")
class RedressWorkflow(CaseWorkflow):
    state: RedressState

    @workflow.init
    def __init__(self, input: RedressInput) -> None:
        self.rules = redress_rules(input.policy)
        state = RedressState.opened(input)
        self.open_case(input, state, scope=f"@{input.decision_id.removeprefix(input.case_ref + '-')}")
        # Opened before any update of the first workflow task can run (see AssessmentWorkflow._open_case).
        self.record(
            "decision_sent", on=input.decided_on, summary=f"Appealable decision: {input.kind} (CFA s.51{input.limb})"
        )
        self.book.open(CONTACT, CONTACT, input.decided_on, kind=DeadlineKind.WINDOW)
        self.state.appeal_by = self.book.open(
            APPEAL_FROM_DECISION, APPEAL_FROM_DECISION, input.decided_on, kind=DeadlineKind.WINDOW
        ).due

    @workflow.run
    async def run(self, input: RedressInput) -> RedressState:
        await self.live()
        return self.get_state()

    @workflow.query(name="state")
    def get_state(self) -> RedressState:
        self.state.waiting_for = self.waiting_for()
        return self.state

    # The appeal window closing with no appeal ends the route -----------------------------------

    def next_event(self) -> datetime | None:
        if self.state.stage in OPEN_TO_APPEAL and self.state.appeal_by is not None:
            if self.law_gaps and self.state.stage in AWAITING_CERTIFICATE:
                # Mediation or a certificate still to come: the appeal deadline follows the certificate, "if that
                # date would be a later date" (HESC r.20(1)(c)), so the route waits for it.
                return None
            return self._lapses_at(self.state.appeal_by)
        return None

    def calendar_event(self) -> str:
        return f"the time to appeal ends {day(self.state.appeal_by)}" if self.state.appeal_by else ""

    def _lapses_at(self, appeal_by: date) -> datetime:
        """When the route ends for want of an appeal.

        Under legal time the LA hears of an appeal from the Tribunal, days after it is made, and a route
        entered late must first take the facts of its past: the route stays open for appeals dated by
        `appeal_by` until the settle period after that date (LATE_ENTRY_SETTLE_WORKING_DAYS) and after the
        route's own late entry, whichever ends later. The appeal window itself lapses on its date."""
        deadline_passed = statutory.breach_at(appeal_by)
        if not self.legal_time:
            return deadline_passed
        news = statutory.breach_at(statutory.add_working_days(appeal_by, LATE_ENTRY_SETTLE_WORKING_DAYS))
        held = [d.held_until for d in self.book.deadlines if d.kind is DeadlineKind.WINDOW and d.held_until]
        return max([news, *held])

    async def on_events(self) -> None:
        if self.legal_time:
            for firing in self.book.fire(workflow.now()):  # the windows lapse before the route ends
                await self._announce(firing)
        self.state.stage = RedressStage.LAPSED
        lapsed_on = self.state.appeal_by if self.legal_time else None
        self._close_if_done("no appeal was made in time", lapsed_on)
        self.record("appeal_window_closed", on=self.state.appeal_by, summary="No appeal was made in time")
        if self.law_gaps and self.state.kind == "cease" and self.state.appeal_by is not None:
            # The plan stays in force until now (CFA 2014 s.45); it ceases as of the last day for appealing.
            await workflow.execute_activity(
                REPORT_CEASE_UNAPPEALED,
                CeaseUnappealed(
                    case_ref=self.case_ref, decision_id=self.state.decision_id, appeal_by=self.state.appeal_by
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                result_type=bool,
                summary=OpsText("no appeal against ceasing: the plan ceases"),
            )
        await self.publish()

    def _close_if_done(self, outcome: str, on: date | None = None) -> None:
        """End the route once nothing more can happen on it, as of the legal date of the fact that ended it."""
        owed = [d for d in self.book.deadlines if d.status is DeadlineStatus.OPEN and d.kind is DeadlineKind.DUTY]
        if self.state.stage in (RedressStage.APPEALED, RedressStage.LAPSED, RedressStage.SETTLED) and not owed:
            self.end(
                self.state.stage,
                on if on is not None and self.legal_time else self.today(),
                self.state.outcome or outcome,
            )

    # Steps -------------------------------------------------------------------------------------

    def _check(self, action: Action, *stages: RedressStage, what: str) -> None:
        self.check_action(
            action,
            noun="redress case",
            stage=self.state.stage,
            allowed=stages,
            floor=self.state.decided_on,
            what=what,
            closed=f"the redress route for {self.state.decision_id} has ended" if self.state.closed else None,
        )

    def _adviser(self) -> DeadlineKind:
        """The certificate is the mediation adviser's to issue (reg 34), not a duty of the LA."""
        return DeadlineKind.WINDOW if self.legal_time else DeadlineKind.DUTY

    @workflow.update(name="contact_adviser")
    async def contact_adviser(self, contact: AdviserContacted) -> StepResult:
        self.book.complete(CONTACT, contact.on)
        self.state.wants_mediation = contact.wants_mediation
        if not contact.wants_mediation:
            self.state.stage = RedressStage.CERTIFICATE_PENDING
            self.book.open(
                CERTIFICATE, CERTIFICATE, contact.on, kind=self._adviser(), label="Mediation adviser's certificate"
            )
            return await self.done("mediation_declined", contact.on, contact.actor, "Mediation declined")
        self.state.stage = RedressStage.MEDIATION_REQUESTED
        label = "The mediation to take place" if self.law_gaps else "Arrange the mediation"
        self.book.open(ARRANGE, ARRANGE, contact.on, label=label)
        if contact.health_included:
            self.book.open(HEALTH_NOTIFY, HEALTH_NOTIFY, contact.on, label="Tell the health commissioners")
        return await self.done("mediation_requested", contact.on, contact.actor, "Mediation requested")

    @contact_adviser.validator
    def _validate_contact(self, contact: AdviserContacted) -> None:
        self._check(contact, RedressStage.INFORMATION, what="the contact with the mediation adviser")
        if not contact.wants_mediation and not self.rules.certificate_on_declining:
            raise InvalidAction(
                f"under {self.state.policy} mediation is mandatory before an appeal: declining it gives no certificate"
            )

    @workflow.update(name="mediation_arranged")
    async def mediation_arranged(self, arranged: MediationArranged) -> StepResult:
        if not self.law_gaps:
            self.book.complete(ARRANGE, arranged.on)
        # Under law-gaps-1 the 30 days are met by the mediation taking place, not by a date being fixed for it
        # (SEND Regs 2014 regs 35-41: the mediation must take place within 30 days); mediation_held completes them.
        self.book.complete(HEALTH_NOTIFY, arranged.on)
        self.state.stage = RedressStage.MEDIATION_ARRANGED
        self.state.mediation_on = arranged.mediation_on
        return await self.done(
            "mediation_arranged", arranged.on, arranged.actor, f"Mediation on {arranged.mediation_on}"
        )

    @mediation_arranged.validator
    def _validate_arranged(self, arranged: MediationArranged) -> None:
        self._check(arranged, RedressStage.MEDIATION_REQUESTED, what="the mediation arrangements")
        if arranged.mediation_on < arranged.on:
            raise InvalidAction("the mediation cannot be held before it was arranged")

    @workflow.update(name="mediation_not_arranged")
    async def mediation_not_arranged(self, failed: MediationNotArranged) -> StepResult:
        self.book.complete(ARRANGE, failed.on)
        self.state.stage = RedressStage.CERTIFICATE_PENDING
        self.book.open(
            DEEMED_CERTIFICATE,
            DEEMED_CERTIFICATE,
            failed.on,
            kind=self._adviser(),
            label="Certificate: mediation not arranged",
        )
        return await self.done("mediation_not_arranged", failed.on, failed.actor, "LA could not arrange mediation")

    @mediation_not_arranged.validator
    def _validate_not_arranged(self, failed: MediationNotArranged) -> None:
        self._check(failed, RedressStage.MEDIATION_REQUESTED, what="the failure to arrange mediation")

    @workflow.update(name="mediation_held")
    async def mediation_held(self, held: MediationHeld) -> StepResult:
        if self.law_gaps:
            self.book.complete(ARRANGE, held.on)
        self.state.stage = RedressStage.MEDIATION_HELD
        self.state.mediation_outcome = held.outcome
        self.book.open(CERTIFICATE, CERTIFICATE, held.on, kind=self._adviser(), label="Mediator's certificate")
        for kind in held.agreed:
            order_id = f"agreement-{kind.value}"
            self.state.agreed.append(AgreedOrder(order_id=order_id, kind=kind, agreed_on=held.on))
            # Reg 42(2): an agreement on an appealable matter has the Tribunal order time limits.
            for step in ORDER_RULES[kind]:
                self.book.open(
                    f"{order_id}:{step}", step, held.on, label=f"Carry out the mediation agreement ({kind.value})"
                )
        if held.non_appealable_agreed:
            self.book.open(NON_APPEALABLE, NON_APPEALABLE, held.on)
        return await self.done("mediation_held", held.on, held.actor, f"Mediation held: {held.outcome.value}")

    @mediation_held.validator
    def _validate_held(self, held: MediationHeld) -> None:
        self._check(held, RedressStage.MEDIATION_ARRANGED, what="the mediation")
        if held.outcome is MediationOutcome.NONE and (held.agreed or held.non_appealable_agreed):
            raise InvalidAction("a mediation with no agreement cannot record agreed matters")
        if why := orders_refused(self.state.kind, held.agreed):
            raise InvalidAction(why)

    @workflow.update(name="certificate_issued")
    async def certificate_issued(self, issued: CertificateIssued) -> StepResult:
        self.book.complete(CERTIFICATE, issued.on)
        self.book.complete(DEEMED_CERTIFICATE, issued.on)
        self.state.certificate_on = issued.on
        later = self.book.open(APPEAL_FROM_CERTIFICATE, APPEAL_FROM_CERTIFICATE, issued.on, kind=DeadlineKind.WINDOW)
        self.state.appeal_by = max(self.state.appeal_by or later.due, later.due)
        settled = self.state.mediation_outcome is MediationOutcome.AGREEMENT
        self.state.stage = RedressStage.AGREEMENT_COMPLIANCE if settled else RedressStage.APPEAL_WINDOW
        return await self.done(
            "certificate_issued", issued.on, issued.actor, f"Certificate issued; appeal by {self.state.appeal_by}"
        )

    @certificate_issued.validator
    def _validate_certificate(self, issued: CertificateIssued) -> None:
        self._check(issued, RedressStage.CERTIFICATE_PENDING, RedressStage.MEDIATION_HELD, what="the certificate")

    @workflow.update(name="agreement_carried_out")
    async def agreement_carried_out(self, done: AgreementCarriedOut) -> StepResult:
        agreed = next(a for a in self.state.agreed if a.order_id == done.order_id)
        agreed.done_on = done.on
        for step in ORDER_RULES[agreed.kind]:
            self.book.complete(f"{agreed.order_id}:{step}", done.on)
        if self.state.stage is RedressStage.AGREEMENT_COMPLIANCE and all(a.done_on for a in self.state.agreed):
            self.state.stage = RedressStage.SETTLED
        self._close_if_done("settled by mediation", done.on)
        return await self.done(
            "agreement_carried_out", done.on, done.actor, f"Agreement carried out: {agreed.kind.value}"
        )

    @agreement_carried_out.validator
    def _validate_carried_out(self, done: AgreementCarriedOut) -> None:
        self._check(done, what="the agreement carried out")
        agreed = next((a for a in self.state.agreed if a.order_id == done.order_id), None)
        if agreed is None:
            known = ", ".join(a.order_id for a in self.state.agreed) or "none"
            raise InvalidAction(f"no agreed matter of that id (agreed: {known})")
        if agreed.done_on is not None:
            raise OutOfOrder(f"{done.order_id} was already carried out on {agreed.done_on}")

    @workflow.update(name="appeal_lodged")
    async def appeal_lodged(self, appeal: AppealLodged) -> StepResult:
        # Unique on the case, not only on this route: each appeal's workflow id is made from it. Before law-gaps-1
        # two routes of one case could both make "A4", and the second appeal took the first one's id.
        suffix = self.state.decision_id.removeprefix(self.case_ref + "-")
        number = f"A{len(self.history) + 1}"
        self.state.appeal_id = f"{suffix}-{number}" if self.law_gaps else number
        self.state.stage = RedressStage.APPEALED
        if self.legal_time:
            # The family has one deadline, the later of the two (HESC r.20(1)(c)): an appeal made by it used both
            # windows, including the decision's 2 months that a certificate's month outlasted.
            in_time = self.state.appeal_by is None or appeal.on <= self.state.appeal_by
            for key in (APPEAL_FROM_DECISION, APPEAL_FROM_CERTIFICATE):
                if (window := self.book.get(key)) is not None and window.done_on is None:
                    window.done_on = appeal.on
                    window.status = DeadlineStatus.USED if in_time else DeadlineStatus.LAPSED
        await workflow.execute_activity(
            START_TRIBUNAL,
            TribunalInput(
                case_ref=self.case_ref,
                la_code=self.state.la_code,
                decision_id=self.state.decision_id,
                kind=self.state.kind,
                appeal_id=self.state.appeal_id,
                lodged_on=appeal.on,
                settings_only=appeal.settings_only,
                policy=self.state.policy,
                reminder_working_days=self.input.reminder_working_days,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=OpsText("start the Tribunal appeal"),
        )
        await self.notify(
            Recipient.MANAGER,
            f"appeal:{self.state.appeal_id}",
            letters.appeal_lodged(self.case_ref, self.state.kind, self.state.decided_on, appeal.on),
            template="appeal_lodged",
        )
        self._close_if_done("appealed to the Tribunal", appeal.on)
        return await self.done("appeal_lodged", appeal.on, appeal.actor, f"Appeal {self.state.appeal_id} lodged")

    @appeal_lodged.validator
    def _validate_appeal(self, appeal: AppealLodged) -> None:
        self._check(appeal, *OPEN_TO_APPEAL, RedressStage.AGREEMENT_COMPLIANCE, what="the appeal")
        exempt = appeal.settings_only and self.rules.settings_only_exempt
        if self.state.certificate_on is None and not exempt:
            why = (
                "only an appeal about the setting in section I alone needs none (CFA 2014 s.55(3))"
                if self.rules.settings_only_exempt
                else f"under {self.state.policy} every appeal needs mediation first"
            )
            raise OutOfOrder(f"an appeal needs a mediation certificate first (CFA 2014 s.55(2)); {why}")
        if self.state.appeal_by and appeal.on > self.state.appeal_by and not appeal.extension_granted:
            raise InvalidAction(
                f"the appeal is out of time (due by {self.state.appeal_by}, HESC Rules 2008 r.20); record it only "
                "if the Tribunal extended time (r.5(3)(a))"
            )

    # CaseWorkflow ------------------------------------------------------------------------------

    def waiting_for(self) -> str:
        appeal_by = f"{self.state.appeal_by:%d %b %Y}" if self.state.appeal_by else "?"
        match self.state.stage:
            case RedressStage.INFORMATION:
                contact = self.book.get(CONTACT)
                by = f" by {contact.due:%d %b %Y}" if contact else ""
                return f"the family to contact the mediation adviser{by}, or a settings-only appeal by {appeal_by}"
            case RedressStage.CERTIFICATE_PENDING:
                return "the mediation adviser's certificate (3 working days)"
            case RedressStage.MEDIATION_REQUESTED:
                return "the LA to arrange the mediation, to take place within 30 days"
            case RedressStage.MEDIATION_ARRANGED:
                return (
                    f"the mediation on {self.state.mediation_on:%d %b %Y}"
                    if self.state.mediation_on
                    else "the mediation"
                )
            case RedressStage.MEDIATION_HELD:
                return "the mediator's certificate (3 working days)"
            case RedressStage.APPEAL_WINDOW if self.state.appeal_by and self.state.appeal_by < self.today():
                return f"news of any appeal made by {appeal_by} before the route ends"
            case RedressStage.APPEAL_WINDOW:
                return f"an appeal, if the family makes one, by {appeal_by}"
            case RedressStage.AGREEMENT_COMPLIANCE:
                return "the LA to carry out the mediation agreement (reg 42(2))"
            case _:
                return f"nothing: {self.state.stage.value}"

    def snapshot_origin(self) -> tuple[date, str]:
        return self.state.decided_on, self.state.kind
