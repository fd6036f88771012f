"""A family or an invited party in the portal's pages, as the browser tests drive them: invited by the officer,
signing in with the code the outbox holds (every page on the way checked), and the dates the pages write, written
here by hand rather than with the pages' own function."""

import re
from datetime import date
from pathlib import Path

import httpx
from playwright.async_api import Browser, Page, ViewportSize, expect

from store.db import SessionMaker
from tests.conftest import eventually
from tests.support.govuk_pages import check
from tests.support.portal import address, codes_in, invitation, newest_code, on_server


def uk(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


async def family_signs_in(page: Page, base: str, sessions: SessionMaker, email: str, case_ref: str) -> None:
    """Sign in through the pages with a new code (one not read before), landing on the case's page: a letter
    written earlier on the case may still hold an older code, so the new letter is waited for first."""
    before = len(await codes_in(sessions, case_ref))
    await page.goto(f"{base}/portal")
    await page.get_by_label("What is your email address?").fill(email)
    await page.get_by_role("button", name="Continue").click()

    async def sent() -> bool:
        return len(await codes_in(sessions, case_ref)) > before

    assert await eventually(sent)
    await page.get_by_label("Code from the email").fill(await newest_code(sessions, case_ref))
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}/portal/cases/{case_ref}/page")


async def sign_in_by_link(
    browser: Browser, viewport: ViewportSize, sessions: SessionMaker, case_ref: str, link: str, shots: Path, who: str
) -> Page:
    page = await (await browser.new_context(viewport=viewport, locale="en-GB")).new_page()
    await page.goto(link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Answer the council's request")
    await check(page, shots, f"{who}-landing")
    await page.get_by_role("button", name="Email me a code").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    await check(page, shots, f"{who}-code")
    await page.get_by_label("Code from the email").fill(await newest_code(sessions, case_ref))
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/portal/request$"))
    return page


async def invited(api: httpx.AsyncClient, case_ref: str, party: str, item: str, base: str) -> str:
    answer = await invitation(api, case_ref, party, item, address(party))
    return on_server(answer["link"], base)
