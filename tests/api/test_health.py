"""Health probes: liveness needs nothing; readiness needs Temporal, the database and a worker polling the task
queue; neither needs a token."""

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.auth import Role, User, case_for
from api.main import create_app
from core.config import Settings
from core.temporal_client import data_converter
from store.db import SessionMaker
from tests.conftest import eventually
from tests.driver import Officer
from worker import build_worker

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
            assert answer.json() == {"temporal": "ok", "database": "ok", "worker": "unknown"}


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
            assert problem["checks"] == {"temporal": "ok", "database": "unreachable", "worker": "unknown"}
            assert problem["detail"] == (
                "This API process cannot serve cases: database (unreachable). Requests are refused until that changes."
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
        assert answer.json()["checks"] == {"temporal": "unreachable", "database": "ok", "worker": "unknown"}
        assert "cannot serve cases: temporal (unreachable)." in answer.json()["detail"]


async def test_probes_ignore_a_bad_token_rather_than_refusing(
    env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    async with probe_client(settings, env.client, sessions) as probe:
        for path in PROBES:
            answer = await probe.get(path, headers={"Authorization": "Bearer not.a.jwt"})
            assert answer.status_code == 200, (path, answer.text)


async def test_readiness_names_a_task_queue_no_worker_polls(
    dev_env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    """On the real server: ready while a worker polls the case task queue, not ready (503) on a queue none polls,
    where every read and action would wait on a workflow nothing runs."""
    async with build_worker(dev_env.client, settings.temporal_task_queue, sessions, settings):
        async with probe_client(settings, dev_env.client, sessions) as probe:
            answer = await eventually(lambda: _ready(probe))
            assert answer.json() == {"temporal": "ok", "database": "ok", "worker": "ok"}
        elsewhere = settings.model_copy(update={"temporal_task_queue": "no-worker-polls-this"})
        async with probe_client(elsewhere, dev_env.client, sessions) as probe:
            answer = await probe.get("/health/ready")
            assert answer.status_code == 503, answer.text
            assert answer.json()["checks"] == {"temporal": "ok", "database": "ok", "worker": "not_polling"}
            assert "worker (not polling)" in answer.json()["detail"]


async def _ready(probe: httpx.AsyncClient) -> httpx.Response | None:
    answer = await probe.get("/health/ready")
    return answer if answer.status_code == 200 else None


async def test_the_scope_check_gives_its_connection_back_before_the_workflow_is_asked(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """An action waits on its workflow for up to 30 s; a connection held meanwhile would let a slow worker
    starve every other request, and readiness, of the database."""
    case_ref = await Officer(api, env).open()
    manager = User(sub="manager.one", role=Role.MANAGER, la_codes=frozenset({"202"}))
    async with sessions() as session:
        case = await case_for(session, manager, case_ref)
        assert case.la_code == "202" and not session.in_transaction()
