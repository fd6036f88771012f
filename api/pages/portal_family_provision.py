"""Section F of a child's plan on the family's case page: each line of provision in force, in the plan's words, with
what its provider said of the latest period, as GOV.UK summary cards (a summary list per line: it reflows on a
phone, where a table of five columns would scroll sideways). No script; every value escaped with e()."""

from api.family_provision import FamilyProvision, LatestPeriod, ProvisionLineView
from api.pages.dashboard import readable
from api.pages.layout import e, uk_date
from api.pages.portal import summary_row

NOT_YET = "Not checked yet: the council asks whoever gives it after each part of the school year"
LAW = "Children and Families Act 2014, section 42"


def provision_section(provision: FamilyProvision) -> str:
    """The heading, what the section is for, and a card per line; a plan with no lines set out says so."""
    intro = (
        '<p class="govuk-body">Section F of your child\'s plan says what help with learning they must get. The council '
        f"must make sure they get it ({LAW}). After each part of the school year (usually each half term) the "
        "council asks whoever gives the help what they gave.</p>"
    )
    if not provision.lines:
        cards = (
            '<p class="govuk-body">The council has not set out the help in your child\'s plan here yet. Your plan, as '
            "the council sent it to you, says what it is.</p>"
        )
    else:
        cards = "".join(_card(line) for line in provision.lines)
    return f'<h2 class="govuk-heading-m" id="provision">Provision in the plan</h2>{intro}{cards}'


def _card(line: ProvisionLineView) -> str:
    rows = [
        summary_row("What", e(line.what)),
        summary_row("How much and how often", e(line.how_much)),
        summary_row("Who gives it", e(line.who)),
    ]
    if line.where:
        rows.append(summary_row("Where", e(line.where)))
    if line.starts_on:
        rows.append(summary_row("From", e(uk_date(line.starts_on))))
    rows.append(summary_row("Latest check", _latest(line.latest)))
    title = f"{line.ref}: {readable(line.kind)}"
    return (
        f'<div class="govuk-summary-card" id="provision-{e(line.ref)}"><div class="govuk-summary-card__title-wrapper">'
        f'<h3 class="govuk-summary-card__title">{e(title)}</h3></div><div class="govuk-summary-card__content">'
        f'<dl class="govuk-summary-list">{"".join(rows)}</dl></div></div>'
    )


def _latest(latest: LatestPeriod | None) -> str:
    if latest is None:
        return e(NOT_YET)
    period = f"{uk_date(latest.period_start)} to {uk_date(latest.period_end)}"
    return f'<p class="govuk-body govuk-!-margin-bottom-1">{e(latest.words)}</p><p class="govuk-body-s">{e(period)}</p>'
