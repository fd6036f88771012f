"""INSERT … ON CONFLICT for both dialects: how activities make a retried write converge."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession


def _insert(session: AsyncSession, model: type[SQLModel]) -> Any:
    dialect = session.bind.dialect.name if session.bind else "postgresql"
    module = sqlite if dialect == "sqlite" else postgresql
    return module.insert(model)


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
    statement = _insert(session, model).values(list(rows))
    if update:
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={column: statement.excluded[column] for column in update}
        )
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    await session.exec(statement)
