"""A family in the portal's pages, as the browser tests drive it: signing in with the code the outbox holds, and the
dates the pages write, written here by hand rather than with the pages' own function."""

from datetime import date

from playwright.async_api import Page

from store.db import SessionMaker
from tests.conftest import eventually
from tests.support.portal import codes_in, newest_code


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
