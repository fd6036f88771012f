"""`python -m cli.settings_directory edubasealldataYYYYMMDD.csv`: load the settings directory from the DfE's register of
schools and colleges (intake/settings_directory.py), as `POST /settings-directory/import` does for a manager.

The file is the "establishment fields" CSV from Get Information about Schools, read as windows-1252 (the register's
own) unless `--encoding` says otherwise or it starts with UTF-8's byte-order mark. The report (JSON) goes to stdout;
a file that cannot be loaded at all is said on stderr, with exit status 2, and nothing is loaded.
"""

import argparse
import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path

import structlog

from intake.settings_directory import MAX_REGISTER_BYTES, REGISTER_ENCODING, decode, load, read_register

log = structlog.get_logger(__name__)


async def _main(arguments: argparse.Namespace) -> int:
    from core.config import get_settings
    from core.logs import configure_logging
    from store.db import sessions_for

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, stream=sys.stderr)
    path = Path(arguments.file)
    try:
        size = path.stat().st_size
    except OSError as error:
        sys.stderr.write(f"{path.name} cannot be read: {error.strerror}\n")
        return 2
    if size > MAX_REGISTER_BYTES:
        sys.stderr.write(f"{path.name} is larger than {MAX_REGISTER_BYTES // 1024 // 1024} MB: not the register\n")
        return 2
    loaded_at = datetime.now(UTC)
    try:
        text = decode(path.read_bytes(), arguments.encoding)
        register = await asyncio.to_thread(read_register, text, loaded_at)
    except ValueError as error:
        sys.stderr.write(f"{path.name} could not be loaded: {error}\n")
        return 2
    async with sessions_for(settings.database_url) as sessions, sessions() as session:
        report = await load(session, register, loaded_at)
    log.info(
        "settings directory loaded from the command line",
        inserted=report.inserted,
        updated=report.updated,
        skipped=report.skipped,
    )
    sys.stdout.write(report.model_dump_json(indent=2) + "\n")
    return 0


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m cli.settings_directory",
        description="Load the settings directory from the register's establishment fields CSV.",
    )
    parser.add_argument("file", metavar="edubasealldataYYYYMMDD.csv")
    parser.add_argument(
        "--encoding",
        default=REGISTER_ENCODING,
        help=f"the file's character set (default {REGISTER_ENCODING}, the register's own)",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(asyncio.run(_main(_arguments(sys.argv[1:]))))
