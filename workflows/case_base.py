"""What every case workflow does the same way: keep history, run the deadline clock, publish itself.

Publishing means three things after each change: the read model (an activity, so the API's lists and
the manager's queues see it), the search attributes (so ops can find the case in the Temporal UI) and
the current details (so the UI says in plain words what the case waits for).
"""

import asyncio
import contextlib
from abc import ABC, abstractmethod
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate

with workflow.unsafe.imports_passed_through():
    import statutory
    from core.ops_text import OpsText
    from workflows import letters, restatement
    from workflows import search_attributes as sa
    from workflows.actions import Action, ExceptionRecorded
    from workflows.activity_contracts import (
        RECORD_DECISION,
        REPORT_ORDER_DONE,
        SEND_NOTIFICATION,
        SEND_NOTIFICATIONS,
        SYNC_CASE,
        CaseSnapshot,
        DecisionRecord,
        NotificationBatch,
        NotificationRequest,
        OrderDone,
        Recipient,
    )
    from workflows.assessment_models import AppealableDecision, SettingAnswered, SettingConsultation, SettingConsulted
    from workflows.case_state import (
        CaseInput,
        CaseRecord,
        Deadline,
        DeadlineKind,
        DeadlineStatus,
        HistoryEntry,
        StatutoryException,
        StepResult,
    )
    from workflows.deadline_book import ClockEvent, DeadlineBook, Firing, Restated
    from workflows.one_action_at_a_time import SYSTEM_UPDATES
    from workflows.rejections import CaseClosed, InvalidAction, OutOfOrder

# How much one run of a case may record, far above any real case (docs/operations.md, "How large a case can
# grow"): the largest legitimate assessment records about 120 history lines. Past either bound an update is
# refused before anything is recorded, so no run nears Temporal's limits (50 MB and 51,200 events of history,
# 2 MB per payload) and a case stays readable whatever its callers send.
MAX_STEPS_PER_RUN = 300
MAX_HISTORY_BYTES = 8 * 1024 * 1024
# Actions a case may repeat, and how often: the family's comments, settings consulted, exceptions, advisers
# beyond the statutory ones. Each is several times what a real case needs.
MAX_REPEATS = {
    "comments": 12,
    "consultations": 24,
    "exceptions": 20,
    "other advisers": 12,
    # The family may add to its views for a review as the meeting nears; a dozen is beyond any real review.
    "views for a review": 12,
    # A plan's cycle: the LA may consider ceasing more than once, but not every week of the year.
    "consultations on ceasing": 6,
    # An appeal's hearing may be adjourned and listed again; a dozen times is beyond any real appeal.
    "hearing listings": 12,
    # A family may move between LAs more than once in a year, but not every week.
    "transfers": 4,
}

# The database may be down for a while; the case must wait for it, not fail.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)
# The read model's write in the workflow task that answers an action: the officer waits on its next attempt, so a
# database back after an outage is found within seconds, not after a backoff grown to a minute (the API waits 30 s
# for an answer). Runs on NOTICES_AFTER_ANSWER, whose letters no longer go (and wait out the outage) first.
SYNC_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=5))
# The first line of the current details. The static summary says the same, but a plan's later review
# cycles (continue-as-new) start without one and a transfer changes the plan's LA: this line is current.
PROCESS_TITLES = {
    "assessment": "EHC needs assessment",
    "plan": "EHC plan",
    "redress": "Redress",
    "tribunal": "Tribunal appeal",
}


SETTING_RESPONSE = "assessment.setting_response"


def day(on: date) -> str:
    """A date as the Temporal UI's labels say it: 26 May 2025."""
    return f"{on.day} {on:%b %Y}"


# The clock's moments as the timeline's timer labels say them.
TIMER_WORDS = {
    ClockEvent.REMINDER: "reminder",
    ClockEvent.BREACH: "breach",
    ClockEvent.WINDOW_CLOSED: "window closes",
    ClockEvent.TARGET_PASSED: "planning date passes",
}

