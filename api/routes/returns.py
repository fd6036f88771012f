"""Statutory returns: the DfE SEN2 return of one LA for a collection year, as CSV (managers only).

The return is person-level (names, dates of birth, postcodes): that is what DfE collects. So the
export itself is audited once, with who asked, for which LA and year, and how many records went out;
no name reaches a log line.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

import statutory
from api.auth import LA_CODE_PATTERN, Manager, User, check_la
from api.deps import Today
from api.problems import Problem
from reports.sen2 import (
    Collection,
    collection,
    collection_year_problem,
    csv_chunks,
    latest_collection_year,
    sen2_records,
)
from store.db import SessionMaker
from store.models import AuditEvent

router = APIRouter(prefix="/returns", tags=["statutory returns"])
log = structlog.get_logger(__name__)


@router.get(
    "/sen2",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "The SEN2 records, one row per case"}},
)
async def sen2_return(
    request: Request,
    user: Manager,
    today: Today,
    la_code: Annotated[str, Query(pattern=LA_CODE_PATTERN, description="The LA whose return this is")],
    year: Annotated[
        int | None,
        Query(
            ge=1000,
            le=9999,
            description="Reporting year: caseload at its January census, activity over the calendar year before",
        ),
    ] = None,
) -> StreamingResponse:
    """DfE's SEN2 person-level return of one LA, streamed as CSV.

    With no `year`, the newest year whose census date has passed. The year in progress may be asked
    for, to see the activity so far. docs/returns.md says what each column holds and where from."""
    check_la(user, la_code)
    if year is None:
        year = latest_collection_year(today)
    if reason := collection_year_problem(year, today):
        raise Problem(422, "No such collection year", f"Cannot return SEN2 for that year: {reason}.")
    period = collection(year)
    sessions: SessionMaker = request.app.state.sessions
    return StreamingResponse(
        _stream(sessions, user, la_code, period),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="sen2-{year}-{la_code}.csv"',
            "Cache-Control": "no-store",  # personal data: no proxy or browser cache keeps a copy
        },
    )


async def _stream(sessions: SessionMaker, user: User, la_code: str, period: Collection) -> AsyncIterator[str]:
    """The CSV, then one audit line saying how many records left, even if the download stopped part way."""
    sent = 0
    complete = False

    def counted(n: int) -> None:
        nonlocal sent
        sent = n

    try:
        async with sessions() as session:
            async for chunk in csv_chunks(sen2_records(session, la_code, period), counted):
                yield chunk
        complete = True
    finally:
        # Shielded: a client that hangs up cancels the stream, not the record that the data went out.
        await asyncio.shield(_audit(sessions, user, la_code, period, sent, complete))


async def _audit(
    sessions: SessionMaker, user: User, la_code: str, period: Collection, sent: int, complete: bool
) -> None:
    summary = (
        f"SEN2 {period.year} for LA {la_code}: {sent} person records "
        f"(census {period.census}, activity {period.period_start} to {period.period_end})"
        + ("" if complete else "; the download stopped before the end")
    )
    async with sessions() as session:
        session.add(
            AuditEvent(
                event_key=f"return:{uuid.uuid4().hex}",
                case_ref=f"sen2-{la_code}-{period.year}",
                action="statutory_return_exported",
                actor=user.sub,
                summary=summary,
                business_date=statutory.business_date(datetime.now(UTC)),
                at=datetime.now(UTC),
            )
        )
        await session.commit()
    log.info("statutory return exported", la_code=la_code, year=period.year, records=sent, complete=complete)
