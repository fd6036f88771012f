"""The cases behind a figure of the dashboard page: what each tile, bar and table count links to.

The list is the figure's own query (reports/dashboard.py, figure_cases), so the number at its head is the
number the dashboard showed. The child's name is shown only to the roles that may see personal data.
"""

from urllib.parse import urlencode

from api.auth import PERSONAL_DATA, User
from api.pages.dashboard import ADVISERS, MEDIATION_OUTCOMES, process_label, readable, scope_of, stage_label
from api.pages.layout import e, uk_date
from reports.dashboard import Figure, FigureCase, FigureCases

PAGE_SIZE = 100
TITLES = {
    Figure.OPEN_CASES: "Open cases",
    Figure.PLANS_ISSUED: "Final plans issued in the period",
    Figure.PLANS_ISSUED_LESS_EXCEPTIONS: "Final plans issued in the period, exception cases left out",
    Figure.PLANS_WITHIN_20_WEEKS: "Final plans issued within 20 weeks",
    Figure.PLANS_LATE_WITH_EXCEPTION: "Final plans issued later than 20 weeks, under an exception",
    Figure.PLANS_LATE_WITHOUT_EXCEPTION: "Final plans issued later than 20 weeks, no exception",
    Figure.DEADLINES_MISSED: "Deadlines missed in the period",
    Figure.DEADLINES_MISSED_NO_EXCEPTION: "Deadlines missed in the period, no exception",
    Figure.DEADLINES_MISSED_UNDER_EXCEPTION: "Deadlines missed in the period, under an exception",
    Figure.ADVICE_OVERDUE: "Advice overdue now",
    Figure.ADVICE_OWED: "Advice asked for and not yet received",
    Figure.ANNUAL_REVIEWS_OVERDUE: "Annual reviews overdue now",
    Figure.REVIEW_STEPS_OVERDUE: "Review steps overdue now",
    Figure.REDRESS_OPEN: "Open mediation routes and appeals",
    Figure.MEDIATION_REQUESTED: "Mediation requested in the period",
    Figure.MEDIATION_DECLINED: "Mediation declined in the period (certificate only)",
    Figure.MEDIATION_NOT_ARRANGED: "Mediation that could not be arranged in the period",
    Figure.MEDIATION_HELD: "Mediations held in the period",
    Figure.APPEAL_LODGED: "Appeals lodged in the period",
    Figure.APPEAL_ALLOWED: "Appeals allowed in the period",
    Figure.APPEAL_CONCEDED: "Appeals conceded by the LA in the period",
    Figure.APPEAL_DISMISSED: "Appeals dismissed in the period",
    Figure.APPEAL_WITHDRAWN: "Appeals withdrawn in the period",
    Figure.APPEAL_STRUCK_OUT: "Appeals struck out in the period",
    Figure.PROVISION_LINES: "Lines of provision over the delivery periods ended in the period",
    Figure.PROVISION_DELIVERED: "Lines of provision delivered in full",
    Figure.PROVISION_SHORT: "Lines of provision short, for a reason the LA answers for",
    Figure.PROVISION_SHORT_OWED: "Lines of provision short, still owed",
    Figure.PROVISION_MADE_GOOD: "Lines of provision short, made good",
    Figure.PROVISION_NOT_TAKEN_UP: "Lines of provision not taken up",
    Figure.PROVISION_UNCONFIRMED: "Lines of provision not confirmed by the provider",
}
STATUSES = {
    "open": "Due",
    "met": "Met",
    "breached": "Missed",
    "excepted": "Missed under an exception",
    # A line of provision over a period, as its provider accounted for it.
    "delivered": "Delivered in full",
    "short": "Short: the LA's breach",
    "not_taken_up": "Not taken up",
    "unconfirmed": "Not confirmed",
}


