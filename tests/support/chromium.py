"""Debian's Chromium, driven by Playwright, for the tests that look at pages as a person does. No browser is
downloaded: Playwright drives /usr/bin/chromium (`apt-get install chromium`, which `make test` does where apt
can). Without it such a test is skipped, except with CI set, where a missing browser is a failure."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright

from api.auth import SESSION_COOKIE

CHROMIUM = Path("/usr/bin/chromium")


@asynccontextmanager
async def chromium() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium)"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and {reason}")
        pytest.skip(reason)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=str(CHROMIUM))
        try:
            yield browser
        finally:
            await browser.close()


async def signed_out(
    page: Page, context: BrowserContext, form: str, protected: str, lands_on: str | None = None
) -> None:
    """Sign the browser out with the page's Sign out button: it lands on `lands_on` (the sign-in `form` unless
    said), keeps no session cookie, and the `protected` page sends it back to the form."""
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_url(lands_on or form)
    assert [c for c in await context.cookies() if c["name"] == SESSION_COOKIE] == []
    await page.goto(protected)
    assert page.url == form
