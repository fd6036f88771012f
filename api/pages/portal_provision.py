"""The page a provider of section F's lines confirms delivery on (api/routes/portal_provision.py), in the GOV.UK
Design System's manner as the other invited parties' pages are (api/pages/portal_requests.py): each period whose
account the council awaits, the provider's lines in force in it with their words, and a form per period (each line
delivered in full, or not: how many sessions missed and why). No script: the questions a shortfall asks sit in a
GOV.UK conditional reveal, which without script simply shows. Every value escaped with e().
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from fastapi.responses import HTMLResponse

from api.pages.layout import e, uk_date
from api.pages.portal import FieldError, error_message, govuk_page, summary_row
from api.pages.portal_requests import REQUEST, SERVICE
from api.provider_accounts import AwaitedLine, AwaitedPeriod
from workflows.provision_models import ShortfallReason

IN_FULL, SHORT = "in_full", "short"
MAX_MISSED = 1000  # workflows/provision_models.py LineConfirmation.sessions_missed

REASONS = {
    ShortfallReason.STAFF_ABSENCE: "Staff absence",
    ShortfallReason.VACANCY: "No one in post (a vacancy)",
    ShortfallReason.NOT_ARRANGED: "Not arranged or not funded",
    ShortfallReason.SETTING_CLOSED: "The setting was closed",
    ShortfallReason.CHILD_ABSENT: "The child was absent",
    ShortfallReason.DECLINED: "The child or family declined it",
    ShortfallReason.OTHER: "Another reason",
}
PER = {"week": "a week", "half_term": "each half term", "term": "a term", "year": "a year"}


@dataclass(frozen=True)
class Given:
    """An account the provider gave, as the plan's workflow still holds it."""

    period: str
    start: date
    end: date
    on: date


@dataclass(frozen=True)
class ProviderView:
    """What the provider reads: the child only while an account is awaited (the page is audited as showing it)."""

    case_ref: str
    provider_name: str
    child: str
    born: date
    today: date
    awaited: tuple[AwaitedPeriod, ...]
    given: tuple[Given, ...]  # newest first
    next_end: date | None  # the end of the period running now, when the provider is next asked
    ended: bool  # the plan has ceased: nothing more is asked


@dataclass(frozen=True)
class Entered:
    """A form sent back with its mistakes: which period's, what was entered, and what is wrong with it."""

    period: str
    values: Mapping[str, str] = field(default_factory=dict)
    errors: Sequence[FieldError] = ()


def field_id(period: str, name: str) -> str:
    """A field's id on the page, unique across the periods' forms: the error summary links to it."""
    return f"p{period.replace('.', '-')}-{name}"


def span(start: date, end: date) -> str:
    return f"{uk_date(start)} to {uk_date(end)}"


def _time_left(due: date, today: date) -> str:
    days = (due - today).days
    if days > 1:
        return f"{days} days left"
    if days == 1:
        return "Due tomorrow"
    if days == 0:
        return "Due today"
    return f"{-days} day{'s' if days < -1 else ''} late"


def _words(line: AwaitedLine) -> str:
    kind = line.kind.value.replace("_", " ").capitalize()
    if line.words is None:
        return f'<p class="govuk-body">{e(kind)} (this line has since changed in the plan).</p>'
    w = line.words
    how = f"{w.sessions} session{'s' if w.sessions != 1 else ''} of {w.minutes} minutes {PER.get(w.per, w.per)}"
    where = f", at {w.location}" if w.location else ""
    return (
        f'<p class="govuk-body">{e(w.description)}</p>'
        f'<p class="govuk-body govuk-!-font-size-16">{e(kind)}: {e(how)}{e(where)}.</p>'
    )


def _group(inner: str, error: FieldError | None) -> str:
    return f'<div class="govuk-form-group{" govuk-form-group--error" if error else ""}">{inner}</div>'


def _described(name: str, error: FieldError | None) -> str:
    return f' aria-describedby="{name}-error"' if error else ""


