"""The families' portal pages, in the GOV.UK Design System's manner: its template, header, phase banner, skip
link, summary list, task list and error summary, styled by GOV.UK Frontend served from this app
(api/pages/govuk_assets.py).

Nothing is fetched from anywhere else and no script runs (the Content-Security-Policy says so), so every page
works without JavaScript, on a phone as on a desktop. Every value written into a page is escaped with e().
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from fastapi.responses import HTMLResponse

from api.family_view import AdviceAsked, Letter, StepDone, Window
from api.pages.dashboard import process_label, readable, stage_label
from api.pages.govuk_assets import ASSETS, STYLESHEET
from api.pages.layout import PAGE_HEADERS, e, uk_date

PORTAL = "/portal"
CODE = "/portal/code"
SIGN_OUT = "/portal/sign-out"
SIGNED_OUT = "/portal/signed-out"
YOUR_CASES = "/portal/your-cases"
DRAFT_PAGE = "/portal/cases/{case_ref}/draft/page"
OIDC_START = "/portal/sign-in/oidc"
SERVICE = "Your child's SEND case"
# The staff pages' headers, with GOV.UK Frontend's stylesheet and fonts allowed from the API itself.
PORTAL_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; font-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def case_page_href(case_ref: str) -> str:
    return f"/portal/cases/{case_ref}/page"


def draft_page_href(case_ref: str) -> str:
    return DRAFT_PAGE.format(case_ref=case_ref)


@dataclass(frozen=True)
class FieldError:
    """A form field's error: the summary at the top links to the field, which repeats it (GOV.UK's pattern). An
    error of no one field (the case refused the form) has no field, and is in the summary alone."""

    field: str
    message: str


def govuk_page(
    title: str,
    body: str,
    *,
    signed_in: bool = False,
    errors: Sequence[FieldError] = (),
    status_code: int = 200,
    service: str = SERVICE,
    home: str = PORTAL,
    head: str = "",
) -> HTMLResponse:
    """A page in the GOV.UK template; a page showing an error says so first in its title, as screen readers
    announce it."""
    if signed_in and home == PORTAL:
        home = YOUR_CASES  # signed in, the service's home is the family's cases, not the sign-in form
    sign_out = (
        f'<form method="post" action="{SIGN_OUT}" class="app-sign-out">'
        '<button type="submit" class="govuk-button govuk-button--secondary">Sign out</button></form>'
        if signed_in
        else ""
    )
    html = (
        '<!DOCTYPE html><html lang="en-GB" class="govuk-template"><head><meta charset="utf-8">'
        f"<title>{'Error: ' if errors else ''}{e(title)} - {e(service)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">'
        '<meta name="theme-color" content="#1d70b8">'
        f'<link rel="icon" sizes="48x48" href="{ASSETS}/images/favicon.ico">'
        f'<link rel="icon" sizes="any" href="{ASSETS}/images/favicon.svg" type="image/svg+xml">'
        f'<link rel="stylesheet" href="{STYLESHEET}">{head}</head>'
        '<body class="govuk-template__body">'
        '<a href="#main-content" class="govuk-skip-link">Skip to main content</a>'
        '<header class="govuk-template__header"><div class="govuk-generic-header">'
        '<div class="govuk-generic-header__container govuk-width-container"><div class="govuk-generic-header__logo">'
        f'<a href="{e(home)}" class="govuk-generic-header__homepage-link">{e(service)}</a>'
        "</div></div></div></header>"
        '<div class="govuk-width-container">'
        '<div class="govuk-phase-banner"><p class="govuk-phase-banner__content">'
        '<strong class="govuk-tag govuk-phase-banner__content__tag">Beta</strong>'
        '<span class="govuk-phase-banner__text">This is a new service. If anything here looks wrong, '
        "ask your council's SEND team.</span></p></div>"
        '<main class="govuk-main-wrapper" id="main-content">'
        f"{_error_summary(errors)}{body}{sign_out}</main></div></body></html>"
    )
    return HTMLResponse(html, status_code=status_code, headers=PORTAL_HEADERS)


def _error_summary(errors: Sequence[FieldError]) -> str:
    if not errors:
        return ""
    items = "".join(
        f'<li><a href="#{e(error.field)}">{e(error.message)}</a></li>'
        if error.field
        else f"<li>{e(error.message)}</li>"
        for error in errors
    )
    return (
        '<div class="govuk-error-summary"><div role="alert">'
        '<h2 class="govuk-error-summary__title">There is a problem</h2>'
        f'<div class="govuk-error-summary__body"><ul class="govuk-list govuk-error-summary__list">{items}</ul>'
        "</div></div></div>"
    )


def error_of(name: str, errors: Sequence[FieldError]) -> FieldError | None:
    return next((error for error in errors if error.field == name), None)


def error_message(name: str, error: FieldError | None) -> str:
    """The message above a field in error, read out with it (aria-describedby names `{name}-error`)."""
    if error is None:
        return ""
    return (
        f'<p id="{name}-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> '
        f"{e(error.message)}</p>"
    )


def field(
    name: str, label: str, hint: str, error: FieldError | None, *, attributes: str, width: str = "", value: str = ""
) -> str:
    """A GOV.UK text input with its label, hint and (if any) error message."""
    mine = error if error is not None and error.field == name else None
    message = error_message(name, mine)
    described = f"{name}-hint {name}-error" if mine else f"{name}-hint"
    return (
        f'<div class="govuk-form-group{" govuk-form-group--error" if mine else ""}">{label}'
        f'<div id="{name}-hint" class="govuk-hint">{e(hint)}</div>{message}'
        f'<input class="govuk-input{width}{" govuk-input--error" if mine else ""}" id="{name}" name="{name}" '
        f'value="{e(value)}" aria-describedby="{described}" {attributes}></div>'
    )


def email_form(
    email: str = "", error: FieldError | None = None, status_code: int = 200, *, oidc_label: str | None = None
) -> HTMLResponse:
    """The address to send a code to; and, where an identity provider is configured, its button instead."""
    label = (
        '<h1 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="email">'
        "What is your email address?</label></h1>"
    )
    body = (
        '<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">'
        f'<form method="post" action="{PORTAL}" novalidate>'
        + field(
            "email",
            label,
            "Use the address your council has for you on your child's case. We will email you a code to sign in.",
            error,
            attributes='type="email" spellcheck="false" autocomplete="email"',
            value=email,
        )
        + '<button type="submit" class="govuk-button">Continue</button></form>'
        + (_oidc_option(oidc_label) if oidc_label else "")
        + "</div></div>"
    )
    return govuk_page("Sign in", body, errors=[error] if error else [], status_code=status_code)


def _oidc_option(label: str) -> str:
    """A GOV.UK button that is a link (a GET the browser follows to the provider: no form, so the pages'
    form-action policy has nothing to refuse)."""
    return (
        '<h2 class="govuk-heading-m">Or sign in without a code</h2>'
        '<p class="govuk-body">If you have an account with the email address your council has for you, you can use '
        "it instead.</p>"
        f'<a href="{OIDC_START}" role="button" draggable="false" class="govuk-button govuk-button--secondary" '
        f'data-module="govuk-button">{e(label)}</a>'
    )


def code_field(sent: str, action: str, again: str, error: FieldError | None, hidden: str = "") -> str:
    """The "check your email" page's body: what was sent where (`sent`, already escaped), the code's field, and the
    way to ask for another (`again`). The families' and the invited parties' sign-ins share it."""
    label = '<label class="govuk-label govuk-label--m" for="code">Code from the email</label>'
    return (
        '<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">'
        f'<h1 class="govuk-heading-l">Check your email</h1><p class="govuk-body">{sent} The code lasts 10 minutes.</p>'
        f'<form method="post" action="{e(action)}" novalidate>{hidden}'
        + field(
            "code",
            label,
            "It is 6 numbers, like 123456.",
            error,
            attributes='type="text" inputmode="numeric" spellcheck="false" autocomplete="one-time-code"',
            width=" govuk-input--width-5",
        )
        + '<button type="submit" class="govuk-button">Sign in</button></form>'
        f'<p class="govuk-body"><a class="govuk-link" href="{e(again)}">Ask for a new code</a></p></div></div>'
    )


def code_form(email: str, error: FieldError | None = None, status_code: int = 200) -> HTMLResponse:
    """The same page whatever the address: it says a code is on its way only if the address is on a case."""
    sent = f"If <strong>{e(email)}</strong> is a contact on a case, we have sent a code to it."
    body = code_field(sent, CODE, PORTAL, error, f'<input type="hidden" name="email" value="{e(email)}">')
    return govuk_page("Check your email", body, errors=[error] if error else [], status_code=status_code)


@dataclass(frozen=True)
class Step:
    """A date on a case, as the family reads it."""

    step: str
    what: str | None
    law: str | None
    due: date

    @property
    def words(self) -> str:
        return self.what or readable(self.step)

    @property
    def law_sentence(self) -> str:
        return f"The law that sets this date is {self.law}." if self.law else "The council set this date."


def summary_row(key: str, value: str) -> str:
    return (
        f'<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{e(key)}</dt>'
        f'<dd class="govuk-summary-list__value">{value}</dd></div>'
    )


def case_page(
    case_ref: str,
    process: str,
    stage: str,
    outcome: str | None,
    closed: bool,
    waiting_for: Step | None,
    next_dates: list[Step],
    windows: list[Window],
    advice: list[AdviceAsked],
    letters: list[Letter],
    *,
    draft_link: str | None,
    review: str = "",
    provision: str = "",
    done: Sequence[StepDone] = (),
) -> HTMLResponse:
    """Where the case is, what it waits for and by when, the family's own time limits counted down, the advice
    asked for, and each date to come with the law that sets it; a link to the draft (`draft_link`, its words) while
    it takes comments, and on a plan its annual review (`review`, drawn by api/pages/portal_review.py) and the
    provision in section F (`provision`, api/pages/portal_family_provision.py)."""

    state = f"Closed: {readable(outcome)}" if closed and outcome else ("Closed" if closed else "Open")
    rows = [summary_row("Where it is", e(stage_label(process, stage))), summary_row("Open or closed", e(state))]
    if waiting_for is not None:
        rows += [
            summary_row("Waiting for", e(waiting_for.words)),
            summary_row("By", e(uk_date(waiting_for.due))),
            summary_row("The law", e(waiting_for.law_sentence)),
        ]
    items = "".join(
        '<li class="govuk-task-list__item"><div class="govuk-task-list__name-and-hint">'
        f"<div>{e(step.words)}</div>"
        f'<div id="date-{i}-hint" class="govuk-task-list__hint">{e(step.law_sentence)}</div></div>'
        f'<div class="govuk-task-list__status" id="date-{i}-status">Due by {e(uk_date(step.due))}</div></li>'
        for i, step in enumerate(next_dates, start=1)
    )
    dates = (
        f'<ul class="govuk-task-list">{items}</ul>'
        if items
        else '<p class="govuk-body">No dates are set on this case yet.</p>'
    )
    draft = (
        f'<p class="govuk-body"><a class="govuk-link" href="{e(draft_page_href(case_ref))}">{e(draft_link)}</a></p>'
        if draft_link
        else ""
    )
    body = (
        f'<span class="govuk-caption-l">Case {e(case_ref)}</span>'
        f'<h1 class="govuk-heading-l">{e(process_label(process))}</h1>'
        f'<dl class="govuk-summary-list">{"".join(rows)}</dl>{draft}'
        f"{_windows(windows)}{review}{provision}{_advice(advice)}"
        f'<h2 class="govuk-heading-m">Dates to come</h2>{dates}{_done(done)}{_letters(letters)}'
    )
    return govuk_page(f"Case {case_ref}", body, signed_in=True)


def _done(done: Sequence[StepDone]) -> str:
    """What has happened, newest first, each on its legal date; a missed date says which, and the law."""
    if not done:
        return ""
    rows = "".join(
        summary_row(
            uk_date(step.on), e(step.what) + (f'<p class="govuk-body-s">{e(step.missed)}</p>' if step.missed else "")
        )
        for step in reversed(done)
    )
    return f'<h2 class="govuk-heading-m">What has happened</h2><dl class="govuk-summary-list">{rows}</dl>'


def _letters(letters: list[Letter]) -> str:
    """Each letter the case sent the family, its words behind its subject (GOV.UK details: no script needed)."""
    if not letters:
        return ""
    items = "".join(
        '<details class="govuk-details"><summary class="govuk-details__summary">'
        f'<span class="govuk-details__summary-text">{e(letter.subject)}'
        f"{' (sent by post)' if letter.by_post else ''}</span></summary>"
        f'<div class="govuk-details__text">{e(letter.body)}</div></details>'
        for letter in letters
    )
    return f'<h2 class="govuk-heading-m">Letters</h2>{items}'


def countdown(days_left: int | None, due: date) -> str:
    """A window's time left as a parent reads it: never a negative number of days."""
    if days_left is None:
        return f"closed, the last day was {uk_date(due)}"
    if days_left == 0:
        return f"today is the last day, {uk_date(due)}"
    return f"{days_left} day{'' if days_left == 1 else 's'} left, until {uk_date(due)}"


