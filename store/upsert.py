"""INSERT … ON CONFLICT for both dialects: how activities make a retried write converge.

Each statement is built once per table and shape and run with the rows as parameters (executemany), so
SQLAlchemy compiles it once and reuses it: compiling a multi-row VALUES statement per call was the
largest part of the sync activity's CPU (docs/benchmarks.md).

A row whose columns already hold the values is left alone rather than rewritten: the case sync writes every
deadline of a case at each step, and most have not changed. PostgreSQL writes a new version of every row an
upsert updates, changed or not, and marks its page as no longer all visible, so that index-only reads (the
dashboard's) go to the table for it until the next vacuum. Whole assessments rewrote 5.6 deadline rows a step,
and change 0.67 (docs/benchmarks.md, "What changed")."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import JSON, Table, Text, cast, or_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


@cache
def _statement(dialect: str, table: Table, keys: tuple[str, ...], update: tuple[str, ...] | None) -> Any:
    statement = (sqlite if dialect == "sqlite" else postgresql).insert(table)
    if update:
        changed = or_(*(_differs(table.c[column], statement.excluded[column]) for column in update))
        return statement.on_conflict_do_update(
            index_elements=list(keys), set_={column: statement.excluded[column] for column in update}, where=changed
        )
    return statement.on_conflict_do_nothing(index_elements=list(keys))


def _differs(stored: ColumnElement[Any], given: ColumnElement[Any]) -> ColumnElement[bool]:
    """IS DISTINCT FROM (SQLite: IS NOT), so that a NULL becoming a value, or a value NULL, is a change. PostgreSQL
    has no equality for json: its text is compared, and the same value written the same way is the same text."""
    if isinstance(stored.type, JSON):
        stored, given = cast(stored, Text), cast(given, Text)
    return stored.is_distinct_from(given)


async def upsert(
    session: AsyncSession,
    model: type[SQLModel],
    rows: Sequence[dict[str, Any]],
    keys: Sequence[str],
    update: Sequence[str] | None = None,
) -> None:
    """Insert rows; on a key conflict update the `update` columns, or leave the row as it is if None."""
    if not rows:
        return
    dialect = session.bind.dialect.name if session.bind else "postgresql"
    table: Table = model.__table__  # type: ignore[attr-defined]
    statement = _statement(dialect, table, tuple(keys), tuple(update) if update else None)
    await session.exec(statement, params=list(rows))
