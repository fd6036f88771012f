"""INSERT … ON CONFLICT for both dialects: how activities make a retried write converge.

Each statement is built once per table and shape and run with the rows as parameters (executemany), so
SQLAlchemy compiles it once and reuses it: compiling a multi-row VALUES statement per call was the
largest part of the sync activity's CPU (docs/benchmarks.md)."""

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


@cache
def _statement(dialect: str, table: Table, keys: tuple[str, ...], update: tuple[str, ...] | None) -> Any:
    statement = (sqlite if dialect == "sqlite" else postgresql).insert(table)
    if update:
        return statement.on_conflict_do_update(
            index_elements=list(keys), set_={column: statement.excluded[column] for column in update}
        )
    return statement.on_conflict_do_nothing(index_elements=list(keys))


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
