"""A family signs in with GOV.UK One Login's button in Chromium at a phone's width, through a real OIDC provider
(tests/support/oidc_provider.py) on another site: the provider at localhost, the portal at 127.0.0.1, so that the
way back from the provider is a cross-site navigation, as it is from GOV.UK One Login. The provider shows a
"Continue" page first, so that the navigation back starts on its site as a real provider's does.

Every portal page on the way (the email form with the button, the case page, the provider's refusal, an address
on no case, an address not verified, a sign-in gone stale) is checked by axe-core against WCAG 2.2 AA, and none may
scroll sideways at 375 px.
"""

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, expect
from pydantic import SecretStr
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.auth import SESSION_COOKIE
from api.main import create_app
from api.routes.portal_oidc import STARTED_COOKIE
from core.config import Settings
from store.db import SessionMaker
from tests.factories import PARENT_NAME, bearer, case_request
from tests.support.chromium import signed_out
from tests.support.govuk_pages import PHONE, check
from tests.support.live_server import bound, serve
from tests.support.oidc_provider import CLIENT_ID, CLIENT_KEY, Account, Provider, client_private_pem
from tests.support.portal import address
from tests.support.server_clock import server_today

BUTTON = "Sign in with GOV.UK One Login"


@pytest_asyncio.fixture
async def sites(
    env: WorkflowEnvironment, worker: Worker, sessions: SessionMaker, settings: Settings
) -> AsyncIterator[tuple[Provider, str]]:
    """The provider and the portal, each on a port of its own, served over HTTP: (provider, portal's base URL)."""
    del worker  # requested so that the cases' workflows run
    portal_socket, provider_socket = bound(), bound()
    base = f"http://127.0.0.1:{portal_socket.getsockname()[1]}"
    provider = Provider(
        CLIENT_ID, f"{base}/portal/sign-in/oidc/callback", client_key=CLIENT_KEY.public_key(), consent_page=True
    )
    provider.issuer = f"http://localhost:{provider_socket.getsockname()[1]}/"
    configured = settings.model_copy(
        update={
            "portal_url": base,
            "portal_oidc_issuer": provider.issuer,
            "portal_oidc_client_id": CLIENT_ID,
            "portal_oidc_private_key": SecretStr(client_private_pem()),
            "portal_oidc_vtr": "Cl.Cm",
        }
    )
    app = create_app(configured, temporal=env.client, sessions=sessions, clock=env.get_current_time)
    async with serve(provider.app, provider_socket), serve(app, portal_socket):
        yield provider, base


async def open_case(api: httpx.AsyncClient, env: WorkflowEnvironment, email: str) -> str:
    received = await server_today(env) - timedelta(days=3)
    contact = {"role": "parent", "name": PARENT_NAME, "email": email, "phone": "020 7946 0000"}
    answer = await api.post("/cases", json=case_request(received, contacts=[contact]))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_ref"])


async def press_the_button(page: Page, base: str, *, consent: bool = True) -> None:
    await page.goto(f"{base}/portal")
    await page.get_by_role("button", name=BUTTON).click()
    if consent:
        await page.wait_for_url(re.compile(r"^http://localhost:\d+/authorize\?"))
        await page.get_by_role("button", name="Continue").click()


@pytest.mark.slow
async def test_a_family_signs_in_with_gov_uk_one_login_on_a_phone(
    browser: Browser, sites: tuple[Provider, str], env: WorkflowEnvironment, settings: Settings, tmp_path: Path
) -> None:
    provider, base = sites
    email = address()
    async with httpx.AsyncClient(base_url=base, headers=bearer(settings)) as api:
        ours = await open_case(api, env, email)
    context = await browser.new_context(viewport=PHONE, locale="en-GB")
    page = await context.new_page()

    await page.goto(f"{base}/portal")
    await expect(page.get_by_role("heading", level=2)).to_have_text("Or sign in without a code")
    await expect(page.get_by_role("button", name=BUTTON)).to_have_attribute("href", "/portal/sign-in/oidc")
    await check(page, tmp_path, "email-form-with-one-login")

    # Through the provider's site and back: signed in, on the case's page, with the session cookie a code gives.
    provider.account = Account(email)
    await press_the_button(page, base)
    await page.wait_for_url(f"{base}/portal/cases/{ours}/page")
    await expect(page.get_by_role("heading", level=1)).to_have_text("EHC needs assessment")
    await expect(page.locator(".govuk-caption-l")).to_have_text(f"Case {ours}")
    cookies = {c["name"]: c for c in await context.cookies()}
    assert (cookies[SESSION_COOKIE]["httpOnly"], cookies[SESSION_COOKIE]["sameSite"]) == (True, "Strict")
    assert STARTED_COOKIE not in cookies
    assert email not in await page.locator("main").inner_text()
    await check(page, tmp_path, "case-page-after-one-login")
    # Signing out ends the provider's session too (a shared computer), and comes back to the email form.
    await signed_out(page, context, f"{base}/portal", f"{base}/portal/cases/{ours}/page")
    assert provider.logouts == [provider.account.sub]

    # The provider's refusal: our words, a way to try again and the code instead.
    provider.error = "access_denied"
    await press_the_button(page, base, consent=False)
    await expect(page.get_by_role("heading", level=1)).to_have_text("You have not been signed in")
    await expect(page.locator("main")).to_contain_text("GOV.UK One Login did not sign you in.")
    await expect(page.get_by_role("button", name="Try again")).to_be_visible()
    assert "access_denied" not in await page.content()
    await check(page, tmp_path, "provider-refused")
    await page.get_by_role("link", name="Sign in with a code sent to your email instead").click()
    await page.wait_for_url(f"{base}/portal")

    # An address on no case: said so, with the address the provider proved, and nobody signed in.
    stranger = f"stranger.{uuid.uuid4().hex[:10]}@example.org"
    provider.account = Account(stranger)
    await press_the_button(page, base)
    await expect(page.get_by_role("heading", level=1)).to_have_text("No case found for this email address")
    await expect(page.locator("main strong")).to_have_text(stranger)
    assert SESSION_COOKIE not in {c["name"] for c in await context.cookies()}
    await check(page, tmp_path, "no-case")

    # An address the provider has not verified.
    provider.account = Account(email, verified=False)
    await press_the_button(page, base)
    await expect(page.locator("main")).to_contain_text("has not confirmed that your email address is yours")
    assert SESSION_COOKIE not in {c["name"] for c in await context.cookies()}
    await check(page, tmp_path, "email-not-verified")

    # The way back opened again, long after: the sign-in it answered is gone.
    await page.goto(f"{base}/portal/sign-in/oidc/callback?code=old&state=old")
    await expect(page.locator("main")).to_contain_text("has already been used")
    await check(page, tmp_path, "sign-in-stale")
    await page.get_by_role("button", name="Start again").click()
    await page.wait_for_url(re.compile(r"^http://localhost:\d+/authorize\?"))
    await context.close()
