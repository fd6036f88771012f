"""An appeal to the First-tier Tribunal (SEND) and the LA's duty to carry out its orders
(HESC Rules 2008; SEND Regs 2014 regs 44-45). One workflow per appeal.

    lodged ─ registered ─> the LA's response (30 working days, August and 25 Dec-1 Jan not counted,
    HESC r.21, r.12(3)(b)) ─> hearing ─> decision ─> each order starts its reg 44 deadline, with reminders,
    breach and escalation, and is carried into the plan or assessment it changes
    The LA may concede before its response is due (reg 45); the appeal may be withdrawn or struck out.
    A decision on an appeal under CFA 2014 s.51(2)(b)-(f) may carry non-binding recommendations on health and
    social care (SI 2017/1306): each addressee answers in writing within 5 weeks, and the appeal stays open
    until each answer is recorded.
"""

from datetime import date

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from core.ops_text import OpsText
    from workflows import letters
    from workflows.actions import Action
    from workflows.activity_contracts import CARRY_ORDER, CarriedOrder, Recipient
    from workflows.case_base import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, CaseWorkflow
    from workflows.case_state import DeadlineKind, DeadlineStatus, StepResult
    from workflows.redress_models import ORDER_RULES, OrderKind, orders_refused
    from workflows.rejections import InvalidAction, OutOfOrder
    from workflows.tribunal_models import (
        Conceded,
        Decided,
        Ended,
        HearingListed,
        Order,
        OrderComplied,
        Recommendation,
        RecommendationResponse,
        RecommendationTo,
        Registered,
        ResponseSent,
        TribunalInput,
        TribunalStage,
        TribunalState,
    )

RESPONSE = "tribunal.la_response"
# Orders made from here on leave their deadlines to the case that carries them (one owner, one timer).
ORDER_DEADLINES_OWNED_BY_THE_CASE = "order-deadlines-owned-by-the-case"
OPEN_APPEAL = (TribunalStage.LODGED, TribunalStage.REGISTERED, TribunalStage.HEARING_LISTED)

# Recommendations on health and social care (SEND (First-tier Tribunal Recommendations Power) Regs 2017,
# SI 2017/1306; docs/statutory-choices.md row 50): each addressee responds in writing within 5 weeks of the decision.
RECOMMENDATIONS = "tribunal.recommendations_response"
# The LA's own social care function owes its response: a duty, breached and escalated if late. The health
# commissioning body's response is another body's duty: a window for the LA (used or lapsed, never the LA's
# breach), which the officer is reminded to chase.
RECOMMENDATION_KINDS = {
    RecommendationTo.SOCIAL_CARE: DeadlineKind.DUTY,
    RecommendationTo.HEALTH: DeadlineKind.WINDOW,
}
RECOMMENDATION_LABELS = {
    RecommendationTo.SOCIAL_CARE: "The LA's social care response to the Tribunal's recommendations",
    RecommendationTo.HEALTH: "The health commissioning body's response to the Tribunal's recommendations",
}
ADDRESSEES = {
    RecommendationTo.SOCIAL_CARE: "the LA's social care function",
    RecommendationTo.HEALTH: "the health commissioning body",
}
# The Recommendations Power Regs apply to appeals under s.51(2)(b)-(f) only: not to a refusal to assess.
NO_RECOMMENDATIONS_ON = "refusal_to_assess"


def recommendation_key(to: RecommendationTo) -> str:
    return f"recommendation:{to.value}"


