"""The plan workflow's watch over section F: after each delivery period each provider says what it delivered.

    period ends ─> each provider asked (a planning date: 10 working days, provision.confirm)
        ├─ no answer: chased at the reminder, escalated to the manager when the date passes (never a breach)
        └─ answer: each line in full, or short by so many sessions and why
              ├─ short, and the provision was there (child absent, declined): shown, not the LA's failure
              └─ short otherwise: the LA's duty to secure it (CFA 2014 s.42(2)) breached over that period, owed
                 (in the work queue) until the LA records it made good; the breach stays on the record

A period is judged as the period it was: a provider who answers late, or an answer entered late, changes only
the planning date's status, never the period's facts. Monitoring starts with the period in which the lines reach
the workflow (an imported plan is not asked about its past). Only codes and counts pass through here; the lines'
words, the providers' names and addresses stay in the database (docs/provision.md).
"""

from datetime import date, datetime, timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    import statutory
    from workflows import letters
    from workflows.activity_contracts import CaseSnapshot, Recipient
    from workflows.case_base import CaseWorkflow
    from workflows.case_state import Deadline, DeadlineKind, DeadlineStatus, StepResult
    from workflows.deadline_book import ClockEvent, Firing
    from workflows.delivery_periods import DeliveryPeriod, period_after, period_containing
    from workflows.plan_models import PlanStage, PlanState
    from workflows.provision_models import (
        MADE_AVAILABLE,
        DeliveryStatus,
        LineDelivery,
        LineRef,
        ProvisionConfirmed,
        ProvisionLine,
        ProvisionLinesSet,
        ShortfallMadeGood,
    )
    from workflows.rejections import InvalidAction, OutOfOrder

CONFIRM = "provision.confirm"
SECURE = "provision.secure"
# Settled periods kept in the workflow's state (the database keeps them all): two school years of half terms.
KEPT_PERIODS = 12


