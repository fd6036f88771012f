"""The inclusion dashboard: GET /dashboard as data, GET /dashboard/page as a page for a browser.

Every role may see it, for the LAs their token names: the figures are counts, with no child, family or
case reference in them, so there is nothing in them an ops user may not see (api/auth.py) and a case
officer gains nothing beyond their own LA's performance.
"""

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

import statutory
from api.auth import EVERYONE, LA_CODE_PATTERN, Anyone, User, visible_las
from api.deps import SessionDep, Today
from api.pages import dashboard as dashboard_page
from api.pages.layout import allow_page, error_page, page
from api.problems import Problem
from reports.dashboard import Dashboard, Period, dashboard, default_period, period_problem
from workflows.day import Day

router = APIRouter(tags=["dashboard"])

LaCode = Annotated[str | None, Query(pattern=LA_CODE_PATTERN, description="One LA; all the caller's LAs if omitted")]
PageViewer = Annotated[User, Depends(allow_page(*EVERYONE))]


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
    start: Annotated[
        Day | None, Query(alias="from", description="First issue date of the period (default: 12 months ago)")
    ] = None,
    end: Annotated[Day | None, Query(alias="to", description="Last issue date of the period (default: today)")] = None,
    la_code: LaCode = None,
) -> Dashboard:
    """Open cases by process and stage; plans issued within 20 weeks (SEND Regs 2014 reg 13(2)), with and
    without exception cases (reg 13(3)); deadlines missed by step; advice and review steps overdue today;
    mediation and Tribunal appeals, open and decided. For each LA and across them."""
    period = _period(start, end, today)
    return await dashboard(session, visible_las(user, la_code), period, today)


def _date(name: str, value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Problem(422, "The period is not valid", f"{name}: '{value[:20]}' is not a date (YYYY-MM-DD)") from None


# Pages are for browsers, not API clients: left out of the OpenAPI document (docs/dashboard.md describes them).
@router.get("/dashboard/page", response_class=HTMLResponse, include_in_schema=False)
async def dashboard_page_html(
    session: SessionDep,
    user: PageViewer,
    today: Today,
    start: Annotated[str | None, Query(alias="from", max_length=20, description="YYYY-MM-DD")] = None,
    end: Annotated[str | None, Query(alias="to", max_length=20, description="YYYY-MM-DD")] = None,
    la_code: Annotated[str | None, Query(max_length=10, description="One LA; empty for all")] = None,
) -> Any:
    """The dashboard as an HTML page with charts, for a browser signed in through /sign-in. A bad date or
    LA answers a page saying what was wrong, with the same status as GET /dashboard."""
    try:
        period = _period(_date("from", start), _date("to", end), today)
        las = visible_las(user, la_code or None)
    except Problem as problem:
        return error_page(problem, user)
    board = await dashboard(session, las, period, today)
    return page("Inclusion dashboard", dashboard_page.render(board, user, la_code or None), signed_in=user)
