"""The pages of a family's sign-in through an identity provider (api/routes/portal_oidc.py): signed in, no case
for the address, or why it did not work, each with a way on. Nothing the provider sent is written into them but
the address it verified, which is the family's own."""

from fastapi.responses import HTMLResponse

from api.pages.layout import e
from api.pages.portal import OIDC_START, PORTAL, govuk_page


def signed_in(target: str) -> HTMLResponse:
    """The way on to the family's case once signed in: a page of this site that moves on by itself.

    The browser came here from the provider's site, so a redirect would carry on that cross-site navigation, and
    the session cookie (SameSite=Strict) would not be sent with it: the case page would not know the family. A
    refresh from this page is a navigation this site starts, which carries the cookie. The link is for a browser
    that does not follow the refresh."""
    refresh = f'<meta http-equiv="refresh" content="0; url={e(target)}">'
    body = (
        '<h1 class="govuk-heading-l">You are signed in</h1>'
        f'<p class="govuk-body"><a class="govuk-link" href="{e(target)}">Continue to your case</a></p>'
    )
    return govuk_page("You are signed in", body, head=refresh)


def no_case(email: str, name: str) -> HTMLResponse:
    body = (
        '<h1 class="govuk-heading-l">No case found for this email address</h1>'
        f'<p class="govuk-body">{e(name)} confirmed your email address, <strong>{e(email)}</strong>, but it is not '
        "the address of a parent or young person on any case.</p>"
        "<p class=\"govuk-body\">If you think it should be, ask your council's SEND team to add it to your child's "
        "case, or check which email address they have for you.</p>"
        f'<p class="govuk-body"><a class="govuk-link" href="{PORTAL}">Sign in with another email address</a></p>'
    )
    return govuk_page("No case found", body)


def problem(message: str, status_code: int, *, retry: str) -> HTMLResponse:
    """Why the sign-in did not work, in words of our own, with a way to start again and the code sign-in."""
    body = (
        '<h1 class="govuk-heading-l">You have not been signed in</h1>'
        f'<p class="govuk-body">{e(message)}</p>'
        f'<a href="{OIDC_START}" role="button" draggable="false" class="govuk-button" data-module="govuk-button">'
        f"{e(retry)}</a>"
        f'<p class="govuk-body"><a class="govuk-link" href="{PORTAL}">Sign in with a code sent to your email '
        "instead</a></p>"
    )
    return govuk_page("You have not been signed in", body, status_code=status_code)


def unavailable() -> HTMLResponse:
    body = (
        '<h1 class="govuk-heading-l">This way of signing in is not available</h1>'
        f'<p class="govuk-body"><a class="govuk-link" href="{PORTAL}">Sign in with a code sent to your email</a></p>'
    )
    return govuk_page("Not available", body, status_code=404)


def signing_out(logout_url: str, name: str) -> HTMLResponse:
    """Signed out here, and on to the provider to end its session too, by a refresh: the sign-out form's answer
    may not redirect to another site (the pages' form-action policy is 'self'), and a family on a shared computer
    must not stay signed in to the provider."""
    refresh = f'<meta http-equiv="refresh" content="0; url={e(logout_url)}">'
    body = (
        '<h1 class="govuk-heading-l">You have signed out</h1>'
        f'<p class="govuk-body"><a class="govuk-link" href="{e(logout_url)}">Sign out of {e(name)} too</a></p>'
    )
    return govuk_page("You have signed out", body, head=refresh)
