"""The draft plan as the family reads it, with the form for their comments and the confirmation after them, in
the GOV.UK Design System's manner (api/pages/portal.py holds the template and the pieces every portal page shares).
On a plan the same page shows the changes proposed to it, each section marked with whether it would change, or the
draft after a re-assessment: only the words differ (api/pages/draft_words.py).

The plan's words are the council's about the family's own child: they are written into the page escaped, a line a
paragraph, and never anywhere else. A form drawn with an error keeps what the family wrote (cut to the longest the
form takes), and the same submission id, so that sending it again is still one submission.

The school or college the family would like named is chosen from radios: the list tailored to the child from the
settings directory (reports/settings_directory.py), with what each setting is, then "Another school or college" with
a field for its URN (shown under it all the time: a conditional reveal without a script), then "No preference". A
search by name redraws the form with the family's words kept and nothing sent.
"""

from dataclasses import dataclass
from datetime import date

from fastapi.responses import HTMLResponse

from api.family_view import DraftPlan, DraftSection
from api.pages.draft_words import WORDS, Words
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
from api.pages.portal_sent import not_sent_page, sent_page
from reports.settings_directory import SPECIALISM_WORDS, SettingSummary, Tailored

# The choice's values besides a URN, and the search button's.
ANOTHER = "other"
NO_PREFERENCE = "none"
SEARCH = "search"
NO_UPPER_AGE = 99  # the register's high age for a college that takes adults of any age


@dataclass(frozen=True)
class CommentsForm:
    """What the comments form holds: as drawn fresh (a new submission id, nothing else), or as sent. The choice of
    setting is a URN from the list, ANOTHER (with `other_urn`) or NO_PREFERENCE; `setting_name` is what the list was
    last searched for."""

    submission_id: str
    text: str = ""
    preferred_setting: str = ""
    other_urn: str = ""
    meeting_requested: bool = False
    setting_name: str = ""


