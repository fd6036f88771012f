"""The browser the page tests look through (tests/support/chromium.py says which and why), the API they look at
over real HTTP, and the logs the portal's tests read for what must never be in them."""

import io
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio
from playwright.async_api import Browser
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.main import create_app
from core.config import Settings
from store.db import SessionMaker
from tests.support.chromium import chromium
from tests.support.json_logs import json_logs_at
from tests.support.live_server import serve


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as found:
        yield found


@pytest_asyncio.fixture
async def served(
    env: WorkflowEnvironment, worker: Worker, sessions: SessionMaker, settings: Settings
) -> AsyncIterator[str]:
    """The API served over HTTP on the test's Temporal server, a worker running: the base URL a browser opens."""
    del worker  # requested so that workflows run while the test drives its cases
    app = create_app(settings, temporal=env.client, sessions=sessions, clock=env.get_current_time)
    async with serve(app) as base:
        yield base


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Every log line, down to DEBUG: what a family or a party sends, and the codes they sign in with, must be in
    none of them."""
    with json_logs_at("DEBUG") as buffer:
        yield buffer
