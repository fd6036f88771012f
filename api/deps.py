"""Typed dependencies: the database session, the Temporal client, the settings, today's date and the forecast's
history.

All are `async def`: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request
for what is an attribute read."""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated

import structlog
from fastapi import Depends, Path, Request
from sqlalchemy.exc import DBAPIError
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

import statutory
from core.config import Settings
from core.workflow_ids import CASE_REF_PATTERN
from reports.forecast import StatisticsCache
from reports.forecast_model import History

log = structlog.get_logger(__name__)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    session = request.app.state.sessions()
    try:
        yield session
    finally:
        try:
            await session.close()
        except DBAPIError as error:
            # The database went away while this request held a connection (an action waits on its workflow,
            # which waits on the database): the transaction died with the connection, so nothing is left to
            # roll back, and the answer is already on its way. Raising here would only break that answer.
            if not error.connection_invalidated:
                raise
            log.warning("database connection lost before the request's session closed", path=request.url.path)


async def get_temporal(request: Request) -> Client:
    return request.app.state.temporal


async def get_app_settings(request: Request) -> Settings:
    return request.app.state.settings


# What time it is, for the dates the law judges by: the real time, or in tests the time-skipping server's, so that
# the API and the workflows agree on what today is however far a test has moved the clock on.
Clock = Callable[[], Awaitable[datetime]]


async def real_time() -> datetime:
    return datetime.now(UTC)


async def business_today(request: Request) -> date:
    """Today in England (a day starts at midnight London time), by the app's clock."""
    clock: Clock = request.app.state.clock
    return statutory.business_date(await clock())


SessionDep = Annotated[AsyncSession, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
Today = Annotated[date, Depends(business_today)]


async def forecast_cache(request: Request) -> StatisticsCache:
    return request.app.state.forecast_statistics


ForecastCache = Annotated[StatisticsCache, Depends(forecast_cache)]


async def forecast_history(request: Request, session: SessionDep, today: Today) -> History:
    """Every LA's history of how long each step takes, as of today: read through the app's cache
    (reports/forecast.py, StatisticsCache), so at most once every few minutes."""
    cache: StatisticsCache = request.app.state.forecast_statistics
    history = await cache.history(session, today)
    # Its own transaction, ended here: the route's reads begin theirs as they need (the dashboard's one snapshot).
    await end_read(session)
    return history


ForecastHistory = Annotated[History, Depends(forecast_history)]


async def end_read(session: AsyncSession) -> None:
    """End a transaction that has only read, so its pooled connection goes back while the request waits on
    Temporal: an action can wait up to 30 s for its workflow, and held connections would otherwise leave a
    slow worker starving every other request (and the readiness probe) of the database. The session begins
    a new transaction when it is next used; what it loaded stays loaded (expire_on_commit is off)."""
    if not (session.new or session.dirty or session.deleted):
        await session.commit()


# A case reference in an address: a pattern, so a path that cannot name a case is refused before a lookup.
CaseRef = Annotated[str, Path(pattern=CASE_REF_PATTERN.pattern, description="e.g. 202-7K3M9QXT")]
