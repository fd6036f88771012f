"""An educational psychologist (on a phone) and a SENCO (on a desktop) answer the council through the portal's pages
in Debian's Chromium, against the API served over HTTP, the case driven through Temporal and the database.

Every page on the way is checked by axe-core (WCAG 2.2 AA, no violations) and for sideways scrolling. The case
runs on past business dates, written by hand: advice asked for Monday 30 November 2026, due Monday 11 January
2027 (reg 8(1)); the setting consulted Thursday 3 December 2026, its answer due Friday 18 December 2026.
"""

from datetime import date
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, FilePayload, expect
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from store.db import SessionMaker
from tests.driver import SECTIONS, Driver
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, PARENT_NAME, bearer
from tests.support.govuk_pages import DESKTOP, PHONE, check
from tests.support.portal import PDF
from tests.support.portal_browser import invited, sign_in_by_link


@pytest.mark.slow
async def test_an_educational_psychologist_and_a_senco_answer_through_the_pages(
    browser: Browser, served: str, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=served, headers=bearer(settings)) as api:
        officer = Driver(api, env)
        await officer.open(date(2026, 11, 2))
        await officer.on("decide-to-assess", date(2026, 11, 23), assess=True)
        await officer.on("advice-requests", date(2026, 11, 30), adviser="educational_psychologist")
        link = await invited(api, officer.case_ref, "adviser", "educational_psychologist", served)

        # The educational psychologist, on a phone.
        page = await sign_in_by_link(browser, PHONE, sessions, officer.case_ref, link, tmp_path, "adviser")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Advice from the educational psychologist")
        rows = page.locator(".govuk-summary-list__row")
        shown = {await row.locator("dt").inner_text(): await row.locator("dd").inner_text() for row in await rows.all()}
        # Whom the advice is for: the adviser must know (the letter with the link named nobody).
        assert (shown["Child"], shown["Date of birth"]) == (f"{CHILD_GIVEN} {CHILD_FAMILY}", "4 May 2016")
        assert shown["Asked on"] == "30 November 2026"
        assert shown["Due by"].startswith("11 January 2027")
        assert shown["The law"].startswith("The law that sets this date is SEND Regs 2014 reg 8(1)")
        assert PARENT_NAME not in await page.locator("main").inner_text()
        await check(page, tmp_path, "adviser-request")

        # Sent empty: the error summary says what is missing and links to the field.
        await page.get_by_role("button", name="Send your answer").click()
        await expect(page.get_by_role("alert")).to_contain_text("Write your advice, or send it as a file")
        assert (await page.title()).startswith("Error: ")
        await check(page, tmp_path, "adviser-request-error")

        await page.get_by_label("Your advice").fill("Needs a quiet space to work and visual timetables.")
        report: FilePayload = {"name": "EP report.pdf", "mimeType": "application/pdf", "buffer": PDF}
        await page.get_by_label("Files (optional)").set_input_files([report])
        await page.get_by_role("button", name="Send your answer").click()
        await expect(page.locator(".govuk-panel__title")).to_have_text("Answer sent")
        await expect(page.locator("main")).to_contain_text("EP report.pdf")
        await check(page, tmp_path, "adviser-sent")
        [advice] = (await officer.case())["advice"]
        assert advice["received_on"] is not None

        # The SENCO of the school consulted on another case's draft, on a desktop (the advice recorded by the
        # officer on its own date: an answer through the portal is dated today, which would move every later date).
        officer = Driver(api, env)
        await officer.open(date(2026, 11, 2))
        await officer.on("decide-to-assess", date(2026, 11, 23), assess=True)
        await officer.on("advice-requests", date(2026, 11, 30), adviser="educational_psychologist")
        await officer.on("advice-received", date(2026, 12, 1), advice_id="educational_psychologist")
        await officer.on("decide-to-issue", date(2026, 12, 2), issue=True)
        await officer.draft(date(2026, 12, 3))
        await officer.on("setting-consultations", date(2026, 12, 3), setting_urn="100001")
        link = await invited(api, officer.case_ref, "setting", "100001", served)
        page = await sign_in_by_link(browser, DESKTOP, sessions, officer.case_ref, link, tmp_path, "setting")
        await expect(page.locator("main")).to_contain_text("18 December 2026")
        # The draft it is consulted on (CFA 2014 s.39(2)-(3)), to read on the page, closed until asked for.
        await page.get_by_text("Read the draft plan").click()
        await expect(page.locator(".govuk-details__text")).to_contain_text(SECTIONS["B"])
        await check(page, tmp_path, "setting-request")
        await page.get_by_role("button", name="Send your answer").click()
        await expect(page.get_by_role("alert")).to_contain_text("Say whether your school or college can be named")
        await check(page, tmp_path, "setting-request-error")
        await page.get_by_label("Yes").check()
        await page.get_by_label("Your reasons").fill("We can meet the needs set out in the draft.")
        await page.get_by_role("button", name="Send your answer").click()
        await expect(page.locator(".govuk-panel__title")).to_have_text("Answer sent")
        await check(page, tmp_path, "setting-sent")
        [consultation] = (await officer.case())["settings"]
        assert consultation["agrees"] is True
