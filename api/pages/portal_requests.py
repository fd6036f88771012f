"""The pages an adviser or a setting answers the council's request on (api/routes/portal_requests.py), in the
GOV.UK Design System's manner as the families' pages are (api/pages/portal.py): the invitation's landing page,
the code form, and the request itself with its due date, its law in a sentence and the form that answers it
(text, files, and for a setting whether it agrees to be named). No script; every value escaped with e().
"""

from dataclasses import dataclass
from datetime import date

from fastapi.responses import HTMLResponse

from api.family_view import DraftSection
from api.pages.layout import e, uk_date
from api.pages.portal import FieldError, code_field, error_message, govuk_page, summary_row
from api.pages.portal_draft import section_html
from api.uploads import ACCEPT, KINDS_IN_WORDS, MAX_FILE_BYTES, MAX_FILES
from store.portal_invitations import REQUESTS_PATH, Ask

REQUEST = "/portal/request"
SERVICE = "Answer a council's SEND request"
MAX_TEXT = 20_000


def landing_href(invitation_id: str) -> str:
    return f"{REQUESTS_PATH}/{invitation_id}"


def _page(title: str, body: str, **options: object) -> HTMLResponse:
    return govuk_page(title, body, service=SERVICE, home=REQUEST, **options)  # type: ignore[arg-type]


ASKS = {
    Ask.ADVICE: "The council asks for your advice for an education, health and care (EHC) needs assessment.",
    Ask.CONSULTATION: (
        "The council is consulting your school or college about naming it in an education, health and care plan."
    ),
    Ask.REVIEW_REPORT: (
        "The council asks your school or college for the report of the annual review of an education, health and "
        "care plan."
    ),
    Ask.PROVISION: (
        "The council asks you to confirm, after each delivery period, the provision you delivered under an "
        "education, health and care plan."
    ),
}


def landing(
    invitation_id: str, case_ref: str, ask: Ask, error: FieldError | None = None, status_code: int = 200
) -> HTMLResponse:
    """What the link leads to: what is asked, and a button that emails a code to the invited address; with an
    error, the same saying why no code was sent."""
    body = (
        '<div class="govuk-grid-row"><div class="govuk-grid-column-two-thirds">'
        f'<span class="govuk-caption-l">Case {e(case_ref)}</span>'
        '<h1 class="govuk-heading-l">Answer the council\'s request</h1>'
        f'<p class="govuk-body">{e(ASKS[ask])}</p>'
        '<p class="govuk-body">To see the request and answer it, sign in with a code we email to the address the '
        "council sent this link to.</p>"
        f'<form method="post" action="{e(landing_href(invitation_id))}" novalidate>'
        '<button type="submit" class="govuk-button">Email me a code</button></form></div></div>'
    )
    return _page("Answer the council's request", body, errors=[error] if error else [], status_code=status_code)


def open_the_link() -> HTMLResponse:
    """Where a party not signed in (or signed in for longer than 2 hours) is sent."""
    body = (
        '<h1 class="govuk-heading-l">Open the link in the council\'s email</h1>'
        '<p class="govuk-body">To answer a request, open the link in the email the council sent you, and sign in '
        "with the code we send. A sign-in lasts 2 hours.</p>"
    )
    return _page("Open the link in the council's email", body)


def gone() -> HTMLResponse:
    body = (
        '<h1 class="govuk-heading-l">This link no longer works</h1>'
        '<p class="govuk-body">The council may have sent a newer link, to you or to someone else. Use the newest '
        "email you have, or ask the council's SEND team.</p>"
    )
    return _page("This link no longer works", body, status_code=404)


def code_form(invitation_id: str, error: FieldError | None = None, status_code: int = 200) -> HTMLResponse:
    sent = "We have sent a code to the address the council has for this request."
    body = code_field(sent, f"{landing_href(invitation_id)}/code", landing_href(invitation_id), error)
    return _page("Check your email", body, errors=[error] if error else [], status_code=status_code)


