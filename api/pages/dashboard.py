"""The dashboard as a page a manager opens in a browser: the same figures as GET /dashboard, in plain English,
each chart with the table of its figures.

Labels here are for people; the JSON keeps the codes. A stage or step this module does not know is shown
by its code made readable, so a new stage appears on the page the day a workflow starts using it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from api.auth import User
from api.pages.charts import BLUE, GREEN, GREY, ORANGE, PURPLE, RED, Bar, Segment, bar_chart, stacked_bar
from api.pages.layout import e, uk_date
from reports.dashboard import (
    PROVISION_FIGURES,
    REVIEW_MEETINGS,
    Dashboard,
    Figure,
    Figures,
    KindProvision,
    Period,
    ProviderProvision,
    ProvisionCounts,
    StageCount,
    StepOverdue,
)

# The period and LA of the page: what every link to a figure's cases carries.
Scope = dict[str, str]

PROCESSES = {
    "assessment": "EHC needs assessment",
    "plan": "EHC plan",
    "redress": "Mediation route",
    "tribunal": "Tribunal appeal",
}
STAGES = {
    ("assessment", "request_received"): "Request received: deciding whether to assess",
    ("assessment", "assessing"): "Assessing: gathering advice",
    ("assessment", "drafting"): "Deciding to issue: drafting the plan",
    ("assessment", "draft_issued"): "Draft plan with the family",
    ("plan", "maintained"): "Plan in place, between reviews",
    ("plan", "review_scheduled"): "Review meeting arranged",
    ("plan", "review_held"): "Review held: report and decision due",
    ("plan", "amendment_proposed"): "Amendments proposed",
    ("plan", "reassessment_requested"): "Re-assessment requested",
    ("plan", "reassessing"): "Re-assessing",
    ("plan", "reassessment_draft"): "Re-assessed: draft plan with the family",
    ("plan", "ordered_amendment"): "Amending on the Tribunal's order",
    ("plan", "cease_pending_appeal"): "Decided to cease: appeal window open",
    ("redress", "information"): "Family has the decision and mediation information",
    ("redress", "certificate_pending"): "Mediation certificate awaited",
    ("redress", "mediation_requested"): "Mediation requested: LA to arrange",
    ("redress", "mediation_arranged"): "Mediation arranged",
    ("redress", "mediation_held"): "Mediation held: certificate awaited",
    ("redress", "appeal_window"): "Certificate issued: family may appeal",
    ("redress", "agreement_compliance"): "LA carrying out the mediation agreement",
    ("tribunal", "lodged"): "Appeal lodged",
    ("tribunal", "registered"): "Appeal registered: LA response due",
    ("tribunal", "hearing_listed"): "Hearing listed",
    ("tribunal", "complying"): "Appeal decided: LA carrying out the orders",
    ("tribunal", "responding"): "Appeal decided: responses to the Tribunal's recommendations due",
}
ADVISERS = {
    "parent": "Parent or young person",
    "educational": "School or early years setting",
    "health": "Health professional",
    "educational_psychologist": "Educational psychologist",
    "social_care": "Social care",
    "preparing_for_adulthood": "Preparing for adulthood (year 9 and above)",
    "sensory": "Hearing or vision specialist teacher",
    "other": "Others the family asked for",
}
# The duties expected to be met after their due date: a planning estimate (docs/forecast.md), never called missed.
AT_RISK_TILE = "Duties at risk of missing their due date (forecast)"
MEDIATION_OUTCOMES = {"agreement": "Agreement", "partial": "Partial agreement", "none": "No agreement"}


@dataclass(frozen=True)
class Link:
    """A count in a table, linked to the cases it counts."""

    value: int
    href: str


def scope_of(period: Period, la_code: str | None) -> Scope:
    scope = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    if la_code:
        scope["la_code"] = la_code
    return scope


def cases_href(scope: Scope, figure: Figure, **part: str) -> str:
    """The page listing the cases a figure (or one part of it) counts, in the same period and LAs."""
    return "/dashboard/cases/page?" + urlencode({"figure": figure.value, **scope, **part})


def readable(code: str) -> str:
    return code.replace("_", " ").replace(".", ": ").capitalize()


def process_label(process: str) -> str:
    return PROCESSES.get(process) or readable(process)


def stage_label(process: str, stage: str) -> str:
    return STAGES.get((process, stage)) or readable(stage)


def _percent(value: float | None) -> str:
    return "no plans issued" if value is None else f"{value:.1f}%"


def _table(caption: str, headings: list[str], rows: list[list[object]], numeric_from: int = 1) -> str:
    head = "".join(
        f'<th scope="col"{" class=num" if i >= numeric_from else ""}>{e(h)}</th>' for i, h in enumerate(headings)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<th scope="row">{e(cell)}</th>'
            if i == 0
            else f"<td{' class=num' if i >= numeric_from else ''}>{_cell(cell)}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><caption>{e(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: object) -> str:
    if isinstance(value, Link):
        return f'<a href="{e(value.href)}">{value.value:,}</a>'
    return e(f"{value:,}" if isinstance(value, int) else value)


def _details(table: str) -> str:
    return f"<details><summary>Show the figures as a table</summary>{table}</details>"


def _section(section_id: str, title: str, intro: str, content: str) -> str:
    return (
        f'<section class="panel" aria-labelledby="{section_id}-heading">'
        f'<h2 id="{section_id}-heading">{e(title)}</h2><p class="note">{intro}</p>{content}</section>'
    )


def _tiles(f: Figures, scope: Scope) -> str:
    """The headline figures, each named by a link to the cases it counts (a percentage: the plans it is of)."""
    t = f.plan_timeliness
    tiles = [
        ("Open cases", f"{f.open_cases:,}", "", Figure.OPEN_CASES),
        (
            "Plans issued within 20 weeks (exceptions counted as late)",
            _percent(t.percent_including_exceptions),
            "",
            Figure.PLANS_ISSUED,
        ),
        (
            "Plans issued within 20 weeks (exception cases left out)",
            _percent(t.percent_excluding_exceptions),
            "",
            Figure.PLANS_ISSUED_LESS_EXCEPTIONS,
        ),
        ("Deadlines missed in the period", f"{f.breaches:,}", _warn(f.breaches), Figure.DEADLINES_MISSED),
        ("Advice overdue now", f"{f.advice_overdue:,}", _warn(f.advice_overdue), Figure.ADVICE_OVERDUE),
        (
            "Annual reviews overdue now",
            f"{f.annual_reviews_overdue:,}",
            _warn(f.annual_reviews_overdue),
            Figure.ANNUAL_REVIEWS_OVERDUE,
        ),
        ("Mediations held in the period", f"{f.mediation.held:,}", "", Figure.MEDIATION_HELD),
        ("Appeals lodged in the period", f"{f.appeals.lodged:,}", "", Figure.APPEAL_LODGED),
        (
            "Provision short, still owed",
            f"{f.provision.short_owed:,}",
            _warn(f.provision.short_owed),
            Figure.PROVISION_SHORT_OWED,
        ),
        ("Provision not confirmed", f"{f.provision.unconfirmed:,}", "", Figure.PROVISION_UNCONFIRMED),
    ]
    linked = [(label, value, tone, cases_href(scope, figure)) for label, value, tone, figure in tiles]
    # A forecast, not a count of what happened: its duties are the work queue by risk (GET /forecast).
    at_risk = {"at_risk": "true", **({"la_code": scope["la_code"]} if "la_code" in scope else {})}
    linked.insert(3, (AT_RISK_TILE, f"{f.at_risk:,}", _warn(f.at_risk), "/forecast?" + urlencode(at_risk)))
    items = "".join(
        f'<div class="tile {tone}"><dt><a href="{e(href)}">{e(label)}</a></dt>'
        f"<dd{'' if value[0].isdigit() else ' class=words'}>{e(value)}</dd></div>"
        for label, value, tone, href in linked
    )
    return f'<dl class="tiles" aria-label="Headline figures">{items}</dl>'


def _warn(count: int) -> str:
    return "warn" if count else "good"


def _stage_href(scope: Scope, figure: Figure, count: StageCount) -> str:
    return cases_href(scope, figure, process=count.process, stage=count.stage)


def _stage_bars(rows: list[StageCount], scope: Scope, figure: Figure) -> list[Bar]:
    """A bar a stage of a process (open cases, or open routes and appeals), each linked to its cases."""
    return [
        Bar(
            f"{process_label(c.process)}: {stage_label(c.process, c.stage)}",
            c.count,
            colour=_tone(c.process),
            href=_stage_href(scope, figure, c),
        )
        for c in rows
    ]


def _stage_table(caption: str, headings: list[str], rows: list[StageCount], scope: Scope, figure: Figure) -> str:
    """The figures of _stage_bars as a table: process, stage and the linked count."""
    return _table(
        caption,
        headings,
        [
            [process_label(c.process), stage_label(c.process, c.stage), Link(c.count, _stage_href(scope, figure, c))]
            for c in rows
        ],
        numeric_from=2,
    )


def _open_cases(f: Figures, scope: Scope) -> str:
    rows = sorted(f.open_by_stage, key=lambda c: (c.process != "assessment", -c.count))
    chart = bar_chart(
        "chart-open-cases",
        "Open cases by stage",
        f"{f.open_cases:,} open cases: assessments and plans, by the stage each has reached.",
        _stage_bars(rows, scope, Figure.OPEN_CASES),
    )
    table = _stage_table(
        "Open cases by process and stage", ["Process", "Stage", "Open cases"], rows, scope, Figure.OPEN_CASES
    )
    return _section(
        "open",
        "Open cases",
        "Every EHC needs assessment and plan still open, by where it stands now.",
        chart + _details(table),
    )


def _tone(process: str) -> str:
    return {"assessment": BLUE, "plan": PURPLE, "redress": ORANGE, "tribunal": GREY}.get(process, BLUE)


def _timeliness(f: Figures, period: str, scope: Scope) -> str:
    t = f.plan_timeliness
    within, excepted, late = (
        cases_href(scope, figure)
        for figure in (
            Figure.PLANS_WITHIN_20_WEEKS,
            Figure.PLANS_LATE_WITH_EXCEPTION,
            Figure.PLANS_LATE_WITHOUT_EXCEPTION,
        )
    )
    chart = stacked_bar(
        "chart-timeliness",
        "Final EHC plans issued in the period, against the 20-week limit",
        f"{t.issued:,} final plans issued {period}: {t.within_20_weeks:,} within 20 weeks, "
        f"{t.late_with_exception:,} later under an exception, {t.late_without_exception:,} later with no exception.",
        [
            Segment("Within 20 weeks", t.within_20_weeks, GREEN, within),
            Segment("Later, under an exception", t.late_with_exception, ORANGE, excepted),
            Segment("Later, no exception", t.late_without_exception, RED, late),
        ],
    )
    table = _table(
        "Final EHC plans issued in the period",
        ["Measure", "Value"],
        [
            ["Plans issued", Link(t.issued, cases_href(scope, Figure.PLANS_ISSUED))],
            ["Within 20 weeks", Link(t.within_20_weeks, within)],
            ["Later than 20 weeks, under an exception", Link(t.late_with_exception, excepted)],
            ["Later than 20 weeks, no exception", Link(t.late_without_exception, late)],
            ["Within 20 weeks, exceptions counted as late", _percent(t.percent_including_exceptions)],
            ["Within 20 weeks, exception cases left out", _percent(t.percent_excluding_exceptions)],
        ],
    )
    intro = (
        "A final plan is due within 20 weeks of the request (SEND Regulations 2014, regulation 13(2)). "
        "Regulation 13(3) lifts the limit in a few circumstances, such as the family being away for 4 weeks: "
        "the first percentage counts those plans as late, the second leaves them out, as DfE's SEN2 statistics do."
    )
    return _section("timeliness", "Plans issued within 20 weeks", intro, chart + _details(table))


def _breaches(f: Figures, period: str, scope: Scope) -> str:
    bars = [
        Bar(b.label, b.breached + b.excepted, colour=RED, href=cases_href(scope, Figure.DEADLINES_MISSED, step=b.step))
        for b in f.breaches_by_step
    ]
    chart = bar_chart(
        "chart-breaches",
        "Deadlines missed in the period, by step",
        f"{f.breaches:,} statutory deadlines that fell due {period} and were missed, by step.",
        bars,
    )
    table = _table(
        "Deadlines missed in the period, by step",
        ["Step", "Legal basis", "Missed, no exception", "Missed under an exception"],
        [
            [
                b.label,
                b.reference,
                Link(b.breached, cases_href(scope, Figure.DEADLINES_MISSED_NO_EXCEPTION, step=b.step)),
                Link(b.excepted, cases_href(scope, Figure.DEADLINES_MISSED_UNDER_EXCEPTION, step=b.step)),
            ]
            for b in f.breaches_by_step
        ],
        numeric_from=2,
    )
    return _section(
        "breaches",
        "Missed deadlines",
        "Each statutory deadline that fell due in the period and was not met. A missed duty still has to be done "
        "as soon as practicable.",
        chart + _details(table),
    )


def _advice(f: Figures, scope: Scope) -> str:
    bars = [
        Bar(
            ADVISERS.get(a.adviser, readable(a.adviser)),
            a.overdue,
            colour=RED,
            href=cases_href(scope, Figure.ADVICE_OVERDUE, adviser=a.adviser),
        )
        for a in f.advice_by_adviser
    ]
    chart = bar_chart(
        "chart-advice",
        "Advice overdue, by adviser",
        f"{f.advice_overdue:,} requests for advice past their 6 weeks and not yet answered, by who was asked.",
        bars,
    )
    table = _table(
        "Advice overdue and owed, by adviser",
        ["Adviser", "Overdue", "Asked for, not yet received"],
        [
            [
                ADVISERS.get(a.adviser, readable(a.adviser)),
                Link(a.overdue, cases_href(scope, Figure.ADVICE_OVERDUE, adviser=a.adviser)),
                Link(a.owed, cases_href(scope, Figure.ADVICE_OWED, adviser=a.adviser)),
            ]
            for a in f.advice_by_adviser
        ],
    )
    return _section(
        "advice",
        "Advice overdue",
        "Advice for an assessment is due within 6 weeks of the request for it (SEND Regulations 2014, "
        "regulation 8(1)), from the advisers regulation 6(1) lists. Counted today, on open assessments.",
        chart + _details(table),
    )


def _reviews(f: Figures, scope: Scope) -> str:
    """The review meetings overdue (the tile's figure, so the chart adds up to it), then the review's other steps."""
    meetings = [r for r in f.review_steps_overdue if r.step in REVIEW_MEETINGS]
    others = [r for r in f.review_steps_overdue if r.step not in REVIEW_MEETINGS]
    chart, table = _steps_overdue(
        meetings,
        scope,
        ("chart-reviews", "Review meetings overdue, by kind"),
        f"{f.annual_reviews_overdue:,} review meetings overdue, by the rule that set their date.",
        ("Review meetings overdue", "Review"),
    )
    other_chart, other_table = _steps_overdue(
        others,
        scope,
        ("chart-review-steps", "Other review steps overdue, by step"),
        "The review steps after the meeting (report, decision, amended plan) and phase transfers, overdue.",
        ("Other review steps overdue", "Step"),
    )
    return _section(
        "reviews",
        "Annual reviews overdue",
        "A plan must be reviewed at least every 12 months (Children and Families Act 2014, section 44(1)); "
        "the report, decision and amended plan follow on fixed timescales. Counted today, on open plans.",
        chart
        + _details(table)
        + "<h3>After the meeting</h3>"
        + other_chart
        + (_details(other_table) if others else ""),
    )


def _steps_overdue(
    steps: list[StepOverdue], scope: Scope, chart: tuple[str, str], description: str, table: tuple[str, str]
) -> tuple[str, str]:
    """A chart of review steps overdue (its id and title), each bar linked to the step's cases, and the same
    figures as a table (its caption and the heading of the steps' column)."""

    def href(step: str) -> str:
        return cases_href(scope, Figure.REVIEW_STEPS_OVERDUE, step=step)

    (chart_id, title), (caption, heading) = chart, table
    bars = [Bar(r.label, r.overdue, colour=RED, href=href(r.step)) for r in steps]
    rows: list[list[object]] = [[r.label, r.reference, Link(r.overdue, href(r.step))] for r in steps]
    return (
        bar_chart(chart_id, title, description, bars),
        _table(caption, [heading, "Legal basis", "Overdue"], rows, numeric_from=2),
    )


def _redress(f: Figures, period: str, scope: Scope) -> str:
    rows = sorted(f.redress_open_by_stage, key=lambda c: (c.process, -c.count))
    open_chart = bar_chart(
        "chart-redress-open",
        "Open mediation routes and appeals, by stage",
        f"{sum(c.count for c in rows):,} mediation routes and Tribunal appeals still open, by stage.",
        _stage_bars(rows, scope, Figure.REDRESS_OPEN),
    )
    m, a = f.mediation, f.appeals

    def href(figure: Figure, **part: str) -> str:
        return cases_href(scope, figure, **part)

    outcomes = [
        ("Mediation requested", m.requested, ORANGE, href(Figure.MEDIATION_REQUESTED)),
        ("Mediation declined (certificate only)", m.declined, GREY, href(Figure.MEDIATION_DECLINED)),
        ("Mediation could not be arranged", m.not_arranged, GREY, href(Figure.MEDIATION_NOT_ARRANGED)),
        *[
            (
                f"Mediation held: {MEDIATION_OUTCOMES.get(k, readable(k))}",
                n,
                ORANGE,
                href(Figure.MEDIATION_HELD, outcome=k),
            )
            for k, n in m.held_by_outcome.items()
        ],
        ("Appeals lodged", a.lodged, BLUE, href(Figure.APPEAL_LODGED)),
        ("Appeals allowed", a.allowed, BLUE, href(Figure.APPEAL_ALLOWED)),
        ("Appeals conceded by the LA", a.conceded, BLUE, href(Figure.APPEAL_CONCEDED)),
        ("Appeals dismissed", a.dismissed, BLUE, href(Figure.APPEAL_DISMISSED)),
        ("Appeals withdrawn", a.withdrawn, BLUE, href(Figure.APPEAL_WITHDRAWN)),
        ("Appeals struck out", a.struck_out, BLUE, href(Figure.APPEAL_STRUCK_OUT)),
    ]
    outcome_chart = bar_chart(
        "chart-redress-outcomes",
        "Mediation and appeals in the period",
        f"Mediation requests and outcomes, and Tribunal appeals and their outcomes, {period}.",
        [Bar(label, n, colour=colour, href=link) for label, n, colour, link in outcomes],
    )
    table = _stage_table(
        "Open mediation routes and appeals, by stage", ["Route", "Stage", "Open"], rows, scope, Figure.REDRESS_OPEN
    ) + _table(
        "Mediation and appeals in the period",
        ["Step or outcome", "Count"],
        [[x, Link(n, link)] for x, n, _, link in outcomes],
    )
    return _section(
        "redress",
        "Mediation and Tribunal appeals",
        "When a family disagrees with a decision they can go to mediation (SEND Regulations 2014, Part 6) and "
        "appeal to the First-tier Tribunal (Children and Families Act 2014, section 51).",
        "<h3>Open now</h3>"
        + open_chart
        + f"<h3>{e(period[0].upper() + period[1:])}</h3>"
        + outcome_chart
        + _details(table),
    )


def provider_label(provider: ProviderProvision, several_las: bool) -> str:
    """A provider by its name where the caller may see it, always by its code, and by its LA when the page has
    several (a service's code is its LA's own)."""
    named = f"{provider.name} ({provider.provider})" if provider.name else provider.provider
    return f"{named}, LA {provider.la_code}" if several_las else named


def _provision_links(counts: ProvisionCounts, href: Callable[[Figure], str]) -> list[object]:
    """A row's counts of the provision, each linked to the lines it counts."""
    return [Link(getattr(counts, field), href(figure)) for figure, field in PROVISION_FIGURES.items()]


def _provision(board: Dashboard, period: str, scope: Scope) -> str:
    """Section F's lines over the delivery periods that ended in the period: how each was accounted for, the
    shortfalls still owed by provider, and every count by provider and by kind of provision."""
    p = board.total.provision
    made_good = p.short - p.short_owed
    chart = stacked_bar(
        "chart-provision",
        "Lines of provision over the delivery periods that ended in the period",
        f"{p.lines:,} lines of section F over the delivery periods that ended {period}: {p.delivered:,} delivered in "
        f"full, {p.not_taken_up:,} not taken up, {made_good:,} short and made good, {p.short_owed:,} short and still "
        f"owed, {p.unconfirmed:,} not confirmed by the provider.",
        [
            Segment("Delivered in full", p.delivered, GREEN, cases_href(scope, Figure.PROVISION_DELIVERED)),
            Segment("Not taken up", p.not_taken_up, GREY, cases_href(scope, Figure.PROVISION_NOT_TAKEN_UP)),
            Segment("Short, made good", made_good, ORANGE, cases_href(scope, Figure.PROVISION_MADE_GOOD)),
            Segment("Short, still owed", p.short_owed, RED, cases_href(scope, Figure.PROVISION_SHORT_OWED)),
            Segment("Not confirmed", p.unconfirmed, BLUE, cases_href(scope, Figure.PROVISION_UNCONFIRMED)),
        ],
    )
    several = len(board.la_codes) > 1

    def href(provider: ProviderProvision, figure: Figure) -> str:
        return cases_href(scope_of(board.period, provider.la_code), figure, provider=provider.provider)

    owed_chart = bar_chart(
        "chart-provision-owed",
        "Shortfalls still owed, by provider",
        f"{p.short_owed:,} lines of provision short in a period for a reason the LA answers for and not yet made "
        "good, by the provider of the line.",
        [
            Bar(provider_label(x, several), x.short_owed, colour=RED, href=href(x, Figure.PROVISION_SHORT_OWED))
            for x in p.by_provider
        ],
    )
    headings = ["Lines", "Delivered", "Short", "Still owed", "Not taken up", "Not confirmed"]

    def provider_row(x: ProviderProvision) -> list[object]:
        links = _provision_links(x, lambda figure: href(x, figure))
        return [provider_label(x, several), readable(x.provider_type or ""), *links]

    def kind_row(k: KindProvision) -> list[object]:
        return [readable(k.kind), *_provision_links(k, lambda figure: cases_href(scope, figure, kind=k.kind))]

    by_provider = _table(
        "Lines of provision by provider", ["Provider", "Type", *headings], [provider_row(x) for x in p.by_provider], 2
    )
    by_kind = _table("Lines of provision by kind", ["Kind of provision", *headings], [kind_row(k) for k in p.by_kind])
    intro = (
        "The LA must secure the special educational provision in section F of each plan (Children and Families Act "
        "2014, section 42(2)). After each delivery period its providers say what they delivered: a shortfall for a "
        "reason the LA answers for is a breach of that duty, owed until made good; one because the child was absent "
        "or the family declined is not taken up. Counted over the periods whose last day falls in the period."
    )
    return _section(
        "provision",
        "Provision in section F",
        intro,
        chart + _details(by_provider + by_kind) + "<h3>Shortfalls still owed</h3>" + owed_chart,
    )


def _by_la(board: Dashboard) -> str:
    if len(board.by_la) < 2:
        return ""
    bars = [
        Bar(
            f"LA {la.la_code}",
            la.figures.plan_timeliness.percent_including_exceptions or 0,
            shown=_percent(la.figures.plan_timeliness.percent_including_exceptions),
            colour=GREEN,
        )
        for la in board.by_la
    ]
    chart = bar_chart(
        "chart-by-la",
        "Plans issued within 20 weeks, by local authority",
        "The share of final plans issued within 20 weeks in each local authority, exceptions counted as late.",
        bars,
        maximum=100,
        keep_zero=True,
    )
    rows = []
    for la in board.by_la:
        f, scope = la.figures, scope_of(board.period, la.la_code)
        rows.append(
            [
                la.la_code,
                Link(f.open_cases, cases_href(scope, Figure.OPEN_CASES)),
                Link(f.plan_timeliness.issued, cases_href(scope, Figure.PLANS_ISSUED)),
                _percent(f.plan_timeliness.percent_including_exceptions),
                _percent(f.plan_timeliness.percent_excluding_exceptions),
                Link(f.breaches, cases_href(scope, Figure.DEADLINES_MISSED)),
                Link(f.advice_overdue, cases_href(scope, Figure.ADVICE_OVERDUE)),
                Link(f.annual_reviews_overdue, cases_href(scope, Figure.ANNUAL_REVIEWS_OVERDUE)),
                Link(f.appeals.lodged, cases_href(scope, Figure.APPEAL_LODGED)),
                f.at_risk,
                Link(f.provision.short_owed, cases_href(scope, Figure.PROVISION_SHORT_OWED)),
                Link(f.provision.unconfirmed, cases_href(scope, Figure.PROVISION_UNCONFIRMED)),
            ]
        )
    table = _table(
        "Figures by local authority",
        [
            "Local authority",
            "Open cases",
            "Plans issued",
            "Within 20 weeks (exceptions late)",
            "Within 20 weeks (exceptions left out)",
            "Deadlines missed",
            "Advice overdue",
            "Annual reviews overdue",
            "Appeals lodged",
            "Duties at risk (forecast)",
            "Provision short, still owed",
            "Provision not confirmed",
        ],
        rows,
    )
    return _section(
        "by-la",
        "By local authority",
        "The same figures for each local authority you act for.",
        chart + table,
    )


def _date_input(name: str, legend: str, day: date) -> str:
    """GOV.UK's date input: day, month and year boxes, so a date reads the British way in any browser."""
    boxes = "".join(
        f'<div><label for="{name}-{part}">{label}</label><input class="{part}" id="{name}-{part}" '
        f'name="{name}_{part}" inputmode="numeric" value="{value}"></div>'
        for part, label, value in (("day", "Day", day.day), ("month", "Month", day.month), ("year", "Year", day.year))
    )
    return f'<fieldset class="date" role="group"><legend>{e(legend)}</legend>{boxes}</fieldset>'


def _filter(board: Dashboard, user: User, la_code: str | None) -> str:
    options = [("", f"All my local authorities ({len(user.la_codes)})")] + [
        (c, f"LA {c}") for c in sorted(user.la_codes)
    ]
    choices = "".join(
        f'<option value="{e(value)}"{" selected" if (la_code or "") == value else ""}>{e(text)}</option>'
        for value, text in options
    )
    return (
        '<form class="filter" method="get" action="/dashboard/page" aria-label="Choose the period and local authority">'
        f"{_date_input('from', 'From', board.period.start)}{_date_input('to', 'To', board.period.end)}"
        f'<div><label for="la_code">Local authority</label><select id="la_code" name="la_code">{choices}</select></div>'
        '<div><button type="submit">Show figures</button></div></form>'
    )


def render(board: Dashboard, user: User, la_code: str | None) -> str:
    las = ", ".join(board.la_codes) or "none"
    period = f"from {uk_date(board.period.start)} to {uk_date(board.period.end)}"
    scope = scope_of(board.period, la_code)
    f = board.total
    return (
        "<h1>SEND inclusion dashboard</h1>"
        f'<p class="lede">Local authorities: <strong>{e(las)}</strong>. Activity {e(period)}; work overdue as at '
        f"{uk_date(board.as_of)}.</p>"
        f"{_filter(board, user, la_code)}"
        f"{_tiles(f, scope)}"
        f"{_open_cases(f, scope)}{_timeliness(f, period, scope)}{_breaches(f, period, scope)}{_advice(f, scope)}"
        f"{_reviews(f, scope)}{_redress(f, period, scope)}{_provision(board, period, scope)}{_by_la(board)}"
        '<p class="note">Counts, each a link to the cases it counts. The same figures as data: '
        f'<a href="/dashboard?{e(urlencode(scope))}">GET /dashboard</a>.</p>'
    )