def _windows(windows: list[Window]) -> str:
    if not windows:
        return ""
    items = "".join(
        f'<li id="window-{i}"><p class="govuk-body govuk-!-margin-bottom-1"><strong>{e(window.what)}</strong>: '
        f"{e(countdown(window.days_left, window.due))}</p>"
        f'<p class="govuk-body-s">{e(_law_sentence(window))}</p></li>'
        for i, window in enumerate(windows, start=1)
    )
    return f'<h2 class="govuk-heading-m">Your time to act</h2><ul class="govuk-list">{items}</ul>'


def _law_sentence(window: Window) -> str:
    if not window.law:
        return "The council set this time."
    rule = f" ({window.rule[0].lower()}{window.rule[1:]})" if window.rule else ""
    return f"The law that gives you this time is {window.law}{rule}."


ADVICE_STATUS = {"received": "received", "waiting": "not in yet", "late": "late, not in yet", "ended": "not needed now"}


def _advice(advice: list[AdviceAsked]) -> str:
    if not advice:
        return ""
    items = "".join(
        f"<li>{e(asked.adviser)}: asked {e(uk_date(asked.asked_on))}, due {e(uk_date(asked.due))}, "
        f"{e(ADVICE_STATUS[asked.status])}"
        f"{' ' + e(uk_date(asked.received_on)) if asked.received_on else ''}</li>"
        for asked in advice
    )
    return (
        '<h2 class="govuk-heading-m">Advice the council asked for</h2>'
        '<p class="govuk-body">To assess your child\'s needs the council asks people who know about them for advice. '
        "Each has 6 weeks to give it (SEND Regs 2014 reg 8).</p>"
        f'<ul class="govuk-list govuk-list--bullet">{items}</ul>'
    )


