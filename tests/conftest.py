"""Shared fixtures: a real database (PostgreSQL when CI is set), real Temporal servers, the real API.

Nothing here is mocked. The time-skipping server is started per test (it starts in a tenth of a
second) because its clock is global: one test's skipped weeks must not age another test's cases.
"""

import asyncio
import os
import shutil
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.deps import Clock, real_time
from api.main import create_app
from core.config import Settings
from core.temporal_client import data_converter
from store.db import SessionMaker, create_engine, create_sessionmaker
from store.migrate import upgrade_async
from tests.factories import TEST_PAYLOAD_KEYS, TEST_SECRET, bearer
from worker import build_worker
from workflows import search_attributes as sa

BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
TASK_QUEUE = "test-cases"


def _binary(name: str) -> str:
    path = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; run `make test`, which installs it")
    return path


async def admin_connection() -> asyncpg.Connection:
    """The PostgreSQL server's admin connection: a missing server fails the test when CI is set (CI must test
    against PostgreSQL) and skips it elsewhere."""
    try:
        return await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    except (OSError, asyncpg.PostgresError) as error:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but PostgreSQL at {PG_ADMIN_URL} cannot be reached: {error}")
        pytest.skip(f"this test needs PostgreSQL; none at {PG_ADMIN_URL}: {error}")


@pytest_asyncio.fixture
async def postgres_server() -> None:
    """For commands that make their own databases on the server (the benchmarks): it must answer."""
    await (await admin_connection()).close()


@asynccontextmanager
async def fresh_database(directory: Path, purpose: str) -> AsyncIterator[str]:
    """A database of its own: with CI set, a new PostgreSQL database (a hard failure if the server is missing),
    dropped afterwards; else a SQLite file in `directory`."""
    if not os.environ.get("CI"):
        yield f"sqlite+aiosqlite:///{directory / f'{purpose}.db'}"
        return
    name = f"ehcp_{purpose}_{uuid.uuid4().hex[:12]}"
    admin = await admin_connection()
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    try:
        yield make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@pytest_asyncio.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The tests' database, shared by the session: PostgreSQL when CI is set."""
    async with fresh_database(tmp_path_factory.mktemp("db"), "test") as url:
        yield url


@pytest_asyncio.fixture(scope="session")
async def sessions(database_url: str) -> AsyncIterator[SessionMaker]:
    await upgrade_async(database_url)
    engine = create_engine(database_url)
    yield create_sessionmaker(engine)
    await engine.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        temporal_task_queue=TASK_QUEUE,
        reminder_working_days=5,
        auth_jwt_secret=TEST_SECRET,
        payload_keys=TEST_PAYLOAD_KEYS,
    )


async def register_search_attributes(client: Client) -> None:
    """The Java test server knows no custom attributes until told: an upsert of one it was not told of fails."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={key.name: IndexedValueType.ValueType(key.indexed_value_type) for key in sa.ALL},
        )
    )


@pytest_asyncio.fixture
async def env(settings: Settings) -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping Temporal server of this test's own."""
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_binary("temporal-test-server"),
        data_converter=data_converter(settings),
    ) as environment:
        await register_search_attributes(environment.client)
        yield environment


@pytest_asyncio.fixture
async def worker(env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings) -> AsyncIterator[Worker]:
    async with build_worker(env.client, TASK_QUEUE, sessions, settings) as running:
        yield running


@asynccontextmanager
async def api_client(
    settings: Settings, temporal: Client, sessions: SessionMaker, clock: Clock = real_time
) -> AsyncIterator[httpx.AsyncClient]:
    """The real FastAPI app in this process, its lifespan running, called by the default test caller (a manager
    of every test LA); on a time-skipping server, `clock` is the server's, so the API's today is the cases'.
    Whether a worker runs is the caller's choice."""
    app = create_app(settings, temporal=temporal, sessions=sessions, clock=clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=bearer(settings)
        ) as client,
    ):
        yield client


@pytest_asyncio.fixture
async def api(
    env: WorkflowEnvironment, worker: Worker, sessions: SessionMaker, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The real FastAPI app over the test's Temporal server, the shared database and a running worker."""
    del worker  # requested so that workflows run while the test drives the API
    async with api_client(settings, env.client, sessions, env.get_current_time) as client:
        yield client


async def eventually(check, attempts: int = 600):
    """Poll an async check until it returns a truthy value: read models are written by activities. Up to 30 s,
    so that a loaded machine (CI shares its two cores) slows a test down instead of failing it."""
    for _ in range(attempts):
        if result := await check():
            return result
        await asyncio.sleep(0.05)
    raise AssertionError("condition not met")


@pytest_asyncio.fixture
async def dev_env(settings: Settings) -> AsyncIterator[WorkflowEnvironment]:
    """The real dev server (`temporal server start-dev`): visibility and search attributes as ops see them."""
    async with await WorkflowEnvironment.start_local(
        dev_server_existing_path=_binary("temporal"),
        data_converter=data_converter(settings),
        search_attributes=sa.ALL,
    ) as environment:
        yield environment


@pytest_asyncio.fixture
async def dev_api(
    dev_env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        build_worker(dev_env.client, TASK_QUEUE, sessions, settings),
        api_client(settings, dev_env.client, sessions) as client,
    ):
        yield client
