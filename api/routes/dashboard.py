"""The inclusion dashboard: GET /dashboard as data, GET /dashboard/page as a page for a browser, and the cases
behind each figure (GET /dashboard/cases, GET /dashboard/cases/page).

Every staff role may see it, for the LAs their token names: the figures are counts, with no child, family or
case reference in them, so there is nothing in them an ops user may not see (api/auth.py) and a case
officer gains nothing beyond their own LA's performance. The providers of section F are counted by their codes
for every role; their names (a therapist's is a person's) only for the roles that see personal data. A figure's
cases are listed with their reference, stage and deadline for every role; the child's name only for case officers
and managers, each case's name shown leaving a line in the audit trail, as reading the case would.
"""

import re
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse
from sqlmodel import col, select

import statutory
from api.auth import LA_CODE_PATTERN, PERSONAL_DATA, STAFF, Anyone, User, audit_personal_data_of, visible_las
from api.deps import ForecastCache, SessionDep, Today, end_read
from api.pages import dashboard as dashboard_page
from api.pages import figure_cases as figure_cases_page
from api.pages.layout import allow_page, error_page, page
from api.problems import Problem
from reports.dashboard import (
    Dashboard,
    Figure,
    FigureCases,
    FigureQuery,
    Narrowing,
    Period,
    dashboard,
    default_period,
    figure_cases,
    period_problem,
)
from store.models import Child
from workflows.day import Day
from workflows.provision_models import PROVIDER

router = APIRouter(tags=["dashboard"])

LaCode = Annotated[str | None, Query(pattern=LA_CODE_PATTERN, description="One LA; all the caller's LAs if omitted")]
PageViewer = Annotated[User, Depends(allow_page(*STAFF))]
# A part of a figure, as the dashboard names it: a stage, a step ("review.annual"), an adviser, an outcome.
PART = r"^[a-z0-9_.-]{1,64}$"
Part = Annotated[str | None, Query(pattern=PART, description="Only this part of the figure (as its bar or row)")]
Provider = Annotated[str | None, Query(pattern=PROVIDER, description="Only this provider's lines (the provision)")]
MAX_CASES = 500
Limit = Annotated[int, Query(ge=1, le=MAX_CASES)]
Offset = Annotated[int, Query(ge=0, le=100_000)]


def _period(start: date | None, end: date | None, today: date) -> Period:
    """The period asked for; a missing end is today, a missing start 12 months before the end."""
    if start is None and end is None:
        return default_period(today)
    end = end or today
    start = start or statutory.add_months(end, -12) + timedelta(days=1)
    if problem := period_problem(start, end):
        raise Problem(422, "The period is not valid", problem, "/problems/validation")
    return Period(start=start, end=end)


@router.get("/dashboard", response_model=Dashboard)
async def read_dashboard(
    session: SessionDep,
    user: Anyone,
    today: Today,
    forecasts: ForecastCache,
    start: Annotated[
        Day | None, Query(alias="from", description="First issue date of the period (default: 12 months ago)")
    ] = None,
    end: Annotated[Day | None, Query(alias="to", description="Last issue date of the period (default: today)")] = None,
    la_code: LaCode = None,
) -> Dashboard:
    """Open cases by process and stage; plans issued within 20 weeks (SEND Regs 2014 reg 13(2)), with and
    without exception cases (reg 13(3)); deadlines missed by step; advice and review steps overdue today;
    mediation and Tribunal appeals, open and decided; duties at risk (expected after their due date, a forecast:
    GET /forecast lists them); section F's provision over the delivery periods that ended in the period (CFA 2014
    s.42(2)), by provider and kind. For each LA and across them."""
    period = _period(start, end, today)
    las = visible_las(user, la_code)
    at_risk = await _at_risk(session, forecasts, las, today)
    return await dashboard(session, las, period, today, at_risk, provider_names=user.role in PERSONAL_DATA)


async def _at_risk(session: SessionDep, forecasts: ForecastCache, las: list[str], today: date) -> dict[str, int]:
    """Each LA's duties at risk, from the app's cache (reports/forecast.py), in a transaction of its own: the
    dashboard's queries then share one snapshot."""
    counts = await forecasts.at_risk(session, las, today)
    await end_read(session)
    return dict(counts)


def _date(name: str, value: str | None, boxes: tuple[str | None, ...] = ()) -> date | None:
    """The date of the page's day, month and year boxes (GOV.UK's date input) if any is filled, else of the
    YYYY-MM-DD a link carries."""
    if any(boxes):
        day, month, year = (box or "" for box in boxes)
        try:
            return date(int(year), int(month), int(day))
        except ValueError:
            shown = f"day '{day[:4]}', month '{month[:4]}', year '{year[:4]}'"
            raise Problem(422, "The period is not valid", f"{name}: {shown} is not a date") from None
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Problem(422, "The period is not valid", f"{name}: '{value[:20]}' is not a date (YYYY-MM-DD)") from None


Box = Annotated[str | None, Query(max_length=4)]


