"""Work queues: the statutory duties still owed on open cases, earliest deadline (so overdue) first.

A queue is read from the read model only: one indexed query over the duties not yet done, joined to
the case row for its officer and team. An LA's or a team's queue walks the LA's owed duties in deadline
order (`ix_case_deadlines_la_owed`) and stops at the page; an officer's gathers their few hundred cases
(`ix_cases_officer`) and their owed duties (`ix_case_deadlines_owed`). Windows given to
others (the parent's 15 days on a draft) are not the officer's work and are left out; a breached
duty stays in the queue until it is done, because the duty remains (Code of Practice 9.42).
"""

from datetime import date
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import Select

from reports.deadline_labels import deadline_label
from store.models import Case, CaseDeadline
from workflows.case_state import DeadlineKind


class QueueItem(BaseModel):
    case_ref: str
    la_code: str
    process: str
    stage: str
    officer: str | None
    team: str | None
    deadline_key: str
    step: str = Field(description="The statutory rule's id, e.g. 'tribunal.comply_assess'")
    label: str = Field(description="What must be done, for whom and by when, in plain words")
    start: date
    due: date
    status: str = Field(description="open, or breached (still owed) or excepted (still owed, exception recorded)")
    overdue: bool
    days_overdue: int = Field(description="Calendar days past the due date; 0 if not yet due")


# The item's fields copied as they stand from the case's row and the deadline's, each labelled as the item names
# it: read as columns, not ORM objects (building two models a row was half the page's cost in the API).
_COLUMNS = (
    *(col(getattr(Case, name)) for name in ("case_ref", "la_code", "process", "stage", "officer", "team")),
    *(col(getattr(CaseDeadline, name)) for name in ("step", "start", "due", "status")),
    col(CaseDeadline.key).label("deadline_key"),
)


class QueuePage(BaseModel):
    items: list[QueueItem]
    next_offset: int | None = Field(description="Pass as `offset` for the next page; null on the last page")


class QueueFilter(BaseModel):
    la_codes: list[str]
    officer: str | None = None
    team: str | None = None
    unassigned: bool = False


# A duty still owed: not done, and the LA's own (another party's window or a planning target is not its work).
OWED = and_(col(CaseDeadline.done_on).is_(None), col(CaseDeadline.kind) == DeadlineKind.DUTY.value)


def case_deadlines(where: QueueFilter) -> Select[Case, CaseDeadline]:
    """The dates of the running processes of the open cases the filter picks, each with its case, in no order."""
    query = (
        select(Case, CaseDeadline)
        .join(CaseDeadline, and_(col(CaseDeadline.case_ref) == col(Case.case_ref)))
        .where(
            col(CaseDeadline.la_code).in_(where.la_codes),
            col(Case.closed).is_(False),
            # A breached duty of a process that has ended (an assessment the plan followed) is no one's work now.
            col(CaseDeadline.process_open).is_(True),
        )
    )
    if where.officer is not None:
        query = query.where(col(Case.officer) == where.officer)
    if where.team is not None:
        query = query.where(col(Case.team) == where.team)
    if where.unassigned:
        query = query.where(or_(col(Case.officer).is_(None), col(Case.officer) == ""))
    return query


def queue_item(row: Any, today: date) -> QueueItem:
    """An item of the page from a row of `_COLUMNS`."""
    due: date = row.due
    return QueueItem(
        **row._mapping,
        label=deadline_label(row.step, row.deadline_key, due),
        overdue=due < today,
        days_overdue=max((today - due).days, 0),
    )


async def work_queue(
    session: AsyncSession, where: QueueFilter, today: date, limit: int = 50, offset: int = 0
) -> QueuePage:
    order = (col(CaseDeadline.due), col(CaseDeadline.case_ref), col(CaseDeadline.key))
    query = case_deadlines(where).with_only_columns(*_COLUMNS).where(OWED).order_by(*order)
    rows = (await session.exec(query.offset(offset).limit(limit + 1))).all()  # type: ignore[call-overload]
    items = [queue_item(row, today) for row in rows[:limit]]
    return QueuePage(items=items, next_offset=offset + limit if len(rows) > limit else None)
