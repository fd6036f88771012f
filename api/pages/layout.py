"""The few pages a browser opens (sign-in and the dashboard): server-rendered HTML with inline CSS.

Nothing is fetched from anywhere else, no script runs, and the Content-Security-Policy says so: the pages
work on a locked-down council laptop and leak nothing to a CDN.
"""

from collections.abc import Callable, Coroutine
from datetime import date
from html import escape
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.auth import User, authenticate_page, check_role
from api.deps import SettingsDep
from api.problems import Problem

SIGN_IN = "/sign-in"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

CSS = """
:root { --text: #0b0c0c; --muted: #505a5f; --line: #b1b4b6; --blue: #1d70b8; --focus: #ffdd00; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Arial, sans-serif; color: var(--text);
  background: #f3f2f1; }
header.site { background: #0b0c0c; color: #fff; padding: 12px 24px; display: flex; flex-wrap: wrap;
  justify-content: space-between; align-items: center; gap: 12px; }
header.site .name { font-weight: 700; font-size: 1.15rem; }
header.site form { display: inline; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 2rem; margin: 0 0 8px; } h2 { font-size: 1.4rem; margin: 0 0 8px; }
h3 { font-size: 1.1rem; margin: 16px 0 4px; }
.lede { color: var(--muted); margin-top: 0; }
section.panel { background: #fff; border: 1px solid var(--line); padding: 16px 20px; margin: 20px 0; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 12px; margin: 0;
  padding: 0; }
.tile { background: #fff; border: 1px solid var(--line); border-top: 5px solid var(--blue); padding: 12px 16px;
  margin: 0; }
.tile dt { font-size: 0.95rem; color: var(--muted); } .tile dd { margin: 4px 0 0; font-size: 2rem;
  font-weight: 700; }
.tile dd.words { font-size: 1.25rem; padding-top: 8px; }
.tile.warn { border-top-color: #d4351c; } .tile.good { border-top-color: #00703c; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 0.95rem; }
caption { text-align: left; font-weight: 700; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 8px; text-align: left; vertical-align: top; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin-top: 8px; } summary { cursor: pointer; color: var(--blue); text-decoration: underline; }
figure { margin: 8px 0; } svg { max-width: 100%; height: auto; }
.note { color: var(--muted); font-size: 0.9rem; }
form.filter { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-end; margin: 16px 0 24px; }
label { display: block; font-weight: 700; margin-bottom: 4px; }
input, select, textarea { font: inherit; padding: 6px; border: 2px solid var(--text); background: #fff; }
textarea { width: 100%; min-height: 8em; font-family: ui-monospace, monospace; font-size: 0.85rem; }
button { font: inherit; font-weight: 700; padding: 8px 16px; border: 0; background: #00703c; color: #fff;
  cursor: pointer; box-shadow: 0 2px 0 #002d18; }
button.link { background: none; color: #fff; box-shadow: none; text-decoration: underline; padding: 0; }
a { color: var(--blue); } header.site a { color: #fff; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 0; box-shadow: 0 0 0 6px var(--text); }
.error { border-left: 5px solid #d4351c; padding: 8px 16px; background: #fff; margin: 16px 0; }
.legend { display: flex; flex-wrap: wrap; gap: 16px; padding: 0; margin: 4px 0; list-style: none; }
table.cases td, table.cases th { font-size: 0.9rem; }
fieldset.date { display: flex; gap: 8px; border: 0; margin: 0; padding: 0; }
fieldset.date legend { font-weight: 700; padding: 0; margin-bottom: 4px; }
fieldset.date label { font-weight: 400; } input.day, input.month { width: 3em; } input.year { width: 4.5em; }
.pager { display: flex; gap: 24px; margin: 12px 0; }
.swatch { display: inline-block; width: 14px; height: 14px; margin-right: 6px; vertical-align: -2px; }
"""


def e(value: object) -> str:
    """Text for HTML, escaped (quotes too, so it is safe inside attributes)."""
    return escape(str(value), quote=True)


def uk_date(day: date) -> str:
    """A date as GOV.UK writes it: "3 March 2026", never 2026-03-03."""
    return f"{day.day} {day:%B %Y}"


def page(title: str, body: str, *, signed_in: User | None = None, status_code: int = 200) -> HTMLResponse:
    who = ""
    if signed_in is not None:
        who = (
            f"<div>Signed in as <strong>{e(signed_in.sub)}</strong> ({e(signed_in.role.value.replace('_', ' '))})"
            f' &middot; <form method="post" action="/sign-out"><button class="link" type="submit">Sign out'
            "</button></form></div>"
        )
    html = (
        '<!doctype html><html lang="en-GB"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} - SEND statutory case engine</title><style>{CSS}</style></head><body>"
        '<header class="site"><span class="name">SEND statutory case engine</span>'
        f"{who}</header>"
        f'<main id="main">{body}</main></body></html>'
    )
    return HTMLResponse(html, status_code=status_code, headers=PAGE_HEADERS)


def error_page(problem: Problem, signed_in: User | None = None) -> HTMLResponse:
    body = f'<h1>{e(problem.title)}</h1><div class="error" role="alert"><p>{e(problem.detail)}</p></div>'
    return page(problem.title, body, signed_in=signed_in, status_code=problem.status)


def allow_page(*roles: Any, sign_in: str = SIGN_IN) -> Callable[..., Coroutine[Any, Any, User]]:
    """As api.auth.allow, for a page a person opens in a browser, or a form its pages post: without a valid token,
    to the sign-in form (303; the portal's own at `sign_in`) rather than a 401 a browser cannot act on."""
    admitted = frozenset(roles)

    async def check(request: Request, settings: SettingsDep) -> User:
        try:
            user = await authenticate_page(request, settings)
        except Problem as problem:
            if problem.status != 401:
                raise
            raise Problem(
                303,
                "Sign in",
                "Sign in to see this page.",
                headers={"Location": sign_in, **PAGE_HEADERS},
            ) from None
        check_role(user, admitted, "see this page")
        return user

    check.roles = admitted  # type: ignore[attr-defined]  # read by the access-matrix test
    return check
