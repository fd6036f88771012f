"""Health probes, without a token: an orchestrator's probe carries none.

Liveness says only that this process answers, so a restart is never triggered by a database or
Temporal outage that a restart cannot fix; readiness says whether this process can serve cases now,
so the load balancer sends requests elsewhere until both dependencies answer.
"""

import asyncio
from collections.abc import Awaitable

from fastapi import APIRouter, status
from sqlalchemy import text

from api.deps import SessionDep, TemporalDep
from api.problems import Problem

router = APIRouter(tags=["health"])

# Below a probe's usual timeout, so an unreachable dependency is a 503, not a timed-out probe.
CHECK_TIMEOUT_SECONDS = 3
UNAVAILABLE = {status.HTTP_503_SERVICE_UNAVAILABLE: {"description": "Temporal or the database does not answer"}}


async def _answers(check: Awaitable[object]) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await check
    except Exception:
        # The error itself (a host name, a driver message) is not for an unauthenticated caller.
        return "unreachable"
    return "ok"


@router.get("/health/live")
async def live() -> dict[str, str]:
    """Liveness: the process is up and its event loop answers. Checks nothing else."""
    return {"status": "alive"}


@router.get("/health/ready", responses=UNAVAILABLE)
async def ready(session: SessionDep, temporal: TemporalDep) -> dict[str, str]:
    """Readiness: 200 when Temporal and the database both answer, else 503 (problem+json) naming which."""
    temporal_check, database_check = await asyncio.gather(
        _answers(temporal.service_client.check_health()),
        _answers(session.exec(text("SELECT 1"))),  # type: ignore[call-overload]
    )
    checks = {"temporal": temporal_check, "database": database_check}
    down = [name for name, state in checks.items() if state != "ok"]
    if down:
        raise Problem(
            503,
            "Not ready",
            f"This API process cannot reach {' or '.join(down)}; requests are refused until it answers again.",
            "/problems/not-ready",
            checks=checks,
        )
    return checks


@router.get("/health", responses=UNAVAILABLE)
async def health(session: SessionDep, temporal: TemporalDep) -> dict[str, str]:
    """The same as `/health/ready`, for probes configured before the split."""
    return await ready(session, temporal)
