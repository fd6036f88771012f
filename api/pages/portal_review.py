"""A plan's annual review as its family reads it: the dates on the case page, and the page with the form for the
family's views for the review meeting, its confirmation and its refusal, in the GOV.UK Design System's manner
(api/pages/portal.py holds the template and the pieces every portal page shares).

Before the meeting whoever arranges it must obtain advice and information about the child from those invited, the
family first, and send it to them all at least 2 weeks before it (SEND Regs 2014 reg 20(4)); the form is the
family's way of giving theirs, while the meeting is scheduled. What they write goes into the page escaped, and a
form drawn again keeps it (cut to the longest the form takes) with the same submission id.
"""

from dataclasses import dataclass
from datetime import date

from fastapi.responses import HTMLResponse

from api.family_plan import AnnualReview
from api.pages.layout import e, uk_date
from api.pages.portal import FieldError, case_page_href, error_message, error_of, govuk_page, summary_row
from api.pages.portal_sent import not_sent_page, sent_page

REVIEW_VIEWS_PAGE = "/portal/cases/{case_ref}/review-views/page"
VIEWS_TITLE = "Your views for the annual review"
VIEWS_LABEL = "What would you like to tell the review about your child?"
REVIEW_LAW = "SEND Regs 2014 reg 20(4)"
NOT_SET = (
    "Not set yet. The council will tell you the date at least 2 weeks before the meeting (SEND Regs 2014 reg 20(3))."
)


def review_views_href(case_ref: str) -> str:
    return REVIEW_VIEWS_PAGE.format(case_ref=case_ref)


@dataclass(frozen=True)
class ViewsForm:
    """What the views form holds: as drawn fresh (a new submission id, nothing else), or as sent."""

    submission_id: str
    text: str = ""


def review_section(case_ref: str, review: AnnualReview) -> str:
    """The review's dates on the case page, and while the meeting is scheduled the link to send the family's views."""
    link = (
        f'<p class="govuk-body"><a class="govuk-link" href="{e(review_views_href(case_ref))}">'
        "Send your views for the annual review</a></p>"
        if review.views_open
        else ""
    )
    return (
        '<h2 class="govuk-heading-m">The annual review</h2>'
        '<p class="govuk-body">The council must review your child\'s EHC plan at least once a year, at a meeting you '
        "are invited to. Before it, the council must ask for your views about your child, and send them with "
        f"everyone else's advice and information to all those invited ({REVIEW_LAW}).</p>"
        f'<dl class="govuk-summary-list">{"".join(_rows(review))}</dl>{link}'
    )


def _rows(review: AnnualReview) -> list[str]:
    rows = []
    if review.due is not None:
        law = f" The law that sets this date is {review.law}." if review.law else ""
        rows.append(summary_row("Meeting to be held by", e(f"{uk_date(review.due)}.{law}")))
    if review.meeting_held and review.meeting_on is not None:
        rows.append(summary_row("Review meeting", e(f"Held on {uk_date(review.meeting_on)}")))
    elif review.meeting_on is not None:
        rows.append(summary_row("Review meeting", e(uk_date(review.meeting_on))))
    else:
        rows.append(summary_row("Review meeting", e(NOT_SET)))
    if review.advice_circulated_on is not None:
        rows.append(summary_row("Advice and information", e(f"Sent out on {uk_date(review.advice_circulated_on)}")))
    elif review.advice_by is not None:
        rows.append(summary_row("Advice and information", e(f"To be sent out by {uk_date(review.advice_by)}")))
    if review.views_received:
        rows.append(summary_row("Your views", e("Received " + ", ".join(uk_date(d) for d in review.views_received))))
    if review.last_review_on is not None and not review.meeting_held:
        rows.append(summary_row("Last review meeting", e(uk_date(review.last_review_on))))
    if review.phase_transfer_by is not None:
        rows.append(
            summary_row(
                "Move to the next phase of education",
                e(
                    f"The plan must be reviewed and changed as needed by {uk_date(review.phase_transfer_by)} "
                    "(SEND Regs 2014 reg 18)"
                ),
            )
        )
    return rows


