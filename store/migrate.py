"""Apply the Alembic migrations: `python -m store.migrate` (what `make run` and the tests call).

`python -m store.migrate --new NAME` (`make migration NAME=…`) writes the next numbered migration from
the difference between store/models.py and the migrations so far, found on a scratch SQLite database.
Read what it wrote before committing it: autogenerate finds new tables, columns and indexes, not
renames or data to move, and tests/test_models_match_migrations.py fails until the two agree.
"""

import argparse
import asyncio
import re
import tempfile
from pathlib import Path

from alembic import command
from alembic.config import Config

from core.config import get_settings

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


def _name(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{2,40}", value):
        raise argparse.ArgumentTypeError("a migration's name is 3 to 41 of a-z, 0-9 and _, e.g. provision_rows")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--new", type=_name, metavar="NAME", help="write the next migration instead of applying")
    arguments = parser.parse_args()
    if arguments.new:
        print(f"wrote {new_migration(arguments.new).relative_to(Path.cwd())}: read it before committing it")  # noqa: T201 - the command's answer
    else:
        upgrade(get_settings().database_url)