@dataclass(frozen=True)
class Asked:
    """The request as its party reads it."""

    case_ref: str
    ask: Ask
    what: str  # e.g. "Advice from an educational psychologist"
    requested_on: date
    due: date | None  # a review report's, once its meeting is held
    today: date
    law: str | None
    answered_on: date | None
    child: str  # whom the advice or the place is for: the adviser or the school must know (every view audited)
    born: date
    sent_files: tuple[str, ...] = ()
    # A consulted setting is sent the draft plan (CFA 2014 s.39(2)-(3)): it reads it here.
    draft: tuple[DraftSection, ...] = ()
    ended: bool = False  # the case no longer waits for this answer: closed, or moved past it
    on_plan: bool = False  # asked by the plan (a review report, or a consultation on an amendment), not the assessment
    meeting_on: date | None = None  # a review report's meeting, which its 2 weeks run from


def _time_left(asked: Asked) -> str:
    if asked.due is None:
        return "2 weeks after the meeting"
    days = (asked.due - asked.today).days
    if days > 1:
        return f"{days} days left"
    if days == 1:
        return "1 day left: due tomorrow"
    if days == 0:
        return "Due today"
    return f"{-days} day{'s' if days < -1 else ''} late"


def _error_of(error: FieldError | None, name: str) -> tuple[str, str]:
    """The group's error class and message, if the error is this field's."""
    if error is None or error.field != name:
        return "", ""
    return " govuk-form-group--error", error_message(name, error)


def _agrees(error: FieldError | None, chosen: str) -> str:
    group, message = _error_of(error, "agrees")
    options = "".join(
        '<div class="govuk-radios__item">'
        f'<input class="govuk-radios__input" id="{"agrees" if value == "yes" else "agrees-no"}" name="agrees" '
        f'type="radio" value="{value}"{" checked" if chosen == value else ""}>'
        f'<label class="govuk-label govuk-radios__label" for="{"agrees" if value == "yes" else "agrees-no"}">'
        f"{label}</label></div>"
        for value, label in (("yes", "Yes"), ("no", "No"))
    )
    return (
        f'<div class="govuk-form-group{group}"><fieldset class="govuk-fieldset" aria-describedby="agrees-hint">'
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--m">'
        "Can your school or college be named in the plan?</legend>"
        '<div id="agrees-hint" class="govuk-hint">The council decides; it will consider your answer and your '
        "reasons.</div>"
        f'{message}<div class="govuk-radios" data-module="govuk-radios">{options}</div></fieldset></div>'
    )


TEXT = {
    Ask.ADVICE: ("Your advice", "Write your advice here, or send it as a file below, or both."),
    Ask.CONSULTATION: ("Your reasons", "Say why, especially if your answer is no."),
    Ask.REVIEW_REPORT: ("Your report", "Write the report here, or send it as a file below, or both."),
}


def _text(asked: Asked, error: FieldError | None, text: str) -> str:
    group, message = _error_of(error, "text")
    label, hint = TEXT[asked.ask]
    return (
        f'<div class="govuk-form-group{group}"><h2 class="govuk-label-wrapper">'
        f'<label class="govuk-label govuk-label--m" for="text">{label}</label></h2>'
        f'<div id="text-hint" class="govuk-hint">{hint}</div>{message}'
        f'<textarea class="govuk-textarea{" govuk-textarea--error" if message else ""}" id="text" name="text" '
        f'rows="8" aria-describedby="text-hint{" text-error" if message else ""}">{e(text)}</textarea></div>'
    )


def _files(error: FieldError | None) -> str:
    group, message = _error_of(error, "files")
    return (
        f'<div class="govuk-form-group{group}"><label class="govuk-label govuk-label--m" for="files">'
        "Files (optional)</label>"
        f'<div id="files-hint" class="govuk-hint">Up to {MAX_FILES} files, each smaller than '
        f"{MAX_FILE_BYTES // 1024 // 1024} MB: {KINDS_IN_WORDS}.</div>{message}"
        f'<input class="govuk-file-upload{" govuk-file-upload--error" if message else ""}" id="files" name="files" '
        f'type="file" multiple accept="{ACCEPT}" aria-describedby="files-hint{" files-error" if message else ""}">'
        "</div>"
    )


