"""The tables the migrations build are the tables store/models.py declares (indexes included).

The tests and every deployment create the schema from the migrations, never from the models, so nothing
else notices when the two drift apart; the next `alembic revision --autogenerate` would then propose
dropping whatever a migration added and the models forgot (as it would have for migration 0004's indexes).
"""

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

import store.models  # noqa: F401 - registers the tables on SQLModel.metadata
from store import migrate
from store.db import SessionMaker


async def test_migrated_schema_is_the_models_schema(sessions: SessionMaker) -> None:
    async with sessions() as session:
        connection = await session.connection()
        differences = await connection.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), SQLModel.metadata)
        )
    assert differences == []


def test_make_migration_writes_the_next_numbered_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`make migration NAME=…` on a copy of the migrations: the next number, after the last one, with nothing
    to do while the models and the migrations agree."""
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, copy)
    monkeypatch.setattr(migrate, "MIGRATIONS", copy)
    last = max(p.name[:4] for p in (copy / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    written = migrate.new_migration("probe_check")
    assert written.name == f"{int(last) + 1:04d}_probe_check.py"
    text = written.read_text()
    assert f"down_revision: str | None = '{last}'" in text
    assert "op." not in text  # nothing to add: the models are what the migrations build
