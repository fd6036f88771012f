"""Health: whether this API process can reach the workflow service and the database."""

import asyncio

from fastapi import APIRouter, Response, status
from sqlalchemy import text

from api.deps import SessionDep, TemporalDep

router = APIRouter(tags=["health"])


@router.get("/health")
async def health(response: Response, session: SessionDep, temporal: TemporalDep) -> dict[str, str]:
    """Liveness and readiness: 200 when Temporal and the database both answer, 503 otherwise."""
    checks = {"temporal": "ok", "database": "ok"}
    try:
        async with asyncio.timeout(3):
            await temporal.service_client.check_health()
    except Exception:
        checks["temporal"] = "unreachable"
    try:
        async with asyncio.timeout(3):
            await session.exec(text("SELECT 1"))  # type: ignore[call-overload]
    except Exception:
        checks["database"] = "unreachable"
    if "unreachable" in checks.values():
        response.status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    return checks
