"""`GET /metrics`: what Prometheus scrapes from each API pod (api/metrics.py says what it holds)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from api.auth import LA_CODE_PATTERN, Role, User, allow, visible_las
from api.deps import SessionDep
from reports.case_metrics import CONTENT_TYPE, HttpMetrics, read_model_gauges

router = APIRouter(tags=["operations"])

# Ops and managers watch the service; the counts carry no personal data, so no read is audited.
Watcher = Annotated[User, Depends(allow(Role.OPS, Role.MANAGER))]


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE: {}}, "description": "Prometheus text exposition format"}},
)
async def metrics(
    request: Request,
    session: SessionDep,
    user: Watcher,
    la_code: Annotated[str | None, Query(pattern=LA_CODE_PATTERN)] = None,
) -> Response:
    """Request counts and latencies of this API process, and open cases and breached duties by LA and
    process for the caller's LAs (or the one LA asked for). Prometheus sends a token of an ops user
    whose `la_codes` list every LA this deployment serves."""
    http_metrics: HttpMetrics = request.app.state.http_metrics
    gauges = await read_model_gauges(session, visible_las(user, la_code))
    return Response(http_metrics.render(gauges), media_type=CONTENT_TYPE)