# The read model is written by a local activity, inside the workflow task that made the change, and the
# search attributes are upserted only where they changed: a case start is 9 history events and one workflow
# task instead of 12 and two, a whole assessment 26 workflow tasks instead of 40 (docs/benchmarks.md).
# Patched, so a case whose history has the activity goes on with it until its run ends; the histories
# recorded before (tests/histories/*.activity_sync.json) still replay.
SYNC_IN_WORKFLOW_TASK = "sync-in-workflow-task"

# Closing a case settles breached duties that were not yet due on the closing date (a case entered late
# and then refused or withdrawn as of an earlier date): patched, so cases closed before keep their record.
SETTLE_BACKDATED_BREACHES = "settle-backdated-breaches"

# Legal time (docs/legal-time.md): late-entered dates held for a settle period, windows that lapse and
# targets that pass instead of breaching, facts judged and cases closed by their legal dates. Patched, so
# a run that started before it (and every committed history recorded before it) keeps the old rules.
LEGAL_TIME = "legal-time"

# The law's gaps, first batch (docs/statutory-choices.md 40-42): final and amended plans copied to the setting and
# the health body (regs 13(2), 22(3), 27(2)); the amended plan due within 12 weeks of the meeting as well (Devon
# 2022); a redress route waits for its certificate (HESC r.20(1)(c)). Patched, as legal time is.
LAW_GAPS = "law-gaps-1"

# A notice (a letter, a staff email) is sent after the officer has the answer, not before: the activity that
# sends it is scheduled in the workflow task that records the change and answers, and the run waits for every
# notice before it ends. An action is then one workflow task (docs/benchmarks.md, "The officer's action");
# nothing is lost under a worker kill, since the scheduled activity is in the history before the answer
# goes. The notices one workflow task writes are sent by one activity, in the order they were written, so a
# breach is on record before its escalation, as when each was awaited; the next task's go after them. Patched, so
# a run that started before it (tests/histories/*.notices_awaited.json) still replays.
NOTICES_AFTER_ANSWER = "notices-after-answer"


