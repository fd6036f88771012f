"""A therapy service (on a phone) and a SENCO (on a desktop) confirm what they delivered against section F through
the portal's page in Debian's Chromium, against the API served over HTTP, the plan's half term ended under time
skipping. Every page on the way is checked by axe-core (WCAG 2.2 AA, no violations) and for sideways scrolling.
"""

import re
import uuid
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, expect
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from store.db import SessionMaker
from tests.conftest import eventually
from tests.driver import PlanOfficer
from tests.factories import bearer
from tests.support.govuk_pages import DESKTOP, PHONE, check
from tests.support.portal_browser import invited, sign_in_by_link, uk
from tests.support.provision import LINES, SALT, SCHOOL, periods_from, provision, provision_with, until_after

SEND = re.compile(r"^Send the account for ")


@pytest.mark.slow
async def test_a_therapy_service_and_a_senco_confirm_delivery_through_the_page(
    browser: Browser, served: str, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings, tmp_path: Path
) -> None:
    async with httpx.AsyncClient(base_url=served, headers=bearer(settings)) as api:
        officer = PlanOfficer(api, env)
        await officer.import_existing(f"PROV/{uuid.uuid4().hex[:8]}", issued_days_ago=100)
        case_ref = officer.case_ref
        await officer.act_on_plan("provision-lines", {"provision": LINES})
        first, first_end, first_due = periods_from(await officer.today())[0]
        service = await invited(api, case_ref, "adviser", f"provision:{SALT}", served)
        school = await invited(api, case_ref, "setting", f"provision:{SCHOOL}", served)
        await until_after(env, first_end)
        await eventually(lambda: provision_with(api, case_ref, "awaited", 2))

        # The therapy service, on a phone: its line, the period and the date asked for.
        page = await sign_in_by_link(browser, PHONE, sessions, case_ref, service, tmp_path, "service")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Confirm the provision delivered")
        main = page.locator("main")
        await expect(main).to_contain_text("Speech and language therapy, individual")
        await expect(main).to_contain_text(f"Asked for by {uk(first_due)}")
        await expect(page.get_by_role("heading", level=2).first).to_contain_text(uk(first_end))
        await check(page, tmp_path, "service-awaited")

        # A shortfall half told: the page says what is missing, keeping what was entered.
        await page.get_by_label("Not in full", exact=True).check()
        await page.get_by_label("Sessions missed", exact=True).fill("2")
        await page.get_by_role("button", name=SEND).click()
        await expect(page.get_by_role("alert")).to_contain_text("Select why line F1 was not delivered in full")
        assert (await page.title()).startswith("Error: ")
        await expect(page.get_by_label("Sessions missed", exact=True)).to_have_value("2")
        await check(page, tmp_path, "service-error")
        await page.get_by_label("Why", exact=True).select_option("staff_absence")
        await page.get_by_role("button", name=SEND).click()
        await expect(page.locator(".govuk-panel__title")).to_have_text("Account sent")
        await check(page, tmp_path, "service-sent")

        # The SENCO, on a desktop: delivered in full.
        page = await sign_in_by_link(browser, DESKTOP, sessions, case_ref, school, tmp_path, "school")
        await expect(page.locator("main")).to_contain_text("Adult support")
        await check(page, tmp_path, "school-awaited")
        await page.get_by_label("Delivered in full", exact=True).check()
        await page.get_by_role("button", name=SEND).click()
        await expect(page.locator(".govuk-panel__title")).to_have_text("Account sent")
        await check(page, tmp_path, "school-sent")

        got = {(d["period"], d["ref"]): d["status"] for d in (await provision(api, case_ref))["deliveries"]}
        assert got == {(first, "F1"): "short", (first, "F2"): "delivered"}
