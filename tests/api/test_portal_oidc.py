"""A family signs in to the portal through an OpenID Connect provider, and only as far as the provider proved.

The provider is tests/support/oidc_provider.py, a real one served over HTTP on this machine: the API fetches its
discovery document and keys, sends it a client assertion signed with the service's own key and the PKCE verifier,
and reads userinfo, all over the wire. The test plays the browser: it follows the API's redirect to the provider and
the provider's back to the API, carrying the cookies a browser would. Nothing of ours is replaced.
"""

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE
from api.main import create_app
from api.routes.portal_oidc import LOGOUT_COOKIE, STARTED_COOKIE
from core.config import Settings
from intake.portal_codes import email_digest
from store.db import SessionMaker
from store.models import AuditEvent
from tests.factories import CHILD_GIVEN, TEST_SECRET
from tests.support.live_server import bound, serve
from tests.support.oidc_provider import CLIENT_ID, CLIENT_KEY, Account, Provider, client_private_pem
from tests.support.portal import address, family_case

PORTAL = "http://test"
CALLBACK = f"{PORTAL}/portal/sign-in/oidc/callback"
NOT_CONFIRMED = "We could not confirm your sign-in with GOV.UK One Login."


@pytest_asyncio.fixture
async def provider() -> AsyncIterator[Provider]:
    found = Provider(CLIENT_ID, CALLBACK, client_key=CLIENT_KEY.public_key())
    sock = bound()
    found.issuer = f"http://localhost:{sock.getsockname()[1]}/"
    async with serve(found.app, sock):
        yield found


def oidc_settings(settings: Settings, provider: Provider) -> Settings:
    return settings.model_copy(
        update={
            "portal_url": PORTAL,
            "portal_oidc_issuer": provider.issuer,
            "portal_oidc_client_id": CLIENT_ID,
            "portal_oidc_private_key": SecretStr(client_private_pem()),
            "portal_oidc_vtr": "Cl.Cm",
            "portal_oidc_ui_locales": "en",
        }
    )


@pytest.fixture
def settings(settings: Settings, provider: Provider) -> Settings:
    """The test settings with the provider configured as GOV.UK One Login would be: private_key_jwt, Cl.Cm."""
    return oidc_settings(settings, provider)


@asynccontextmanager
async def browsing(
    settings: Settings, env: WorkflowEnvironment, sessions: SessionMaker
) -> AsyncIterator[httpx.AsyncClient]:
    """The API as a family's browser reaches it: no bearer token, the cookies it is given kept."""
    app = create_app(settings, temporal=env.client, sessions=sessions, clock=env.get_current_time)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PORTAL) as client,
    ):
        yield client


