"""Apply the Alembic migrations: `python -m store.migrate` (what `make run` and the tests call)."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from settings import get_settings

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


if __name__ == "__main__":
    upgrade(get_settings().database_url)
