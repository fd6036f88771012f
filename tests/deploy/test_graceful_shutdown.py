"""SIGTERM during work, as a deploy or a scale-down sends it: the worker lets its in-flight activity finish,
the API answers the request it is serving, and the officer's action is recorded once, nothing lost.

The worker (`worker.py`) and the API (`uvicorn --factory api.main:production_app`) run as the processes
they are in production, against the dev server and the test database. The case's read-model row is held
locked by this test, so the read-model write of the officer's action is provably in flight when both get
SIGTERM; the lock is let go only once a second worker is up, as a rolling deploy would have it.
"""

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from sqlmodel import col, select, text, update
from temporalio.api.enums.v1 import EventType, PendingActivityState, TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.testing import WorkflowEnvironment

from bench.stack import free_port
from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent, Case
from tests.conftest import BIN, TASK_QUEUE, eventually
from tests.factories import TEST_PAYLOAD_KEYS, TEST_SECRET, bearer, case_request

ROOT = Path(__file__).resolve().parents[2]


def environment(settings: Settings, env: WorkflowEnvironment) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": TASK_QUEUE,
        "AUTH_JWT_SECRET": TEST_SECRET,
        "PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
        "LOG_FORMAT": "json",
    }


@asynccontextmanager
async def process(*argv: str, env: dict[str, str]) -> AsyncIterator[asyncio.subprocess.Process]:
    """A child process that is killed at the end of the test if it has not exited by then."""
    child = await asyncio.create_subprocess_exec(
        *argv, cwd=ROOT, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    try:
        yield child
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


async def polling(env: WorkflowEnvironment, pid: int) -> bool:
    """Is the worker with this process id polling for activities (its identity is pid@host)?"""
    answer = await env.client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=env.client.namespace,
            task_queue=TaskQueue(name=TASK_QUEUE),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        )
    )
    return any(p.identity.startswith(f"{pid}@") for p in answer.pollers)


async def exit_of(child: asyncio.subprocess.Process) -> tuple[int, str]:
    output, _ = await asyncio.wait_for(child.communicate(), timeout=60)
    return child.returncode or 0, output.decode()


async def test_sigterm_lets_the_activity_and_the_request_in_flight_finish(
    dev_env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    port = free_port()
    children = environment(settings, dev_env)
    worker_argv = (sys.executable, "worker.py")
    api_argv = (
        str(BIN / "uvicorn"),
        "--factory",
        "api.main:production_app",
        "--port",
        str(port),
        "--log-level",
        "warning",
    )
    async with (
        process(*worker_argv, env=children) as first_worker,
        process(*api_argv, env=children) as api_process,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=bearer(settings), timeout=60) as api,
    ):

        async def api_up() -> bool:
            try:
                return (await api.get("/health/live")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(api_up, attempts=400)
        received = (await dev_env.get_current_time()).date()
        answer = await api.post("/cases", json=case_request(received, la_code="909"))
        assert answer.status_code == 201, answer.text
        ref = answer.json()["case_ref"]

        async def synced() -> Case | None:
            async with sessions() as session:
                return await session.get(Case, ref)

        await eventually(synced, attempts=400)  # the first worker is polling and writing

        async with sessions() as holder:
            await holder.begin()
            # Hold the case row: the action's sync activity blocks on it, in flight on the first worker.
            await holder.exec(update(Case).where(col(Case.case_ref) == ref).values(team=None))
            action = asyncio.create_task(
                api.post(
                    f"/cases/{ref}/decide-to-assess",
                    json={"on": received.isoformat(), "assess": True},
                    headers={"Idempotency-Key": f"shutdown-{ref}"},
                )
            )
            handle = dev_env.client.get_workflow_handle(f"assessment-{ref}")

            async def write_held() -> bool:
                # The action's read-model write (a local activity, in the workflow task) waits on the held row
                # in PostgreSQL; SQLite locks the whole file, so there the notice's activity before it waits.
                async with sessions() as probe:
                    if probe.bind is not None and probe.bind.dialect.name == "postgresql":
                        waiting = text(
                            "SELECT count(*) FROM pg_stat_activity"
                            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                        )
                        return bool((await probe.execute(waiting)).one()[0])
                pending = (await handle.describe()).raw_description.pending_activities
                return any(a.state == PendingActivityState.PENDING_ACTIVITY_STATE_STARTED for a in pending)

            await eventually(write_held, attempts=400)
            first_worker.send_signal(signal.SIGTERM)
            api_process.send_signal(signal.SIGTERM)
            async with process(*worker_argv, env=children) as second_worker:
                await eventually(lambda: polling(dev_env, second_worker.pid), attempts=400)
                await holder.rollback()

                answer = await action
                assert answer.status_code == 200, answer.text
                assert answer.json()["stage"] == "assessing"
                worker_exit, worker_log = await exit_of(first_worker)
                assert worker_exit == 0, worker_log
                assert "worker stopping" in worker_log and "worker stopped" in worker_log
                api_exit, api_log = await exit_of(api_process)
                # uvicorn finishes the request, shuts the app down, then re-raises the SIGTERM it caught
                # so that a supervisor sees the conventional status.
                assert api_exit in (0, -signal.SIGTERM), api_log
                assert "api stopped" in api_log
                second_worker.send_signal(signal.SIGTERM)
                assert (await exit_of(second_worker))[0] == 0

    # What was in flight finished on its first attempt, on the worker that was told to stop: no activity and no
    # workflow task (which holds the local activity) failed or timed out to be run again elsewhere.
    history = await handle.fetch_history()
    started = [
        e.activity_task_started_event_attributes
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    assert all(s.attempt == 1 for s in started)
    failures = {
        EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED,
        EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
        EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
        EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    }
    assert not [e for e in history.events if e.event_type in failures]
    async with sessions() as session:
        case = await session.get(Case, ref)
        decided = (
            await session.exec(
                select(AuditEvent).where(col(AuditEvent.case_ref) == ref, col(AuditEvent.action) == "decided_to_assess")
            )
        ).all()
    assert case is not None and case.stage == "assessing"
    assert len(decided) == 1
