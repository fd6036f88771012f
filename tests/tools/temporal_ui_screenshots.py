"""docs/img/temporal-ui-*.png: the Temporal UI as ops staff see it under `make run`, for docs/temporal-ui.md.

    make run   # in another terminal
    .venv/bin/python -m tests.tools.temporal_ui_screenshots [--api http://127.0.0.1:8000] [--ui http://127.0.0.1:8233]

Against the stack `make run` starts (its token secret from data/local.env): a few cases are driven through the
API on past business dates (a request just in, one assessed and waiting for advice, one refused and on its
redress route), then Debian's /usr/bin/chromium, driven by Playwright, opens the UI: the list with the search
attribute columns added (Configure Columns), a workflow's timeline with its timers and activities labelled,
and its User Metadata tab with the summary, details and current details. Nothing is decoded for the pictures
but what the local UI decodes itself, through the API's codec endpoint.
"""

import argparse
import asyncio
import secrets
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from playwright.async_api import Page, async_playwright

import statutory
from api.auth import Role, issue_token
from core.config import get_settings
from tests.factories import case_request

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parents[2] / "docs" / "img"
COLUMNS = ("CaseRef", "LocalAuthority", "CaseStage", "NextDeadline", "DeadlineBreached")


async def drive(api: httpx.AsyncClient, today: date) -> str:
    """Three cases; answers the reference of the one whose timeline is shown."""

    async def step(path: str, **body: object) -> None:
        answer = await api.post(path, json=body)
        answer.raise_for_status()

    async def opened(received: date) -> str:
        body = case_request(received)
        body["child"]["address"] = f"{secrets.randbelow(9000) + 1} Demo Street"  # a new case each run, not a retry
        answer = await api.post("/cases", json=body)
        answer.raise_for_status()
        return str(answer.json()["case_ref"])

    await opened(today - timedelta(days=3))
    assessed = await opened(today - timedelta(days=50))
    await step(f"/cases/{assessed}/decide-to-assess", on=(today - timedelta(days=30)).isoformat(), assess=True)
    for adviser in ("educational_psychologist", "health"):
        await step(f"/cases/{assessed}/advice-requests", on=(today - timedelta(days=28)).isoformat(), adviser=adviser)
    refused = await opened(today - timedelta(days=40))
    await step(
        f"/cases/{refused}/decide-to-assess", on=(today - timedelta(days=20)).isoformat(), assess=False, reasons="Met."
    )
    return assessed


async def shoot(page: Page, ui: str, case_ref: str) -> None:
    await page.goto(f"{ui}/namespaces/default/workflows")
    await page.get_by_role("button", name="Configure Columns").click()
    for column in ("Run ID", "Type", "Start", "End"):
        await page.get_by_role("button", name=f"Remove {column} column").click()
    for column in COLUMNS:
        await page.get_by_role("button", name=f"Add {column} column").click()
    await page.get_by_role("button", name="Close").filter(visible=True).first.click()
    await page.wait_for_timeout(1500)
    await page.screenshot(path=OUT / "temporal-ui-list.png")
    await page.goto(f"{ui}/namespaces/default/workflows/assessment-{case_ref}")
    await page.get_by_text("Timeline").first.wait_for()
    await page.wait_for_timeout(2500)
    await page.screenshot(path=OUT / "temporal-ui-timeline.png", full_page=True)
    await page.get_by_role("tab", name="User Metadata").click()
    await page.wait_for_timeout(1500)
    await page.screenshot(path=OUT / "temporal-ui-summary.png", full_page=True)


async def main(api_url: str, ui: str) -> None:
    settings = get_settings()
    token = issue_token(settings, "ops.screenshots", Role.MANAGER, ["202"], timedelta(minutes=10))
    async with httpx.AsyncClient(base_url=api_url, headers={"Authorization": f"Bearer {token}"}) as api:
        case_ref = await drive(api, statutory.business_date(datetime.now(UTC)))
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM)
        page = await browser.new_page(viewport={"width": 1600, "height": 900}, locale="en-GB")
        await shoot(page, ui, case_ref)
        await browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m tests.tools.temporal_ui_screenshots", description=__doc__)
    parser.add_argument("--api", default="http://127.0.0.1:8000")
    parser.add_argument("--ui", default="http://127.0.0.1:8233")
    arguments = parser.parse_args()
    asyncio.run(main(arguments.api, arguments.ui))