def _line(period: str, line: AwaitedLine, entered: Entered | None) -> str:
    values = entered.values if entered else {}
    errors = {error.field: error for error in entered.errors} if entered else {}
    choice_id, missed_id, reason_id = (field_id(period, f"{line.ref}{s}") for s in ("", "-missed", "-reason"))
    choice, missed, reason = (values.get(f"{line.ref}{s}", "") for s in ("", "-missed", "-reason"))

    missed_error, reason_error = errors.get(missed_id), errors.get(reason_id)
    described = f"{missed_id}-hint{f' {missed_id}-error' if missed_error else ''}"
    missed_html = _group(
        f'<label class="govuk-label" for="{missed_id}">Sessions missed</label>'
        f'<div id="{missed_id}-hint" class="govuk-hint">Sessions (or days) not delivered in the period</div>'
        f"{error_message(missed_id, missed_error)}"
        f'<input class="govuk-input govuk-input--width-3{" govuk-input--error" if missed_error else ""}" '
        f'id="{missed_id}" name="{line.ref}-missed" type="text" inputmode="numeric" spellcheck="false" '
        f'value="{e(missed)}" aria-describedby="{described}">',
        missed_error,
    )
    options = '<option value="">Choose a reason</option>' + "".join(
        f'<option value="{r.value}"{" selected" if reason == r.value else ""}>{e(words)}</option>'
        for r, words in REASONS.items()
    )
    reason_html = _group(
        f'<label class="govuk-label" for="{reason_id}">Why</label>{error_message(reason_id, reason_error)}'
        f'<select class="govuk-select{" govuk-select--error" if reason_error else ""}" id="{reason_id}" '
        f'name="{line.ref}-reason"{_described(reason_id, reason_error)}>'
        f"{options}</select>",
        reason_error,
    )

    choice_error = errors.get(choice_id)
    radios = (
        '<div class="govuk-radios__item">'
        f'<input class="govuk-radios__input" id="{choice_id}" name="{line.ref}" type="radio" value="{IN_FULL}"'
        f"{' checked' if choice == IN_FULL else ''}>"
        f'<label class="govuk-label govuk-radios__label" for="{choice_id}">Delivered in full</label></div>'
        '<div class="govuk-radios__item">'
        f'<input class="govuk-radios__input" id="{choice_id}-short" name="{line.ref}" type="radio" value="{SHORT}"'
        f"{' checked' if choice == SHORT else ''}>"
        f'<label class="govuk-label govuk-radios__label" for="{choice_id}-short">Not in full</label></div>'
        f'<div class="govuk-radios__conditional">{missed_html}{reason_html}</div>'
    )
    legend = f"Line {line.ref}"
    return _group(
        f'<fieldset class="govuk-fieldset"{_described(choice_id, choice_error)}>'
        f'<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">{e(legend)}</legend>'
        f"{_words(line)}{error_message(choice_id, choice_error)}"
        f'<div class="govuk-radios" data-module="govuk-radios">{radios}</div></fieldset>',
        choice_error,
    )


def _period(view: ProviderView, period: AwaitedPeriod, submission_id: str, entered: Entered | None) -> str:
    mine = entered if entered and entered.period == period.key else None
    lines = "".join(_line(period.key, line, mine) for line in period.lines)
    return (
        f'<h2 class="govuk-heading-m">{e(span(period.start, period.end))}</h2>'
        f'<p class="govuk-body">Asked for by {e(uk_date(period.due))} '
        f'<strong class="govuk-tag">{e(_time_left(period.due, view.today))}</strong></p>'
        f'<form method="post" action="{REQUEST}" novalidate>'
        f'<input type="hidden" name="submission_id" value="{e(submission_id)}">'
        f'<input type="hidden" name="period" value="{e(period.key)}">{lines}'
        f'<button type="submit" class="govuk-button">Send the account for {e(span(period.start, period.end))}'
        "</button></form>"
    )


def _given(view: ProviderView) -> str:
    if not view.given:
        return ""
    rows = "".join(summary_row(span(g.start, g.end), e(f"Sent on {uk_date(g.on)}")) for g in view.given)
    return f'<h2 class="govuk-heading-m">Accounts you have sent</h2><dl class="govuk-summary-list">{rows}</dl>'


TITLE = "Confirm the provision delivered"


def provider_page(
    view: ProviderView,
    submission_ids: Sequence[str],
    *,
    entered: Entered | None = None,
    refused: FieldError | None = None,
    sent: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Every period awaited, each with its form (a fresh submission id each), and the accounts already sent. The
    child's name and date of birth only while an account is awaited: otherwise there is nothing to answer."""
    errors = [*(entered.errors if entered else ()), *([refused] if refused else [])]
    sent_period = next((g for g in view.given if g.period == sent), None)
    panel = (
        '<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Account sent</h1>'
        f'<div class="govuk-panel__body">The council has it, dated {e(uk_date(sent_period.on))}</div></div>'
        if sent_period
        else ""
    )
    heading = "" if panel else f'<h1 class="govuk-heading-l">{TITLE}</h1>'
    caption = f'<span class="govuk-caption-l">Case {e(view.case_ref)}</span>'
    if view.ended:
        body = (
            f'{caption}<h1 class="govuk-heading-l">The council no longer needs an account</h1>'
            '<p class="govuk-body">The plan has ended, so there is nothing more to confirm. If you think this is '
            "wrong, contact the council's SEND team.</p>"
        )
        return govuk_page(TITLE, body, service=SERVICE, home=REQUEST, signed_in=True)
    rows = [summary_row("Provider", e(view.provider_name))]
    if view.awaited:
        rows = [summary_row("Child", e(view.child)), summary_row("Date of birth", e(uk_date(view.born))), *rows]
        intro = (
            "For each period, say of each line whether you delivered it in full. If not, say how many sessions "
            "were missed and why: the council must secure this provision, and needs to know what was missed."
        )
        forms = "".join(
            _period(view, period, submission_id, entered)
            for period, submission_id in zip(view.awaited, submission_ids, strict=True)
        )
    else:
        then = f" when the period running now ends, on {uk_date(view.next_end)}," if view.next_end else ""
        intro = f"Nothing to confirm now. The council will email you{then} and you confirm it here."
        forms = ""
    body = (
        f'{panel}{caption}{heading}<p class="govuk-body">{e(intro)}</p>'
        f'<dl class="govuk-summary-list">{"".join(rows)}</dl>{forms}{_given(view)}'
    )
    return govuk_page(
        TITLE, body, service=SERVICE, home=REQUEST, signed_in=True, errors=errors, status_code=status_code
    )