class ProvisionMonitoring(CaseWorkflow):
    """A case workflow that monitors the provision of its plan; the plan workflow is one."""

    state: PlanState

    def watch_provision(self) -> None:
        """Start, or go on, watching: the period now running, or the one the last run was in."""
        self._unsynced: set[str] = set()
        start = self.state.delivery_period_start
        if start is not None:
            self._watch(period_containing(start, self.state.delivery_rhythm))
        elif self.state.provision:
            self._watch(period_containing(self.today(), self.state.delivery_rhythm))

    def _watch(self, period: DeliveryPeriod) -> None:
        self.state.delivery_period_start, self.state.delivery_period_end = period.start, period.end

    def provision_moment(self) -> datetime | None:
        """The end of the period now running, when the providers are asked; none while no line is monitored."""
        end = self.state.delivery_period_end
        if end is None or not self.state.provision or self.state.closed:
            return None
        return statutory.breach_at(end)

    async def end_delivery_periods(self) -> None:
        """Ask the providers about every period that has ended (more than one only if the worker was away)."""
        while (moment := self.provision_moment()) is not None and moment <= workflow.now():
            period = period_containing(self.state.delivery_period_end or date.min, self.state.delivery_rhythm)
            await self._ask_providers(period)
            following = period_after(period, self.state.delivery_rhythm)
            self._watch(following)
            # A line replaced before the next period began has been asked about for the last time.
            self.state.provision = [
                line for line in self.state.provision if line.until_on is None or line.until_on >= following.start
            ]

    def _lines_in(self, period: DeliveryPeriod) -> list[ProvisionLine]:
        """Every line in force for some of the period, each provider accounting for its own part; a line that
        changed kind under the same number and provider is asked about once, as it stood last."""
        lines = {(line.ref, line.provider): line for line in self.state.provision if line.in_force(period)}
        return list(lines.values())

    async def _ask_providers(self, period: DeliveryPeriod) -> None:
        lines = self._lines_in(period)
        for line in lines:
            delivery = LineDelivery(
                period=period.key,
                period_start=period.start,
                period_end=period.end,
                ref=line.ref,
                kind=line.kind,
                provider=line.provider,
                line_from=line.from_on if line.from_on > period.start else None,
                line_until=line.until_on if line.until_on is not None and line.until_on < period.end else None,
            )
            self.state.deliveries.append(delivery)
            self._unsynced.add(delivery.key)
        providers = sorted({line.provider for line in lines})
        for provider in providers:
            asked = self.book.open(
                f"{CONFIRM}:{period.key}:{provider}",
                CONFIRM,
                period.end,
                kind=DeadlineKind.TARGET,
                label=f"Provider {provider} confirms the provision delivered {period.label}",
            )
            await self.notify(
                Recipient.PROVIDER,
                f"{asked.key}:asked",
                letters.provision_request(self.case_ref, period.label, asked.due),
                template="provision_request",
                provider=provider,
            )
        if lines:
            self.record(
                "provision_period_ended",
                on=period.end,
                summary=f"Delivery period {period.key} ended: {len(providers)} provider(s) asked about "
                f"{len(lines)} line(s) of section F",
            )
        self._prune()

    def _prune(self) -> None:
        """Keep what is unsettled, and the last KEPT_PERIODS periods: the database holds the rest."""
        periods = sorted({d.period_end for d in self.state.deliveries}, reverse=True)[:KEPT_PERIODS]
        self.state.deliveries[:] = [d for d in self.state.deliveries if not d.resolved or d.period_end in periods]

    # The provider's answer ------------------------------------------------------------------------

    def _asked(self, period: str, provider: str) -> Deadline | None:
        key = f"{CONFIRM}:{period}:{provider}@"
        return next((d for d in self.book.deadlines if d.key.startswith(key)), None)

    def _deliveries(self, period: str, provider: str) -> list[LineDelivery]:
        return [d for d in self.state.deliveries if d.period == period and d.provider == provider]

    @workflow.update(name="confirm_provision")
    async def confirm_provision(self, confirmed: ProvisionConfirmed) -> StepResult:
        asked = self._asked(confirmed.period, confirmed.provider)
        self.book.finish(asked, confirmed.on)
        answers = {line.ref: line for line in confirmed.lines}
        short: list[LineDelivery] = []
        for delivery in self._deliveries(confirmed.period, confirmed.provider):
            answer = answers[delivery.ref]
            delivery.confirmed_on = confirmed.on
            delivery.sessions_missed, delivery.reason = answer.sessions_missed, answer.reason
            if answer.delivered_in_full:
                delivery.status = DeliveryStatus.DELIVERED
            elif answer.reason in MADE_AVAILABLE:
                delivery.status = DeliveryStatus.NOT_TAKEN_UP
            else:
                delivery.status = DeliveryStatus.SHORT
                short.append(delivery)
            self._unsynced.add(delivery.key)
        for delivery in short:
            await self._breach(delivery)
        missed = f"; short on {', '.join(d.ref for d in short)}" if short else ""
        return await self.done(
            "provision_confirmed",
            confirmed.on,
            confirmed.actor,
            f"Provider {confirmed.provider} confirmed {confirmed.period}: {len(confirmed.lines)} line(s){missed}",
        )

    @confirm_provision.validator
    def _validate_confirm_provision(self, confirmed: ProvisionConfirmed) -> None:
        self._check_provision(confirmed, "the provider's account of the provision")
        asked = self._asked(confirmed.period, confirmed.provider)
        if asked is None:
            raise InvalidAction(
                "the provider was not asked about that period: a period is confirmed after it ends, by the provider "
                "of its lines (GET /plans/{ref}/provision lists what is awaited)"
            )
        if asked.done_on is not None:
            raise OutOfOrder(f"the provider already confirmed that period, on {asked.done_on}")
        if confirmed.on < asked.start:
            raise InvalidAction(f"the period ends on {asked.start}: it is confirmed on or after that day")
        expected = {d.ref for d in self._deliveries(confirmed.period, confirmed.provider)}
        given = {line.ref for line in confirmed.lines}
        if given != expected:
            raise InvalidAction(
                f"the account must cover exactly the provider's lines in force in that period: "
                f"{', '.join(sorted(expected))}"
            )

    async def _breach(self, delivery: LineDelivery) -> None:
        """A shortfall the LA answers for: its duty over the period was breached, on the period's last day as the
        law counts it, however late the provider said so; it stays owed until made good."""
        duty = self.book.open(
            f"{SECURE}:{delivery.key}",
            SECURE,
            delivery.owed_from,
            label=f"Secure the provision in line {delivery.ref} of section F, {delivery.period}",
            due=delivery.owed_until,
        )
        # A provider's account is the fact itself, not a date typed in ahead of its facts: nothing to hold.
        duty.entered_at = duty.held_until = None
        duty.reminded = duty.breach_recorded = True
        duty.status = DeadlineStatus.BREACHED
        await super()._announce(Firing(duty, ClockEvent.BREACH))

    @workflow.update(name="make_good_shortfall")
    async def make_good_shortfall(self, made_good: ShortfallMadeGood) -> StepResult:
        (delivery,) = self._shortfalls(made_good)
        delivery.made_good_on = made_good.on
        self._unsynced.add(delivery.key)
        # Made good after the duty's last day, so it stays breached: only owed no more.
        self.book.finish(self._duty(delivery.key), made_good.on)
        return await self.done(
            "provision_made_good",
            made_good.on,
            made_good.actor,
            f"Shortfall in line {made_good.ref}, {made_good.period}, made good",
        )

    @make_good_shortfall.validator
    def _validate_make_good(self, made_good: ShortfallMadeGood) -> None:
        self._check_provision(made_good, "the shortfall made good")
        shortfalls = self._shortfalls(made_good)
        if not shortfalls:
            raise InvalidAction("no shortfall the LA answers for is recorded for that line and period")
        if len(shortfalls) > 1:
            raise InvalidAction("the line passed to another provider that period: say which provider's shortfall")
        delivery = shortfalls[0]
        if delivery.made_good_on is not None:
            raise OutOfOrder(f"that shortfall was made good on {delivery.made_good_on}")
        if made_good.on <= delivery.owed_until:
            raise InvalidAction(
                f"the line's period ran to {delivery.owed_until}: what it missed is made good after that day"
            )

    def _shortfalls(self, made_good: ShortfallMadeGood) -> list[LineDelivery]:
        return [
            d
            for d in self.state.deliveries
            if d.period == made_good.period
            and d.ref == made_good.ref
            and made_good.provider in (None, d.provider)
            and d.status is DeliveryStatus.SHORT
            and d.confirmed_on is not None
        ]

    def _duty(self, key: str) -> Deadline | None:
        prefix = f"{SECURE}:{key}@"
        return next((d for d in self.book.deadlines if d.key.startswith(prefix)), None)

    # The lines themselves --------------------------------------------------------------------------

    @workflow.update(name="set_provision_lines")
    async def set_provision_lines(self, lines: ProvisionLinesSet) -> StepResult:
        self.replace_lines(lines.provision, lines.on, lines.document_id)
        return await self.done(
            "provision_lines_set",
            lines.on,
            lines.actor,
            f"Section F set out as {len(lines.provision)} line(s) of provision to monitor",
        )

    @set_provision_lines.validator
    def _validate_set_lines(self, lines: ProvisionLinesSet) -> None:
        self._check_provision(lines, "the lines of section F")

    def replace_lines(self, refs: list[LineRef] | None, on: date, document_id: str | None) -> None:
        """The lines of a new version (or of the issued one, set out), written in `document_id`: a line that goes on
        unchanged in kind and provider keeps its start; the others start on `on`, or later where the plan says so.
        A line that does not go on was in force until the day before: its provider still accounts for that part of
        the period, and the LA's duty under it ran until then."""
        if refs is None:
            return
        current = {(line.ref, line.kind, line.provider): line for line in self.state.provision if line.until_on is None}
        ended = [line for line in self.state.provision if line.until_on is not None]
        for key, line in current.items():
            if key not in {(ref.ref, ref.kind, ref.provider) for ref in refs}:
                line.until_on = on - timedelta(days=1)
                if line.until_on >= line.from_on:  # a line replaced the day it began never ran
                    ended.append(line)
        self.state.provision = ended + [
            current.get((ref.ref, ref.kind, ref.provider))
            or ProvisionLine(ref=ref.ref, kind=ref.kind, provider=ref.provider, from_on=max(on, ref.starts_on or on))
            for ref in refs
        ]
        if document_id is not None:
            self.state.provision_document_id = document_id
        if self.state.provision and self.state.delivery_period_end is None:
            self._watch(period_containing(self.today(), self.state.delivery_rhythm))
        self.clock_changed()

    def _check_provision(self, action: ProvisionConfirmed | ShortfallMadeGood | ProvisionLinesSet, what: str) -> None:
        self.check_action(
            action,
            noun="plan",
            stage=self.state.stage,
            allowed=(),
            floor=self.state.issued_on,
            what=what,
            closed="the plan has ceased" if self.state.stage is PlanStage.CEASED else None,
        )

    # The clock's notices about the providers' dates --------------------------------------------------

    async def _announce(self, firing: Firing) -> None:
        deadline = firing.deadline
        if deadline.step != CONFIRM:
            await super()._announce(firing)
            return
        period, provider = asked_of(deadline)
        asked = next(d for d in self.state.deliveries if d.period == period)
        label = DeliveryPeriod(period, asked.period_start, asked.period_end).label
        if firing.event is ClockEvent.REMINDER:
            await self.notify(
                Recipient.PROVIDER,
                f"{deadline.key}:chase",
                letters.provision_chase(self.case_ref, label, deadline.due),
                template="provision_chase",
                provider=provider,
            )
            return
        self.record("provision_unconfirmed", on=deadline.due, summary=f"{deadline.label}: not confirmed")
        notice = letters.provision_unconfirmed(self.case_ref, provider, label, deadline.due)
        for recipient in (Recipient.OFFICER, Recipient.MANAGER):
            await self.notify(recipient, f"{deadline.key}:unconfirmed", notice, template="provision_unconfirmed")

    # What the ops screen shows -----------------------------------------------------------------------

    def details(self) -> str:
        """The plan's current details, with where its provision stands: ops see a silent provider or a shortfall
        still owed without opening the database (codes and counts only)."""
        text = super().details()
        if not self.state.provision:
            return text
        awaited = [d for d in self.book.deadlines if d.step == CONFIRM and d.done_on is None]
        passed = [d for d in awaited if d.status is DeadlineStatus.PASSED]
        owed = [d for d in self.book.deadlines if d.step == SECURE and d.done_on is None]
        in_force = [line for line in self.state.provision if line.until_on is None]
        words = [f"{len(in_force)} line(s) of section F monitored"]
        if self.state.delivery_period_end:
            words.append(f"period ends {self.state.delivery_period_end:%d %b %Y}")
        if awaited:
            names = ", ".join(asked_of(d)[1] for d in passed)
            late = f", {len(passed)} past their date: {names}" if passed else ""
            words.append(f"{len(awaited)} provider account(s) awaited{late}")
        if owed:
            words.append(f"{len(owed)} shortfall(s) owed (CFA 2014 s.42(2))")
        return f"{text}\n\n**Provision:** " + "; ".join(words)

    # The read model --------------------------------------------------------------------------------

    def snapshot(self) -> CaseSnapshot:
        snapshot = super().snapshot()
        snapshot.deliveries = [d for d in self.state.deliveries if d.key in self._unsynced]
        snapshot.provision_document_id = self.state.provision_document_id
        return snapshot

    async def publish(self) -> None:
        written = set(self._unsynced)
        await super().publish()
        self._unsynced -= written


def asked_of(deadline: Deadline) -> tuple[str, str]:
    """The period and the provider a provider's date (`provision.confirm:{period}:{provider}@c{cycle}`) is about."""
    period, provider = deadline.key.split("@", 1)[0].split(":")[1:3]
    return period, provider


def carried_deliveries(deliveries: list[LineDelivery]) -> list[LineDelivery]:
    """What the next review cycle goes on watching: every period's account still awaited or still owed."""
    return [d for d in deliveries if not d.resolved]


def still_asked(deadlines: list[Deadline]) -> list[Deadline]:
    """The providers' dates and the LA's duties the next cycle keeps: those not yet answered or made good."""
    unsettled = [d for d in deadlines if d.step in (CONFIRM, SECURE) and d.done_on is None]
    return [d for d in unsettled if d.status is not DeadlineStatus.ENDED]