@pytest_asyncio.fixture
async def portal(
    env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    async with browsing(settings, env, sessions) as client:
        yield client


async def to_provider(portal: httpx.AsyncClient) -> str:
    """Press the button: the address the API sends the browser to, the started sign-in's cookie kept."""
    started = await portal.get("/portal/sign-in/oidc")
    assert started.status_code == 303, started.text
    cookie = started.headers["set-cookie"]
    assert cookie.startswith(f"{STARTED_COOKIE}=")
    assert all(part in cookie for part in ("HttpOnly", "SameSite=lax", "Path=/portal/sign-in/oidc", "Max-Age=600"))
    return str(started.headers["location"])


async def back_from(provider_url: str) -> str:
    """The provider's answer to the browser: where it sends it back to."""
    async with httpx.AsyncClient() as browser:
        answer = await browser.get(provider_url)
    assert answer.status_code == 302, answer.text
    location = str(answer.headers["location"])
    assert location.startswith(f"{CALLBACK}?")
    return location


async def signed_in_through(portal: httpx.AsyncClient) -> tuple[httpx.Response, str]:
    callback = await back_from(await to_provider(portal))
    return await portal.get(callback), callback


def session_claims(answer: httpx.Response) -> dict[str, object]:
    (cookie,) = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{SESSION_COOKIE}=")]
    assert all(part in cookie for part in ("HttpOnly", "SameSite=strict", "Path=/", "Max-Age=7200"))
    token = cookie.split(";")[0].removeprefix(f"{SESSION_COOKIE}=")
    return dict(jwt.decode(token, options={"verify_signature": False}))


def forgets_started(answer: httpx.Response) -> bool:
    return any(c.startswith(f'{STARTED_COOKIE}=""') and "Max-Age=0" in c for c in answer.headers.get_list("set-cookie"))


def refused(answer: httpx.Response, status: int, message: str) -> None:
    assert answer.status_code == status, answer.text
    assert "You have not been signed in" in answer.text
    assert message in answer.text
    assert f"{SESSION_COOKIE}=" not in answer.headers.get("set-cookie", "")
    assert forgets_started(answer)


async def audit_of(sessions: SessionMaker, case_ref: str, action: str) -> list[AuditEvent]:
    async with sessions() as session:
        found = await session.exec(
            select(AuditEvent).where(AuditEvent.case_ref == case_ref, AuditEvent.action == action)
        )
        return list(found.all())


async def test_a_family_signs_in_through_the_provider_and_reads_its_one_case(
    api: httpx.AsyncClient,
    portal: httpx.AsyncClient,
    provider: Provider,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    json_logs: io.StringIO,
) -> None:
    email = address()
    ours, theirs = await family_case(api, env, email), await family_case(api, env, address())
    provider.account = Account(email.upper())  # a provider may capitalise an address as its user typed it

    provider_url = await to_provider(portal)
    # GOV.UK One Login's authorisation request: code flow, our scopes, a state and nonce of 43 random characters,
    # PKCE S256 (the discovery document offers it), the vector of trust and the language.
    asked = {key: values[0] for key, values in parse_qs(urlsplit(provider_url).query).items()}
    assert asked["response_type"] == "code" and asked["scope"] == "openid email"
    assert (asked["client_id"], asked["redirect_uri"]) == (CLIENT_ID, CALLBACK)
    assert (asked["vtr"], asked["ui_locales"], asked["code_challenge_method"]) == ('["Cl.Cm"]', "en", "S256")
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", asked["state"]) and re.fullmatch(r"[A-Za-z0-9_-]{43}", asked["nonce"])
    assert asked["state"] != asked["nonce"]

    callback = await back_from(provider_url)
    answer = await portal.get(callback)
    # The token request carried a client assertion the provider verified with our public key, and the verifier.
    assert provider.token_outcomes == ["ok"]

    assert answer.status_code == 200, answer.text
    page = f"/portal/cases/{ours}/page"
    assert f'<meta http-equiv="refresh" content="0; url={page}">' in answer.text
    assert f'href="{page}"' in answer.text
    assert forgets_started(answer)
    # The same session as a code's sign-in: the family role, the address's cases, the same pseudonym.
    claims = session_claims(answer)
    pseudonym = f"family:{email_digest(TEST_SECRET.encode(), email)[:32]}"
    assert (claims["role"], claims["case_refs"], claims["sub"], claims["la_codes"]) == ("family", [ours], pseudonym, [])

    case_page = await portal.get(page)
    assert case_page.status_code == 200 and "EHC needs assessment" in case_page.text
    assert (await portal.get(f"/portal/cases/{theirs}/page")).status_code == 404
    (line,) = await audit_of(sessions, ours, "portal_signed_in")
    assert (line.actor, line.summary) == (pseudonym, "signed in to the portal with GOV.UK One Login")
    assert await audit_of(sessions, theirs, "portal_signed_in") == []

    logs = json_logs.getvalue()
    code = parse_qs(urlsplit(callback).query)["code"][0]
    for secret in (email, email.upper(), provider.account.sub, code, asked["state"], asked["nonce"]):
        assert secret not in logs


async def test_signing_out_ends_the_providers_session_too(
    api: httpx.AsyncClient, portal: httpx.AsyncClient, provider: Provider, env: WorkflowEnvironment
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    provider.account = Account(email)
    answer, _ = await signed_in_through(portal)
    (kept,) = [c for c in answer.headers.get_list("set-cookie") if c.startswith(f"{LOGOUT_COOKIE}=")]
    assert all(part in kept for part in ("HttpOnly", "SameSite=strict", "Path=/portal/sign-out", "Max-Age=7200"))
    id_token = kept.split(";")[0].removeprefix(f"{LOGOUT_COOKIE}=")

    out = await portal.post("/portal/sign-out")
    assert out.status_code == 200, out.text
    assert "You have signed out" in out.text
    (logout_url,) = re.findall(r'<meta http-equiv="refresh" content="0; url=([^"]+)">', out.text)
    logout_url = logout_url.replace("&amp;", "&")
    assert logout_url.startswith(provider.url("/logout?"))
    asked = {key: values[0] for key, values in parse_qs(urlsplit(logout_url).query).items()}
    assert asked == {"id_token_hint": id_token, "post_logout_redirect_uri": f"{PORTAL}/portal"}
    gone = out.headers.get_list("set-cookie")
    assert any(c.startswith(f'{SESSION_COOKIE}=""') and "Max-Age=0" in c for c in gone)
    assert any(c.startswith(f'{LOGOUT_COOKIE}=""') and "Max-Age=0" in c for c in gone)
    assert (await portal.get(f"/portal/cases/{case_ref}/page")).headers["location"] == "/portal"

    async with httpx.AsyncClient() as browser:
        back = await browser.get(logout_url)
    assert (back.status_code, back.headers["location"]) == (302, f"{PORTAL}/portal")
    assert provider.logouts == [provider.account.sub]


async def test_an_address_on_several_cases_goes_to_the_list_of_them(
    api: httpx.AsyncClient, portal: httpx.AsyncClient, provider: Provider, env: WorkflowEnvironment
) -> None:
    email = address()
    first, second = await family_case(api, env, email), await family_case(api, env, email)
    provider.account = Account(email)
    answer, _ = await signed_in_through(portal)
    assert answer.status_code == 200, answer.text
    assert '<meta http-equiv="refresh" content="0; url=/portal/your-cases">' in answer.text
    assert session_claims(answer)["case_refs"] == sorted([first, second])
    listed = await portal.get("/portal/your-cases")
    assert first in listed.text and second in listed.text
    assert listed.text.count(f"{CHILD_GIVEN}: case ") == 2  # which child each case is for, by first name


async def test_an_address_on_no_case_is_told_so_and_not_signed_in(
    portal: httpx.AsyncClient, provider: Provider, json_logs: io.StringIO
) -> None:
    email = address()
    provider.account = Account(email)
    answer, _ = await signed_in_through(portal)
    assert answer.status_code == 200, answer.text
    assert "No case found for this email address" in answer.text
    assert email in answer.text  # the provider proved it is theirs: they are told which address it was
    assert f"{SESSION_COOKIE}=" not in answer.headers.get("set-cookie", "")
    assert forgets_started(answer)
    assert email not in json_logs.getvalue()


async def test_a_callback_with_the_wrong_state_or_none_started_is_refused_before_the_code_is_used(
    api: httpx.AsyncClient, portal: httpx.AsyncClient, provider: Provider, env: WorkflowEnvironment
) -> None:
    email = address()
    await family_case(api, env, email)
    provider.account = Account(email)
    callback = await back_from(await to_provider(portal))
    state = parse_qs(urlsplit(callback).query)["state"][0]
    forged = callback.replace(f"state={state}", f"state={state[::-1]}")
    refused(await portal.get(forged), 400, "has already been used")
    # The cookie is gone with that answer: even the right state now finds no sign-in started.
    refused(await portal.get(callback), 400, "has already been used")
    # A browser that never started one (another's link, say) is refused alike.
    async with httpx.AsyncClient(transport=portal._transport, base_url=PORTAL) as stranger:
        refused(await stranger.get(callback), 400, "has already been used")
    assert provider.token_outcomes == []


async def test_a_replayed_callback_signs_nobody_in(
    api: httpx.AsyncClient, portal: httpx.AsyncClient, provider: Provider, env: WorkflowEnvironment
) -> None:
    email = address()
    await family_case(api, env, email)
    provider.account = Account(email)
    provider_url = await to_provider(portal)
    started_cookie = portal.cookies.get(STARTED_COOKIE)
    callback = await back_from(provider_url)
    first = await portal.get(callback)
    assert first.status_code == 200 and session_claims(first)["role"] == "family"

    # The browser's own replay (back button, a reload): the started sign-in was forgotten.
    refused(await portal.get(callback), 400, "has already been used")
    # Someone holding both the address and the started sign-in's cookie: the provider takes a code once.
    async with httpx.AsyncClient(transport=portal._transport, base_url=PORTAL) as thief:
        refused(await thief.get(callback, headers={"Cookie": f"{STARTED_COOKIE}={started_cookie}"}), 502, NOT_CONFIRMED)
    assert provider.token_outcomes == ["ok", "code used"]


@pytest.mark.parametrize("spoil", ["nonce", "aud", "iss", "expired", "signature", "vot"])
async def test_an_id_token_that_fails_a_check_signs_nobody_in(
    api: httpx.AsyncClient,
    portal: httpx.AsyncClient,
    provider: Provider,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    json_logs: io.StringIO,
    spoil: str,
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    provider.account = Account(email)
    provider.spoil = spoil
    answer, _ = await signed_in_through(portal)
    refused(answer, 502, NOT_CONFIRMED)
    assert provider.token_outcomes == ["ok"]
    assert await audit_of(sessions, case_ref, "portal_signed_in") == []
    assert '"oidc id_token refused"' in json_logs.getvalue()
    assert email not in json_logs.getvalue()


async def test_an_address_the_provider_has_not_verified_signs_nobody_in(
    api: httpx.AsyncClient,
    portal: httpx.AsyncClient,
    provider: Provider,
    env: WorkflowEnvironment,
    json_logs: io.StringIO,
) -> None:
    email = address()
    await family_case(api, env, email)
    provider.account = Account(email, verified=False)
    answer, _ = await signed_in_through(portal)
    refused(answer, 403, "has not confirmed that your email address is yours")
    assert email not in answer.text and email not in json_logs.getvalue()


async def test_a_provider_error_is_shown_in_our_words_not_its_own(
    portal: httpx.AsyncClient, provider: Provider, json_logs: io.StringIO
) -> None:
    provider.error = "access_denied"
    answer, _ = await signed_in_through(portal)
    refused(answer, 400, "GOV.UK One Login did not sign you in.")
    for theirs in ("access_denied", "<script>", "alert("):
        assert theirs not in answer.text
    assert provider.token_outcomes == []
    assert '"error": "access_denied"' in json_logs.getvalue()  # a code from the standard's list, named in the log
    provider.error = "<b>made-up</b>"
    answer, _ = await signed_in_through(portal)
    refused(answer, 400, "did not sign you in")
    assert "made-up" not in answer.text and "made-up" not in json_logs.getvalue()


async def test_the_discovery_document_and_keys_are_fetched_once_for_many_sign_ins(
    api: httpx.AsyncClient, portal: httpx.AsyncClient, provider: Provider, env: WorkflowEnvironment
) -> None:
    email = address()
    await family_case(api, env, email)
    provider.account = Account(email)
    for _ in range(3):
        answer, _ = await signed_in_through(portal)
        assert answer.status_code == 200, answer.text
        portal.cookies.clear()
    # Both say Cache-Control: max-age=86400, which the API keeps to within its bounds.
    assert (provider.fetches["discovery"], provider.fetches["jwks"]) == (1, 1)


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_a_provider_that_takes_a_client_secret(
    api: httpx.AsyncClient,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    settings: Settings,
    provider: Provider,
    method: str,
) -> None:
    provider.client_key, provider.client_secret = None, "s3cret/with:odd+characters"
    configured = settings.model_copy(
        update={
            "portal_oidc_client_auth": method,
            "portal_oidc_client_secret": SecretStr(provider.client_secret),
            "portal_oidc_private_key": None,
            "portal_oidc_vtr": "",
        }
    )
    email = address()
    case_ref = await family_case(api, env, email)
    provider.account = Account(email)
    async with browsing(configured, env, sessions) as portal:
        answer, _ = await signed_in_through(portal)
    assert answer.status_code == 200, answer.text
    assert session_claims(answer)["case_refs"] == [case_ref]
    assert provider.token_outcomes == ["ok"]


async def test_without_a_provider_there_is_no_button_and_no_way_in(
    settings: Settings, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    plain = settings.model_copy(update={"portal_oidc_issuer": None})
    async with browsing(plain, env, sessions) as portal:
        assert "Sign in with GOV.UK One Login" not in (await portal.get("/portal")).text
        for path in ("/portal/sign-in/oidc", "/portal/sign-in/oidc/callback?code=x&state=y"):
            answer = await portal.get(path)
            assert answer.status_code == 404 and "This way of signing in is not available" in answer.text
    async with browsing(settings, env, sessions) as portal:
        form = (await portal.get("/portal")).text
        assert 'href="/portal/sign-in/oidc" role="button"' in form and "Sign in with GOV.UK One Login" in form


async def test_a_provider_that_cannot_be_reached_is_said_so(
    settings: Settings, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    sock = bound()  # a port nobody serves
    gone = settings.model_copy(update={"portal_oidc_issuer": f"http://127.0.0.1:{sock.getsockname()[1]}/"})
    sock.close()
    async with browsing(gone, env, sessions) as portal:
        answer = await portal.get("/portal/sign-in/oidc")
    assert answer.status_code == 503
    assert "GOV.UK One Login cannot be reached at the moment" in answer.text
    assert STARTED_COOKIE not in answer.headers.get("set-cookie", "")


def test_a_half_configured_provider_stops_the_api_starting(settings: Settings) -> None:
    for missing, update in (
        ("PORTAL_OIDC_CLIENT_ID", {"portal_oidc_client_id": ""}),
        ("PORTAL_OIDC_PRIVATE_KEY", {"portal_oidc_private_key": None}),
        ("PORTAL_OIDC_CLIENT_SECRET", {"portal_oidc_client_auth": "client_secret_basic"}),
    ):
        with pytest.raises(RuntimeError, match=missing):
            create_app(settings.model_copy(update=update))
    broken = "-----BEGIN PRIVATE KEY-----\nnot-a-key\n-----END PRIVATE KEY-----\n"
    with pytest.raises(RuntimeError, match="not a usable PEM private key") as refusal:
        create_app(settings.model_copy(update={"portal_oidc_private_key": SecretStr(broken)}))
    assert "not-a-key" not in str(refusal.value)
    with pytest.raises(ValueError, match="https"):
        Settings(portal_oidc_issuer="http://login.example.org/")
