"""Health probes, without a token: an orchestrator's probe carries none.

Liveness says only that this process answers, so a restart is never triggered by a database or
Temporal outage that a restart cannot fix; readiness says whether this process can serve cases now,
so the load balancer sends requests elsewhere until Temporal and the database answer and a worker
polls the task queue.
"""

import asyncio
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import APIRouter, status
from sqlalchemy import text
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.problems import Problem
from core.config import Settings

router = APIRouter(tags=["health"])

# Below a probe's usual timeout, so an unreachable dependency is a 503, not a timed-out probe.
CHECK_TIMEOUT_SECONDS = 3
# A worker re-polls its task queue at least once a minute (a long poll lasts up to about 70 s); one not seen
# for longer has stopped polling.
WORKER_SEEN_WITHIN = timedelta(seconds=90)
UNAVAILABLE: dict[int | str, dict[str, Any]] = {
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "description": "Temporal or the database does not answer, or no worker polls the task queue"
    }
}
# What each check can say: ok; unreachable (it answered with an error); slow (no answer within the check's
# time); for the worker, not_polling (Temporal has seen no worker lately) or unknown (this Temporal server
# cannot tell, as the time-skipping test server cannot).
DOWN = frozenset({"unreachable", "slow", "not_polling"})


async def _answers(check: Awaitable[object]) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check
    except TimeoutError:
        return "slow"
    except Exception:
        # The error itself (a host name, a driver message) is not for an unauthenticated caller.
        return "unreachable"
    return "ok"


async def _worker(temporal: Client, settings: Settings) -> str:
    """Whether a worker has polled the case task queue lately: without one no case moves, and reads and
    actions wait on workflows that nothing runs."""
    request = DescribeTaskQueueRequest(
        namespace=settings.temporal_namespace,
        task_queue=TaskQueue(name=settings.temporal_task_queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            answer = await temporal.workflow_service.describe_task_queue(request)
    except TimeoutError:
        return "slow"
    except RPCError as error:
        return "unknown" if error.status is RPCStatusCode.UNIMPLEMENTED else "unreachable"
    except Exception:  # no connection to be had at all (a lazy client's first call)
        return "unreachable"
    seen_after = datetime.now(UTC) - WORKER_SEEN_WITHIN
    polling = any(p.last_access_time.ToDatetime(tzinfo=UTC) >= seen_after for p in answer.pollers)
    return "ok" if polling else "not_polling"


@router.get("/health/live")
async def live() -> dict[str, str]:
    """Liveness: the process is up and its event loop answers. Checks nothing else."""
    return {"status": "alive"}


@router.get("/health/ready", responses=UNAVAILABLE)
async def ready(session: SessionDep, temporal: TemporalDep, settings: SettingsDep) -> dict[str, str]:
    """Readiness: 200 when Temporal and the database answer and a worker polls the task queue, else 503
    (problem+json) saying which does not and how: `unreachable`, `slow` or `not_polling`."""
    temporal_check, database_check, worker_check = await asyncio.gather(
        _answers(temporal.service_client.check_health()),
        _answers(session.exec(text("SELECT 1"))),  # type: ignore[call-overload]
        _worker(temporal, settings),
    )
    checks = {"temporal": temporal_check, "database": database_check, "worker": worker_check}
    if temporal_check != "ok" and worker_check == "unreachable":
        checks["worker"] = "unknown"  # Temporal itself is down: it cannot say whether workers poll
    down = [f"{name} ({state.replace('_', ' ')})" for name, state in checks.items() if state in DOWN]
    if down:
        raise Problem(
            503,
            "Not ready",
            f"This API process cannot serve cases: {', '.join(down)}. Requests are refused until that changes.",
            "/problems/not-ready",
            checks=checks,
        )
    return checks


@router.get("/health", responses=UNAVAILABLE)
async def health(session: SessionDep, temporal: TemporalDep, settings: SettingsDep) -> dict[str, str]:
    """The same as `/health/ready`, for probes configured before the split."""
    return await ready(session, temporal, settings)
