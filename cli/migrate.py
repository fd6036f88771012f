"""`python -m cli.migrate`: the database to the newest migration (`make run` and the deploy jobs run it).

`python -m cli.migrate --new NAME` (`make migration NAME=…`) writes the next migration instead, from what
store/models.py adds (store/migrate.py says how to check it).
"""

import argparse
import re
from pathlib import Path

from core.config import get_settings
from store.migrate import new_migration, upgrade


def _name(value: str) -> str:
    if not re.fullmatch(r"[a-z][a-z0-9_]{2,40}", value):
        raise argparse.ArgumentTypeError("a migration's name is 3 to 41 of a-z, 0-9 and _, e.g. provision_rows")
    return value


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m cli.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("--new", type=_name, metavar="NAME", help="write the next migration instead of applying")
    arguments = parser.parse_args()
    if arguments.new:
        print(f"wrote {new_migration(arguments.new).relative_to(Path.cwd())}: read it before committing it")  # noqa: T201 - the command's answer
    else:
        upgrade(get_settings().database_url)