def views_page(
    case_ref: str,
    review: AnnualReview,
    form: ViewsForm,
    *,
    max_text: int,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """What the family's views are for and by when they help most, then the form while the meeting is scheduled."""
    errors = errors or []
    body = (
        f'<span class="govuk-caption-l">Case {e(case_ref)}</span>'
        f'<h1 class="govuk-heading-l">{e(VIEWS_TITLE)}</h1>'
        + _when(review)
        + (
            _form(case_ref, form, errors, max_text)
            if review.views_open
            else '<p class="govuk-body">The council is not asking for views for a review meeting now. When it sends '
            "you the date of the next review meeting, you can send your views here.</p>"
        )
        + f'<p class="govuk-body"><a class="govuk-link" href="{e(case_page_href(case_ref))}">Back to your case</a></p>'
    )
    return govuk_page(VIEWS_TITLE, body, signed_in=True, errors=errors, status_code=status_code)


def _when(review: AnnualReview) -> str:
    if not review.views_open or review.meeting_on is None:
        return f'<dl class="govuk-summary-list">{"".join(_rows(review))}</dl>'
    if review.advice_circulated_on is not None:
        timing = (
            f"The council sent out the advice and information it had on {uk_date(review.advice_circulated_on)}. You "
            "can still send your views before the meeting."
        )
    else:
        timing = (
            "The council sends everyone's advice and information to all those invited at least 2 weeks before the "
            f"meeting ({REVIEW_LAW}). To be sure yours go with it, send them by "
            f"{uk_date(review.advice_by or review.meeting_on)}."
        )
    sent = (
        f" You sent views on {', '.join(uk_date(d) for d in review.views_received)}. You can add to them here."
        if review.views_received
        else ""
    )
    return (
        f'<p class="govuk-body">The review meeting is on {e(uk_date(review.meeting_on))}. Before it, the council asks '
        "for your advice and information about your child: how they are getting on, what is working and what is not, "
        f"and what you and your child would like from the plan.{e(sent)}</p>"
        f'<div class="govuk-inset-text">{e(timing)}</div>'
    )


def _form(case_ref: str, form: ViewsForm, errors: list[FieldError], max_text: int) -> str:
    text_error = error_of("text", errors)
    described = "text-hint text-error" if text_error else "text-hint"
    return (
        f'<form method="post" action="{e(review_views_href(case_ref))}" novalidate>'
        f'<input type="hidden" name="submission_id" value="{e(form.submission_id)}">'
        f'<div class="govuk-form-group{" govuk-form-group--error" if text_error else ""}">'
        '<h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--m" for="text">'
        f"{e(VIEWS_LABEL)}</label></h2>"
        '<div id="text-hint" class="govuk-hint">For example: how your child is getting on at home and at school, '
        "what has changed since the plan was written or last reviewed, what your child thinks, and what you would "
        f"like the plan to say. You can write up to {max_text:,} characters.</div>{error_message('text', text_error)}"
        f'<textarea class="govuk-textarea{" govuk-textarea--error" if text_error else ""}" id="text" name="text" '
        f'rows="10" aria-describedby="{described}">{e(form.text)}</textarea></div>'
        '<button type="submit" class="govuk-button">Send your views</button></form>'
    )


def views_sent(case_ref: str, sent_on: date, meeting_on: date | None) -> HTMLResponse:
    """The confirmation panel, and what happens next."""
    meeting = f" The meeting is on {uk_date(meeting_on)}." if meeting_on else ""
    next_steps = (
        "The council sends them, with the other advice and information about your child, to everyone invited to "
        f"the review meeting ({REVIEW_LAW}).{e(meeting)} After the meeting the council decides whether to keep the "
        "plan as it is, change it or end it, and tells you."
    )
    return sent_page(
        case_ref,
        "Views sent",
        "The council has your views for the annual review",
        f"They were received on {e(uk_date(sent_on))}.",
        next_steps,
    )


def views_not_sent(case_ref: str, error: FieldError, status_code: int) -> HTMLResponse:
    """A refusal where there is no review to draw the form on again."""
    return not_sent_page(case_ref, "Your views were not sent", error, status_code)