def _due(asked: Asked) -> str:
    if asked.due is None:
        meeting = f" on {uk_date(asked.meeting_on)}" if asked.meeting_on else ""
        return e(f"2 weeks after the review meeting{meeting}")
    if asked.answered_on is not None:
        return e(uk_date(asked.due))
    return f'{e(uk_date(asked.due))} <strong class="govuk-tag">{e(_time_left(asked))}</strong>'


def no_longer_needed(asked: Asked) -> HTMLResponse:
    body = (
        f'<span class="govuk-caption-l">Case {e(asked.case_ref)}</span>'
        '<h1 class="govuk-heading-l">The council no longer needs an answer</h1>'
        '<p class="govuk-body">The case has closed, or moved past this request, so there is nothing to send. If you '
        "think this is wrong, contact the council's SEND team.</p>"
    )
    return _page("The council no longer needs an answer", body, signed_in=True)


def request_page(
    asked: Asked,
    submission_id: str,
    *,
    error: FieldError | None = None,
    text: str = "",
    agrees: str = "",
    status_code: int = 200,
    sent: bool = False,
) -> HTMLResponse:
    """The request, its date and law, and either the form that answers it or, once answered, what was recorded.
    Once the answer is in, or the case no longer waits for it, the child's details and the draft are not shown:
    the party's part is over."""
    if asked.ended and asked.answered_on is None:
        return no_longer_needed(asked)
    over = asked.answered_on is not None
    rows = [] if over else [summary_row("Child", e(asked.child)), summary_row("Date of birth", e(uk_date(asked.born)))]
    rows += [
        summary_row("Asked for", e(asked.what)),
        summary_row("Asked on", e(uk_date(asked.requested_on))),
        summary_row("Due by", _due(asked)),
        summary_row(
            "The law", e(f"The law that sets this date is {asked.law}." if asked.law else "The council set it.")
        ),
    ]
    if asked.answered_on is not None:
        rows.append(summary_row("Answered", e(f"Recorded on {uk_date(asked.answered_on)}")))
    panel = (
        '<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Answer sent</h1>'
        '<div class="govuk-panel__body">The council has it, dated '
        f"{e(uk_date(asked.answered_on))}</div></div>"
        if sent and asked.answered_on is not None
        else ""
    )
    heading = "" if panel else f'<h1 class="govuk-heading-l">{e(asked.what)}</h1>'
    if asked.answered_on is not None:
        files = "".join(f"<li>{e(name)}</li>" for name in asked.sent_files)
        after = (
            '<p class="govuk-body">Your answer is recorded on the case. If you need to add to it, contact the '
            "council's SEND team.</p>"
            + (
                f'<h2 class="govuk-heading-s">Files sent</h2><ul class="govuk-list govuk-list--bullet">{files}</ul>'
                if files
                else ""
            )
        )
    else:
        after = (
            f'<form method="post" action="{REQUEST}" enctype="multipart/form-data" novalidate>'
            f'<input type="hidden" name="submission_id" value="{e(submission_id)}">'
            + (_agrees(error, agrees) if asked.ask is Ask.CONSULTATION else "")
            + _text(asked, error, text)
            + _files(error)
            + '<button type="submit" class="govuk-button">Send your answer</button></form>'
        )
    draft = (
        '<details class="govuk-details"><summary class="govuk-details__summary">'
        '<span class="govuk-details__summary-text">Read the draft plan</span></summary>'
        f'<div class="govuk-details__text">{"".join(section_html(s) for s in asked.draft)}</div></details>'
        if asked.draft and not over
        else ""
    )
    body = (
        f'{panel}<span class="govuk-caption-l">Case {e(asked.case_ref)}</span>{heading}'
        f'<dl class="govuk-summary-list">{"".join(rows)}</dl>{draft}{after}'
    )
    return _page(asked.what, body, signed_in=True, errors=[error] if error else [], status_code=status_code)