class CaseWorkflow(ABC):
    # Each workflow's state model: a CaseRecord with the process's own stage and facts.
    state: Any
    input: Any
    law_gaps: bool
    book: DeadlineBook
    history: list[HistoryEntry]
    case_ref: str

    def open_case(
        self,
        input: CaseInput,
        state: CaseRecord,
        *,
        exceptions: list[StatutoryException] | None = None,
        scope: str = "",
        seq_base: int = 0,
    ) -> None:
        """The start every case workflow's init makes, before its own: the state its query answers, the history
        and deadline book inside it, and the patches this run follows (recorded here, at the same point of every
        run's first task, so that histories replay)."""
        self.input = input
        self.case_ref = input.case_ref
        self.state = state
        self.history = state.history
        # A process that records no statutory exceptions (redress, an appeal) keeps the book's empty list apart.
        kept = [] if exceptions is None else exceptions
        self.book = DeadlineBook(state.deadlines, kept, input.policy, input.reminder_working_days, scope=scope)
        # History sequence numbers key the audit trail, so they carry on across continue-as-new.
        self._seq_base = seq_base
        self._synced_seq = seq_base
        self._publish_lock = asyncio.Lock()
        self._clock_changed = False
        if workflow.patched(LEGAL_TIME):
            self.book.clock = workflow.now
        self.law_gaps = workflow.patched(LAW_GAPS)
        self._notices_after_answer = workflow.patched(NOTICES_AFTER_ANSWER)
        self._last_notice: asyncio.Task[None] | None = None
        self._written: list[NotificationRequest] = []  # notices waiting for their activity (notify)

    def over(self) -> bool:
        """The case has nothing more to do in this run (a plan's review cycle also ends a run)."""
        return bool(self.state.closed)

    async def live(self) -> None:
        """A run's life once opened: published, its clock run until it is over, every handler let finish."""
        await self.publish()
        await self.run_clock(self.over)
        await workflow.wait_condition(workflow.all_handlers_finished)
        await self.notices_sent()

    async def notices_sent(self) -> None:
        """Until every notice this run scheduled is sent: a run ends (or continues as new) only after them."""
        sent = None
        while (last := self._last_notice) is not None and last is not sent:
            sent = last
            await last

    @property
    def process(self) -> str:
        """assessment, plan, redress or tribunal: the state model's own."""
        return str(self.state.process)

    @property
    def legal_time(self) -> bool:
        return self.book.legal_time

    @property
    def workflow_id(self) -> str:
        return workflow.info().workflow_id

    @abstractmethod
    def snapshot_origin(self) -> tuple[date, str]:
        """The business date the process started from and what started it, for the read model."""

    @abstractmethod
    def waiting_for(self) -> str:
        """One plain sentence for the case officer and the ops screen."""

    def stage_name(self) -> str:
        stage: str = self.state.stage.value
        return stage

    def snapshot(self) -> CaseSnapshot:
        started_on, source = self.snapshot_origin()
        return CaseSnapshot(
            case_ref=self.case_ref,
            la_code=self.state.la_code,
            process=self.process,
            stage=self.stage_name(),
            policy=self.state.policy,
            workflow_id=self.workflow_id,
            received_date=started_on,
            request_source=source,
            closed=self.state.closed,
            outcome=self.state.outcome,
            deadlines=self.state.deadlines,
            exception_count=len(getattr(self.state, "exceptions", ())),
        )

    @workflow.query(name="read_model")
    def read_model(self) -> CaseSnapshot:
        """What the sync activity would write now, with the whole history: reconciliation compares the read
        model with it and repairs from it (cli/reconcile.py), through the sync's own code path."""
        snapshot = self.snapshot()
        snapshot.new_history = list(self.history)
        return snapshot

    async def done(self, action: str, on: date, actor: str, summary: str) -> StepResult:
        """Record an officer action and return once the read model has it."""
        await self.record_restated()
        self.record(action, on=on, actor=actor, summary=summary)
        self.clock_changed()
        await self.publish()
        return StepResult(stage=self.stage_name(), seq=self._seq_base + len(self.history))

    async def record_restated(self) -> None:
        """What the last fact did to deadlines besides meeting them, each under its own legal date."""
        for change, deadline in self.book.take_restated():
            if change is Restated.BREACHED_LATE:
                excepted = deadline.status is DeadlineStatus.EXCEPTED
                self.record(
                    "deadline_excepted" if excepted else "deadline_breached",
                    on=deadline.due,
                    summary=f"{deadline.label} ({deadline.reference}): due {deadline.due}, not done by then"
                    + (f" (statutory exception {deadline.exception_code})" if excepted else ""),
                )
                continue
            self.record(
                "breach_withdrawn",
                on=deadline.done_on,
                summary=f"{deadline.label} was done in time, on {deadline.done_on}: the breach recorded before "
                "that was entered is withdrawn",
            )
            assert deadline.done_on is not None  # a breach is withdrawn because the step was done, on its date
            await self.notify(
                Recipient.MANAGER,
                f"{deadline.key}:breach_withdrawn",
                letters.breach_withdrawn(
                    self.case_ref, deadline.label, deadline.done_on, deadline.due, deadline.reference
                ),
                template="breach_withdrawn",
            )

    # Late entry: the officer says every past fact of the case is in ------------------------------

    @workflow.update(name="confirm_backlog")
    async def confirm_backlog(self, action: Action) -> StepResult:
        self.book.confirm_backlog()
        for firing in self.book.fire(workflow.now()):  # judged now, so the answer shows it
            await self._announce(firing)
        return await self.done(
            "backlog_confirmed",
            action.on,
            action.actor,
            "Every past fact is entered: overdue dates are judged now",
        )

    @workflow.update(name="restate_record")
    async def restate_record(self, action: Action) -> list[str]:
        """The one-off repair (python -m cli.restate): dates recorded under the old rules restated
        under the three kinds of date. Returns one line per deadline it changed."""
        changed = restatement.restate(self.book.deadlines, outcome=self.state.outcome)
        if changed:
            self.record(
                "record_restated",
                on=action.on,
                actor=action.actor,
                summary=f"{len(changed)} dates restated under the three kinds of date (docs/legal-time.md)",
            )
            await self.publish()
        return changed

    @restate_record.validator
    def _validate_restate(self, action: Action) -> None:
        if action.on != self.today():
            raise InvalidAction(f"the record is restated today ({self.today()}), not on {action.on}")

    @confirm_backlog.validator
    def _validate_confirm_backlog(self, action: Action) -> None:
        if self.state.closed:
            raise CaseClosed(f"{self.process} {self.case_ref} is closed; nothing more can be recorded")
        if not self.legal_time:
            raise OutOfOrder("this case started before late entry was held: its dates are judged as they fall")
        if not self.book.settling:
            raise OutOfOrder("no late-entered date is waiting: every date of this case is already judged")
        if action.on != self.today():
            raise InvalidAction(f"the backlog is confirmed today ({self.today()}), not on {action.on}")

    def close_deadlines(self, on: date) -> None:
        """The case has ended on a business date: it owes nothing more (deadline_book.withdraw_open)."""
        self.book.withdraw_open(on, settle_breached=workflow.patched(SETTLE_BACKDATED_BREACHES))

    def end(self, stage: StrEnum, on: date, outcome: str | None = None) -> None:
        """The case is over, as of `on`, the legal date of the fact that ended it: its stage and outcome (the
        stage's name unless said) recorded, its open dates closed as of that day."""
        self.state.stage = stage
        self.state.closed = True
        self.state.outcome = outcome or stage.value
        self.close_deadlines(on)

    def record(self, action: str, *, on: date | None = None, actor: str = "system", summary: str = "") -> None:
        seq = self._seq_base + len(self.history) + 1
        self.history.append(
            HistoryEntry(seq=seq, at=workflow.now(), on=on, action=action, actor=actor, summary=summary)
        )

    def check_action(
        self,
        action: Action,
        *,
        noun: str,
        stage: StrEnum,
        allowed: tuple[StrEnum, ...],
        floor: date,
        what: str,
        closed: str | None = None,
    ) -> None:
        """What every update validator asks first: is the case open, at the right stage, and is the date
        of the action possible (not in the future, not before the step it follows)?"""
        if closed is not None:
            raise CaseClosed(closed)
        self._check_room()
        if allowed and stage not in allowed:
            names = " or ".join(f"'{s.value}'" for s in allowed)
            raise OutOfOrder(f"cannot record {what}: the {noun} is at stage '{stage.value}', not {names}")
        today = self.today()
        if action.on > today:
            raise InvalidAction(f"the date of {what}, {action.on}, is in the future (today is {today})")
        if action.on < floor:
            raise InvalidAction(
                f"the date of {what}, {action.on}, is before {floor}, when the {noun} reached that step"
            )

    def _check_room(self) -> None:
        """Refuse a step the run has no room for. Reached only by a client repeating itself; the message says
        so and what to do, and names no input."""
        update = workflow.current_update_info()
        if update is not None and update.name in SYSTEM_UPDATES:
            return  # the Tribunal's word and the system's own reports are always taken
        info = workflow.info()
        if len(self.history) >= MAX_STEPS_PER_RUN or info.get_current_history_size() >= MAX_HISTORY_BYTES:
            raise InvalidAction(
                f"this {self.process} has recorded {len(self.history)} steps, more than any real case needs, and "
                "takes no more: check for a client repeating a request, then ask ops (docs/operations.md)"
            )

    def count_of(self, action: str) -> int:
        """How many times this run's history records an action."""
        return sum(1 for entry in self.history if entry.action == action)

    def check_repeats(self, kind: str, count: int) -> None:
        """Refuse the next of a repeatable action once the case holds MAX_REPEATS[kind] of them."""
        limit = MAX_REPEATS[kind]
        if count >= limit:
            raise InvalidAction(f"this case already records {limit} {kind}, the most one case may hold")

    # Statutory exceptions (e.g. SEND Regs 2014 regs 10(4), 13(3), 27(3), 44(3)) ---------------------------

    def check_exception(self, recorded: ExceptionRecorded) -> None:
        """Refuse an exception the law does not allow for the steps it names, before anything is recorded."""
        self.check_repeats("exceptions", len(self.book.exceptions))
        try:
            code = statutory.ExceptionCode(recorded.code)
        except ValueError:
            known = ", ".join(c.value for c in statutory.ExceptionCode)
            raise InvalidAction(f"unknown exception code (known: {known})") from None
        if recorded.end < recorded.start:
            raise InvalidAction(f"the exception ends ({recorded.end}) before it starts ({recorded.start})")
        if recorded.start > self.today():
            raise InvalidAction(f"the exception starts in the future ({recorded.start})")
        if recorded.start > recorded.on:
            raise InvalidAction(
                f"an exception is recorded once it has begun: it starts on {recorded.start}, after the date it is "
                f"recorded on ({recorded.on})"
            )
        shortest, days = statutory.MINIMUM_DAYS.get(code), (recorded.end - recorded.start).days + 1
        if shortest is not None and days < shortest:
            raise InvalidAction(
                f"exception '{code.value}' needs a continuous period of at least {shortest // 7} weeks "
                f"({code.reference}); {recorded.start} to {recorded.end} is {days} days"
            )
        steps = {d.step for d in self.book.deadlines}
        for step in recorded.steps:
            if step not in steps:
                raise InvalidAction(
                    f"a step named has no deadline on this case (deadlines: {', '.join(sorted(steps))})"
                )
            rule = statutory.get_rule(step, self.state.policy)
            if code not in rule.exceptions:
                raise InvalidAction(
                    f"exception '{code.value}' does not apply to {step} ({rule.reference}); "
                    f"it allows: {', '.join(c.value for c in rule.exceptions) or 'none'}"
                )

    def apply_exception(self, recorded: ExceptionRecorded) -> str:
        """Record the exception: missed deadlines it covers become excepted, not breached. Returns the summary."""
        self.book.record_exception(
            StatutoryException(
                code=recorded.code,
                reason=recorded.reason,
                start=recorded.start,
                end=recorded.end,
                steps=recorded.steps,
                recorded_by=recorded.actor,
            )
        )
        return (
            f"Statutory exception {recorded.code} from {recorded.start} to {recorded.end} "
            f"for {', '.join(recorded.steps)}"
        )

    def today(self) -> date:
        """The business date now, by the workflow's deterministic clock (deadlines are London days)."""
        return statutory.business_date(workflow.now())

    def clock_changed(self) -> None:
        self._clock_changed = True

    async def publish(self) -> None:
        await self.record_restated()
        async with self._publish_lock:
            snapshot = self.snapshot()
            snapshot.new_history = [h for h in self.history if h.seq > self._synced_seq]
            in_task = workflow.patched(SYNC_IN_WORKFLOW_TASK)
            options: dict[str, Any] = {
                "start_to_close_timeout": ACTIVITY_TIMEOUT,
                "retry_policy": SYNC_RETRY if in_task and self._notices_after_answer else ACTIVITY_RETRY,
                "summary": OpsText(f"read model: {snapshot.stage}"),
            }
            if in_task:
                await workflow.execute_local_activity(SYNC_CASE, snapshot, **options)
            else:
                await workflow.execute_activity(SYNC_CASE, snapshot, **options)
            self._synced_seq = max((h.seq for h in snapshot.new_history), default=self._synced_seq)
            updates = self._search_attribute_updates()
            if in_task:
                current = workflow.info().typed_search_attributes
                updates = [u for u in updates if current.get(u.key) != u.value]
            if updates:
                workflow.upsert_search_attributes(updates)
            workflow.set_current_details(self.details())
        if self.over():
            # The change ends the run: its letters are sent before the answer, so that the run ends (a plan's next
            # cycle starts) in the task that answers, as before; once a cycle, not on every action.
            await self.notices_sent()

    def _search_attribute_updates(self) -> list[SearchAttributeUpdate[Any]]:
        next_open = self.book.next_open()
        return [
            sa.CASE_STAGE.value_set(self.stage_name()),
            sa.DEADLINE_BREACHED.value_set(self.book.breached),
            sa.NEXT_DEADLINE.value_set(datetime.combine(next_open.due, time(), UTC))
            if next_open
            else sa.NEXT_DEADLINE.value_unset(),
        ]

    def details(self) -> str:
        lines = [
            f"**{PROCESS_TITLES[self.process]}** · case {self.case_ref} · LA {self.state.la_code}",
            f"**Stage:** {self.stage_name().replace('_', ' ')}",
            f"**Waiting for:** {self.waiting_for()}",
        ]
        next_open = self.book.next_open()
        if next_open:
            lines.append(
                f"**Next deadline:** {next_open.label}, due {next_open.due:%a %d %b %Y} ({next_open.reference})"
            )
        breached = [d for d in self.book.deadlines if d.status is DeadlineStatus.BREACHED]
        if breached:
            lines.append("**Breached:** " + "; ".join(f"{d.label} (due {d.due:%d %b %Y})" for d in breached))
        now = workflow.now()
        held = [d for d in self.book.deadlines if d.provisional(now) and d.due < self.today()]
        if held:
            lines.append(
                "**Entered late, not yet judged:** "
                + "; ".join(f"{d.label} (due {d.due:%d %b %Y}; judged from {d.held_until:%d %b %Y})" for d in held)
            )
        return "\n\n".join(lines)

    def next_event(self) -> datetime | None:
        """When the case's own calendar (not its deadlines) next needs the clock, if ever."""
        return None

    async def on_events(self) -> None:
        """Act on the case's own calendar once the clock passes `next_event`."""
        return None

    async def run_clock(self, until_closed: Callable[[], bool]) -> None:
        """Sleep until the next reminder, breach or calendar event, or until an action changes them."""
        while not until_closed():
            wake = min((w for w in (self.book.next_wake(), self.next_event()) if w is not None), default=None)
            now = workflow.now()
            if wake is None or wake > now:
                timeout = None if wake is None else wake - now
                with contextlib.suppress(TimeoutError):  # the timer fired: that is the point
                    await workflow.wait_condition(
                        lambda: self._clock_changed or until_closed(),
                        timeout=timeout,
                        timeout_summary=OpsText(self._timer_summary()),
                    )
            self._clock_changed = False
            event = self.next_event()
            if event is not None and event <= workflow.now():
                await self.on_events()
            firings = self.book.fire(workflow.now())
            for firing in firings:
                await self._announce(firing)
            if firings:
                await self.publish()

    def _timer_summary(self) -> str:
        """What the clock's timer is for, as the Temporal UI shows it on the timeline: "breach: Final EHC plan due
        26 May 2025" (docs/temporal-ui.md)."""
        moment, event = self.book.next_moment(), self.next_event()
        if moment is not None and (event is None or moment[0] <= event):
            when, what, deadline = moment
            # A date entered late is judged when its settle period ends, whatever its own moments were.
            words = "entered late, judged" if when == deadline.held_until else TIMER_WORDS[what]
            return f"{words}: {deadline.label or deadline.step} due {day(deadline.due)}"
        if event is not None:
            return f"{self.process} calendar: {self.calendar_event()}"
        return "waiting for the case officer"

    def calendar_event(self) -> str:
        """What the case's own next calendar moment is (next_event), in words; a process with one says."""
        return "the next date the case keeps"

    async def _announce(self, firing: Firing) -> None:
        deadline = firing.deadline
        if firing.event is ClockEvent.REMINDER and deadline.kind is DeadlineKind.TARGET:
            await self._about(deadline, Recipient.OFFICER, "at_risk", letters.target_at_risk)
        elif firing.event is ClockEvent.TARGET_PASSED:
            self.record("target_passed", on=deadline.due, summary=f"{deadline.label}: planning date passed")
        elif firing.event is ClockEvent.REMINDER:
            await self._about(deadline, Recipient.OFFICER, "reminder", letters.deadline_reminder)
        elif firing.event is ClockEvent.WINDOW_CLOSED:
            self.record("window_closed", on=deadline.due, summary=f"{deadline.label} closed")

        elif deadline.status is DeadlineStatus.EXCEPTED:
            self.record(
                "deadline_excepted",
                on=deadline.due,
                summary=f"{deadline.label} missed under statutory exception {deadline.exception_code}",
            )
        else:
            self.record("deadline_breached", on=deadline.due, summary=f"{deadline.label} ({deadline.reference})")
            workflow.logger.warning(
                "statutory deadline breached",
                extra={"case_ref": self.case_ref, "step": deadline.step, "due": deadline.due.isoformat()},
            )
            await self._about(deadline, Recipient.OFFICER, "breach", letters.deadline_breached)
            await self._about(deadline, Recipient.MANAGER, "escalation", letters.deadline_escalation)

    async def _about(
        self,
        deadline: Deadline,
        recipient: Recipient,
        what: str,
        notice: Callable[[str, str, date, str], letters.Notice],
    ) -> None:
        """The staff's notice of what the clock found about one date, once per date and kind (`what`); the kind of
        notice is the letter's own name (deadline_reminder, deadline_breached, ...)."""
        text = notice(self.case_ref, deadline.label, deadline.due, deadline.reference)
        await self.notify(recipient, f"{deadline.key}:{what}", text, template=notice.__name__)

    async def record_appealable(
        self, decision: AppealableDecision, la_code: str, policy: str, reminder_working_days: int
    ) -> None:
        """Keep a decision that carries appeal rights (CFA 2014 s.51(2)) for the redress route, with the
        time limits the family's letter gives them (reg 33; HESC r.20)."""
        on = decision.decided_on
        await workflow.execute_activity(
            RECORD_DECISION,
            DecisionRecord(
                decision_id=decision.decision_id,
                case_ref=self.case_ref,
                la_code=la_code,
                kind=decision.kind,
                limb=decision.limb,
                decided_on=on,
                policy=policy,
                certificate_needed=decision.mediation_certificate_needed,
                reminder_working_days=reminder_working_days,
                mediation_contact_by=statutory.due_date("mediation.contact_adviser", on, policy),
                appeal_by=statutory.due_date("appeal.from_decision", on, policy),
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=OpsText(f"appealable decision: {decision.kind}"),
        )

    async def send_plan_copies(self, key: str, what: str, on: date, reference: str, setting: str | None) -> None:
        """A final or amended plan goes to the named setting and the health commissioning body as well as the
        family (SEND Regs 2014 regs 13(2), 22(3), 27(2))."""
        if not self.law_gaps:
            return
        copy = letters.plan_copy(self.case_ref, what, on, reference)
        template = key.rsplit(":", 1)[-1]  # the key may carry the review cycle; the template never does
        if setting:
            await self.notify(Recipient.SETTING, key, copy, template=f"{template}_copy", fact_on=on)
        await self.notify(Recipient.HEALTH_BODY, key, copy, template=f"{template}_copy", fact_on=on)

    async def open_consultation(
        self,
        consulted: SettingConsulted,
        *,
        notice_key: str,
        what: str,
        kind: DeadlineKind,
        keep: Callable[[SettingConsultation], None],
    ) -> str:
        """Consult a setting on being named in a plan (CFA 2014 ss.39(2)-(3), 40(3); Code 9.83: 15 days to answer);
        the history line. The assessment and the plan (regs 22, 27) consult the same way.

        The consultation is kept before the letter is sent: an update's validator and its handler run without a
        break up to the handler's first wait, so a second request for the same setting, arriving meanwhile, is
        refused by a validator that already sees the first."""
        urn = consulted.setting_urn
        label = f"Answer from setting URN {urn}"
        deadline = self.book.open(f"{SETTING_RESPONSE}:{urn}", SETTING_RESPONSE, consulted.on, kind=kind, label=label)
        keep(SettingConsultation(setting_urn=urn, sent_on=consulted.on, due=deadline.due))
        await self.notify(
            Recipient.SETTING,
            notice_key,
            letters.setting_consultation(self.case_ref, urn, what, deadline.due),
            template="setting_consultation",
            fact_on=consulted.on,
        )
        return f"Setting URN {urn} consulted; answer due {deadline.due}"

    def record_consultation_answer(self, consultation: SettingConsultation, answer: SettingAnswered) -> str:
        """The consulted setting's answer, judged by its date against its 15 days; the history line."""
        consultation.answered_on, consultation.agrees = answer.on, answer.agrees
        self.book.complete(f"{SETTING_RESPONSE}:{answer.setting_urn}", answer.on)
        verdict = "agrees" if answer.agrees else "does not agree"
        return f"Setting URN {answer.setting_urn} {verdict} to be named"

    async def report_order_done(self, tribunal_workflow_id: str, order_id: str, on: date) -> None:
        """Tell the Tribunal appeal that its order has been carried out on this case."""
        await workflow.execute_activity(
            REPORT_ORDER_DONE,
            OrderDone(tribunal_workflow_id=tribunal_workflow_id, order_id=order_id, on=on),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=OpsText("the Tribunal's order is carried out"),
        )

    async def notify(
        self,
        recipient: Recipient,
        key: str,
        notice: letters.Notice,
        *,
        template: str | None = None,
        fact_on: date | None = None,
        provider: str | None = None,
    ) -> None:
        """Send a notice (`key` makes it once per case and recipient; `template`, the kind of notice, is the key
        unless said), after the answer of the action that caused it (NOTICES_AFTER_ANSWER); the letter of a fact
        dated before this run began (a backlog typed in) is kept as sent on paper at the time, not sent again
        months later."""
        entered_on = statutory.business_date(workflow.info().start_time)
        request = NotificationRequest(
            idempotency_key=f"{self.workflow_id}:{key}:{recipient.value}",
            case_ref=self.case_ref,
            recipient=recipient,
            template=template or key,
            subject=notice.subject,
            body=notice.body,
            past_fact=self.legal_time and fact_on is not None and fact_on < entered_on,
            provider=provider,
        )
        if not self._notices_after_answer:
            await workflow.execute_activity(
                SEND_NOTIFICATION,
                request,
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                summary=OpsText(f"notify {recipient.value}: {request.template}"),
            )
            return
        if not self._written:  # the first of its batch: the batch is sent once the notices before it are
            self._last_notice = asyncio.create_task(self._send_written(after=self._last_notice))
        self._written.append(request)

    async def _send_written(self, after: asyncio.Task[None] | None) -> None:
        """The notices written since the last batch went, in one activity, once the batch before (`after`) is sent:
        the batch is taken only then, so a step's notices, and any written while the one before was going, go
        together."""
        if after is not None:
            await after
        batch, self._written = NotificationBatch(notices=self._written), []
        told = ", ".join(f"{n.recipient.value}: {n.template}" for n in batch.notices)
        await workflow.execute_activity(
            SEND_NOTIFICATIONS,
            batch,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=OpsText(f"notify {told}"[:200]),
        )
