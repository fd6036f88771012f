"""The browser the page tests look through (tests/support/chromium.py says which and why), and the API they look at
over real HTTP."""

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.main import create_app
from core.config import Settings
from store.db import SessionMaker
from tests.support.chromium import chromium
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
