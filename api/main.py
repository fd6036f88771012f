"""The FastAPI application: `uvicorn --factory api.main:production_app` (what `make run` starts).

The Temporal client and the database engine are made once per process in the lifespan and shared by
every request; tests pass their own to `create_app`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI
from temporalio.client import Client

from api import limits, problems
from api.deps import Clock, real_time
from api.pages import api_docs, govuk_assets
from api.portal_oidc import Provider
from api.routes import (
    assessment,
    cases,
    codec,
    dashboard,
    health,
    metrics,
    plan_import,
    plans,
    portal,
    portal_invitations,
    portal_oidc,
    portal_pages,
    portal_requests,
    portal_review,
    portal_settings,
    provision,
    redress,
    returns,
    settings_directory,
    sign_in,
    work,
)
from core.config import Settings, get_settings
from core.heap import freeze_startup_objects
from core.logs import configure_logging
from core.payload_codec import codec_for
from core.temporal_client import connect
from reports.case_metrics import instrument
from reports.forecast import StatisticsCache
from store.db import SessionMaker, create_engine, create_sessionmaker

log = structlog.get_logger(__name__)


def create_app(
    settings: Settings | None = None,
    *,
    temporal: Client | None = None,
    sessions: SessionMaker | None = None,
    clock: Clock = real_time,
) -> FastAPI:
    settings = settings or get_settings()

    if not (settings.auth_jwt_secret or settings.auth_jwt_public_key or settings.auth_jwks_url):
        # An API that cannot verify tokens would refuse every request: say so at start, not per request.
        raise RuntimeError("set AUTH_JWT_SECRET, AUTH_JWT_PUBLIC_KEY or AUTH_JWKS_URL (README, Who may do what)")
    # Refuses to start with encryption on and no keys (PayloadKeyError says which setting is missing).
    payload_codec = codec_for(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = None
        app.state.settings = settings
        if sessions is None:
            engine = create_engine(settings.database_url, settings.database_pool_size)
            app.state.sessions = create_sessionmaker(engine)
        else:
            app.state.sessions = sessions
        app.state.temporal = temporal or await connect(settings)
        app.state.forecast_statistics.sessions = app.state.sessions  # its counts refreshed in the background
        log.info("api started", namespace=settings.temporal_namespace, task_queue=settings.temporal_task_queue)
        yield
        # Reached once uvicorn has answered every request in flight (SIGTERM: no new connections, then this).
        await app.state.forecast_statistics.close()
        if engine is not None:
            await engine.dispose()
        log.info("api stopped")

    app = FastAPI(
        title="SEND statutory case engine",
        summary="EHC needs assessments, plan reviews and redress on durable Temporal workflows",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.payload_codec = payload_codec
    # Families' sign-in through an identity provider, where one is configured (refused at start if half configured).
    app.state.portal_oidc = Provider(settings) if settings.portal_oidc_issuer else None
    app.state.clock = clock
    # The forecast's history of each LA's steps, read at most every few minutes (reports/forecast.py).
    app.state.forecast_statistics = StatisticsCache()
    # Each client's codes asked for and sign-ins tried, counted in this process (api/client_limits.py).
    app.state.portal_clients = portal.portal_client_limit()
    problems.install(app)
    limits.install(app)
    instrument(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(cases.router)
    app.include_router(assessment.router)
    app.include_router(plan_import.router)
    app.include_router(plans.router)
    app.include_router(provision.router)
    app.include_router(redress.router)
    app.include_router(work.router)
    app.include_router(returns.router)
    app.include_router(settings_directory.router)
    app.include_router(dashboard.router)
    app.include_router(sign_in.router)
    app.include_router(portal.router)
    app.include_router(portal_pages.router)
    app.include_router(portal_oidc.router)
    app.include_router(portal_invitations.router)
    app.include_router(portal_requests.router)
    app.include_router(portal_settings.router)
    app.include_router(portal_review.router)
    govuk_assets.install(app, settings)
    codec.install(app, settings)
    api_docs.install(app)
    return app


def production_app() -> FastAPI:
    """The app as deployed: `uvicorn --factory api.main:production_app`."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    app = create_app(settings)
    freeze_startup_objects()
    return app