def draft_page(
    draft: DraftPlan,
    form: CommentsForm,
    choices: Tailored,
    *,
    max_text: int,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The draft's sections A to K with what each is for, then the comments form while the case takes them."""
    errors = errors or []
    words = WORDS[draft.kind]
    served = f" on {uk_date(draft.served_on)}" if draft.served_on else ""
    body = (
        f'<span class="govuk-caption-l">Case {e(draft.case_ref)}</span>'
        f'<h1 class="govuk-heading-l">{e(words.title)}</h1>'
        f'<p class="govuk-body">{e(words.intro.format(served=served))}</p>'
        f"{_time_to_comment(draft, words)}"
        f'<p class="govuk-body">{e(words.setting)}</p>'
        + "".join(section_html(section) for section in draft.sections)
        + (
            _comments_form(draft.case_ref, form, choices, errors, max_text, words)
            if draft.open_for_comments
            else f'<p class="govuk-body">{e(words.closed)}</p>'
        )
        + f'<p class="govuk-body"><a class="govuk-link" href="{e(case_page_href(draft.case_ref))}">'
        "Back to your case</a></p>"
    )
    return govuk_page(words.title, body, signed_in=True, errors=errors, status_code=status_code)


def _time_to_comment(draft: DraftPlan, words: Words) -> str:
    if draft.comments_until is None or not draft.open_for_comments:
        return ""
    if draft.days_left is None:
        said = (
            f"The 15 days for your comments ended on {uk_date(draft.comments_until)}. The council may now issue "
            f"{words.issues}; until it does, you can still send comments."
        )
    else:
        said = (
            f"Your comments on {words.about}: {countdown(draft.days_left, draft.comments_until)}. The law gives you "
            f"at least 15 days to comment ({words.law})."
        )
    return f'<div class="govuk-inset-text">{e(said)}</div>'


def section_html(section: DraftSection) -> str:
    lines = [line.strip() for line in section.text.splitlines() if line.strip()]
    text = "".join(f'<p class="govuk-body">{e(line)}</p>' for line in lines) or (
        '<p class="govuk-body">Nothing is written in this section.</p>'
    )
    return (
        f'<h2 class="govuk-heading-m" id="section-{e(section.section)}">{e(section.heading)}</h2>'
        f'<p class="govuk-hint">{e(section.meaning)}</p>{_change(section)}{text}'
    )


def _change(section: DraftSection) -> str:
    """Whether a proposal changes the section from the plan in force, where that is known (never on a first draft)."""
    if section.changed is None:
        return ""
    tag = (
        '<strong class="govuk-tag govuk-tag--yellow">Proposed change</strong>'
        if section.changed
        else '<strong class="govuk-tag govuk-tag--grey">No change</strong>'
    )
    return f'<p class="govuk-body">{tag}</p>'


def _comments_form(
    case_ref: str, form: CommentsForm, choices: Tailored, errors: list[FieldError], max_text: int, words: Words
) -> str:
    text_error = error_of("text", errors)
    described = "text-hint text-error" if text_error else "text-hint"
    return (
        f'<form method="post" action="{e(draft_page_href(case_ref))}" novalidate>'
        f'<input type="hidden" name="submission_id" value="{e(form.submission_id)}">'
        f'<div class="govuk-form-group{" govuk-form-group--error" if text_error else ""}">'
        '<h2 class="govuk-label-wrapper"><label class="govuk-label govuk-label--l" for="text">'
        f"Your comments on {e(words.about)}</label></h2>"
        '<div id="text-hint" class="govuk-hint">Say what you agree with, what you would change and why. You can '
        f"write up to {max_text:,} characters.</div>{error_message('text', text_error)}"
        f'<textarea class="govuk-textarea{" govuk-textarea--error" if text_error else ""}" id="text" name="text" '
        f'rows="10" aria-describedby="{described}">{e(form.text)}</textarea></div>'
        + _setting_choice(form, choices, errors, words)
        + '<div class="govuk-form-group"><fieldset class="govuk-fieldset" aria-describedby="meeting-hint">'
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">A meeting (optional)</legend>'
        '<div id="meeting-hint" class="govuk-hint">You can ask to meet someone from the council to talk about '
        f"{e(words.about)}.</div>"
        '<div class="govuk-checkboxes govuk-checkboxes--small"><div class="govuk-checkboxes__item">'
        '<input class="govuk-checkboxes__input" id="meeting_requested" name="meeting_requested" type="checkbox" '
        f'value="yes"{" checked" if form.meeting_requested else ""}>'
        '<label class="govuk-label govuk-checkboxes__label" for="meeting_requested">'
        f"I would like a meeting about {e(words.about)}</label></div></div></fieldset></div>"
        '<button type="submit" class="govuk-button">Send comments</button></form>'
    )


def _setting_choice(form: CommentsForm, choices: Tailored, errors: list[FieldError], words: Words) -> str:
    """The school or college the family would like named: a search of the list by name, then the radios."""
    choice_error = error_of("preferred_setting", errors)
    error = choice_error or error_of("other_urn", errors)
    described_by = ' aria-describedby="preferred_setting-error"' if choice_error else ""
    year = f"{choices.school_year} to {choices.school_year + 1}"
    searched = (
        f'<p class="govuk-body">Showing the schools and colleges with “{e(form.setting_name)}” in their '
        "name. To see them all again, empty the search box and search.</p>"
        if form.setting_name
        else ""
    )
    more = (
        '<p class="govuk-body">There are more than are shown here: search by name to find one.</p>'
        if choices.more
        else ""
    )
    listed = "".join(_setting_item(s, i, form.preferred_setting) for i, s in enumerate(choices.settings))
    if not listed:
        listed = '<p class="govuk-body">No school or college in the council\'s list matches.</p>'
    other_error = error_of("other_urn", errors)
    other = field(
        "other_urn",
        '<label class="govuk-label" for="other_urn">Its unique reference number (URN)</label>',
        "6 to 8 numbers, as Get Information about Schools shows it. If it is not in the council's list, the council "
        "will check it.",
        other_error,
        attributes='type="text" inputmode="numeric" spellcheck="false"',
        width=" govuk-input--width-10",
        value=form.other_urn,
    )
    first = "" if choices.settings else "preferred_setting"  # the error summary links to the first radio
    return (
        '<h2 class="govuk-heading-m">School or college you would like named (optional)</h2>'
        f'<p class="govuk-body">You can ask for the school or college you would like named in {e(words.issues)}. The '
        "council must then consult it, and name it unless the law allows it not to (Children and Families Act 2014 "
        "s.39).</p>"
        '<p class="govuk-body">The list below is the schools and colleges in your council\'s area that take children '
        f"of your child's age in the school year {e(year)}: special schools first, then schools with a resourced "
        "provision or a special educational needs unit, then the others, each in order of name. You can also ask for "
        "another school or college, in your council's area or another.</p>"
        + field(
            "setting_name",
            '<label class="govuk-label govuk-label--s" for="setting_name">Search the list by name</label>',
            "For example, part of the school's name, like Oak.",
            error_of("setting_name", errors),
            attributes='type="text" spellcheck="false"',
            width=" govuk-!-width-two-thirds",
            value=form.setting_name,
        )
        + f'<button type="submit" name="action" value="{SEARCH}" class="govuk-button govuk-button--secondary">'
        f"Search the list</button>{searched}{more}"
        f'<div class="govuk-form-group{" govuk-form-group--error" if error else ""}">'
        f'<fieldset class="govuk-fieldset"{described_by}>'
        '<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">'
        f"Which school or college would you like named?</legend>{error_message('preferred_setting', choice_error)}"
        f'<div class="govuk-radios" data-module="govuk-radios">{listed}'
        '<div class="govuk-radios__divider">or</div>'
        + _radio(ANOTHER, "Another school or college", form.preferred_setting, first or "preferred_setting-other")
        + f'<div class="govuk-radios__conditional" id="conditional-other">{other}</div>'
        + _radio(NO_PREFERENCE, "No preference for now", form.preferred_setting, "preferred_setting-none")
        + "</div></fieldset></div>"
    )


def _radio(value: str, label: str, chosen: str, id_: str, hint: str = "") -> str:
    described = f' aria-describedby="{id_}-hint"' if hint else ""
    return (
        '<div class="govuk-radios__item">'
        f'<input class="govuk-radios__input" id="{e(id_)}" name="preferred_setting" type="radio" value="{e(value)}"'
        f"{described}{' checked' if chosen == value else ''}>"
        f'<label class="govuk-label govuk-radios__label" for="{e(id_)}">{e(label)}</label>'
        + (f'<div id="{e(id_)}-hint" class="govuk-hint govuk-radios__hint">{e(hint)}</div>' if hint else "")
        + "</div>"
    )


def _setting_item(setting: SettingSummary, index: int, chosen: str) -> str:
    id_ = "preferred_setting" if index == 0 else f"preferred_setting-{setting.urn}"
    return _radio(setting.urn, setting.name, chosen, id_, described(setting))


def described(setting: SettingSummary) -> str:
    """What a setting is, in a line: "Community special school, ages 2 to 19, for autism, 120 places, Haydock"."""
    parts = [setting.establishment_type]
    if setting.phase and setting.phase != "Not applicable":
        parts.append(setting.phase.lower())
    if setting.low_age is not None and setting.high_age is not None:
        upper = "and over" if setting.high_age >= NO_UPPER_AGE else f"to {setting.high_age}"
        parts.append(f"ages {setting.low_age} {upper}")
    if setting.specialisms:
        parts.append("for " + _and([SPECIALISM_WORDS.get(code, code) for code in setting.specialisms]))
    units = [
        words
        for words, has in (("a resourced provision", setting.resourced_provision), ("an SEN unit", setting.sen_unit))
        if has
    ]
    if units:
        parts.append("with " + _and(units))
    if setting.capacity:
        parts.append(f"{setting.capacity:,} places")
    if setting.town:
        parts.append(setting.town)
    return ", ".join(parts)


def _and(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def comments_sent(
    case_ref: str,
    sent_on: date,
    preferred_setting_urn: str | None,
    setting_name: str | None,
    meeting: bool,
    *,
    words: Words,
) -> HTMLResponse:
    """The confirmation panel, and what happens next: the setting asked for by its name, or, for a URN the
    directory does not hold, a word that the council will check it."""
    if preferred_setting_urn and setting_name:
        setting = f" You asked for {e(setting_name)} (URN {e(preferred_setting_urn)}) to be named in the plan."
    elif preferred_setting_urn:
        setting = (
            f" You asked for the school or college with URN {e(preferred_setting_urn)} to be named in the plan. It is "
            "not in the council's list of schools and colleges, so the council will check it."
        )
    else:
        setting = ""
    asked = setting + (" You asked for a meeting: the council will contact you to arrange it." if meeting else "")
    return sent_page(
        case_ref,
        "Comments sent",
        f"The council has your comments on {words.about}",
        f"They were received on {e(uk_date(sent_on))}.{asked}",
        e(words.next),
    )


def comments_not_sent(case_ref: str, error: FieldError, status_code: int) -> HTMLResponse:
    """A refusal where there is no draft to draw the form on again."""
    return not_sent_page(case_ref, "Your comments were not sent", error, status_code)
