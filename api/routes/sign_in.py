"""Signing a browser in: a form to paste a token into, kept in an HttpOnly cookie for the pages to read.

A browser cannot send a bearer header, so the token a user was issued (by the LA's identity provider, or
`python -m cli.tokens` locally) goes into the form once; it is verified exactly as a bearer token is, then
kept in SESSION_COOKIE, which api/auth.py accepts for GET and HEAD only. The cookie is HttpOnly (no script
reads it), SameSite=Strict (no other site's link or form sends it) and Secure over HTTPS; it expires with
the token, or after 12 hours if that is sooner. A sign-in or sign-out posted from another origin is refused,
so no other site can sign a browser in as someone else.
"""

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import jwt
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from api.auth import forget_session, keep_session, verify
from api.deps import SettingsDep
from api.pages.layout import PAGE_HEADERS, SIGN_IN, e, page
from api.problems import Problem

router = APIRouter(tags=["sign-in"])

DASHBOARD_PAGE = "/dashboard/page"
# A cookie is at most 4096 bytes, name and attributes included: a longer token would be dropped silently.
MAX_TOKEN_CHARS = 3800
# A browser stays signed in for a working day at most, whatever the token allows: a long-lived token pasted
# in (a scraper's, say) does not leave a session open on a shared machine.
MAX_SESSION_SECONDS = 12 * 3600


def _form(error: str = "", status_code: int = 200) -> HTMLResponse:
    alert = (
        f'<div class="error" role="alert" id="token-error"><h2>The token was not accepted</h2><p>{e(error)}</p></div>'
        if error
        else ""
    )
    described = ' aria-describedby="token-hint token-error"' if error else ' aria-describedby="token-hint"'
    body = (
        "<h1>Sign in</h1>"
        f"{alert}"
        '<form method="post" action="/sign-in" class="panel">'
        '<label for="token">Your access token</label>'
        '<p id="token-hint" class="note">Paste the token your organisation issued to you. Locally: '
        "<code>python -m cli.tokens --role manager --la 202 --sub your.id</code>. "
        "It is kept in this browser until it expires or you sign out.</p>"
        f'<textarea id="token" name="token" required spellcheck="false" autocomplete="off"{described}></textarea>'
        '<p><button type="submit">Sign in</button></p></form>'
    )
    return page("Sign in", body, status_code=status_code)


def same_origin(request: Request) -> bool:
    """A browser names the page a form was posted from; it must be this site (a missing Origin is a non-browser
    client, which a cross-site forgery is not)."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    sent = urlsplit(origin)
    return (sent.scheme, sent.netloc) == (request.url.scheme, request.url.netloc)


def cross_site() -> Problem:
    return Problem(403, "Cross-site request", "Sign in from this site's own sign-in page.", "/problems/forbidden")


@router.get(SIGN_IN, response_class=HTMLResponse, include_in_schema=False)
async def sign_in_form() -> HTMLResponse:
    return _form()


@router.post(SIGN_IN, response_class=HTMLResponse, response_model=None, include_in_schema=False)
async def sign_in(request: Request, settings: SettingsDep) -> HTMLResponse | RedirectResponse:
    """Verify the pasted token and keep it in the session cookie; the form again, saying why, if it fails."""
    if not same_origin(request):
        raise cross_site()
    fields = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
    token = (fields.get("token") or [""])[0].strip()
    if not token:
        return _form("Paste your token into the box.", 422)
    if len(token) > MAX_TOKEN_CHARS:
        return _form(f"The token is longer than a browser can keep ({MAX_TOKEN_CHARS} characters at most).", 422)
    try:
        await verify(settings, token)
    except Problem as problem:
        return _form(problem.detail, problem.status)
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    answer = RedirectResponse(DASHBOARD_PAGE, status_code=303, headers=PAGE_HEADERS)
    keep_session(answer, request, token, min(max(int(expires - datetime.now(UTC).timestamp()), 0), MAX_SESSION_SECONDS))
    return answer


@router.post("/sign-out", include_in_schema=False)
async def sign_out(request: Request) -> RedirectResponse:
    if not same_origin(request):
        raise cross_site()
    answer = RedirectResponse(SIGN_IN, status_code=303, headers=PAGE_HEADERS)
    forget_session(answer, request)
    return answer
