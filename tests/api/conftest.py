"""The browser the page tests look through (tests/support/chromium.py says which and why)."""

from collections.abc import AsyncIterator

import pytest_asyncio
from playwright.async_api import Browser

from tests.support.chromium import chromium


@pytest_asyncio.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium() as found:
        yield found
