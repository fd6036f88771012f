"""A family signs in through an OpenID Connect provider (GOV.UK One Login), where one is configured.

GET /portal/sign-in/oidc sends the browser to the provider with a fresh state and nonce (and a PKCE challenge if
the provider takes one), kept for 10 minutes in a signed, HttpOnly cookie of their own. It is SameSite=Lax, not
Strict like the session's, because the provider sends the browser back with a top-level GET from its own site, and
Lax cookies are sent with exactly that. GET /portal/sign-in/oidc/callback, where it comes back, takes the cookie
(once: every answer forgets it), checks the state, has api/portal_oidc.py trade the code for tokens and verify
them, and signs the family in as a code does: the cases the verified address is a contact on
(intake/portal_codes.family_of), the same session cookie and pseudonym, `portal_signed_in` in each case's audit
trail with the provider named. Every failure is a page in our own words, never the provider's, with a way back.
docs/portal.md, "Signing in with GOV.UK One Login", says what is checked and why.
"""

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import MAX_FAMILY_TOKEN_LIFETIME, forget_session
from api.deps import SessionDep, SettingsDep
from api.pages import portal as pages
from api.pages import portal_oidc as oidc_pages
from api.portal_oidc import CALLBACK_PATH, Identity, Provider, SignInFailed, Started
from api.routes.portal import keep_portal_session, portal_key
from core.config import Settings
from intake import portal_codes

log = structlog.get_logger(__name__)

router = APIRouter(tags=["portal pages"], include_in_schema=False)

STARTED_COOKIE = "ehcp_oidc"
# The provider's id_token, kept for signing out of the provider too (its /logout wants it as a hint): sent with the
# portal's sign-out form alone, for as long as the session.
LOGOUT_COOKIE = "ehcp_oidc_logout"
MAX_ID_TOKEN = 3800  # a cookie holds 4,096 bytes, name and attributes included
# The cookie's own audience: it cannot pass for a session token (api/auth.py wants AUTH_AUDIENCE), nor one for it.
STARTED_AUDIENCE = "ehcp-portal-oidc"
STARTED_LIFETIME = timedelta(minutes=10)
MAX_COOKIE = 2048
MAX_STATE = 128  # ours are 43 characters
MAX_CODE = 4096  # GOV.UK One Login's are a few dozen; the whole query must fit its 4,096-character limit anyway
# The provider's error codes we name in the log (OAuth 2.0 4.1.2.1, OIDC Core 3.1.2.6); any other is "other".
PROVIDER_ERRORS = frozenset(
    {
        "access_denied",
        "login_required",
        "interaction_required",
        "consent_required",
        "invalid_request",
        "invalid_scope",
        "unauthorized_client",
        "unsupported_response_type",
        "server_error",
        "temporarily_unavailable",
    }
)
START_AGAIN = "Start again"
TRY_AGAIN = "Try again"


def _why(reason: str, name: str) -> tuple[str, int, str]:
    """What the page says for each reason a sign-in fails, its status, and the button's words."""
    if reason == "state":
        return (
            "This sign-in was started too long ago, in another browser or tab, or has already been used.",
            400,
            START_AGAIN,
        )
    if reason == "provider":
        return (f"{name} did not sign you in.", 400, TRY_AGAIN)
    if reason == "unreachable":
        return (f"{name} cannot be reached at the moment. Try again in a few minutes.", 503, TRY_AGAIN)
    if reason == "unverified":
        return (
            f"{name} has not confirmed that your email address is yours, so it cannot be used to find your case.",
            403,
            TRY_AGAIN,
        )
    return (f"We could not confirm your sign-in with {name}.", 502, START_AGAIN)


def _refused(settings: Settings, reason: str) -> HTMLResponse:
    message, status_code, retry = _why(reason, settings.portal_oidc_name)
    return oidc_pages.problem(message, status_code, retry=retry)


def _provider(request: Request) -> Provider | None:
    provider: Provider | None = request.app.state.portal_oidc
    return provider


def _sealed(settings: Settings, started: Started) -> str:
    claims = {
        "aud": STARTED_AUDIENCE,
        "state": started.state,
        "nonce": started.nonce,
        "verifier": started.verifier,
        "exp": datetime.now(UTC) + STARTED_LIFETIME,
    }
    return jwt.encode(claims, portal_key(settings), algorithm="HS256")


def _opened(request: Request, settings: Settings) -> dict[str, Any] | None:
    """The started sign-in the browser's cookie holds, if it is ours and not expired."""
    sealed = request.cookies.get(STARTED_COOKIE, "")
    if not sealed or len(sealed) > MAX_COOKIE:
        return None
    try:
        claims: dict[str, Any] = jwt.decode(
            sealed,
            portal_key(settings),
            algorithms=["HS256"],
            audience=STARTED_AUDIENCE,
            options={"require": ["exp", "state", "nonce"]},
        )
    except jwt.PyJWTError:
        return None
    return claims


