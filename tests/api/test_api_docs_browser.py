"""The API's own documentation in a real browser that can reach nothing but the API, as on a council network
with no CDN: /docs draws every operation, "Authorize" takes a token and "Try it out" calls the API with it;
/redoc draws the reference."""

import json

import pytest
from playwright.async_api import Browser, Page, Route, expect
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from api.main import create_app
from core.config import Settings
from store.db import SessionMaker
from tests.factories import bearer
from tests.support.live_server import serve

pytestmark = pytest.mark.slow
# Swagger UI and ReDoc parse a megabyte of script before they draw anything: on a loaded machine that can take
# many seconds, so the first look waits up to a minute (a bound for a hung page, not a measure of speed).


async def offline_page(browser: Browser, base: str) -> tuple[Page, list[str]]:
    """A page whose every request outside the API is refused, and recorded so the test can say which."""
    page = await (await browser.new_context(locale="en-GB")).new_page()
    refused: list[str] = []

    async def only_the_api(route: Route) -> None:
        if route.request.url.startswith(base):
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort()

    await page.route("**/*", only_the_api)
    return page, refused


async def test_swagger_ui_works_offline_and_tries_a_call_with_a_token(
    browser: Browser, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    app = create_app(settings, temporal=env.client, sessions=sessions, clock=env.get_current_time)
    token = bearer(settings, Role.MANAGER, ["DOC"], sub="manager.docs")["Authorization"].removeprefix("Bearer ")
    async with serve(app) as base:
        page, refused = await offline_page(browser, base)
        await page.goto(f"{base}/docs")
        await expect(page.locator(".swagger-ui .info .title")).to_contain_text(
            "SEND statutory case engine", timeout=60_000
        )
        work_queue = page.locator(".opblock-get", has=page.locator("[data-path='/work-queue']")).first
        await expect(work_queue).to_be_visible()

        await page.get_by_role("button", name="Authorize").first.click()
        await page.locator(".modal-ux input[type=text]").fill(token)
        await page.locator(".modal-ux button.authorize").click()
        await page.locator(".modal-ux button.btn-done").click()

        await work_queue.locator(".opblock-summary").click()
        await work_queue.get_by_role("button", name="Try it out").click()
        await work_queue.get_by_role("button", name="Execute").click()
        status = work_queue.locator(".live-responses-table tbody .response-col_status").first
        await expect(status).to_have_text("200")

        # An action's "Try it out" starts from its example body (api/examples.json), not an empty schema.
        decide = page.locator(".opblock-post", has=page.locator("[data-path='/cases/{case_ref}/decide-to-assess']"))
        await decide.locator(".opblock-summary").click()
        await decide.get_by_role("button", name="Try it out").click()
        body = json.loads(await decide.locator("textarea.body-param__text").input_value())
        assert body == {"assess": True, "on": "2026-02-09"}
        assert refused == [], "the page reached beyond the API"


async def test_redoc_works_offline(
    browser: Browser, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    app = create_app(settings, temporal=env.client, sessions=sessions, clock=env.get_current_time)
    async with serve(app) as base:
        page, refused = await offline_page(browser, base)
        await page.goto(f"{base}/redoc")
        await expect(page.get_by_role("heading", level=1)).to_contain_text("SEND statutory case engine", timeout=60_000)
        # Each operation is a section headed by its summary.
        heading = page.get_by_role("heading", name="Record the decision whether to carry out an EHC needs assessment")
        await expect(heading.first).to_be_attached()
        assert refused == [], "the page reached beyond the API"
