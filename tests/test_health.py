"""Health probes: liveness needs nothing, readiness needs Temporal and the database, and neither needs a token."""

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from settings import Settings
from store.db import SessionMaker
from temporal_client import data_converter

PROBES = ("/health/live", "/health/ready", "/health")


def closed_port() -> int:
    """A local port nothing listens on: connecting there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@asynccontextmanager
async def probe_client(
    settings: Settings, temporal: Client, sessions: SessionMaker | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The real app, called as an orchestrator's probe would: without a token."""
    app = create_app(settings, temporal=temporal, sessions=sessions)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client,
    ):
        yield client


async def test_every_probe_answers_200_without_a_token_when_all_is_up(
    env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    async with probe_client(settings, env.client, sessions) as probe:
        live = await probe.get("/health/live")
        assert live.status_code == 200 and live.json() == {"status": "alive"}
        for path in ("/health/ready", "/health"):
            answer = await probe.get(path)
            assert answer.status_code == 200, answer.text
            assert answer.json() == {"temporal": "ok", "database": "ok"}


async def test_an_unreachable_database_makes_the_api_unready_but_still_alive(
    env: WorkflowEnvironment, settings: Settings
) -> None:
    # The app makes its own engine from the settings, as in production, for a server that is not there.
    nowhere = settings.model_copy(update={"database_url": f"postgresql+asyncpg://ehcp@127.0.0.1:{closed_port()}/ehcp"})
    async with probe_client(nowhere, env.client) as probe:
        assert (await probe.get("/health/live")).status_code == 200
        for path in ("/health/ready", "/health"):
            answer = await probe.get(path)
            assert answer.status_code == 503, answer.text
            assert answer.headers["content-type"] == "application/problem+json"
            problem = answer.json()
            assert problem["type"] == "/problems/not-ready"
            assert problem["checks"] == {"temporal": "ok", "database": "unreachable"}
            assert problem["detail"] == (
                "This API process cannot reach database; requests are refused until it answers again."
            )
            # Nothing about the server (its address, the driver's message) is told to an anonymous caller.
            assert "127.0.0.1" not in answer.text and "asyncpg" not in answer.text


async def test_an_unreachable_temporal_makes_the_api_unready(settings: Settings, sessions: SessionMaker) -> None:
    # A lazy client connects on first use: to a port where no Temporal server listens.
    absent = await Client.connect(f"127.0.0.1:{closed_port()}", lazy=True, data_converter=data_converter(settings))
    async with probe_client(settings, absent, sessions) as probe:
        assert (await probe.get("/health/live")).status_code == 200
        answer = await probe.get("/health/ready")
        assert answer.status_code == 503, answer.text
        assert answer.json()["checks"] == {"temporal": "unreachable", "database": "ok"}
        assert "cannot reach temporal;" in answer.json()["detail"]


async def test_probes_ignore_a_bad_token_rather_than_refusing(
    env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    async with probe_client(settings, env.client, sessions) as probe:
        for path in PROBES:
            answer = await probe.get(path, headers={"Authorization": "Bearer not.a.jwt"})
            assert answer.status_code == 200, (path, answer.text)
