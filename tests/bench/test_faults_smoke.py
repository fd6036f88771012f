"""The fault runs of bench/faults.py, small enough for the suite.

The worker is SIGKILLed among 20 cases opened through the API and started again, then the dev server is
SIGKILLed and started again on its SQLite file: every case still runs, every notice the clock owes is
sent once, the read model has no drift, and every pending timer is the same after as before.

A case's timers fall due at midnight in London, so none can come due during a test; the second test
shows what happens to one that does while the server is down. Its workflow sleeps on a Temporal timer,
as a case's clock does, then sends a notice through the real notification activity: the server is
killed before the timer is due and kept down until after, and the timer fires once, after the restart.
bench/faults.py runs the same at 1,000 cases (docs/reliability.md).
"""

import asyncio
import signal
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import col, select
from temporalio import workflow
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from activities.notifications import Notifier
from bench.faults import Bench, Stack, connect_to
from store.db import SessionMaker
from store.models import Notification
from tests.conftest import eventually
from tests.factories import notice
from workflows.activity_contracts import SEND_NOTIFICATION, NotificationRequest, Recipient
from workflows.case_base import ACTIVITY_RETRY, ACTIVITY_TIMEOUT

pytestmark = pytest.mark.slow

ALARM_QUEUE = "fault-alarms"
ALARM_SECONDS = 4


def assert_nothing_lost_or_doubled(found: dict[str, Any]) -> None:
    """What bench.faults checks after each fault: every case there, no notice twice, none wrong, no drift."""
    assert (found["lost"], found["duplicate_notices"]) == (0, 0)
    assert found["drift"] == 0, found["drift_sample"]
    assert found["cases_with_wrong_notices"] == 0, found["wrong_notices_sample"]


async def test_worker_killed_and_server_killed_among_cases(
    tmp_path: Path, database_url: str, sessions: SessionMaker
) -> None:
    stack = Stack(tmp_path, database_url)
    try:
        stack.start_server()
        client = await connect_to(stack)
        stack.start_worker()
        stack.start_api()
        bench = Bench(stack, client, sessions)
        await bench.ready()

        load = await bench.load(20, 0, kill_worker_at=10)
        assert load["worker_kill"]["after_cases_opened"] == 10
        await bench.settle(datetime.now(UTC))
        after_kill = await bench.check(datetime.now(UTC))
        assert_nothing_lost_or_doubled(after_kill)
        assert after_kill["decisions_not_recorded_once"] == after_kill["decisions_not_in_read_model"] == 0

        restart = await bench.restart_server(signal.SIGKILL, new_cases=4, offset=1000, down_seconds=0)
        assert restart["workflows_running_after_restart"] == restart["workflows_running_before"] == 20
        assert restart["timers_pending_before"] > 0
        assert restart["timers_due_not_fired"] == restart["timers_not_due_changed"] == 0
        final = await bench.check(datetime.now(UTC))
        assert final["cases"] == 24
        assert_nothing_lost_or_doubled(final)
        await bench.api.aclose()
    finally:
        stack.close()


@dataclass
class AlarmRequest:
    seconds: float
    notice: NotificationRequest


@workflow.defn
class Alarm:
    """A timer, then a notice: a case's clock reduced to one deadline that falls due in seconds."""

    @workflow.run
    async def run(self, request: AlarmRequest) -> None:
        await workflow.sleep(request.seconds)
        await workflow.execute_activity(
            SEND_NOTIFICATION, request.notice, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY
        )


async def timer_events(handle: WorkflowHandle) -> list[tuple[EventType.ValueType, datetime]]:
    history = await handle.fetch_history()
    kinds = (EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_FIRED)
    return [(e.event_type, e.event_time.ToDatetime(tzinfo=UTC)) for e in history.events if e.event_type in kinds]


async def until_past(instant: datetime) -> None:
    """Wait until the wall clock (the dev server's own) has passed `instant`."""
    while (left := (instant - datetime.now(UTC)).total_seconds()) >= 0:
        await asyncio.sleep(left + 0.1)


async def alarms_across_a_kill(stack: Stack, sessions: SessionMaker, refs: list[str], seconds: float) -> bool:
    """Start an alarm of `seconds` for each ref, SIGKILL the server once every timer is in its history, keep it
    down until every timer is due, start it again and wait for every alarm to end. Whether the server was down
    before the first timer was due: on a machine slower than `seconds` between the timers' start and the kill,
    it was not, and the round proves nothing (it is asserted on only when it does)."""
    client = await connect_to(stack)
    async with Worker(
        client,
        task_queue=ALARM_QUEUE,
        workflows=[Alarm],
        activities=[Notifier(sessions).send_notification],
        workflow_runner=UnsandboxedWorkflowRunner(),
    ):
        handles = [
            await client.start_workflow(
                Alarm.run,
                AlarmRequest(
                    seconds,
                    notice(f"alarm-{ref}:officer", ref, Recipient.OFFICER, "deadline_reminder", "A deadline is near."),
                ),
                id=f"alarm-{ref}",
                task_queue=ALARM_QUEUE,
            )
            for ref in refs
        ]
        started = [(await eventually(lambda h=handle: timer_events(h)))[0][1] for handle in handles]
        Stack.stop(stack.server, signal.SIGKILL)
        down = datetime.now(UTC)  # the process has exited: the server is down
        await until_past(max(started) + timedelta(seconds=seconds))  # every timer is due while it is down
        restarted = datetime.now(UTC)
        stack.start_server()
        for handle in handles:
            await asyncio.wait_for(handle.result(), timeout=120)  # a hung run's stop, not the test's outcome
    if down >= min(started) + timedelta(seconds=seconds):
        return False
    for handle in handles:
        events = await timer_events(handle)
        assert [kind for kind, _ in events] == [EventType.EVENT_TYPE_TIMER_STARTED, EventType.EVENT_TYPE_TIMER_FIRED]
        assert events[1][1] >= restarted  # fired once, after the restart
    return True


async def test_a_timer_due_while_the_server_is_down_fires_once_after(
    tmp_path: Path, database_url: str, sessions: SessionMaker
) -> None:
    """The timers are due a few seconds after they start: if the server could not be killed that soon, the
    round is run again with timers twice as long, so a slow machine takes longer rather than deciding."""
    stack = Stack(tmp_path, database_url)
    try:
        stack.start_server()
        for attempt in range(5):
            refs = [f"ALARM-{attempt}-{n}" for n in range(3)]
            if await alarms_across_a_kill(stack, sessions, refs, ALARM_SECONDS * 2**attempt):
                break
        else:
            pytest.fail(f"the server could never be killed within {ALARM_SECONDS * 2**attempt} s of a timer's start")
        async with sessions() as session:
            sent = (await session.exec(select(Notification.case_ref).where(col(Notification.case_ref).in_(refs)))).all()
        assert sorted(sent) == refs  # one notice each
    finally:
        stack.close()
