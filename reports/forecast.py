"""The forecast of open statutory duties, read from the read model (the model itself: reports/forecast_model.py;
what it rests on and its limits: docs/forecast.md).

Three reads, whatever the number of cases:
- the history: every LA's durations per step (and per stage-to-step leg of the assessment), counted in the
  database by one aggregate query (statistics_query) and kept in this process for CACHE_SECONDS per business
  day (StatisticsCache), so a queue, a case or the dashboard read it once a few minutes, not once a request;
- the duties still owed on the cases asked for, with the dates that say how far each assessment has got (its
  advice, asked for and received, and its draft plan), in one query over the LA's index of open dates;
- nothing else: each forecast is computed here, in memory, from those two.
"""

import asyncio
import contextlib
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import structlog
from pydantic import BaseModel, Field
from sqlalchemy import Integer, and_, case, func, literal, or_, union_all
from sqlalchemy import select as select_rows
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import statutory
from reports.deadline_labels import deadline_label
from reports.forecast_model import (
    ADVICE,
    AFTER_ADVICE,
    AFTER_DRAFT,
    DECIDE_TO_ISSUE,
    DONE,
    DRAFT_COMMENTS,
    FINAL_PLAN,
    LOOKBACK_DAYS,
    Basis,
    Fact,
    History,
    expect,
    forecastable,
    leg,
)
from reports.work_queue import OWED, QueueFilter, QueueItem, case_deadlines
from store.db import SessionMaker
from store.models import Case, CaseDeadline
from workflows.case_state import DeadlineStatus

log = structlog.get_logger(__name__)

# How long a process keeps the history it read: a step done today changes an LA's medians by a day at most, so a
# few minutes' lag costs nothing, and the aggregate (a scan of two years' done dates) runs once per process per
# CACHE_SECONDS instead of once per request.
CACHE_SECONDS = 300


class Forecast(BaseModel):
    """When a duty still owed is expected to be met: a planning estimate, never a finding that the law was broken."""

    expected_on: date = Field(description="The day the duty is expected to be met, never before today")
    likely_from: date = Field(description="Half of the past cases it is forecast from fell between these two days")
    likely_to: date
    days_late: int = Field(
        description="expected_on - due: the days by which it is expected to miss its due date; negative: days to spare"
    )
    at_risk: bool = Field(
        description="Expected after its due date (days_late > 0), and not a date entered late still being judged"
    )
    held_until: datetime | None = Field(
        description="A date entered late is not judged, nor called at risk, until then (docs/legal-time.md)"
    )
    basis: Basis = Field(
        description="la_history: the LA's own past cases; national_history: every LA's, where the LA has fewer "
        "than 10; statutory: fewer than 10 anywhere, so expected by its due date"
    )
    samples: int = Field(description="How many past cases the history it rests on holds (0 for statutory)")
    explanation: str = Field(description="What the forecast rests on, in words")


class ForecastItem(QueueItem, Forecast):
    """A work queue's item with its forecast."""


class ForecastPage(BaseModel):
    as_of: date = Field(description="The business date the forecast is made on")
    at_risk: int = Field(description="How many of the duties asked for are at risk, on every page")
    items: list[ForecastItem] = Field(description="Most days late first (the days to spare, fewest first, after)")
    next_offset: int | None = Field(description="Pass as `offset` for the next page; null on the last page")


# -- the history ------------------------------------------------------------------------------------------


class _DaysBetween(FunctionElement[int]):
    """Whole days from one date to another: date subtraction in PostgreSQL, julian days in SQLite."""

    type = Integer()
    inherit_cache = True