def _keep_started(response: Response, request: Request, sealed: str) -> None:
    response.set_cookie(
        STARTED_COOKIE,
        sealed,
        max_age=int(STARTED_LIFETIME.total_seconds()),
        path=pages.OIDC_START,
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="lax",
    )


def _forget_started(response: Response, request: Request) -> None:
    response.delete_cookie(
        STARTED_COOKIE, path=pages.OIDC_START, secure=request.url.scheme == "https", httponly=True, samesite="lax"
    )


@router.get(pages.OIDC_START, response_class=HTMLResponse, response_model=None)
async def start_sign_in(request: Request, settings: SettingsDep) -> HTMLResponse | RedirectResponse:
    """Send the browser to the provider, keeping what its answer must match."""
    provider = _provider(request)
    if provider is None:
        return oidc_pages.unavailable()
    try:
        started = await provider.start()
    except SignInFailed as failed:
        return _refused(settings, failed.reason)
    answer = RedirectResponse(started.url, status_code=303, headers=pages.PORTAL_HEADERS)
    _keep_started(answer, request, _sealed(settings, started))
    return answer


@router.get(CALLBACK_PATH, response_class=HTMLResponse)
async def finish_sign_in(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """Where the provider sends the browser back: sign the family in to the cases of the address it verified."""
    provider = _provider(request)
    if provider is None:
        return oidc_pages.unavailable()
    started = _opened(request, settings)
    params = request.query_params
    state, code = params.get("state", ""), params.get("code", "")
    try:
        if (
            started is None
            or len(state) > MAX_STATE
            or not hmac.compare_digest(state.encode(), str(started["state"]).encode())
        ):
            raise SignInFailed("state")
        if "error" in params:
            error = params.get("error", "")
            log.info(
                "portal oidc sign-in refused by the provider", error=error if error in PROVIDER_ERRORS else "other"
            )
            raise SignInFailed("provider")
        if not 0 < len(code) <= MAX_CODE:
            raise SignInFailed("token")
        verifier = started.get("verifier")
        identity = await provider.identity(code, str(started["nonce"]), verifier if isinstance(verifier, str) else None)
    except SignInFailed as failed:
        log.info("portal oidc sign-in failed", reason=failed.reason)
        answer = _refused(settings, failed.reason)
    else:
        answer = await _sign_in(request, session, settings, identity)
    _forget_started(answer, request)
    return answer


async def signed_out_of_provider(request: Request, settings: Settings) -> Response:
    """The portal's sign-out: the session forgotten, and for a family that came through the provider, on to the
    provider's own sign-out (back to the email form after); otherwise to the page saying they have signed out."""
    provider = _provider(request)
    id_token = request.cookies.get(LOGOUT_COOKIE, "")
    where = None
    if provider is not None and 0 < len(id_token) <= MAX_ID_TOKEN:
        where = await provider.logout_url(id_token, f"{settings.portal_url.rstrip('/')}{pages.PORTAL}")
    answer: Response = (
        oidc_pages.signing_out(where, settings.portal_oidc_name)
        if where
        else RedirectResponse(pages.SIGNED_OUT, status_code=303, headers=pages.PORTAL_HEADERS)
    )
    forget_session(answer, request)
    answer.delete_cookie(
        LOGOUT_COOKIE, path=pages.SIGN_OUT, secure=request.url.scheme == "https", httponly=True, samesite="strict"
    )
    return answer


async def _sign_in(request: Request, session: SessionDep, settings: Settings, identity: Identity) -> HTMLResponse:
    family = await portal_codes.family_of(session, portal_key(settings), identity.email)
    if not family.case_refs:
        log.info("portal oidc sign-in for an address on no case")
        return oidc_pages.no_case(identity.email, settings.portal_oidc_name)
    await portal_codes.record_sign_in(session, family, settings.portal_oidc_name, datetime.now(UTC))
    target = pages.case_page_href(family.case_refs[0]) if len(family.case_refs) == 1 else pages.YOUR_CASES
    answer = oidc_pages.signed_in(target)
    keep_portal_session(answer, request, settings, family)
    if len(identity.id_token) <= MAX_ID_TOKEN:
        answer.set_cookie(
            LOGOUT_COOKIE,
            identity.id_token,
            max_age=int(MAX_FAMILY_TOKEN_LIFETIME.total_seconds()),
            path=pages.SIGN_OUT,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
    return answer
