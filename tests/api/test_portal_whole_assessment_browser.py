"""A whole EHC needs assessment with every outside party taking its part through the portal's pages, in Debian's
Chromium, on the time-skipping server: a parent on a phone, an educational psychologist on a phone and a SENCO on a
desktop, the case officer through the API. Every page on the way is checked by axe-core (WCAG 2.2 AA).

The dates follow the server's today (T): request received T, assessment decided T + 2 weeks (advice asked for
then, due 6 weeks on: reg 8(1)), advice sent T + 5 weeks, draft served T + 6 weeks (the family's 15 days, the day
of service the first), final plan after the window.
"""

import re
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, FilePayload, Page, expect
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from store.db import SessionMaker
from tests.driver import SECTIONS, Officer
from tests.factories import PARENT_NAME, bearer, case_request
from tests.support.gias import CSV_TYPE, sample
from tests.support.govuk_pages import DESKTOP, PHONE, check
from tests.support.portal import PDF, address, invitation, newest_code, on_server
from tests.support.portal_browser import family_signs_in, uk

LA = "342"  # the sample register's LA (tests/intake/edubasealldata_sample.csv)
OAKFIELD = "990001"  # a primary school for ages 4 to 11 in it


async def invited(api: httpx.AsyncClient, base: str, case_ref: str, party: str, item: str) -> str:
    return on_server((await invitation(api, case_ref, party, item, address(party)))["link"], base)


async def party_signs_in(context: BrowserContext, sessions: SessionMaker, case_ref: str, link: str) -> Page:
    page = await context.new_page()
    await page.goto(link)
    await page.get_by_role("button", name="Email me a code").click()
    await page.get_by_label("Code from the email").fill(await newest_code(sessions, case_ref))
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(re.compile(r"/portal/request$"))
    return page


@pytest.mark.slow
async def test_a_parent_an_educational_psychologist_and_a_senco_take_their_parts_in_a_whole_assessment(
    browser: Browser, served: str, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings, tmp_path: Path
) -> None:
    email = address()
    async with httpx.AsyncClient(base_url=served, headers=bearer(settings)) as api:
        loaded = await api.post("/settings-directory/import", content=sample(), headers={"content-type": CSV_TYPE})
        assert loaded.status_code == 200, loaded.text
        officer = Officer(api, env)
        received = await officer.today()
        contact = {"role": "parent", "name": PARENT_NAME, "email": email}
        answer = await api.post("/cases", json=case_request(received, la_code=LA, contacts=[contact]))
        officer.case_ref = case_ref = answer.json()["case_ref"]
        await officer.wait(weeks=2)
        await officer.act("decide-to-assess", {"assess": True})
        await officer.act("advice-requests", {"adviser": "educational_psychologist"})
        asked = received + timedelta(weeks=2)

        # The parent, on a phone: the advice asked for, and by when.
        family = await browser.new_context(viewport=PHONE, locale="en-GB")
        parent = await family.new_page()
        await family_signs_in(parent, served, sessions, email, case_ref)
        await expect(parent.locator("main")).to_contain_text("Educational psychologist")
        await expect(parent.locator("main")).to_contain_text(uk(asked + timedelta(weeks=6)))
        await check(parent, tmp_path, "1-parent-case-assessing")

        # The educational psychologist, on a phone, three weeks later.
        await officer.wait(weeks=3)
        link = await invited(api, served, case_ref, "adviser", "educational_psychologist")
        adviser_context = await browser.new_context(viewport=PHONE, locale="en-GB")
        adviser = await party_signs_in(adviser_context, sessions, case_ref, link)
        await adviser.get_by_label("Your advice").fill("Needs a quiet space to work and visual timetables.")
        report: FilePayload = {"name": "EP report.pdf", "mimeType": "application/pdf", "buffer": PDF}
        await adviser.get_by_label("Files (optional)").set_input_files([report])
        await adviser.get_by_role("button", name="Send your answer").click()
        await expect(adviser.locator(".govuk-panel__title")).to_have_text("Answer sent")
        await check(adviser, tmp_path, "2-adviser-sent")
        await parent.reload()
        await expect(parent.locator("main")).to_contain_text("received")

        # The draft, a week on: the parent reads it, asks for a school from the council's list and a meeting.
        await officer.wait(weeks=1)
        await officer.act("decide-to-issue", {"issue": True})
        served_on = (await officer.draft())["history"][-1]["on"]
        await parent.goto(f"{served}/portal/cases/{case_ref}/draft/page")
        await expect(parent.locator("main")).to_contain_text(SECTIONS["B"])
        await check(parent, tmp_path, "3-parent-draft")
        await parent.get_by_label("Your comments on the draft plan").fill("Section F should say how often.")
        await parent.get_by_label(re.compile("Oakfield Primary School")).check()
        await parent.get_by_label("I would like a meeting about the draft plan").check()
        await parent.get_by_role("button", name="Send comments").click()
        await expect(parent.locator(".govuk-panel__title")).to_have_text("Comments sent")
        await check(parent, tmp_path, "4-parent-comments-sent")
        state = await officer.case()
        assert (state["preferred_setting_urn"], state["meeting_requested"]) == (OAKFIELD, True)

        # The council consults the school the parent chose; its SENCO answers on a desktop, the draft in front of them.
        await officer.act("setting-consultations", {"setting_urn": OAKFIELD})
        link = await invited(api, served, case_ref, "setting", OAKFIELD)
        senco = await party_signs_in(
            await browser.new_context(viewport=DESKTOP, locale="en-GB"), sessions, case_ref, link
        )
        await senco.get_by_text("Read the draft plan").click()
        await expect(senco.locator(".govuk-details__text")).to_contain_text(SECTIONS["F"])
        await senco.get_by_label("Yes").check()
        await senco.get_by_label("Your reasons").fill("We can meet the needs set out in the draft.")
        await senco.get_by_role("button", name="Send your answer").click()
        await expect(senco.locator(".govuk-panel__title")).to_have_text("Answer sent")
        await check(senco, tmp_path, "5-senco-sent")

        # The family's 15 days pass; the council issues the final plan naming the school; the parent sees it.
        await officer.wait(days=15)
        await officer.final(named_setting_urn=OAKFIELD, setting_type="Mainstream primary school")
        await parent.goto(f"{served}/portal/cases/{case_ref}/page")
        await expect(parent.locator("main")).to_contain_text("Your final EHC plan")
        await expect(parent.locator("main")).to_contain_text("Your draft EHC plan")
        # What has happened, each step on its legal date, newest first.
        happened = parent.locator("h2:has-text('What has happened') + dl .govuk-summary-list__row")
        await expect(happened.first).to_contain_text("The council issued the final EHC plan")
        await expect(happened.last).to_contain_text(uk(received))
        await expect(happened.last).to_contain_text("The council received the request for an EHC needs assessment")
        await check(parent, tmp_path, "6-parent-final")
        history = [(h["action"], h["actor"].split(":")[0]) for h in (await officer.case())["history"]]
        for fact, party in (
            ("advice_received:educational_psychologist", "adviser"),
            ("parent_comments", "family"),
            (f"setting_answered:{OAKFIELD}", "setting"),
        ):
            assert (fact, party) in history, history
        assert date.fromisoformat(served_on) == received + timedelta(weeks=6)