@compiles(_DaysBetween, "postgresql")
def _pg_days(element: _DaysBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"({later} - {earlier})"


@compiles(_DaysBetween, "sqlite")
def _sqlite_days(element: _DaysBetween, compiler: Any, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


def statistics_query(as_of: date) -> Any:
    """(la_code, key, days, n): how many duties of each step, and assessments from each stage to each step, took
    each number of days, done before `as_of` in the LOOKBACK_DAYS before it. reports.forecast_model.samples counts
    the same from facts in memory (the back-test's way); a test holds the two to each other."""
    d = CaseDeadline
    since = as_of - timedelta(days=LOOKBACK_DAYS)
    done = and_(col(d.done_on).is_not(None), col(d.status).in_(DONE))
    # A final-plan date closed by a refusal or a withdrawal is not a plan issued (reports/dashboard.py says the same).
    issued = or_(col(Case.process) == "plan", col(Case.stage) == "final_issued")
    real = or_(col(d.step) != FINAL_PLAN, issued)
    joined = and_(col(Case.case_ref) == col(d.case_ref))
    days = _DaysBetween(col(d.done_on), col(d.start))
    steps: Any = (
        select_rows(col(d.la_code), col(d.step).label("key"), days.label("days"), func.count().label("n"))
        .join(Case, joined)
        .where(done, real, col(d.done_on) >= since, col(d.done_on) < as_of)
        .group_by(col(d.la_code), col(d.step), days)
    )

    def when(condition: ColumnElement[bool], value: Any) -> Any:
        return func.max(case((condition, value)))

    per_case = (
        select_rows(
            col(d.la_code).label("la_code"),
            when(and_(col(d.step) == ADVICE, done), col(d.done_on)).label("advice"),
            when(col(d.key) == DRAFT_COMMENTS, col(d.start)).label("draft"),
            when(and_(col(d.step) == FINAL_PLAN, done, issued), col(d.done_on)).label("final"),
            when(and_(col(d.step) == DECIDE_TO_ISSUE, done), col(d.done_on)).label("decided"),
        )
        .join(Case, joined)
        .where(or_(col(d.step).in_((ADVICE, FINAL_PLAN, DECIDE_TO_ISSUE)), col(d.key) == DRAFT_COMMENTS))
        .group_by(col(d.case_ref), col(d.la_code))
        .subquery()
    )
    legs: list[Any] = []
    for step, column in ((FINAL_PLAN, per_case.c.final), (DECIDE_TO_ISSUE, per_case.c.decided)):
        for after, mark in ((AFTER_ADVICE, per_case.c.advice), (AFTER_DRAFT, per_case.c.draft)):
            if step == DECIDE_TO_ISSUE and after == AFTER_DRAFT:
                continue
            gap = _DaysBetween(column, mark)
            legs.append(
                select_rows(per_case.c.la_code, literal(leg(step, after)).label("key"), gap.label("days"), func.count())
                .where(column >= since, column < as_of, mark <= column)
                .group_by(per_case.c.la_code, gap)
            )
    return union_all(steps, *legs)


async def read_history(session: AsyncSession, as_of: date) -> History:
    rows = (await session.exec(statistics_query(as_of))).all()
    return History.from_counts((la, key, int(days), int(n)) for la, key, days, n in rows)


class StatisticsCache:
    """The history as of a business day, read at most once per CACHE_SECONDS in this process (one per API process;
    each reads its own), and each LA's count of duties at risk, counted as often (the dashboard's figure: forecasting
    every duty of many LAs on each read of the dashboard would cost more than the rest of it).

    With `sessions` (once the app has them), neither is read again while a request waits: an old history or count
    is answered, and read again in the background, one read at a time. Reading the history is a scan of two years'
    done dates, ~6 s over 1,000,000 case rows (docs/benchmarks.md): only the first request of the day in a process
    waits for it, and requests that come meanwhile wait for that one read rather than each starting its own (four
    at once on two cores passed the database's 15 s statement timeout)."""

    def __init__(self, seconds: float = CACHE_SECONDS) -> None:
        self.seconds = seconds
        self.sessions: SessionMaker | None = None
        self._kept: dict[date, tuple[float, History]] = {}
        self._reading: tuple[date, asyncio.Task[History]] | None = None
        self._at_risk: dict[tuple[date, str], tuple[float, int]] = {}
        self._refreshing: asyncio.Task[None] | None = None

    async def history(self, session: AsyncSession, as_of: date) -> History:
        kept = self._kept.get(as_of)
        if kept is not None and time.monotonic() - kept[0] < self.seconds:
            return kept[1]
        if self.sessions is None:  # no app's sessions: read it on this one, as the caller waits
            history = await read_history(session, as_of)
            self._kept = {as_of: (time.monotonic(), history)}
            return history
        if self._reading is None or self._reading[0] != as_of or self._reading[1].done():
            reading = asyncio.create_task(self._read_history(self.sessions, as_of))
            reading.add_done_callback(_log_failure)
            self._reading = (as_of, reading)
        if kept is not None:
            return kept[1]  # read again meanwhile
        return await asyncio.shield(self._reading[1])

    async def _read_history(self, sessions: SessionMaker, as_of: date) -> History:
        async with sessions() as session:
            history = await read_history(session, as_of)
        self._kept = {as_of: (time.monotonic(), history)}
        return history

    async def at_risk(self, session: AsyncSession, las: list[str], today: date) -> Counter[str]:
        """How many duties still owed are at risk in each LA: counted now for the LAs not counted today, and in
        the background for those counted more than CACHE_SECONDS ago (answered meanwhile with that count)."""
        now = time.monotonic()
        self._at_risk = {k: v for k, v in self._at_risk.items() if k[0] == today}
        missing = [la for la in las if (today, la) not in self._at_risk]
        stale = [
            la for la in las if (today, la) in self._at_risk and now - self._at_risk[(today, la)][0] >= self.seconds
        ]
        if stale and self.sessions is None:
            missing += stale
        elif stale:
            self._refresh(stale, today)
        if missing:
            await self._count(session, missing, today)
        return Counter({la: self._at_risk[(today, la)][1] for la in las})

    async def _count(self, session: AsyncSession, las: list[str], today: date) -> None:
        now = time.monotonic()
        history = await self.history(session, today)
        counted = await at_risk_by_la(session, las, today, history)
        self._at_risk |= {(today, la): (now, counted[la]) for la in las}

    def _refresh(self, las: list[str], today: date) -> None:
        """One background count at a time; LAs it leaves stale are counted by the next view's refresh."""
        if self._refreshing is not None and not self._refreshing.done():
            return
        sessions = self.sessions
        assert sessions is not None

        async def count() -> None:
            try:
                async with sessions() as session:
                    await self._count(session, las, today)
            except Exception:  # the stale count stands; the next view tries again
                log.warning("forecast count failed in the background", exc_info=True, las=len(las))

        self._refreshing = asyncio.create_task(count())

    async def close(self) -> None:
        """Stop a background read or count (the app is stopping)."""
        for task in (self._refreshing, self._reading[1] if self._reading else None):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task


def _log_failure(task: asyncio.Task[History]) -> None:
    """A background read that failed is said in the log (its requests, if any waited, had the error too)."""
    if not task.cancelled() and task.exception() is not None:
        log.warning("forecast history could not be read", error=type(task.exception()).__name__)


# -- the forecasts ----------------------------------------------------------------------------------------


def fact_of(row: Any) -> Fact:
    """A date of the read model as the model takes it, from its row (a CaseDeadline, or a row of its columns)."""
    held_until = row.held_until
    if held_until is not None and held_until.tzinfo is None:  # SQLite keeps no zone: the activity wrote it in UTC
        held_until = held_until.replace(tzinfo=UTC)
    return Fact(
        case_ref=row.case_ref,
        key=row.key,
        la_code=row.la_code,
        step=row.step,
        kind=row.kind,
        start=row.start,
        due=row.due,
        status=row.status,
        done_on=row.done_on,
        held_until=held_until,
    )


def held(row: Fact, today: date) -> bool:
    """Entered late and not yet judged (docs/legal-time.md): as the dashboard, not judged until its hold ends, unless
    judged early (the officer confirmed the case's past is in, which settles its status)."""
    return (
        row.held_until is not None
        and row.status == DeadlineStatus.OPEN.value
        and row.held_until > statutory.breach_at(today - timedelta(days=1))
    )


def forecast_of(duty: Fact, case: list[Fact], history: History, today: date) -> Forecast:
    expectation = expect(duty, case, history, today)
    days_late = expectation.days_late(duty.due)
    waiting = held(duty, today)
    return Forecast(
        expected_on=expectation.expected_on,
        likely_from=expectation.likely_from,
        likely_to=expectation.likely_to,
        days_late=days_late,
        at_risk=days_late > 0 and not waiting,
        held_until=duty.held_until if waiting else None,
        basis=expectation.basis,
        samples=expectation.samples,
        explanation=expectation.explanation,
    )


# The dates, besides the duties owed, that say how far an assessment has got.
_STAGE_DATES = or_(col(CaseDeadline.step) == ADVICE, col(CaseDeadline.key) == DRAFT_COMMENTS)


# The columns a forecast reads: the case's, for the queue, and the date's (rows, not ORM objects: an LA's queue is
# thousands of them, and loading each as a model cost more than forecasting it).
_CASE_COLUMNS = (col(Case.process), col(Case.stage), col(Case.officer), col(Case.team))
_DATE_COLUMNS = tuple(col(getattr(CaseDeadline, name)) for name in Fact.__dataclass_fields__)


async def _dates(session: AsyncSession, where: QueueFilter, *columns: Any) -> Sequence[Any]:
    """The duties owed on the cases the filter picks, with their assessments' stage dates, as rows of `columns`."""
    query = case_deadlines(where).with_only_columns(*columns).where(or_(OWED, _STAGE_DATES))
    return (await session.exec(query)).all()  # type: ignore[call-overload]


def _by_case(rows: Sequence[Any]) -> tuple[dict[str, list[Fact]], list[tuple[Any, Fact]]]:
    """Each case's dates, and the duties among them to forecast, each with its row."""
    facts: dict[str, list[Fact]] = defaultdict(list)
    owed = []
    for row in rows:
        fact = fact_of(row)
        facts[fact.case_ref].append(fact)
        if forecastable(fact):
            owed.append((row, fact))
    return facts, owed


async def forecasts(session: AsyncSession, where: QueueFilter, today: date, history: History) -> list[ForecastItem]:
    """Every duty still owed on the cases the filter picks, forecast, most days late first; dates still held (entered
    late, not yet judged) last, as they are not yet judged.

    Forecast in a thread, as the dashboard's count is (at_risk_by_la): an LA's whole queue by risk is seconds of
    work at the largest LAs, which in the event loop would hold up every other request of the API process."""
    rows = await _dates(session, where, *_CASE_COLUMNS, *_DATE_COLUMNS)
    return await asyncio.to_thread(_forecast_items, rows, today, history)


def _forecast_items(rows: Sequence[Any], today: date, history: History) -> list[ForecastItem]:
    facts, owed = _by_case(rows)
    items = []
    for row, fact in owed:
        forecast = forecast_of(fact, facts[fact.case_ref], history, today)
        items.append(
            ForecastItem(
                case_ref=fact.case_ref,
                la_code=fact.la_code,
                process=row.process,
                stage=row.stage,
                officer=row.officer,
                team=row.team,
                deadline_key=fact.key,
                step=fact.step,
                label=deadline_label(fact.step, fact.key, fact.due),
                start=fact.start,
                due=fact.due,
                status=fact.status,
                overdue=fact.due < today,
                days_overdue=max((today - fact.due).days, 0),
                **dict(forecast),
            )
        )
    items.sort(key=lambda i: (i.held_until is not None, -i.days_late, i.due, i.case_ref, i.deadline_key))
    return items


async def forecast_queue(
    session: AsyncSession,
    where: QueueFilter,
    today: date,
    history: History,
    *,
    at_risk_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> ForecastPage:
    items = await forecasts(session, where, today, history)
    at_risk = [i for i in items if i.at_risk]
    shown = at_risk if at_risk_only else items
    return ForecastPage(
        as_of=today,
        at_risk=len(at_risk),
        items=shown[offset : offset + limit],
        next_offset=offset + limit if len(shown) > offset + limit else None,
    )


async def at_risk_by_la(session: AsyncSession, las: list[str], today: date, history: History) -> Counter[str]:
    """How many duties still owed are at risk in each LA: the dashboard's figure.

    Only the count: a queue's item, label and order for each duty were half the cost (the largest LA among
    1,000,000 cases owes ~40,000), and the forecasts are made in a thread, so that the API's other requests are
    answered meanwhile rather than after a second or two of a large LA's count (docs/benchmarks.md)."""
    rows = await _dates(session, QueueFilter(la_codes=las), *_DATE_COLUMNS)
    return await asyncio.to_thread(_count_at_risk, rows, today, history)


def _count_at_risk(rows: Sequence[Any], today: date, history: History) -> Counter[str]:
    facts, owed = _by_case(rows)
    return Counter(duty.la_code for _, duty in owed if forecast_of(duty, facts[duty.case_ref], history, today).at_risk)


async def case_forecasts(session: AsyncSession, case: Case, today: date, history: History) -> dict[str, Forecast]:
    """The forecast of each duty the case still owes, by deadline key; none for a closed case."""
    if case.closed:
        return {}
    rows = (
        await session.exec(
            select(CaseDeadline).where(
                col(CaseDeadline.case_ref) == case.case_ref,
                col(CaseDeadline.process_open).is_(True),
                or_(OWED, _STAGE_DATES),
            )
        )
    ).all()
    facts = [fact_of(row) for row in rows]
    return {f.key: forecast_of(f, facts, history, today) for f in facts if forecastable(f)}