# Pages are for browsers, not API clients: left out of the OpenAPI document (docs/dashboard.md describes them).
@router.get("/dashboard/page", response_class=HTMLResponse, include_in_schema=False)
async def dashboard_page_html(
    session: SessionDep,
    user: PageViewer,
    today: Today,
    forecasts: ForecastCache,
    start: Annotated[str | None, Query(alias="from", max_length=20, description="YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", max_length=20, description="YYYY-MM-DD")] = None,
    la_code: Annotated[str | None, Query(max_length=10, description="One LA; empty for all")] = None,
    from_day: Box = None,
    from_month: Box = None,
    from_year: Box = None,
    to_day: Box = None,
    to_month: Box = None,
    to_year: Box = None,
) -> Any:
    """The dashboard as an HTML page with charts, for a browser signed in through /sign-in. A bad date or
    LA answers a page saying what was wrong, with the same status as GET /dashboard."""
    try:
        first = _date("from", start, (from_day, from_month, from_year))
        period = _period(first, _date("to", end, (to_day, to_month, to_year)), today)
        las = visible_las(user, la_code or None)
    except Problem as problem:
        return error_page(problem, user)
    at_risk = await _at_risk(session, forecasts, las, today)
    board = await dashboard(session, las, period, today, at_risk, provider_names=user.role in PERSONAL_DATA)
    return page("Inclusion dashboard", dashboard_page.render(board, user, la_code or None), signed_in=user)


async def _cases(session: SessionDep, user: User, asked: FigureQuery, limit: int, offset: int) -> FigureCases:
    """A figure's cases, with the child's name for the roles that see personal data (each case audited)."""
    try:
        cases = await figure_cases(session, asked, limit=limit, offset=offset)
    except ValueError as error:
        raise Problem(422, "No such part of the figure", str(error), "/problems/validation") from None
    if user.role not in PERSONAL_DATA or not cases.items:
        return cases
    refs = {item.case_ref for item in cases.items}
    children = await session.exec(select(Child).where(col(Child.case_ref).in_(refs)))
    names = {child.case_ref: f"{child.given_name} {child.family_name}" for child in children}
    for item in cases.items:
        item.child = names.get(item.case_ref)
    why = f"the child's name, in the dashboard's list of {asked.figure.value}"
    await audit_personal_data_of(session, user, names, why)
    return cases


@router.get("/dashboard/cases", response_model=FigureCases)
async def read_figure_cases(
    session: SessionDep,
    user: Anyone,
    today: Today,
    figure: Annotated[Figure, Query(description="The figure whose cases to list, as GET /dashboard names it")],
    start: Annotated[
        Day | None, Query(alias="from", description="First day of the period (default: 12 months ago)")
    ] = None,
    end: Annotated[Day | None, Query(alias="to", description="Last day of the period (default: today)")] = None,
    la_code: LaCode = None,
    process: Part = None,
    stage: Part = None,
    step: Part = None,
    adviser: Part = None,
    outcome: Part = None,
    provider: Provider = None,
    kind: Part = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> FigureCases:
    """The cases a dashboard figure counts, from the query that counts them: `count` is the figure's number and
    `items` a page of its cases (reference, LA, stage, the deadline or step that made it count). Narrowed to one
    bar or row of the figure by process and stage (open cases, mediation routes and appeals), step (deadlines
    missed, review steps), adviser (advice), outcome (mediation held), provider or kind (the provision: one row
    per line of section F and delivery period, with the period, line and provider). Case officers and managers also see
    the child's name, and each case shown so is audited; ops never see it."""
    asked = FigureQuery(
        figure=figure,
        narrowing=Narrowing(
            process=process, stage=stage, step=step, adviser=adviser, outcome=outcome, provider=provider, kind=kind
        ),
        as_of=today,
        period=_period(start, end, today),
        la_codes=visible_las(user, la_code),
    )
    return await _cases(session, user, asked, limit, offset)


def _part(name: str, value: str | None, pattern: str = PART) -> str | None:
    if value and not re.fullmatch(pattern, value):
        raise Problem(422, "Not a part of a figure", f"{name}: '{value[:20]}' is not one", "/problems/validation")
    return value or None


def _number(name: str, value: str | None, default: int, top: int) -> int:
    if not value:
        return default
    if not value.isdigit() or int(value) > top:
        raise Problem(422, "Not a number", f"{name}: give a whole number up to {top}", "/problems/validation")
    return int(value)


@router.get("/dashboard/cases/page", response_class=HTMLResponse, include_in_schema=False)
async def figure_cases_page_html(
    session: SessionDep,
    user: PageViewer,
    today: Today,
    figure: Annotated[str | None, Query(max_length=40)] = None,
    start: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=20)] = None,
    la_code: Annotated[str | None, Query(max_length=10)] = None,
    process: Annotated[str | None, Query(max_length=64)] = None,
    stage: Annotated[str | None, Query(max_length=64)] = None,
    step: Annotated[str | None, Query(max_length=64)] = None,
    adviser: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[str | None, Query(max_length=64)] = None,
    provider: Annotated[str | None, Query(max_length=64)] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
    offset: Annotated[str | None, Query(max_length=6)] = None,
) -> Any:
    """The cases behind a figure of the dashboard page, as a page: what each tile, bar and table count links to."""
    try:
        las = visible_las(user, la_code or None)
        period = _period(_date("from", start), _date("to", end), today)
        if figure not in {f.value for f in Figure}:
            raise Problem(422, "No such figure", f"figure: '{(figure or '')[:40]}' is not a figure of the dashboard")
        narrowing = Narrowing(
            process=_part("process", process),
            stage=_part("stage", stage),
            step=_part("step", step),
            adviser=_part("adviser", adviser),
            outcome=_part("outcome", outcome),
            provider=_part("provider", provider, PROVIDER),
            kind=_part("kind", kind),
        )
        first = _number("offset", offset, 0, 100_000)
        asked = FigureQuery(figure=Figure(figure), narrowing=narrowing, as_of=today, period=period, la_codes=las)
        cases = await _cases(session, user, asked, figure_cases_page.PAGE_SIZE, first)
    except Problem as problem:
        return error_page(problem, user)
    body = figure_cases_page.render(cases, user, la_code or None, first)
    return page(figure_cases_page.title(cases), body, signed_in=user)
