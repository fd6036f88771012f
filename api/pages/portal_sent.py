"""The two ends of a family's form that draw no form: the confirmation panel once what they wrote is sent, and the
refusal where there is nothing to draw the form on again. The comments on a draft plan (api/pages/portal_draft.py)
and the views for an annual review (api/pages/portal_review.py) end alike, so that a family finds the same way back
to their case whichever they sent.
"""

from fastapi.responses import HTMLResponse

from api.pages.layout import e
from api.pages.portal import FieldError, case_page_href, govuk_page


def _back(case_ref: str) -> str:
    return f'<p class="govuk-body"><a class="govuk-link" href="{e(case_page_href(case_ref))}">Back to your case</a></p>'


def sent_page(case_ref: str, title: str, panel: str, received: str, next_steps: str) -> HTMLResponse:
    """The confirmation panel, when the council received it (`received`, a sentence of HTML), and what happens
    next (`next_steps`, HTML); `title` and `panel` are plain words."""
    body = (
        f'<div class="govuk-panel govuk-panel--confirmation"><h1 class="govuk-panel__title">{e(title)}</h1>'
        f'<div class="govuk-panel__body">{e(panel)}</div></div>'
        f'<p class="govuk-body">{received}</p>'
        '<h2 class="govuk-heading-m">What happens next</h2>'
        f'<p class="govuk-body">{next_steps}</p>{_back(case_ref)}'
    )
    return govuk_page(title, body, signed_in=True)


def not_sent_page(case_ref: str, title: str, error: FieldError, status_code: int) -> HTMLResponse:
    """What went wrong, and the way back to the case."""
    body = (
        f'<span class="govuk-caption-l">Case {e(case_ref)}</span>'
        f'<h1 class="govuk-heading-l">{e(title)}</h1>{_back(case_ref)}'
    )
    return govuk_page(title, body, signed_in=True, errors=[error], status_code=status_code)