def cases_page(cases: list[tuple[str, str, str, str]]) -> HTMLResponse:
    """The family's cases, (reference, child's first name, process, stage) each."""
    items = "".join(
        f'<li><a class="govuk-link" href="{e(case_page_href(ref))}">{e(child or "Case")}: case {e(ref)}</a>, '
        f"{e(process_label(process))}, {e(stage_label(process, stage).lower())}</li>"
        for ref, child, process, stage in cases
    )
    body = f'<h1 class="govuk-heading-l">Your cases</h1><ul class="govuk-list govuk-list--bullet">{items}</ul>'
    return govuk_page("Your cases", body, signed_in=True)


def signed_out() -> HTMLResponse:
    """Where every sign-out of the portal lands, whoever signed out: what to do to come back."""
    body = (
        '<h1 class="govuk-heading-l">You have signed out</h1>'
        f'<p class="govuk-body">To see your child\'s case again, <a class="govuk-link" href="{PORTAL}">sign in</a> '
        "with a new code.</p>"
        '<p class="govuk-body">If the council asked you for advice, an answer or a report, open the link in its email '
        "again.</p>"
    )
    return govuk_page("You have signed out", body)


def not_found(detail: str, heading: str = "No such case") -> HTMLResponse:
    body = f'<h1 class="govuk-heading-l">{e(heading)}</h1><p class="govuk-body">{e(detail)}</p>'
    return govuk_page(heading, body, signed_in=True, status_code=404)