def title(cases: FigureCases) -> str:
    """The figure's name, and the part of it asked for (the bar or row the link was on)."""
    n = cases.narrowing
    parts = [
        process_label(n.process) if n.process else "",
        stage_label(n.process or "", n.stage) if n.stage else "",
        readable(n.step) if n.step else "",
        ADVISERS.get(n.adviser, readable(n.adviser)) if n.adviser else "",
        MEDIATION_OUTCOMES.get(n.outcome, readable(n.outcome)) if n.outcome else "",
        f"provider {n.provider}" if n.provider else "",
        readable(n.kind) if n.kind else "",
    ]
    part = ", ".join(p for p in parts if p)
    return TITLES[cases.figure] + (f": {part}" if part else "")


def _row(item: FigureCase, names: bool) -> str:
    what = item.label or (readable(item.step) if item.step else "")
    cells = [
        f'<th scope="row">{e(item.case_ref)}</th>',
        *([f"<td>{e(item.child or '')}</td>"] if names else []),
        f"<td>{e(item.la_code)}</td>",
        f"<td>{e(process_label(item.process))}</td>",
        f"<td>{e(stage_label(item.process, item.stage))}</td>",
        f"<td>{e(what)}</td>",
        f"<td>{e(uk_date(item.due)) if item.due else ''}</td>",
        f"<td>{e(STATUSES.get(item.status or '', item.status or ''))}</td>",
        f"<td>{e(uk_date(item.on)) if item.on else ''}</td>",
    ]
    return f"<tr>{''.join(cells)}</tr>"


def _pager(cases: FigureCases, query: dict[str, str], offset: int) -> str:
    links = []
    if offset:
        back = urlencode({**query, "offset": str(max(offset - PAGE_SIZE, 0))})
        links.append(f'<a href="/dashboard/cases/page?{e(back)}">Previous {PAGE_SIZE}</a>')
    if cases.next_offset is not None:
        on = urlencode({**query, "offset": str(cases.next_offset)})
        links.append(f'<a href="/dashboard/cases/page?{e(on)}">Next {PAGE_SIZE}</a>')
    return f'<nav class="pager" aria-label="Pages of cases">{"".join(links)}</nav>' if links else ""


def render(cases: FigureCases, user: User, la_code: str | None, offset: int) -> str:
    scope = scope_of(cases.period, la_code)
    query = {"figure": cases.figure.value, **scope, **cases.narrowing.model_dump(exclude_none=True)}
    names = user.role in PERSONAL_DATA
    period = f"from {uk_date(cases.period.start)} to {uk_date(cases.period.end)}"
    shown = (
        f"Showing {offset + 1:,} to {offset + len(cases.items):,} of {cases.count:,}."
        if cases.items
        else "There are no cases in this figure."
    )
    headings = ["Case reference", *(["Child"] if names else []), "LA", "Process", "Stage", "Deadline or step"]
    headings += ["Due", "Status", "Done on"]
    head = "".join(f'<th scope="col">{e(h)}</th>' for h in headings)
    body = "".join(_row(item, names) for item in cases.items)
    table = (
        f'<table class="cases"><caption>{e(title(cases))}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table>"
        if cases.items
        else ""
    )
    return (
        f'<p><a href="/dashboard/page?{e(urlencode(scope))}">Back to the dashboard</a></p>'
        f"<h1>{e(title(cases))}</h1>"
        f'<p class="lede">Local authorities: <strong>{e(", ".join(cases.la_codes))}</strong>. Activity {e(period)}; '
        f"work overdue as at {uk_date(cases.as_of)}.</p>"
        f'<p class="count"><strong>{cases.count:,}</strong> counted. {e(shown)}</p>'
        f"{table}{_pager(cases, query, offset)}"
        + (
            '<p class="note">The child\'s name is personal data: each case shown with it is recorded in the '
            "audit trail.</p>"
            if names
            else ""
        )
        + f'<p class="note">The same list as data: <a href="/dashboard/cases?{e(urlencode(query))}">'
        "GET /dashboard/cases</a>.</p>"
    )
