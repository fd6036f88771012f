"""The Alembic migrations, applied (`python -m cli.migrate`, which `make run` and the deploy jobs call, and the
tests) or a new one written from what the models add (`make migration NAME=…`).

A new migration comes from the difference between store/models.py and the migrations so far, found on a
scratch SQLite database. Read what it wrote before committing it: autogenerate finds new tables, columns
and indexes, not renames or data to move, and tests/store/test_models_match_migrations.py fails until the two
agree.
"""

import asyncio
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


async def upgrade_async(database_url: str, revision: str = "head") -> None:
    """For callers already inside an event loop: Alembic's async env runs its own loop."""
    await asyncio.to_thread(upgrade, database_url, revision)


def new_migration(name: str) -> Path:
    """The next migration, numbered after the last one, with what the models add."""
    numbers = [int(p.name[:4]) for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    revision = f"{max(numbers, default=0) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        config = alembic_config(f"sqlite+aiosqlite:///{scratch}/migrations.db")
        command.upgrade(config, "head")
        script = command.revision(config, message=name, autogenerate=True, rev_id=revision)
    assert script is not None and not isinstance(script, list)
    return Path(script.path)
