"""The draft plan as the family reads it, with the form for their comments and the confirmation after them, in
the GOV.UK Design System's manner (api/pages/portal.py holds the template and the pieces every portal page shares).

The plan's words are the council's about the family's own child: they are written into the page escaped, a line a
paragraph, and never anywhere else. A form drawn with an error keeps what the family wrote (cut to the longest the
form takes), and the same submission id, so that sending it again is still one submission.
"""

from dataclasses import dataclass
from datetime import date

from fastapi.responses import HTMLResponse

from api.family_view import DraftPlan, DraftSection
from api.pages.layout import e, uk_date
from api.pages.portal import (
    FieldError,
    case_page_href,
    countdown,
    draft_page_href,
    error_message,
    error_of,
    field,
    govuk_page,
)

DRAFT_TITLE = "Your child's draft EHC plan"


@dataclass(frozen=True)
class CommentsForm:
    """What the comments form holds: as drawn fresh (a new submission id, nothing else), or as sent."""

    submission_id: str
    text: str = ""
    preferred_setting_urn: str = ""
    meeting_requested: bool = False


def draft_page(
    draft: DraftPlan,
    form: CommentsForm,
    *,
    max_text: int,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The draft's sections A to K with what each is for, then the comments form while the case takes them."""
    errors = errors or []
    served = f" on {uk_date(draft.served_on)}" if draft.served_on else ""
    body = (
        f'<span class="govuk-caption-l">Case {e(draft.case_ref)}</span>'
        f'<h1 class="govuk-heading-l">{e(DRAFT_TITLE)}</h1>'
        f'<p class="govuk-body">The council sent you this draft plan{e(served)}. Read it, then tell the council what '
        "you think of it: what is right, what is missing and what you would change.</p>"
        f"{_time_to_comment(draft)}"
        '<p class="govuk-body">A draft plan does not name a school or other setting (that is section I of the final '
        "plan). You can ask for one with your comments.</p>"
        + "".join(section_html(section) for section in draft.sections)
        + (
            _comments_form(draft.case_ref, form, errors, max_text)
            if draft.open_for_comments
            else '<p class="govuk-body">The council is no longer taking comments on this draft plan.</p>'
        )
        + f'<p class="govuk-body"><a class="govuk-link" href="{e(case_page_href(draft.case_ref))}">'
        "Back to your case</a></p>"
    )
    return govuk_page(DRAFT_TITLE, body, signed_in=True, errors=errors, status_code=status_code)


def _time_to_comment(draft: DraftPlan) -> str:
    if draft.comments_until is None or not draft.open_for_comments:
        return ""
    if draft.days_left is None:
        words = (
            f"The 15 days for your comments ended on {uk_date(draft.comments_until)}. The council may now issue the "
            "final plan; until it does, you can still send comments."
        )
    else:
        words = (
            f"Your comments on the draft plan: {countdown(draft.days_left, draft.comments_until)}. The law gives you "
            "at least 15 days to comment (SEND Regs 2014 reg 13(1)(a))."
        )
    return f'<div class="govuk-inset-text">{e(words)}</div>'


def section_html(section: DraftSection) -> str:
    lines = [line.strip() for line in section.text.splitlines() if line.strip()]
    text = "".join(f'<p class="govuk-body">{e(line)}</p>' for line in lines) or (
        '<p class="govuk-body">Nothing is written in this section.</p>'
    )
    return (
        f'<h2 class="govuk-heading-m" id="section-{e(section.section)}">{e(section.heading)}</h2>'
        f'<p class="govuk-hint">{e(section.meaning)}</p>{text}'
    )


def _comments_form(case_ref: str, form: CommentsForm, errors: list[FieldError], max_text: int) -> str:
    text_error = error_of("text", errors)
    described = "text-hint text-error" if text_error else "text-hint"
    urn_label = (
        '<label class="govuk-label govuk-label--s" for="preferred_setting_urn">'
        "School or college you would like named (optional)</label>"
    )
    return (
        f'<form method="post" action="{e(draft_page_href(case_ref))}" novalidate>'
        f'<input type="hidden" name="submission_id" value="{e(form.submission_id)}">'
        f'<div class="govuk-form-group{" govuk-form-group--error" if text_error else ""}">'
        '<h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="text">'
        "Your comments on the draft plan</label></h2>"
        '<div id="text-hint" class="govuk-hint">Say what you agree with, what you would change and why. You can '
        f"write up to {max_text:,} characters.</div>{error_message('text', text_error)}"
        f'<textarea class="govuk-textarea{" govuk-textarea--error" if text_error else ""}" id="text" name="text" '
        f'rows="10" aria-describedby="{described}">{e(form.text)}</textarea></div>'
        + field(
            "preferred_setting_urn",
            urn_label,
            "Its unique reference number (URN): 6 to 8 numbers, as Get Information about Schools shows it. Leave "
            "this empty if you do not want to ask for one now.",
            error_of("preferred_setting_urn", errors),
            attributes='type="text" inputmode="numeric" spellcheck="false"',
            width=" govuk-input--width-10",
            value=form.preferred_setting_urn,
        )
        + '<div class="govuk-form-group"><fieldset class="govuk-fieldset" aria-describedby="meeting-hint">'
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">A meeting (optional)</legend>'
        '<div id="meeting-hint" class="govuk-hint">You can ask to meet someone from the council to talk about '
        "the draft plan.</div>"
        '<div class="govuk-checkboxes govuk-checkboxes--small"><div class="govuk-checkboxes__item">'
        '<input class="govuk-checkboxes__input" id="meeting_requested" name="meeting_requested" type="checkbox" '
        f'value="yes"{" checked" if form.meeting_requested else ""}>'
        '<label class="govuk-label govuk-checkboxes__label" for="meeting_requested">'
        "I would like a meeting about the draft plan</label></div></div></fieldset></div>"
        '<button type="submit" class="govuk-button">Send comments</button></form>'
    )


def comments_sent(case_ref: str, sent_on: date, preferred_setting_urn: str | None, meeting: bool) -> HTMLResponse:
    """The confirmation panel, and what happens next."""
    asked = "".join(
        (
            f" You asked for the school or college with URN {e(preferred_setting_urn)} to be named in the plan."
            if preferred_setting_urn
            else "",
            " You asked for a meeting: the council will contact you to arrange it." if meeting else "",
        )
    )
    body = (
        '<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">Comments sent</h1>'
        '<div class="govuk-panel__body">The council has your comments on the draft plan</div></div>'
        f'<p class="govuk-body">They were received on {e(uk_date(sent_on))}.{asked}</p>'
        '<h2 class="govuk-heading-m">What happens next</h2>'
        '<p class="govuk-body">The council reads your comments before it issues the final plan. If you asked for a '
        "school or college, the council must consult it, and name it unless the law allows it not to "
        "(Children and Families Act 2014 s.39).</p>"
        f'<p class="govuk-body"><a class="govuk-link" href="{e(case_page_href(case_ref))}">Back to your case</a></p>'
    )
    return govuk_page("Comments sent", body, signed_in=True)


def comments_not_sent(case_ref: str, error: FieldError, status_code: int) -> HTMLResponse:
    """A refusal where there is no draft to draw the form on again: what went wrong, and the way back."""
    body = (
        f'<span class="govuk-caption-l">Case {e(case_ref)}</span>'
        '<h1 class="govuk-heading-l">Your comments were not sent</h1>'
        f'<p class="govuk-body"><a class="govuk-link" href="{e(case_page_href(case_ref))}">Back to your case</a></p>'
    )
    return govuk_page("Your comments were not sent", body, signed_in=True, errors=[error], status_code=status_code)
