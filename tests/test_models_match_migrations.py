"""The tables the migrations build are the tables store/models.py declares (indexes included).

The tests and every deployment create the schema from the migrations, never from the models, so nothing
else notices when the two drift apart; the next `alembic revision --autogenerate` would then propose
dropping whatever a migration added and the models forgot (as it would have for migration 0004's indexes).
"""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import store.models  # noqa: F401 - registers the tables on SQLModel.metadata
from store.db import SessionMaker


async def test_migrated_schema_is_the_models_schema(sessions: SessionMaker) -> None:
    async with sessions() as session:
        connection = await session.connection()
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
        )
    assert differences == []