@workflow.defn(name="EhcTribunal")
class TribunalWorkflow(CaseWorkflow):
    state: TribunalState

    @workflow.init
    def __init__(self, input: TribunalInput) -> None:
        state = TribunalState.opened(input)
        self.open_case(input, state, scope=f"@{input.appeal_id}")
        # Recorded before any update of the first workflow task can run (see AssessmentWorkflow._open_case).
        self.record("appeal_lodged", on=input.lodged_on, summary=f"Appeal against the {input.kind} decision")

    @workflow.run
    async def run(self, input: TribunalInput) -> TribunalState:
        await self.live()
        return self.get_state()

    @workflow.query(name="state")
    def get_state(self) -> TribunalState:
        self.state.waiting_for = self.waiting_for()
        return self.state

    def _check(self, action: Action, *stages: TribunalStage, what: str, floor: date | None = None) -> None:
        self.check_action(
            action,
            noun="appeal",
            stage=self.state.stage,
            allowed=stages,
            floor=floor or self.state.registered_on or self.state.lodged_on,
            what=what,
            closed=f"appeal {self.state.appeal_id} has ended ({self.state.stage.value})" if self.state.closed else None,
        )

    @workflow.update(name="register")
    async def register(self, registered: Registered) -> StepResult:
        self.state.stage = TribunalStage.REGISTERED
        self.state.registered_on = registered.on
        # The directions may fix the date themselves (HESC r.12(4)); otherwise the standard 30 working days.
        response = self.book.open(
            RESPONSE, RESPONSE, registered.on, label="The LA's response to the appeal", due=registered.response_due
        )
        return await self.done(
            "registered", registered.on, registered.actor, f"Registered; LA response due {response.due}"
        )

    @register.validator
    def _validate_register(self, registered: Registered) -> None:
        self._check(registered, TribunalStage.LODGED, what="the registration")
        if registered.response_due is not None and registered.response_due <= registered.on:
            raise InvalidAction("the response date the directions fix must be after the registration")

    @workflow.update(name="respond")
    async def respond(self, sent: ResponseSent) -> StepResult:
        self.book.complete(RESPONSE, sent.on)
        return await self.done("response_sent", sent.on, sent.actor, "LA response sent")

    @respond.validator
    def _validate_respond(self, sent: ResponseSent) -> None:
        self._check(sent, TribunalStage.REGISTERED, TribunalStage.HEARING_LISTED, what="the LA's response")
        response = self.book.get(RESPONSE)
        if response is None or response.done_on is not None:
            raise OutOfOrder("the LA's response was already sent")

    @workflow.update(name="list_hearing")
    async def list_hearing(self, listed: HearingListed) -> StepResult:
        self.state.stage = TribunalStage.HEARING_LISTED
        self.state.hearing_on = listed.hearing_on
        return await self.done("hearing_listed", listed.on, listed.actor, f"Hearing on {listed.hearing_on}")

    @list_hearing.validator
    def _validate_hearing(self, listed: HearingListed) -> None:
        self._check(listed, TribunalStage.REGISTERED, TribunalStage.HEARING_LISTED, what="the hearing date")
        self.check_repeats("hearing listings", self.count_of("hearing_listed"))

    async def _make_orders(self, kinds: list[OrderKind], on: date, *, conceded: bool) -> None:
        for kind in kinds:
            order = Order(order_id=f"{self.state.appeal_id}-{kind.value}", kind=kind, made_on=on, conceded=conceded)
            self.state.orders.append(order)
            if not ORDER_RULES[kind]:
                order.done_on = on  # continue to maintain, or cease: in effect at once (reg 44(2)(a), (d))
            if workflow.patched(ORDER_DEADLINES_OWNED_BY_THE_CASE):
                # One owner per deadline: the plan or assessment that carries the order times it, reminds,
                # records the breach and escalates; this appeal keeps it only if no case would take it.
                order.carried_to = await self._carry(order)
                if order.carried_to is None:
                    self._open_order_deadlines(order)
            else:
                self._open_order_deadlines(order)
                await self._carry(order)
        self.state.stage = TribunalStage.COMPLYING
        self._close_if_complied(on)

    def _open_order_deadlines(self, order: Order) -> None:
        for step in ORDER_RULES[order.kind]:
            self.book.open(
                f"{order.order_id}:{step}",
                step,
                order.made_on,
                label=f"Carry out the Tribunal's order ({order.kind.value})",
            )

    async def _carry(self, order: Order) -> str | None:
        """The order into the case it changes; the workflow that took it, or None if the case refused it."""
        carried_to: str | None = await workflow.execute_activity(
            CARRY_ORDER,
            CarriedOrder(
                case_ref=self.case_ref,
                la_code=self.state.la_code,
                tribunal_workflow_id=self.workflow_id,
                order_id=order.order_id,
                kind=order.kind.value,
                made_on=order.made_on,
                policy=self.state.policy,
                decision_kind=self.state.kind,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=OpsText(f"carry the order into the case: {order.kind.value}"),
        )
        return carried_to

    def _close_if_complied(self, on: date) -> None:
        if self.state.stage is TribunalStage.COMPLYING and all(o.done_on for o in self.state.orders):
            if self._responses_owed():
                self.state.stage = TribunalStage.RESPONDING  # the orders are done; the responses are not
                return
            self.end(TribunalStage.COMPLIED, self._closing_date(on))

    # Recommendations (SI 2017/1306) -------------------------------------------------------------

    def _recommend(self, decided: Decided) -> None:
        """Each recommendation the decision made, and the 5 weeks its addressee has to answer in writing."""
        for to in decided.recommendations:
            self.state.recommendations.append(Recommendation(to=to, made_on=decided.on))
            self.book.open(
                recommendation_key(to),
                RECOMMENDATIONS,
                decided.on,
                kind=RECOMMENDATION_KINDS[to],
                label=RECOMMENDATION_LABELS[to],
            )

    def _responses_owed(self) -> list[Recommendation]:
        return [r for r in self.state.recommendations if r.responded_on is None]

    def _closing_date(self, on: date) -> date:
        """The legal date the appeal ends on: the last fact it waited for, whatever order they were entered in."""
        if not self.state.recommendations:
            return on  # as before recommendations: the fact that closed it
        done = [o.done_on for o in self.state.orders if o.done_on] + [
            r.responded_on for r in self.state.recommendations if r.responded_on
        ]
        return max([on, *done])

    def _responses_waiting(self) -> str:
        owed = []
        for recommendation in self._responses_owed():
            deadline = self.book.get(recommendation_key(recommendation.to))
            due = f" (due {deadline.due:%d %b %Y})" if deadline else ""
            owed.append(f"{ADDRESSEES[recommendation.to]}{due}")
        return f"the written responses to the Tribunal's recommendations: {', '.join(owed)} (SI 2017/1306)"

    async def _notify_recommendations(self, on: date) -> None:
        if not self.state.recommendations:
            return
        responses = []
        for recommendation in self.state.recommendations:
            deadline = self.book.get(recommendation_key(recommendation.to))
            responses.append((ADDRESSEES[recommendation.to], deadline.due if deadline else None))
        await self.notify(
            Recipient.MANAGER,
            "recommendations",
            letters.tribunal_recommendations(self.case_ref, on, responses),
            template="tribunal_recommendations",
        )
        health = self.book.get(recommendation_key(RecommendationTo.HEALTH))
        if health is not None:
            await self.notify(
                Recipient.HEALTH_BODY,
                "recommendations:health",
                letters.tribunal_recommendations_health(self.case_ref, on, health.due),
                template="tribunal_recommendations_health",
            )

    @workflow.update(name="recommendation_response")
    async def recommendation_response(self, response: RecommendationResponse) -> StepResult:
        recommendation = next(r for r in self.state.recommendations if r.to is response.to)
        recommendation.responded_on = response.on
        recommendation.follows = response.follows
        deadline = self.book.complete(recommendation_key(response.to), response.on)
        if self.state.stage is TribunalStage.RESPONDING and not self._responses_owed():
            ended = TribunalStage.COMPLIED if self.state.upheld else TribunalStage.DISMISSED
            self.end(ended, self._closing_date(response.on))
        follows = {True: "; it will follow them", False: "; it will not follow them, with reasons", None: ""}
        in_time = f" (due {deadline.due})" if deadline else ""
        return await self.done(
            f"recommendation_response:{response.to.value}",
            response.on,
            response.actor,
            f"Written response from {ADDRESSEES[response.to]}{in_time}{follows[response.follows]}",
        )

    @recommendation_response.validator
    def _validate_recommendation_response(self, response: RecommendationResponse) -> None:
        self._check(
            response,
            TribunalStage.COMPLYING,
            TribunalStage.RESPONDING,
            what=f"the response of {ADDRESSEES[response.to]} to the Tribunal's recommendations",
            floor=self.state.decided_on,
        )
        recommendation = next((r for r in self.state.recommendations if r.to is response.to), None)
        if recommendation is None:
            made = ", ".join(r.to.value for r in self.state.recommendations) or "none"
            raise InvalidAction(
                f"the Tribunal made no recommendation to {ADDRESSEES[response.to]} on this appeal "
                f"(recommendations made: {made})"
            )
        if recommendation.responded_on is not None:
            raise OutOfOrder(
                f"the response of {ADDRESSEES[response.to]} was already recorded, dated {recommendation.responded_on}"
            )

    @workflow.update(name="decide")
    async def decide(self, decided: Decided) -> StepResult:
        self.book.complete(RESPONSE, decided.on)
        self.state.decided_on = decided.on
        self.state.upheld = decided.upheld
        self._recommend(decided)  # before the orders, so that the appeal stays open for the responses
        if not decided.upheld:
            # An appeal against ceasing dismissed: the plan ceases at once (reg 44(2)(a)).
            if self.state.kind == "cease":
                await self._make_orders([OrderKind.CEASE], decided.on, conceded=False)
            if self._responses_owed():
                self.state.stage = TribunalStage.RESPONDING
            else:
                self.end(TribunalStage.DISMISSED, decided.on)
            await self._notify_recommendations(decided.on)
            return await self.done("appeal_dismissed", decided.on, decided.actor, "Appeal dismissed")
        await self._make_orders(decided.orders, decided.on, conceded=False)
        kinds = ", ".join(o.value for o in decided.orders)
        await self.notify(
            Recipient.MANAGER,
            f"orders:{self.state.appeal_id}",
            letters.tribunal_orders(self.case_ref, decided.on, kinds),
            template="tribunal_orders",
        )
        await self._notify_recommendations(decided.on)
        return await self.done("appeal_allowed", decided.on, decided.actor, f"Appeal allowed; orders: {kinds}")

    @decide.validator
    def _validate_decide(self, decided: Decided) -> None:
        self._check(decided, TribunalStage.REGISTERED, TribunalStage.HEARING_LISTED, what="the decision")
        if decided.upheld and not decided.orders:
            raise InvalidAction("an appeal allowed must say what the Tribunal ordered")
        if decided.upheld and (why := orders_refused(self.state.kind, decided.orders)):
            raise InvalidAction(why)
        if decided.recommendations and self.state.kind == NO_RECOMMENDATIONS_ON:
            raise InvalidAction(
                "the Tribunal cannot make health or social care recommendations on an appeal against a refusal to "
                "assess: the Recommendations Power Regulations 2017 (SI 2017/1306) cover appeals under CFA 2014 "
                "s.51(2)(b)-(f) only, not s.51(2)(a)"
            )

    @workflow.update(name="concede")
    async def concede(self, conceded: Conceded) -> StepResult:
        self.book.complete(RESPONSE, conceded.on)
        await self._make_orders(conceded.orders, conceded.on, conceded=True)
        return await self.done("conceded", conceded.on, conceded.actor, "LA did not oppose the appeal (reg 45)")

    @concede.validator
    def _validate_concede(self, conceded: Conceded) -> None:
        self._check(conceded, TribunalStage.REGISTERED, TribunalStage.HEARING_LISTED, what="the concession")
        response = self.book.get(RESPONSE)
        if response is not None and response.status is not DeadlineStatus.OPEN:
            raise OutOfOrder("the LA can concede only before its response is due (SEND Regs 2014 reg 45)")
        if why := orders_refused(self.state.kind, conceded.orders):
            raise InvalidAction(why)

    @workflow.update(name="withdraw")
    async def withdraw(self, ended: Ended) -> StepResult:
        self.end(TribunalStage.WITHDRAWN, ended.on)
        return await self.done("appeal_withdrawn", ended.on, ended.actor, "Appeal withdrawn")

    @withdraw.validator
    def _validate_withdraw(self, ended: Ended) -> None:
        self._check(ended, *OPEN_APPEAL, what="the withdrawal")

    @workflow.update(name="strike_out")
    async def strike_out(self, ended: Ended) -> StepResult:
        self.end(TribunalStage.STRUCK_OUT, ended.on)
        return await self.done("appeal_struck_out", ended.on, ended.actor, "Appeal struck out")

    @strike_out.validator
    def _validate_strike_out(self, ended: Ended) -> None:
        self._check(ended, *OPEN_APPEAL, what="the strike-out")

    @workflow.update(name="order_complied")
    async def order_complied(self, complied: OrderComplied) -> StepResult:
        return await self._order_complied(complied)

    async def _order_complied(self, complied: OrderComplied) -> StepResult:
        order = next(o for o in self.state.orders if o.order_id == complied.order_id)
        order.done_on = complied.on
        for step in ORDER_RULES[order.kind]:
            self.book.complete(f"{order.order_id}:{step}", complied.on)
        self._close_if_complied(complied.on)
        return await self.done("order_complied", complied.on, complied.actor, f"Order carried out: {order.kind.value}")

    @order_complied.validator
    def _validate_complied(self, complied: OrderComplied) -> None:
        self._check(complied, TribunalStage.COMPLYING, what="the order carried out")
        order = next((o for o in self.state.orders if o.order_id == complied.order_id), None)
        if order is None:
            known = ", ".join(o.order_id for o in self.state.orders) or "none"
            raise InvalidAction(f"no order of that id on this appeal (orders: {known})")
        if order.done_on is not None:
            raise OutOfOrder(f"order {order.order_id} was already carried out on {order.done_on}")

    @workflow.update(name="record_order_complied")
    async def record_order_complied(self, complied: OrderComplied) -> StepResult:
        """An officer says an order was carried out. `order_complied` is the case's own report of the orders it
        carries, a system update (workflows/one_action_at_a_time.py); this one is an officer's action."""
        return await self._order_complied(complied)

    @record_order_complied.validator
    def _validate_officer_complied(self, complied: OrderComplied) -> None:
        self._validate_complied(complied)
        order = next(o for o in self.state.orders if o.order_id == complied.order_id)
        if order.carried_to is not None:
            raise OutOfOrder(
                f"order {order.order_id} is carried out on the case ({order.carried_to}), which reports it when done"
            )

    # CaseWorkflow ------------------------------------------------------------------------------

    def waiting_for(self) -> str:
        match self.state.stage:
            case TribunalStage.LODGED:
                return "the Tribunal to register the appeal"
            case TribunalStage.REGISTERED | TribunalStage.HEARING_LISTED:
                response = self.book.get(RESPONSE)
                if response and response.done_on is None:
                    return f"the LA's response (due {response.due:%d %b %Y})"
                return f"the hearing on {self.state.hearing_on:%d %b %Y}" if self.state.hearing_on else "a hearing date"
            case TribunalStage.COMPLYING:
                owed = [o.kind.value for o in self.state.orders if o.done_on is None]
                waiting = f"the LA to carry out the orders: {', '.join(owed)} (SEND Regs 2014 reg 44)"
                return f"{waiting}; {self._responses_waiting()}" if self._responses_owed() else waiting
            case TribunalStage.RESPONDING:
                return self._responses_waiting()
            case _:
                return f"nothing: the appeal ended ({self.state.stage.value})"

    def snapshot_origin(self) -> tuple[date, str]:
        return self.state.lodged_on, self.state.kind
